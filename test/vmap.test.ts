// vmap against a loop of calls: random programs and axes, every primitive's batching rule,
// composition with the other transforms (both orders), loops and compile, and the errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, property, randArray, Rng } from "./helpers/check.js";
import { randomProgram } from "./helpers/random-program.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** Example b of `x` along `axis`. */
function example(x: NDArray, axis: number, b: number): NDArray {
  const nd = x.ndim, ax = axis < 0 ? axis + nd : axis;
  const starts = x.shape.map((_, i) => (i === ax ? b : 0));
  const ends = x.shape.map((d, i) => (i === ax ? b + 1 : d));
  return w.reshape(w.slice(x, starts, ends), x.shape.filter((_, i) => i !== ax));
}

/** What vmap(f, inAxes) must equal: f on each example, stacked along axis 0 (numbers become 0-d arrays). */
function loop(f: F, args: readonly unknown[], axes: readonly (number | null)[], size: number): NDArray {
  const outs: NDArray[] = [];
  let r0: unknown;
  for (let b = 0; b < size; b++) {
    const r = f(...args.map((a, i) => (axes[i] === null ? a : example(a as NDArray, axes[i]!, b))));
    r0 ??= r;
    const o = typeof r === "number" ? w.array(r) : (r as NDArray);
    outs.push(o.dtype === "bool" ? w.astype(o, "int32") : o);
  }
  // stack gives float64 for int32 parts: keep the examples' dtype.
  const s = w.stack(outs, 0);
  const want = outs[0]!.dtype === "int32" ? (typeof r0 === "object" && (r0 as NDArray).dtype === "bool" ? "bool" : "int32") : null;
  return want === null ? s : w.astype(s, want);
}

function sameArray(got: unknown, want: NDArray, tol = 1e-12, msg = "vmap vs loop"): void {
  assert.ok(got instanceof w.NDArray, `${msg}: expected an NDArray, got ${String(got)}`);
  assert.deepEqual(got.shape, want.shape, `${msg}: shapes`);
  assert.equal(got.dtype, want.dtype, `${msg}: dtypes`);
  assertClose(got, want, { rtol: tol }, msg);
}

test("vmap matches a loop of calls on random programs, axes and dtypes, and so does vmap(grad)", () => {
  let batchedRuns = 0, refused = 0;
  property((r: Rng) => {
    const f = randomProgram(r, 4);
    const B = r.int(1, 4), dtype = r.bool() ? "float64" : "float32";
    const axis = r.pick([0, 1, -1, -2]);
    const shape = axis === 0 || axis === -2 ? [B, 3] : [3, B];
    const x = randArray(shape, () => r.uniform(-1.5, 1.5), dtype);
    const sBatched = r.bool();
    const s = sBatched ? randArray([B], () => r.uniform(-1, 1), dtype) : r.uniform(-1, 1);
    const axes = [axis, sBatched ? 0 : null];
    const tol = dtype === "float32" ? 1e-5 : 1e-12;
    try {
      const got = w.vmap(f, { inAxes: axes })(x, s);
      sameArray(got, loop(f, [x, s], axes, B), tol, `${f.text} (axis ${axis})`);
      const g = w.vmap(w.grad(f), { inAxes: axes })(x, s);
      sameArray(g, loop(w.grad(f), [x, s], axes, B), tol * 10, `grad ${f.text}`);
      batchedRuns++;
    } catch (e) {
      // The one refusal: a comparison of batched plain numbers (its JS boolean cannot hold a batch;
      // where(x > 0, …) in softplus and sigmoid compares too), and only toScalar makes them here.
      if (!(e instanceof w.BatchingError)) throw e;
      assert.ok(f.text.includes("toScalar") && e.message.includes("JS boolean"), `only comparisons of batched numbers may refuse, but ${f.text} threw ${e.message}`);
      refused++;
    }
  }, 60);
  assert.ok(batchedRuns > 3 * refused, `most programs batch (${batchedRuns} did, ${refused} refused)`);
});

test("each primitive's batching rule agrees with a loop over examples", () => {
  const r = new Rng(7);
  const B = 3;
  const m = (shape: number[]) => randArray(shape, () => r.uniform(-1, 1));
  const spd = w.stack([0, 1, 2].map(() => { const a = m([3, 3]); return w.add(w.matmul(a, w.transpose(a)), w.mul(3, w.eye(3))); }), 0);
  const idx = w.array([2, 0, 1, 1], { dtype: "int32" });
  const cases: [string, F, unknown[], (number | null)[]][] = [
    ["sum over an axis", (x) => w.sum(x, 1), [m([B, 2, 4])], [0]],
    ["max keepdims", (x) => w.max(x, 0, true), [m([2, B, 4])], [1]],
    ["min over all", (x) => w.min(x), [m([4, B])], [1]],
    ["argmax", (x) => w.argmax(x, 1), [m([B, 2, 4])], [0]],
    ["cumsum", (x) => w.cumsum(x, 0), [m([B, 4])], [0]],
    ["argsort", (x) => w.argsort(x, -1), [m([B, 5])], [0]],
    ["sort", (x) => w.sort(x), [m([B, 5])], [0]],
    ["transpose", (x) => w.transpose(x), [m([2, 3, B])], [2]],
    ["reshape", (x) => w.reshape(x, [6]), [m([B, 2, 3])], [0]],
    ["broadcastTo", (x) => w.broadcastTo(x, [2, 4]), [m([B, 4])], [0]],
    ["slice", (x) => w.slice(x, [1], [4], [2]), [m([B, 5])], [0]],
    ["pad", (x) => w.pad(x, [[1, 2]]), [m([B, 3])], [0]],
    ["concat with an unbatched part", (x, y) => w.concat([x, y], 0), [m([B, 2]), m([3])], [0, null]],
    ["stack", (x, y) => w.stack([x, y], 1), [m([B, 2]), m([B, 2])], [0, 0]],
    ["take (unbatched indices)", (x) => w.take(x, idx, 0), [m([B, 3])], [0]],
    ["take (batched indices)", (x, i) => w.take(x, i, 0), [m([B, 3]), w.array([[0, 2], [1, 1], [2, 0]], { dtype: "int32" })], [0, 0]],
    ["matmul batched @ shared", (a, b) => w.matmul(a, b), [m([B, 2, 3]), m([3, 4])], [0, null]],
    ["matmul shared @ batched", (a, b) => w.matmul(a, b), [m([2, 3]), m([3, B, 4])], [null, 1]],
    ["matrix-vector", (a, v) => w.matmul(a, v), [m([B, 2, 3]), m([B, 3])], [0, 0]],
    ["where with arrays", (c, a) => w.where(w.greater(c, 0), a, w.neg(a)), [m([B, 3]), m([3])], [0, null]],
    ["maximum of a batch and a shared array", (a, b) => w.maximum(a, b), [m([B, 3]), m([3])], [0, null]],
    ["toScalar", (x) => w.toScalar(w.sum(x)), [m([B, 3])], [0]],
    ["astype", (x) => w.astype(x, "float32"), [m([B, 3])], [0]],
    ["solve", (a, b) => w.linalg.solve(a, b), [spd, m([3, 2])], [0, null]],
    ["cholesky", (a) => w.linalg.cholesky(a), [spd], [0]],
    ["det", (a) => w.linalg.det(a), [spd], [0]],
    ["eigh", (a) => w.linalg.eigh(a)[0], [spd], [0]],
    ["erf", (x) => w.erf(x), [m([B, 2])], [0]],
    ["floor and remainder", (x) => w.add(w.floor(x), w.remainder(x, 0.3)), [m([B, 2])], [0]],
    ["isnan", (x) => w.isnan(w.log(x)), [m([B, 3])], [0]],
    ["takeAlongAxis", (x) => w.takeAlongAxis(x, w.argsort(x, 0), 0), [m([B, 4])], [0]],
    ["random with batched keys", (k) => w.random.normal(k, [2]), [w.astype(w.stack(w.random.split(w.random.key(1), B), 0), "int32")], [0]],
  ];
  for (const [name, f, args, axes] of cases) {
    const size = (args[axes.findIndex((a) => a !== null)] as NDArray).shape[axes.find((a) => a !== null)!]!;
    sameArray(w.vmap(f, { inAxes: axes })(...args), loop(f, args, axes, size), 1e-12, name);
  }
});

test("vmap composes with grad, jvp, jacfwd, jacrev, hessian and itself, in both orders", () => {
  const r = new Rng(3);
  const X = randArray([4, 3], () => r.uniform(-1, 1));
  const p = randArray([3], () => r.uniform(-1, 1));
  const loss = (q: NDArray, x: NDArray) => w.sum(w.tanh(w.mul(q, x)));
  // Per-example gradients, and the gradient of a batched sum.
  sameArray(w.vmap(w.grad(loss), { inAxes: [null, 0] })(p, X), loop(w.grad(loss), [p, X], [null, 0], 4));
  assertClose(w.grad((q: NDArray) => w.sum(w.vmap((x: NDArray) => loss(q, x))(X)))(p), w.grad((q: NDArray) => loss(q, X))(p));
  // jvp inside and outside.
  const t = randArray([4, 3], () => r.uniform(-1, 1));
  const inner = w.vmap((x: NDArray, dx: NDArray) => w.jvp((y: NDArray) => w.sin(y), [x], [dx])[1])(X, t);
  assertClose(inner, w.mul(w.cos(X), t));
  const outer = w.jvp((x: NDArray) => w.vmap((y: NDArray) => w.sum(w.sin(y)))(x), [X], [t])[1];
  assertClose(outer, w.sum(w.mul(w.cos(X), t), 1));
  // Jacobians of a batched function: block diagonal.
  const jf = w.jacfwd(w.vmap((x: NDArray) => w.sum(w.square(x))))(X);
  assertClose(jf, w.jacrev(w.vmap((x: NDArray) => w.sum(w.square(x))))(X));
  assertClose(w.reshape(w.slice(jf, [1, 1, 0], [2, 2, 3]), [3]), w.mul(2, example(X, 0, 1)));
  // Per-example Hessians.
  const h = w.vmap(w.hessian((x: NDArray) => w.sum(w.pow(x, 3))))(X);
  sameArray(h, loop(w.hessian((x: NDArray) => w.sum(w.pow(x, 3))), [X], [0], 4));
  // Nested vmap: an outer product.
  const outerProduct = w.vmap(w.vmap((a: NDArray, b: NDArray) => w.mul(a, b), { inAxes: [null, 0] }), { inAxes: [0, null] });
  const a = w.array([1, 2, 3]), b = w.array([10, 20]);
  sameArray(outerProduct(a, b), w.mul(w.reshape(a, [3, 1]), w.reshape(b, [1, 2])));
});

test("vmap batches scan lines by batching their body, under grad too, and composes with compile", () => {
  const r = new Rng(5);
  const xs = randArray([3, 5], () => r.uniform(-1, 1));
  const run = (w0: NDArray, x: NDArray) => w.scan((c: NDArray, xi: number) => [w.tanh(w.add(w.mul(c, w0), xi)), w.sum(c)], w.array([0.5, -0.5]), x);
  const w0 = w.array([0.9, 1.1]);
  const got = w.vmap(run, { inAxes: [null, 0] })(w0, xs) as [NDArray, NDArray];
  const want = [0, 1, 2].map((b) => run(w0, example(xs, 0, b)) as [NDArray, NDArray]);
  sameArray(got[0], w.stack(want.map((o) => o[0]), 0));
  sameArray(got[1], w.stack(want.map((o) => o[1]), 0));
  // Per-example gradients through the loop, and the gradient of the batched loop.
  const loss = (q: NDArray, x: NDArray) => w.sum((run(q, x) as [NDArray, NDArray])[0]);
  sameArray(w.vmap(w.grad(loss), { inAxes: [null, 0] })(w0, xs), loop(w.grad(loss), [w0, xs], [null, 0], 3));
  assertClose(w.grad((q: NDArray) => w.sum(w.vmap((x: NDArray) => loss(q, x))(xs)))(w0), w.grad((q: NDArray) => w.add(w.add(loss(q, example(xs, 0, 0)), loss(q, example(xs, 0, 1))), loss(q, example(xs, 0, 2))))(w0));
  // compile outside and inside.
  const f = (x: NDArray) => w.sum(w.exp(w.sin(x)));
  const want2 = loop(f, [xs], [0], 3);
  sameArray(w.compile(w.vmap(f))(xs), want2);
  sameArray(w.compile(w.vmap(f))(xs), want2);
  sameArray(w.vmap(w.compile(f))(xs), want2);
  sameArray(w.vmap(w.compile(w.grad(f)))(xs), loop(w.grad(f), [xs], [0], 3));
});

test("vmap: inAxes and outAxes over pytrees, unbatched outputs broadcast, typed arrays", () => {
  const f = (p: { a: NDArray; b: number }, k: NDArray) => ({ s: w.mul(p.a, p.b), t: p.b, u: w.sum(k) });
  const out = w.vmap(f, { inAxes: [{ a: 1, b: null }, null], outAxes: { s: 1, t: null, u: 0 } })({ a: w.array([[1, 2], [3, 4]]), b: 3 }, w.array([1, 2]));
  assertClose(out.s, w.array([[3, 6], [9, 12]]));
  assert.equal(out.t, 3);
  assertClose(out.u, w.array([3, 3]));
  assert.deepEqual((out.u as NDArray).shape, [2]);
  const typed = w.vmap((x: NDArray) => w.mul(x, 2))(new Float64Array([1, 2, 3]) as never);
  assertClose(typed, w.array([2, 4, 6]));
});

test("vmap's errors name vmap, the argument's path and the shapes", () => {
  const add = (x: NDArray, y: NDArray) => w.add(x, y);
  assertThrowsWith(() => w.vmap(add)(w.array([1, 2]), w.array([1, 2, 3])), w.ShapeError, ["vmap", "argument 0 (shape [2], axis 0): 2", "argument 1 (shape [3], axis 0): 3"]);
  assertThrowsWith(() => w.vmap(add, { inAxes: [0, 2] })(w.array([1, 2]), w.array([[1, 2]])), w.ShapeError, ["vmap", "axis 2", "argument 1", "[1,2]"]);
  assertThrowsWith(() => w.vmap((x: number) => w.sin(x))(2), w.ShapeError, ["vmap", "is a number", "null in inAxes"]);
  assertThrowsWith(() => w.vmap(add, { inAxes: [0] })(w.array([1]), w.array([2])), w.ArgumentError, ["vmap", "inAxes has 1 entries", "2 arguments"]);
  assertThrowsWith(() => w.vmap(add, { inAxes: null })(w.array([1]), w.array([2])), w.ArgumentError, ["vmap", "no argument is batched"]);
  assertThrowsWith(() => w.vmap((p: { a: NDArray }) => p.a, { inAxes: [[0]] })({ a: w.array([1]) }), w.ArgumentError, ["vmap", "does not match its structure"]);
  assertThrowsWith(() => w.vmap((x: NDArray) => w.sin(x), { outAxes: null })(w.array([1, 2])), w.ShapeError, ["vmap", "outAxes is null", "batched"]);
  // A comparison of batched plain numbers would be one JS boolean for the whole batch.
  assertThrowsWith(() => w.vmap((x: NDArray) => (w.greater(w.toScalar(w.sum(x)), 0) ? 1 : 0))(w.array([[1], [-1]])), w.BatchingError, ["greater", "vmap", "where(cond, a, b)"]);
  assertThrowsWith(() => w.vmap((x: NDArray) => w.value(x))(w.array([1, 2])), w.BatchingError, ["value", "vmap"]);
  // Comparing arrays is fine: each example keeps its own bool array.
  assertClose(w.vmap((x: NDArray) => w.where(w.greater(x, 0), x, 0))(w.array([1, -2, 3])), w.array([1, 0, 3]));
  // A shape error inside is the primitive's own, on one example's shapes.
  assertThrowsWith(() => w.vmap((x: NDArray) => w.matmul(x, w.ones([3, 2])))(w.ones([4, 2, 2])), w.ShapeError, ["matmul", "[2,2] @ [3,2]"]);
});

test("vmap through foriLoop and whileLoop (a batched condition: each example runs its own trip count)", () => {
  const xs = w.array([[1, 2], [3, 4], [0.5, 0.25]]);
  const pow3 = (x: NDArray) => w.foriLoop(0, 3, (_i, c: NDArray) => w.mul(c, x), w.add(w.mul(x, 0), 1));
  sameArray(w.vmap(pow3)(xs), loop(pow3, [xs], [0], 3));
  // Trip counts that differ between examples (4, 1 and 5 doublings): one while line runs until the last example is done (vmap-while.test.ts).
  const grow = (x: NDArray) => w.whileLoop((c: NDArray) => w.less(w.sum(c), 10), (c: NDArray) => w.mul(c, 2), x);
  sameArray(w.vmap(grow)(xs), loop(grow, [xs], [0], 3));
  // A condition on unbatched values runs the same loop for every example.
  const steps = (x: NDArray) => w.whileLoop((c: [number, NDArray]) => c[0] < 3, (c: [number, NDArray]) => [c[0] + 1, w.add(c[1], x)] as [number, NDArray], [0, w.mul(x, 0)] as [number, NDArray])[1];
  sameArray(w.vmap(steps)(xs), w.mul(xs, 3));
});
