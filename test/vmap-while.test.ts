// whileLoop under vmap with a batched condition, JAX's way: one while line that runs while any
// example's cond holds, where() keeping the finished examples' carries; equal to the examples
// run one by one, under grad and jvp of the batched function, and compiled.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, property, randArray, Rng } from "./helpers/check.js";
import { randomProgram } from "./helpers/random-program.js";
import { perExample } from "./helpers/vmap-loop.js";

const DTYPES = ["float64", "float32"] as const;
const tol = (d: string) => ({ rtol: d === "float32" ? 1e-5 : 1e-12 });
const lines = (f: (...a: never[]) => unknown, ...args: unknown[]) => w.trace(f as never, ...(args as never[])).lines.map((l) => l.op);

/** Doubles c until its sum reaches 10: each example its own trip count. */
const grow = (x: NDArray) => w.whileLoop((c: NDArray) => w.less(w.sum(c), 10), (c: NDArray) => w.mul(c, 2), x);

test("a batched cond: one while line, each example's carry that of its own trip count", () => {
  for (const dtype of DTYPES) {
    const xs = w.array([[1, 2], [3, 4], [0.5, 0.25], [20, 1]], { dtype });
    assertClose(w.vmap(grow)(xs), perExample(grow, [xs], [0], 4), tol(dtype), dtype);
    // Batched along axis 1, out along axis 1.
    const got = w.vmap(grow, { inAxes: 1, outAxes: 1 })(w.transpose(xs));
    assertClose(got, w.transpose(perExample(grow, [xs], [0], 4)), tol(dtype), `${dtype} axes 1`);
  }
  const ops = lines((x: NDArray) => w.vmap(grow)(x), w.array([[1, 2], [3, 4], [0.5, 0.25]]));
  assert.equal(ops.filter((o) => o === "while").length, 1, `one while line: ${ops.join(" ")}`);
  assert.ok(!ops.includes("index"), `no example taken apart: ${ops.join(" ")}`);
});

test("a batched cond with branches, one closing over a batched bound, and carries of every kind", () => {
  const r = new Rng(31);
  // cond takes a JS branch on each example's sign: its list has a variant per outcome met.
  const signed = (x: NDArray) => w.whileLoop(
    (c: NDArray) => (w.greater(w.sum(c), 0) ? w.less(w.sum(c), 10) : w.greater(w.sum(c), -10)),
    (c: NDArray) => w.mul(c, 1.5), x);
  const xs = randArray([6, 3], () => r.uniform(-2, 2));
  assertClose(w.vmap(signed)(xs), perExample(signed, [xs], [0], 6), tol("float64"), "branches");
  // Every example starts on one branch and crosses to the other a few steps later: the batched
  // cond meets the new branch mid-loop and traces it there, eagerly and compiled.
  const crossing = (x: NDArray) => w.whileLoop(
    (c: NDArray) => (w.greater(w.sum(c), 0) ? w.less(w.sum(c), 7) : w.greater(w.sum(c), -100)),
    (c: NDArray) => w.add(c, 1), x);
  const neg = w.array([[-3, -1], [-0.5, -2], [-6, -4]]);
  assertClose(w.vmap(crossing)(neg), perExample(crossing, [neg], [0], 3), tol("float64"), "crossing");
  assertClose(w.compile(w.vmap(crossing))(neg), perExample(crossing, [neg], [0], 3), tol("float64"), "crossing, compiled");
  // The body branches on each example's carry too: each example takes its own branch per step.
  const zigzag = (x: NDArray) => w.whileLoop(
    (c: NDArray) => w.less(w.sum(c), 30),
    (c: NDArray) => (w.greater(w.sum(c), 5) ? w.add(c, 1) : w.mul(c, 3)), x);
  const small = w.array([[0.5, 0.2], [4, 4], [1, 0.1], [0.01, 0.02]]);
  assertClose(w.vmap(zigzag)(small), perExample(zigzag, [small], [0], 4), tol("float64"), "body branches");
  assertClose(w.compile(w.vmap(zigzag))(small), perExample(zigzag, [small], [0], 4), tol("float64"), "body branches, compiled");
  const zl = (x: NDArray) => w.sum(w.sin(zigzag(x)));
  assertClose(w.grad((x: NDArray) => w.sum(w.vmap(zl)(x)))(small), perExample(w.grad(zl), [small], [0], 4), tol("float64"), "grad(vmap), body branches");
  // Nested vmap: each of 2 × 3 examples its own trip count.
  const grid = w.reshape(w.arange(1, 13), [2, 3, 2]);
  const want2 = w.reshape(perExample(grow, [w.reshape(grid, [6, 2])], [0], 6), [2, 3, 2]);
  assertClose(w.vmap(w.vmap(grow))(grid), want2, tol("float64"), "nested vmap");
  assertClose(w.vmap(w.vmap(zigzag), { inAxes: 1, outAxes: 1 })(w.transpose(w.mul(grid, 0.3), [1, 0, 2])), w.transpose(w.reshape(perExample(zigzag, [w.reshape(w.mul(grid, 0.3), [6, 2])], [0], 6), [2, 3, 2]), [1, 0, 2]), tol("float64"), "nested vmap, body branches");
  // A bound per example, a step counter (a JS number carry) and an int32 carry.
  const counted = (x: NDArray, bound: NDArray) => w.whileLoop(
    (c: [number, NDArray, NDArray]) => w.less(w.sum(c[1]), bound),
    (c: [number, NDArray, NDArray]) => [w.add(c[0], 1), w.add(w.mul(c[1], 1.3), 0.1), w.astype(w.add(c[2], 2), "int32")] as [number, NDArray, NDArray],
    [0, x, w.array([1], { dtype: "int32" })] as [number, NDArray, NDArray]);
  const pos = w.abs(xs);
  const bounds = w.array([1, 5, 20, 0, 3, 8]);
  const got = w.vmap(counted)(pos, bounds) as [NDArray, NDArray, NDArray];
  const want = [0, 1, 2, 3, 4, 5].map((b) => counted(w.take(pos, [b], 0).reshape([3]), w.reshape(w.take(bounds, [b], 0), [])));
  assertClose(got[0], w.array(want.map((o) => o[0])), {}, "step counts");
  assertClose(got[1], w.stack(want.map((o) => o[1]), 0), tol("float64"), "carries");
  assert.equal(got[2].dtype, "int32");
  assertClose(w.astype(got[2], "float64"), w.astype(w.stack(want.map((o) => o[2]), 0), "float64"), {}, "int32 carry");
  // `c + 1` on a traced carry runs the loop step by step: its batched cond is then an error, not example 0's truth for all.
  const jsPlus = (x: NDArray, bound: NDArray) => w.whileLoop((c: [number, NDArray]) => w.less(w.sum(c[1]), bound), (c: [number, NDArray]) => [c[0] + 1, w.mul(c[1], 2)] as [number, NDArray], [0, x] as [number, NDArray]);
  assertThrowsWith(() => w.vmap(jsPlus)(pos, bounds), w.BatchingError, ["vmap", "whileLoop cond", "add(c, 1)"]);
});

test("grad and jvp of a batched while with a batched cond equal the per-example derivatives; compiled too", () => {
  for (const dtype of DTYPES) {
    const xs = w.array([[1, 2], [3, 4], [0.5, 0.25]], { dtype });
    const loss = (x: NDArray) => w.sum(w.sin(grow(x)));
    const g = w.grad((x: NDArray) => w.sum(w.vmap(loss)(x)))(xs);
    assertClose(g, perExample(w.grad(loss), [xs], [0], 3), tol(dtype), `grad(vmap) ${dtype}`);
    const t = w.array([[1, 0], [0, 1], [1, 1]], { dtype });
    const jt = w.jvp(w.vmap(loss), [xs], [t])[1];
    assertClose(jt, w.sum(w.mul(perExample(w.grad(loss), [xs], [0], 3), t), 1), tol(dtype), `jvp(vmap) ${dtype}`);
    const cf = w.compile(w.vmap(grow));
    assertClose(cf(xs), perExample(grow, [xs], [0], 3), tol(dtype), `compile ${dtype}`);
    // Other values, other trip counts: the compiled loop runs them too.
    const ys = w.array([[9, 0.5], [0.1, 0.1], [2, 2]], { dtype });
    assertClose(cf(ys), perExample(grow, [ys], [0], 3), tol(dtype), `compile again ${dtype}`);
    assertClose(w.compile(w.grad((x: NDArray) => w.sum(w.vmap(loss)(x))))(xs), g, tol(dtype), `compile(grad(vmap)) ${dtype}`);
  }
});

test("vmap(grad(f)) through a while: each example's gradient through its own trip count, float64 and float32, compiled and nested", () => {
  for (const dtype of DTYPES) {
    const loss = (x: NDArray) => w.sum(w.sin(grow(x)));
    const same = w.array([[1, 2], [2, 1], [1.5, 1.5]], { dtype });
    assertClose(w.vmap(w.grad(loss))(same), perExample(w.grad(loss), [same], [0], 3), tol(dtype), `equal trip counts ${dtype}`);
    // 2, 1 and 4 doublings, and one example (sum 12) that takes none.
    const mixed = w.array([[1, 2], [3, 4], [0.5, 0.25], [6, 6]], { dtype });
    const want = perExample(w.grad(loss), [mixed], [0], 4);
    assertClose(w.vmap(w.grad(loss))(mixed), want, tol(dtype), `trip counts 2, 1, 4, 0 ${dtype}`);
    const online = (x: NDArray) => w.sum(w.sin(w.whileLoop((c: NDArray) => w.less(w.sum(c), 10), (c: NDArray) => w.mul(c, 2), x, { checkpoints: 2 })));
    assertClose(w.vmap(w.grad(online))(mixed), want, tol(dtype), `with checkpoints ${dtype}`);
    const cg = w.compile(w.vmap(w.grad(loss)));
    assertClose(cg(mixed), want, tol(dtype), `compile(vmap(grad)) ${dtype}`);
    // Another longest trip: the compiled program's saved carries had the first one's length.
    const longer = w.array([[0.1, 0.1], [3, 4], [1, 1]], { dtype });
    assertClose(cg(longer), perExample(w.grad(loss), [longer], [0], 3), tol(dtype), `compiled, another longest trip ${dtype}`);
    // A body reading a batched const: its cotangent accumulates over each example's own steps only.
    const scaled = (x: NDArray, k: NDArray) => w.sum(w.whileLoop((c: NDArray) => w.less(w.sum(c), 10), (c: NDArray) => w.mul(c, k), x));
    const ks = w.array([2, 3, 1.5, 4], { dtype });
    const gk = w.vmap(w.grad(scaled, { argnums: [0, 1] }))(mixed, ks) as NDArray[];
    const wantK = perExample((x: NDArray, k: NDArray) => w.grad(scaled, { argnums: 1 })(x, k) as NDArray, [mixed, ks], [0, 0], 4);
    assertClose(gk[1]!, wantK, tol(dtype), `the const's cotangent ${dtype}`);
    // Second order: vmap(hvp) through per-example trip counts.
    const v = w.add(w.mul(mixed, 0), 1);
    const hv = w.vmap((x: NDArray, t: NDArray) => w.hvp(loss, x, t))(mixed, v);
    assertClose(hv as NDArray, perExample((x: NDArray, t: NDArray) => w.hvp(loss, x, t) as NDArray, [mixed, v], [0, 0], 4), tol(dtype), `vmap(hvp) ${dtype}`);
    // vmap of vmap(grad): a batch of batches, each example its own trip count.
    const nested = w.stack([mixed, w.mul(mixed, 0.5)]);
    assertClose(w.vmap(w.vmap(w.grad(loss)))(nested), w.stack([want, perExample(w.grad(loss), [w.mul(mixed, 0.5)], [0], 4)]), tol(dtype), `vmap(vmap(grad)) ${dtype}`);
  }
  // A cond shared by every example keeps the trip count shared: vmap(grad) works for any batch.
  const steps = (x: NDArray) => w.sum(w.whileLoop((c: [number, NDArray]) => c[0] < 3, (c: [number, NDArray]) => [c[0] + 1, w.sin(w.add(c[1], x))] as [number, NDArray], [0, w.mul(x, 0)] as [number, NDArray])[1]);
  const xs = w.array([[1, 2], [3, 4], [0.5, 0.25]]);
  assertClose(w.vmap(w.grad(steps))(xs), perExample(w.grad(steps), [xs], [0], 3), tol("float64"), "shared cond");
  // maxIter holds for the batch as for each example.
  assertThrowsWith(() => w.vmap((x: NDArray) => w.whileLoop((c: NDArray) => w.less(w.sum(c), 10), (c: NDArray) => w.mul(c, 2), x, { maxIter: 2 }))(xs), w.IterationLimitError, ["whileLoop", "maxIter = 2"]);
});

test("random bodies: a while with a per-example trip count under vmap equals the examples one by one, and so do grad(vmap) and vmap(grad)", () => {
  property((r: Rng) => {
    const f = randomProgram(r, 3);
    const B = r.int(1, 4), dtype = r.bool() ? "float64" : "float32";
    const x = randArray([B, 3], () => r.uniform(-1, 1), dtype);
    const n = w.array(Array.from({ length: B }, () => r.int(0, 4)), { dtype });
    const s = r.uniform(-1, 1);
    // A counter against a bound per example; the body's program may branch on plain numbers (guards).
    const run = (x0: NDArray, bound: NDArray) => w.whileLoop(
      (c: [NDArray, NDArray]) => w.less(c[0], bound),
      (c: [NDArray, NDArray]) => [w.add(c[0], 1), w.tanh(w.mul(c[1], w.add(1, w.mul(0.1, f(c[1], s)))))] as [NDArray, NDArray],
      [w.mul(bound, 0), x0] as [NDArray, NDArray])[1];
    const t = dtype === "float32" ? 1e-5 : 1e-12;
    assertClose(w.vmap(run)(x, n), perExample(run, [x, n], [0, 0], B), { rtol: t, atol: t }, f.text);
    const loss = (x0: NDArray, bound: NDArray) => w.sum(run(x0, bound));
    const each = perExample((xx: NDArray, bb: NDArray) => w.grad(loss)(xx, bb) as NDArray, [x, n], [0, 0], B);
    assertClose(w.grad((xx: NDArray) => w.sum(w.vmap(loss)(xx, n)))(x), each, { rtol: t * 10, atol: t * 10 }, `grad(vmap) ${f.text}`);
    assertClose(w.vmap(w.grad(loss))(x, n), each, { rtol: t * 10, atol: t * 10 }, `vmap(grad) ${f.text}`);
  }, 30);
});
