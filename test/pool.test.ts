// The buffer pool: an eager gradient hands its intermediates' buffers back when its tape is
// released, and the next gradient reuses them; nothing a caller can reach is ever handed back
// (the value, the gradients, views of intermediates, arrays read out with value()), and
// nested transforms, which may hold a tape's concrete arrays as their constants, never pool.
// A compiled function's calls give back their temporaries the same way, never what they return.

import { describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { clearPool, poolStats } from "../src/array/pool.js";

const N = 5000; // 40 KB float64 arrays: above the pool's 4 KiB floor
const x0 = w.cos(w.arange(N));
const rosen = (x: NDArray) => {
  const head = w.slice(x, [0], [N - 1]), tail = w.slice(x, [1]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(tail, w.square(head)))), w.square(w.sub(1, head))));
};
const snapshot = (a: NDArray) => Float64Array.from(a.data);

describe("buffer pool", () => {
  beforeEach(() => clearPool());

  test("a repeated eager gradient reuses its intermediates' buffers and gives the same result", () => {
    const g = w.valueAndGrad(rosen);
    const [y1, g1] = g(x0) as [NDArray, NDArray];
    const first = snapshot(g1), v1 = y1.item();
    const before = poolStats.reused;
    const [y2, g2] = g(x0) as [NDArray, NDArray];
    assert.ok(poolStats.reused > before, "the second call took buffers from the pool");
    assert.equal(y2.item(), v1);
    assert.deepEqual(snapshot(g2), first);
    assert.notEqual(g2.data.buffer, g1.data.buffer, "a returned gradient is never handed out again");
  });

  test("returned values and gradients keep their contents through later gradients", () => {
    const g = w.valueAndGrad((x: NDArray) => w.sum(w.mul(w.sin(x), w.exp(w.mul(x, 0.1)))));
    const kept: [NDArray, Float64Array][] = [];
    for (let i = 0; i < 6; i++) {
      const [, gr] = g(w.add(x0, i)) as [NDArray, NDArray];
      kept.push([gr, snapshot(gr)]);
    }
    for (const [gr, copy] of kept) assert.deepEqual(snapshot(gr), copy);
  });

  test("a gradient that is a view of an intermediate cotangent keeps that buffer", () => {
    const X = w.reshape(x0, [50, 100]);
    const g = w.grad((x: NDArray) => w.sum(w.mul(w.reshape(w.square(x), [-1]), w.arange(N))));
    const g1 = g(X) as NDArray, copy = snapshot(g1);
    for (let i = 0; i < 4; i++) g(w.add(X, i));
    assert.deepEqual(snapshot(g1), copy);
  });

  test("arrays read out with value() inside the function are never handed back", () => {
    let seen: NDArray[] = [];
    const f = (x: NDArray) => {
      const h = w.exp(w.mul(x, 0.01));
      seen.push(w.value(h) as NDArray);
      return w.sum(w.square(h));
    };
    const g = w.grad(f);
    g(x0);
    const first = seen[0]!, copy = snapshot(first);
    seen = [];
    for (let i = 0; i < 4; i++) g(w.add(x0, i + 1));
    assert.deepEqual(snapshot(first), copy);
  });

  test("second derivatives (nested tapes, whose arrays an enclosing transform may hold) are unaffected", () => {
    const v = w.sin(w.arange(N));
    const hvp = () => snapshot(w.hvp(rosen, x0, v) as NDArray);
    const gg = () => snapshot(w.grad((x: NDArray) => w.sum(w.mul(w.grad(rosen)(x) as NDArray, v)))(x0) as NDArray);
    const h1 = hvp(), r1 = gg();
    assert.deepEqual(hvp(), h1);
    assert.deepEqual(gg(), r1);
    for (let i = 0; i < N; i++) assert.ok(Math.abs(r1[i]! - h1[i]!) <= 1e-9 * (1 + Math.abs(h1[i]!)), `forward-over-reverse and reverse-over-reverse agree at ${i}`);
  });

  test("a compiled function's calls reuse their temporaries' buffers and never hand out what they returned", () => {
    const X = w.reshape(x0, [50, 100]), M = w.reshape(w.sin(w.arange(100 * 60)), [100, 60]);
    // matmul and sum are kernel lines (not fused), so their results are the call's own allocations.
    const f = (x: NDArray) => {
      const h = w.tanh(w.matmul(x, M));
      return [w.sum(h, 0), w.matmul(h, w.transpose(M)), w.reshape(h, [-1])];
    };
    const cf = w.compile(f);
    const outs: [NDArray, Float64Array][] = [];
    for (let i = 0; i < 5; i++) for (const o of cf(w.add(X, i)) as NDArray[]) outs.push([o, snapshot(o)]);
    const before = poolStats.reused;
    const last = cf(X) as NDArray[];
    assert.ok(poolStats.reused > before, "a later call took buffers from the pool");
    for (const [o, copy] of outs) assert.deepEqual(snapshot(o), copy, "a returned array kept its contents");
    const want = f(X);
    last.forEach((o, i) => assert.deepEqual(snapshot(o), snapshot(want[i]!), `output ${i} is the eager one`));
  });
});
