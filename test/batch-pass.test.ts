// A batched Jacobian's pass gives its intermediate batches back to the buffer pool (batch-pass.ts):
// a repeated Jacobian reuses them and gives the same result, nothing it returns is ever handed
// out again (a result that is a view of an intermediate batch included), and a Jacobian that
// another transform encloses pools nothing (that transform may hold its batches as constants).

import { describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { clearPool, poolStats } from "../src/array/pool.js";
import { assertClose } from "./helpers/check.js";

const N = 64; // a [64, 64] float64 batch is 32 KiB: above the pool's 4 KiB floor
const x0 = w.cos(w.arange(N));
const c = w.add(w.arange(N), 1);
const roll = (x: NDArray) => w.concat([w.slice(x, [1]), w.slice(x, [0], [1])]);
/** R^N → R^N, through broadcasts, a concat and elementwise ops on the dense batches. */
const f = (x: NDArray) => w.mul(w.sin(x), w.add(roll(x), w.mul(c, x)));
const snapshot = (a: NDArray) => Float64Array.from(a.data);
const dense = { structured: false } as const;

describe("batched Jacobian passes and the buffer pool", () => {
  beforeEach(() => clearPool());

  for (const [name, jac] of [["jacfwd", w.jacfwd], ["jacrev", w.jacrev]] as const) {
    test(`a repeated dense ${name} reuses its batches' buffers; earlier results keep their contents`, () => {
      const jf = jac(f, dense);
      const kept: [NDArray, Float64Array][] = [];
      const J1 = jf(x0) as NDArray;
      kept.push([J1, snapshot(J1)]);
      const before = poolStats.reused;
      for (let i = 1; i < 5; i++) {
        const J = jf(w.add(x0, i)) as NDArray;
        kept.push([J, snapshot(J)]);
      }
      assert.ok(poolStats.reused > before, "later calls took buffers from the pool");
      for (const [J, copy] of kept) assert.deepEqual(snapshot(J), copy);
      // The same Jacobian one basis vector at a time, through the public jvp.
      for (let j = 0; j < N; j += 9) {
        const e = w.array(Array.from({ length: N }, (_, k) => (k === j ? 1 : 0)));
        const [, col] = w.jvp(f, [x0], [e]) as [NDArray, NDArray];
        const got = Array.from({ length: N }, (_, i) => J1.data[i * N + j]!);
        assertClose(got, Array.from(col.data), { rtol: 1e-13, atol: 1e-15 }, `column ${j}`);
      }
    });
  }

  test("a Jacobian that is a view of the pass's last batch keeps that buffer", () => {
    // jacrev of an elementwise f: the result is the output cotangent batch, reshaped (a view).
    const jf = w.jacrev((x: NDArray) => w.mul(w.sin(x), c), dense);
    const J1 = jf(x0) as NDArray, copy = snapshot(J1);
    for (let i = 1; i < 4; i++) jf(w.add(x0, i));
    assert.deepEqual(snapshot(J1), copy);
  });

  test("a repeated top-level vmap (and vmap of grad) reuses buffers; earlier results keep their contents", () => {
    const X = w.reshape(w.cos(w.arange(N * N)), [N, N]);
    const scaled = (x: NDArray) => w.mul(w.sin(x), c), perExample = w.grad((x: NDArray) => w.sum(w.mul(f(x), x)));
    for (const one of [scaled, perExample]) {
      const g = w.vmap(one);
      clearPool();
      const kept: [NDArray, Float64Array][] = [];
      let reused = 0;
      for (let i = 0; i < 4; i++) {
        const before = poolStats.reused;
        const Y = g(w.add(X, i)) as NDArray;
        if (i > 0) reused += poolStats.reused - before;
        kept.push([Y, snapshot(Y)]);
      }
      assert.ok(reused > 0, "later calls took buffers from the pool");
      for (const [Y, copy] of kept) assert.deepEqual(snapshot(Y), copy);
      // Example 5 of the first call against the function on that example alone.
      const row = one(w.reshape(w.slice(X, [5, 0], [6, N]), [N])) as NDArray;
      assertClose(Array.from(kept[0]![1].subarray(5 * N, 6 * N)), Array.from(row.data), { rtol: 1e-13, atol: 1e-15 }, "example 5");
    }
  });

  test("hessian (jacfwd of grad) repeated gives the same Hessian", () => {
    const h = w.hessian((x: NDArray) => w.sum(w.mul(f(x), x)), dense);
    const H1 = h(x0) as NDArray, copy = snapshot(H1);
    const H2 = h(x0) as NDArray;
    assert.deepEqual(snapshot(H2), copy);
    h(w.add(x0, 1));
    assert.deepEqual(snapshot(H1), copy);
  });

  test("under an enclosing grad a Jacobian pools nothing, and its gradient is right", () => {
    const loss = (x: NDArray) => w.sum(w.square(w.jacfwd(f, dense)(x) as NDArray));
    const g = w.grad(loss);
    // Pooled early, a batch the outer tape keeps for its sweep would be overwritten by the next op.
    const g1 = snapshot(g(x0) as NDArray);
    const again = snapshot(g(x0) as NDArray);
    assert.deepEqual(again, g1);
    // Against central differences of the loss along a few directions.
    const h = 1e-6;
    for (const j of [0, 17, 63]) {
      const e = w.array(Array.from({ length: N }, (_, k) => (k === j ? h : 0)));
      const fd = ((loss(w.add(x0, e)) as NDArray).item() - (loss(w.sub(x0, e)) as NDArray).item()) / (2 * h);
      assertClose(g1[j]!, fd, { rtol: 1e-5, atol: 1e-6 }, `∂loss/∂x${j}`);
    }
  });
});
