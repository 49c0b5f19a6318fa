// foriLoop and whileLoop as one line of the trace each, and loop bodies with branches: the
// line against the same steps run as a native loop (values and JVPs bit for bit, gradients to
// rounding), and the fallbacks that keep a body correct when it cannot stay one line.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, checkAll, Rng } from "./helpers/check.js";

type V = w.Value;
const REASSOCIATED = { rtol: 1e-13, atol: 1e-15 };

/** The trace's top-level lines whose op is `op`. */
function linesOf(f: (...a: never[]) => unknown, args: unknown[], op: string): number {
  return w.trace(f as never, ...(args as never[])).lines.filter((l) => l.op === op).length;
}

describe("foriLoop is one line", () => {
  const body = (x: V) => (i: number, c: V): V => w.add(w.mul(c, w.sin(x)), w.mul(i, 0.1));
  const viaFori = (x: V): NDArray => w.sum(w.foriLoop(0, 6, body(x), x)) as NDArray;
  const native = (x: V): NDArray => { let c = x; for (let i = 0; i < 6; i++) c = body(x)(i, c); return w.sum(c) as NDArray; };
  const x = w.array([0.3, -1.2, 2]);

  test("one scan line whatever the trip count; values, JVPs exact, gradients and Hessians to rounding", () => {
    assert.equal(linesOf(viaFori, [x], "scan"), 1);
    assert.ok(w.trace(viaFori as never, x as never).lines.length < 6);
    assert.deepEqual(w.value(viaFori(x)), w.value(native(x)));
    const t = w.array([1, -2, 0.5]);
    assert.deepEqual(JSON.stringify(w.jvp(viaFori, [x], [t])), JSON.stringify(w.jvp(native, [x], [t])));
    assertClose(w.grad(viaFori)(x), w.grad(native)(x), REASSOCIATED);
    assertClose(w.hessian(viaFori)(x), w.hessian(native)(x), REASSOCIATED);
    checkAll(viaFori, [x], new Rng(3), { second: true });
  });

  test("an index used as a JS number (i < 3, xs[i]) runs the loop unrolled, with plain numbers", () => {
    const ks = [2, 3, 5, 7];
    const f = (x: number): number => w.foriLoop(0, 4, (i, c: number) => (i < 2 ? w.mul(c, x) : w.add(c, w.mul(ks[i]!, x))) as number, x);
    // f = x³ + 12x
    assert.equal(f(1.5), 1.5 ** 3 + 12 * 1.5);
    assert.equal(w.grad(f)(1.5), 3 * 1.5 ** 2 + 12);
    assert.equal(linesOf(f, [1.5], "scan"), 0);
  });
});

describe("loop bodies with branches", () => {
  test("a body reading value() of its slice: a variant per outcome; JVPs through derived bodies see the value guards", () => {
    const xs = w.array([0.5, -1, 2, -0.25, 3]);
    const step = (c: V, x: V): V => ((w.value(x) as number) > 0 ? w.mul(c, x) : w.add(c, x));
    const viaScan = (a: number): number => w.scan((c: number, x: number) => [step(c, x) as number, null], a, xs)[0];
    const native = (a: number): number => { let c: V = a; for (let t = 0; t < 5; t++) c = step(c, xs.data[t]!); return c as number; };
    for (const a of [0.7, -2]) {
      assert.equal(viaScan(a), native(a));
      assert.deepEqual(w.jvp(viaScan, [a], [1]), w.jvp(native, [a], [1]));
      assert.equal(w.grad(viaScan)(a), w.grad(native)(a));
      assert.equal(w.hessian(viaScan)(a), w.hessian(native)(a));
    }
  });
});

describe("whileLoop is one line", () => {
  // c ← c·x + 1 until c ≥ 50: the trip count depends on x.
  const viaWhile = (x: number): number => w.whileLoop((c: number) => w.less(c, 50), (c: number) => w.add(w.mul(c, x), 1) as number, 1);
  const native = (x: number): number => { let c: V = 1; while (w.less(c, 50)) c = w.add(w.mul(c, x), 1); return c as number; };

  test("one while line, cond and body traced once; data-dependent trip counts under grad, jvp and hessian", () => {
    assert.equal(linesOf(viaWhile, [1.7], "while"), 1);
    assert.equal(w.trace(viaWhile as never, 1.7 as never).lines.length, 1);
    for (const x of [1.7, 2.5, 4]) {
      assert.equal(viaWhile(x), native(x));
      assertClose(w.grad(viaWhile)(x), w.grad(native)(x), REASSOCIATED);
      assertClose(w.jvp(viaWhile, [x], [1]), w.jvp(native, [x], [1]), REASSOCIATED);
      assertClose(w.hessian(viaWhile)(x), w.hessian(native)(x), REASSOCIATED);
    }
    checkAll(viaWhile, [1.7], new Rng(5), { second: true });
  });

  test("pytree carries with arrays; the counter rides along", () => {
    const f = (x: NDArray): NDArray => {
      const [, v] = w.whileLoop(([, v]: [number, V]) => w.less(w.sum(v), 100), ([i, v]: [number, V]) => [w.add(i, 1), w.mul(v, w.add(x, 1))] as [number, V], [0, x]);
      return w.sum(v) as NDArray;
    };
    const g = (x: NDArray): NDArray => { let v: V = x; while (w.less(w.sum(v), 100) as unknown as boolean) v = w.mul(v, w.add(x, 1)); return w.sum(v) as NDArray; };
    const x = w.array([1, 2]);
    assert.deepEqual(w.value(f(x)), w.value(g(x)));
    assertClose(w.grad(f)(x), w.grad(g)(x), REASSOCIATED);
    checkAll(f, [x], new Rng(9));
  });

  test("bad input under a transform: a non-boolean cond, maxIter exceeded, a carry changing shape", () => {
    assertThrowsWith(() => w.grad((x: number) => w.whileLoop((c: number) => c as unknown as boolean, (c: number) => w.mul(c, x), 1))(2), w.DTypeError, ["whileLoop", "step 0", "cond", "boolean"]);
    assertThrowsWith(() => w.grad((x: number) => w.whileLoop((c: number) => w.less(c, 100), (c: number) => w.mul(c, x) as number, 1, { maxIter: 3 }))(2), w.IterationLimitError, ["whileLoop", "maxIter = 3"]);
    assertThrowsWith(() => w.grad((x: NDArray) => w.sum(w.whileLoop((c: V) => w.less(w.sum(c), 5), (c: V) => w.add(c, w.ones([2, 2])), x)))(w.zeros([2])), w.ShapeError, ["whileLoop", "step 0", "[2,2]", "[2]"]);
    assertThrowsWith(() => w.whileLoop((c: number) => w.less(c, 5), (c: number) => w.add(c, 1) as number, 0, { checkpoints: 1 }), w.ArgumentError, ["whileLoop", "checkpoints 1", "integer ≥ 2"]);
  });
});

describe("compiled loops are JavaScript loops over the body's code", () => {
  const stepsOf = (T: number) => (x: NDArray): NDArray => w.sum(w.scan((c: V) => [w.add(c, w.mul(1e-2, w.sin(c))), null], x, null, { length: T })[0]) as NDArray;
  const x = w.array([0.5, 1, 2]);

  test("compile(grad), compile(jvp) and compile(f) give the eager values; the code does not grow with the trip count", () => {
    const g10 = w.compile(w.grad(stepsOf(10))), g1000 = w.compile(w.grad(stepsOf(1000)));
    assert.deepEqual(g10(x), w.grad(stepsOf(10))(x));
    assert.deepEqual(g1000(x), w.grad(stepsOf(1000))(x));
    const y = w.array([1, -1, 3]);
    assert.deepEqual(g1000(y), w.grad(stepsOf(1000))(y));
    assert.ok(Math.abs(g10.lastCompiled!.source.length - g1000.lastCompiled!.source.length) < 16, "the source's length depends on the trip count");
    assert.equal(g1000.lastCompiled!.stats.backend, "javascript");
    const j = w.compile((x: NDArray, t: NDArray) => w.jvp(stepsOf(50), [x], [t]));
    assert.deepEqual(j(x, y), w.jvp(stepsOf(50), [x], [y]));
    assert.deepEqual(w.compile(stepsOf(50))(y), stepsOf(50)(y));
  });

  test("a body's branches: a variant per outcome in the code; an outcome met only later misses and traces again", () => {
    const f = (xs: NDArray): number => w.scan((c: number, x: number) => [(w.greater(x, 0) ? w.mul(c, x) : w.sub(c, x)) as number, null], 1, xs)[0];
    const cf = w.compile(w.grad(f));
    const a = w.array([0.5, 2, 1.5]), b = w.array([0.5, -2, 1.5]), c = w.array([-0.5, 2, -1.5]);
    assert.deepEqual(cf(a), w.grad(f)(a));
    assert.deepEqual(cf(b), w.grad(f)(b));
    assert.deepEqual(cf(c), w.grad(f)(c));
    assert.deepEqual(cf(a), w.grad(f)(a));
    assert.ok(cf.stats.traces >= 2);
  });

  test("whileLoop: values at any trip count; its gradient guards the trip count it was traced with", () => {
    const g = (x: number): number => w.whileLoop((c: number) => w.less(c, 50), (c: number) => w.add(w.mul(c, x), 1) as number, 1);
    const cv = w.compile(g), cg = w.compile(w.grad(g));
    for (const x of [1.7, 2.5, 1.7, 4, 1.2]) {
      assert.equal(cv(x), g(x));
      assert.equal(cg(x), w.grad(g)(x));
    }
    assert.equal(cv.stats.traces, 1);
    assert.ok(cg.stats.traces >= 4);
    assert.ok(!cv.lastCompiled!.source.includes("MISS; // guard"), "a while loop's values need no guard");
  });
});

describe("checkpointed scans: the plain gradient bit for bit, a few carries stored", () => {
  const xs = w.array(Array.from({ length: 40 }, (_, i) => Math.sin(i)));
  const loss = (checkpoints?: w.CheckpointOption, reverse = false) => (x: NDArray, p: number): NDArray => {
    const [c, ys] = w.scan((c: V, xt: number) => [w.add(c, w.mul(0.1, w.sin(w.mul(c, w.add(p, xt))))), w.sum(w.square(c))], x, xs, { checkpoints, reverse });
    return w.add(w.sum(c as NDArray), w.sum(ys as NDArray)) as NDArray;
  };
  const x = w.array([0.3, 1, 2]);

  test("every schedule, both directions, eager and compiled; Hessians too (they keep every carry)", () => {
    for (const reverse of [false, true]) {
      const plain = JSON.stringify(w.grad(loss(undefined, reverse), { argnums: [0, 1] })(x, 0.7));
      for (const ck of [2, 3, 7, "binomial", "sqrt"] as const) {
        assert.equal(JSON.stringify(w.grad(loss(ck, reverse), { argnums: [0, 1] })(x, 0.7)), plain, `checkpoints ${ck}`);
        assert.equal(JSON.stringify(w.compile(w.grad(loss(ck, reverse), { argnums: [0, 1] }))(x, 0.7)), plain, `compiled, checkpoints ${ck}`);
      }
    }
    assert.deepEqual(w.hessian((x: NDArray) => loss(3)(x, 0.7))(x), w.hessian((x: NDArray) => loss()(x, 0.7))(x));
  });

  test("gradMemory reports the tape: O(T) carries plain, O(k) with checkpoints, and the steps recomputed", () => {
    const f = (ck?: w.CheckpointOption) => (x: NDArray): NDArray => w.sum(w.scan((c: V) => [w.add(c, w.mul(1e-2, w.sin(c))), null], x, null, { length: 200, checkpoints: ck })[0]) as NDArray;
    const plain = w.gradMemory(f())(x), five = w.gradMemory(f(5))(x), bin = w.gradMemory(f("binomial"))(x);
    assert.deepEqual(five.grad, plain.grad);
    assert.deepEqual(bin.grad, plain.grad);
    assert.deepEqual(plain.memory.loops, [{ op: "scan", carriesStored: 200, bytes: 200 * 3 * 8, recomputedSteps: 0, checkpointed: false }]);
    const l5 = five.memory.loops[0]!;
    assert.ok(l5.checkpointed && l5.carriesStored <= 6 && l5.bytes === l5.carriesStored * 24, JSON.stringify(l5));
    assert.ok(l5.recomputedSteps > 200, "5 snapshots for 200 steps recompute each step more than once");
    assert.ok(bin.memory.loops[0]!.recomputedSteps <= 200, "binomial: at most one extra forward sweep");
    assert.ok(plain.memory.bytes > five.memory.bytes + 4000);
    const native = w.gradMemory((x: NDArray) => { let c: V = x; for (let t = 0; t < 200; t++) c = w.add(c, w.mul(1e-2, w.sin(c))); return w.sum(c) as NDArray; })(x);
    assert.equal(native.memory.lines, 1 + 3 * 200 + 1);
    assert.deepEqual(native.grad, plain.grad);
  });
});
