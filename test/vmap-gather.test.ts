// take and scatterAdd with batched indices under vmap: one gather or scatter on the batch, equal
// to the examples one by one, and per-example gradients of an embedding lookup.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose, randArray, Rng } from "./helpers/check.js";
import { perExample } from "./helpers/vmap-loop.js";

const ops = (f: (...a: never[]) => unknown, ...args: unknown[]) => w.trace(f as never, ...(args as never[])).lines.map((l) => l.op);

test("vmap of take with batched indices on any axis, the operand batched or shared: one take", () => {
  const r = new Rng(11);
  for (const dtype of ["float64", "float32"] as const) {
    const B = 3;
    const x = randArray([B, 4, 5, 2], () => r.uniform(-1, 1), dtype);
    const shared = randArray([4, 5, 2], () => r.uniform(-1, 1), dtype);
    for (const axis of [0, 1, 2]) {
      const n = [4, 5, 2][axis]!;
      const idx = randArray([B, 2, 3], () => r.int(0, n - 1), "int32");
      const f = (a: NDArray, i: NDArray) => w.take(a, i, axis);
      assertClose(w.vmap(f)(x, idx), perExample(f, [x, idx], [0, 0], B), {}, `batched operand, axis ${axis}`);
      assertClose(w.vmap(f, { inAxes: [null, 0] })(shared, idx), perExample(f, [shared, idx], [null, 0], B), {}, `shared operand, axis ${axis}`);
      // Indices batched along their last axis, the output's batch axis elsewhere.
      const idxT = w.transpose(idx, [1, 2, 0]);
      const got = w.vmap(f, { inAxes: [0, -1], outAxes: -1 })(x, idxT);
      assertClose(w.transpose(got, [got.ndim - 1, ...Array.from({ length: got.ndim - 1 }, (_, i) => i)]), perExample(f, [x, idx], [0, 0], B), {}, `inAxes -1, outAxes -1, axis ${axis}`);
    }
  }
  const idx = w.array([[0, 2], [1, 1], [2, 0]], { dtype: "int32" });
  const lines = ops((e: NDArray, i: NDArray) => w.vmap((a: NDArray, j: NDArray) => w.take(a, j, 0))(e, i), w.ones([3, 3, 2]), idx);
  assert.equal(lines.filter((o) => o === "take").length, 1, `one take, not one per example: ${lines.join(" ")}`);
});

test("vmap of scatterAdd with batched indices (take's transpose): one scatter", () => {
  const r = new Rng(12);
  for (const dtype of ["float64", "float32"] as const) {
    const B = 4;
    for (const axis of [0, 1]) {
      const shape = [3, 4];
      const idx = randArray([B, 5], () => r.int(0, shape[axis]! - 1), "int32");
      const gShape = axis === 0 ? [5, 4] : [3, 5];
      const g = randArray([B, ...gShape], () => r.uniform(-1, 1), dtype);
      // scatterAdd is reached through take's VJP: vjp of take at a shared x, per-example indices and cotangents.
      const pull = (v: NDArray, i: NDArray) => w.vjp((x: NDArray) => w.take(x, i, axis), w.zeros(shape, dtype))[1](v)[0] as NDArray;
      assertClose(w.vmap(pull)(g, idx), perExample(pull, [g, idx], [0, 0], B), {}, `${dtype}, axis ${axis}`);
      const lines = ops((v: NDArray, i: NDArray) => w.vmap(pull)(v, i), g, idx);
      assert.equal(lines.filter((o) => o === "scatterAdd").length, 1, `one scatter: ${lines.join(" ")}`);
      assertClose(w.vmap(pull, { inAxes: [null, 0] })(w.ones(gShape, dtype), idx), perExample(pull, [w.ones(gShape, dtype), idx], [null, 0], B), {}, `shared cotangent, ${dtype}, axis ${axis}`);
    }
  }
});

test("per-example gradients of an embedding lookup: vmap(grad(f)) equals the gradients one by one, one scatter", () => {
  const r = new Rng(13);
  for (const dtype of ["float64", "float32"] as const) {
    const E = randArray([6, 3], () => r.uniform(-1, 1), dtype);
    const ids = randArray([5, 4], () => r.int(0, 5), "int32");
    const y = randArray([5, 3], () => r.uniform(-1, 1), dtype);
    const loss = (e: NDArray, i: NDArray, t: NDArray) => w.sum(w.square(w.sub(w.sum(w.tanh(w.take(e, i, 0)), 0), t)));
    const got = w.vmap(w.grad(loss), { inAxes: [null, 0, 0] })(E, ids, y);
    assertClose(got, perExample(w.grad(loss), [E, ids, y], [null, 0, 0], 5), { rtol: dtype === "float32" ? 1e-5 : 1e-12 }, dtype);
    const lines = ops((e: NDArray, i: NDArray, t: NDArray) => w.vmap(w.grad(loss), { inAxes: [null, 0, 0] })(e, i, t), E, ids, y);
    assert.equal(lines.filter((o) => o === "scatterAdd").length, 1, `one scatter: ${lines.join(" ")}`);
    assert.equal(lines.filter((o) => o === "take").length, 1, `one take: ${lines.join(" ")}`);
  }
});
