// Structured loops (scan, foriLoop, whileLoop): JAX's semantics, their typed errors, and
// every transform through them against the same steps written as a native JS loop (the
// unrolled equivalent): values, gradients, JVPs and Hessians agree bit for bit, since the
// same ops run in the same order; and the derivatives against finite differences.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, checkAll, property, randArray, Rng } from "./helpers/check.js";
import { randomBody, type Body, type Carry } from "./helpers/random-body.js";

type V = w.Value;

describe("scan: JAX's semantics", () => {
  test("carry and stacked per-step outputs; 1-D slices are numbers", () => {
    const seen: unknown[] = [];
    const [c, ys] = w.scan((c: number, x: number) => { seen.push(x); return [w.add(c, x), w.mul(c, 2)]; }, 0, w.array([1, 2, 3]));
    assert.equal(c, 6);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.ok(ys instanceof NDArray);
    assert.deepEqual(ys.toArray(), [0, 2, 6]);
  });

  test("reverse runs from the last slice; ys[t] still belongs to xs[t]", () => {
    const [c, ys] = w.scan((c: number, x: number) => [w.add(c, x), w.mul(c, 2)], 0, w.array([1, 2, 3]), { reverse: true });
    assert.equal(c, 6);
    assert.deepEqual((ys as NDArray).toArray(), [10, 6, 0]);
  });

  test("n-D slices are arrays; pytrees of xs, carries and outputs", () => {
    const xs = { m: w.array([[1, 2], [3, 4], [5, 6]]), k: w.array([10, 20, 30]) };
    const [c, ys] = w.scan((c: { u: V; n: number }, x: { m: V; k: V }) => {
      assert.ok(x.m instanceof NDArray && x.m.shape.length === 1 && x.m.shape[0] === 2);
      assert.equal(typeof x.k, "number");
      return [{ u: w.add(c.u, x.m), n: c.n + 1 }, [w.sum(x.m), { k: x.k }]];
    }, { u: w.zeros([2]), n: 0 }, xs);
    assert.deepEqual((c.u as NDArray).toArray(), [9, 12]);
    assert.equal(c.n, 3);
    const [sums, { k }] = ys as unknown as [NDArray, { k: NDArray }];
    assert.deepEqual(sums.toArray(), [3, 7, 11]);
    assert.deepEqual(k.toArray(), [10, 20, 30]);
  });

  test("xs and y may be null (length gives the steps); booleans stack into a bool array", () => {
    const [c, ys] = w.scan((c: number) => [w.add(c, 1), w.greater(c, 1)], 0, null, { length: 4 });
    assert.equal(c, 4);
    assert.equal((ys as NDArray).dtype, "bool");
    assert.deepEqual((ys as NDArray).toArray(), [false, false, true, true]);
    assert.deepEqual(w.scan((c: number) => [w.mul(c, 2), null], 1, undefined, { length: 3 }), [8, null]);
  });

  test("no steps: the carry comes back, outputs have a leading axis of 0", () => {
    const [c, ys] = w.scan((c: V, x: V) => [w.add(c, x), w.mul(x, w.ones([3]))], w.zeros([3]), w.zeros([0, 3]));
    assert.deepEqual((c as NDArray).toArray(), [0, 0, 0]);
    assert.deepEqual([...(ys as NDArray).shape], [0, 3]);
  });

  test("a number carry and a 0-d float64 array count as the same type", () => {
    const [c] = w.scan((c: number, x: number) => [w.sum(w.array([c, x])), null], 0, w.array([1, 2, 3]));
    assert.equal(c, 6);
    assert.equal(typeof c, "number");
    const [d] = w.scan((c: V, x: number) => [w.add(c, x), null], w.zeros([]), w.array([1, 2]));
    assert.ok(d instanceof NDArray && d.shape.length === 0 && d.data[0] === 3);
  });

  test("foriLoop and whileLoop", () => {
    assert.equal(w.foriLoop(0, 10, (i, c: number) => w.add(c, i), 0), 45);
    assert.equal(w.foriLoop(5, 2, (i, c: number) => w.add(c, i), 7), 7);
    assert.equal(w.whileLoop((c: number) => w.less(c, 100), (c: number) => w.mul(c, 2), 1), 128);
    assert.equal(w.whileLoop(() => false, (c: number) => w.mul(c, 2), 1), 1);
    const [k, v] = w.whileLoop(([, v]: [number, V]) => w.less(w.sum(v), 10), ([k, v]: [number, V]) => [k + 1, w.mul(v, 2)], [0, w.ones([2])]);
    assert.equal(k, 3);
    assert.deepEqual((v as NDArray).toArray(), [8, 8]);
    // A bool array of one element is a condition too.
    assert.equal(w.whileLoop((c: V) => w.less(w.sum(c), 5), (c: V) => w.add(c, 1), w.zeros([1])).toString(), w.array([5]).toString());
  });
});

describe("loops: typed errors name the loop, the step and the shapes", () => {
  test("a body that changes the carry's shape, dtype or structure", () => {
    assertThrowsWith(() => w.scan((c: V) => [w.concat([c, c]), null], w.array([1, 2]), null, { length: 3 }), w.ShapeError, ["scan", "step 0", "[4]", "[2]"]);
    assertThrowsWith(() => w.scan((c: V) => [w.astype(c, "float32"), null], w.array([1, 2]), null, { length: 3 }), w.DTypeError, ["scan", "step 0", "float32", "float64"]);
    assertThrowsWith(() => w.scan((c: [V, V]) => [[c[0]] as never, null], [1, 2], null, { length: 2 }), w.ArgumentError, ["scan", "step 0", "structure"]);
    assertThrowsWith(() => w.foriLoop(0, 5, (i, c: V) => (i < 3 ? c : w.reshape(c, [2, 1])), w.zeros([2])), w.ShapeError, ["foriLoop", "step 3", "[2,1]", "[2]"]);
    assertThrowsWith(() => w.whileLoop((c: V) => w.less(w.sum(c), 5), (c: V) => w.add(c, w.ones([2, 2])), w.zeros([2])), w.ShapeError, ["whileLoop", "step 0", "[2,2]"]);
    assertThrowsWith(() => w.scan((c: { u: V }) => [{ u: w.astype(c.u, "float32") }, null], { u: w.zeros([2]) }, null, { length: 1 }), w.DTypeError, ["carry.u"]);
  });

  test("per-step outputs that change shape; a body that does not return a pair", () => {
    assertThrowsWith(() => w.scan((c: number, x: number) => [c, x > 1 ? w.zeros([2]) : w.zeros([3])], 0, w.array([1, 2])), w.ShapeError, ["scan", "step 1", "[2]", "[3]"]);
    assertThrowsWith(() => w.scan((c: number) => c as unknown as [number, null], 0, null, { length: 1 }), w.ArgumentError, ["scan", "step 0", "pair [carry, y]"]);
  });

  test("a non-boolean cond, and maxIter exceeded", () => {
    assertThrowsWith(() => w.whileLoop((c: number) => c as unknown as boolean, (c: number) => w.mul(c, 2), 1), w.DTypeError, ["whileLoop", "step 0", "cond", "boolean"]);
    assertThrowsWith(() => w.whileLoop((c: V) => w.greater(c, 0), (c: V) => c, w.ones([2])), w.DTypeError, ["whileLoop", "cond", "bool array of shape [2]"]);
    assertThrowsWith(() => w.whileLoop((c: number) => w.less(c, 100), (c: number) => w.mul(c, 2), 1, { maxIter: 3 }), w.IterationLimitError, ["whileLoop", "maxIter = 3", "a number"]);
  });

  test("bad arguments: xs without a leading axis or of different lengths, length, options, bounds", () => {
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0, 5 as unknown as null), w.ShapeError, ["scan", "xs", "leading axis"]);
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0, [w.zeros([3]), w.zeros([4])]), w.ShapeError, ["scan", "xs[1]", "[4]", "3"]);
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0, w.zeros([3]), { length: 4 }), w.ShapeError, ["length is 4"]);
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0), w.ArgumentError, ["scan", "length"]);
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0, null, { length: -1 }), w.ArgumentError, ["length -1"]);
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0, null, { length: 2, checkpoint: 3 } as never), w.ArgumentError, ["unknown option", "checkpoints"]);
    assertThrowsWith(() => w.scan((c: number) => [c, null], 0, null, { length: 2, checkpoints: 0 }), w.ArgumentError, ["checkpoints 0"]);
    assertThrowsWith(() => w.scan(null as never, 0, null, { length: 2 }), w.ArgumentError, ["scan", "body must be a function"]);
    assertThrowsWith(() => w.scan((c: unknown) => [c, null], "abc", null, { length: 2 }), w.ArgumentError, ["scan", "carry", "string"]);
    assertThrowsWith(() => w.foriLoop(0, 2.5, (i, c: number) => c, 0), w.ArgumentError, ["foriLoop", "upper 2.5", "integer"]);
    assertThrowsWith(() => w.whileLoop((c: number) => w.less(c, 1), (c: number) => c, 0, { maxIter: -2 }), w.ArgumentError, ["maxIter -2"]);
  });
});

// ---------------------------------------------------------------- loops against native loops

const N = 3;

/** A random problem: a body, its parameter p, x slices (numbers or arrays), steps and direction. */
interface Problem {
  readonly body: Body;
  readonly xs: NDArray;
  readonly T: number;
  readonly reverse: boolean;
}

function problem(r: Rng, opts: { inner?: number } = {}): Problem {
  const T = r.int(1, 5);
  const arrays = r.bool();
  return {
    body: randomBody(r, opts),
    xs: randArray(arrays ? [T, N] : [T], () => r.uniform(-1, 1)),
    T,
    reverse: r.bool(),
  };
}

/** The loss of the problem through scan, and through the same steps as a native loop. */
type Loss = (a: V, p: V) => NDArray;

function losses(pb: Problem): { viaScan: Loss; native: Loss } {
  // The same reduction as the scan's: the per-step outputs stacked, then summed.
  const finish = (c: Carry, ys: V[]): V => w.add(w.add(w.sum(c.a as NDArray), c.s), ys.length === 0 ? 0 : w.sum(w.stack(ys, 0)));
  const viaScan = (a: V, p: V): NDArray => {
    const [c, ys] = w.scan((c: Carry, x: V) => pb.body(c, x, p), { a, s: 0.5 }, pb.xs, { reverse: pb.reverse });
    return w.add(w.add(w.sum(c.a as NDArray), c.s), ys === null ? 0 : w.sum(ys as NDArray)) as NDArray;
  };
  const native = (a: V, p: V): NDArray => {
    let c: Carry = { a, s: 0.5 };
    const ys: V[] = [];
    let withY = false;
    for (let k = 0; k < pb.T; k++) {
      const t = pb.reverse ? pb.T - 1 - k : k;
      const x = pb.xs.shape.length === 1 ? pb.xs.data[t]! : new NDArray(pb.xs.data.slice(t * N, (t + 1) * N), [N]);
      const [next, y] = pb.body(c, x, p);
      c = { a: next.a, s: typeof next.s === "number" ? next.s : w.toScalar(next.s) };
      if (y !== null) { ys[t] = y; withY = true; }
    }
    return finish(c, withY ? ys : []) as NDArray;
  };
  return { viaScan, native };
}

function sameTree(a: unknown, b: unknown, what: string): void {
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)), what);
}

/**
 * Reverse mode through a loop sums a const's cotangent step by step ((0 + Σ step T−1) + Σ step
 * T−2 …), where the unrolled tape interleaves the steps' terms: the same terms, associated
 * differently, so gradients agree to rounding, not bit for bit. Values and JVPs run the same
 * ops in the same order and agree exactly.
 */
const REASSOCIATED = { rtol: 1e-13, atol: 1e-15 };

describe("loops against their unrolled equivalents", () => {
  const point = (r: Rng): [NDArray, NDArray] => [randArray([N], () => r.uniform(-1, 1)), randArray([N], () => r.uniform(-1, 1))];

  test("values, gradients, JVPs and Hessians of random bodies (pytree carries, per-step outputs, reverse scans)", () => {
    property((r) => {
      const pb = problem(r);
      const { viaScan, native } = losses(pb);
      const [a, p] = point(r);
      sameTree(viaScan(a, p), native(a, p), "value");
      assertClose(w.grad(viaScan, { argnums: [0, 1] })(a, p), w.grad(native, { argnums: [0, 1] })(a, p), REASSOCIATED, "gradient");
      const t = randArray([N], () => r.normal());
      sameTree(w.jvp(viaScan, [a, p], [t, t]), w.jvp(native, [a, p], [t, t]), "JVP");
      assertClose(w.hessian((a: V) => viaScan(a, p))(a), w.hessian((a: V) => native(a, p))(a), REASSOCIATED, "Hessian");
    });
  });

  test("nested loops: a scan inside the body", () => {
    property((r) => {
      const pb = problem(r, { inner: r.int(1, 3) });
      const { viaScan, native } = losses(pb);
      const [a, p] = point(r);
      sameTree(viaScan(a, p), native(a, p), "value");
      assertClose(w.grad(viaScan, { argnums: [0, 1] })(a, p), w.grad(native, { argnums: [0, 1] })(a, p), REASSOCIATED, "gradient");
      const t = randArray([N], () => r.normal());
      sameTree(w.jvp(viaScan, [a, p], [t, t]), w.jvp(native, [a, p], [t, t]), "JVP");
    }, 10);
  });

  test("derivatives through scan against finite differences and the dot-product test, all second orders", () => {
    property((r) => {
      const pb = problem(r);
      const { viaScan } = losses(pb);
      checkAll(viaScan, point(r), r, { second: true });
    }, 8);
  });

  test("foriLoop and whileLoop under grad and jvp (a data-dependent trip count)", () => {
    const f = (x: number): number => w.foriLoop(0, 4, (i, c: number) => w.add(w.mul(c, w.sin(x)), i), x);
    let c = 1.3;
    for (let i = 0; i < 4; i++) c = c * Math.sin(1.3) + i;
    assert.equal(f(1.3), c);
    checkAll(f, [1.3], new Rng(7));
    // Doubling until past 10: the trip count depends on x; d/dx of x·2^k is 2^k.
    const g = (x: number): number => w.whileLoop((c: number) => w.less(c, 10), (c: number) => w.mul(c, 2), x);
    assert.equal(w.grad(g)(1.5), 8);
    assert.equal(w.grad(g)(3), 4);
    assert.equal(w.jvp(g, [0.7], [1])[1], 16);
  });
});

describe("one carry among several, alone as the output", () => {
  // The tape sweeps from its last seeded node; a loop's pullback runs at its last output, so a
  // gradient seeding only an earlier carry once skipped the loop and came out exactly 0.
  const step = ([a, b, c]: V[]): V[] => [w.mul(a!, 2), w.add(b!, a!), w.mul(c!, w.sin(a!))];
  const native = (x: number, n: number): number[] => {
    let [a, b, c] = [x, 2 * x, 3 * x];
    for (let i = 0; i < n; i++) [a, b, c] = [2 * a, b + a, c * Math.sin(a)];
    return [a, b, c];
  };
  const loops: Record<string, (x: V, k: number) => V> = {
    foriLoop: (x, k) => w.foriLoop(0, 4, (_i, c: V[]) => step(c), [x, w.mul(x, 2), w.mul(x, 3)])[k]!,
    whileLoop: (x, k) => w.whileLoop((c: V[]) => w.less(w.value(c[0]!) as number, 20), step, [x, w.mul(x, 2), w.mul(x, 3)])[k]!,
    scan: (x, k) => w.scan((c: V[], _: null) => [step(c), null], [x, w.mul(x, 2), w.mul(x, 3)], null, { length: 4 })[0][k]!,
    "scan, checkpointed": (x, k) => w.scan((c: V[], _: null) => [step(c), null], [x, w.mul(x, 2), w.mul(x, 3)], null, { length: 4, checkpoints: 2 })[0][k]!,
  };
  for (const [name, loop] of Object.entries(loops)) {
    for (const k of [0, 1, 2]) {
      test(`${name}: carry ${k}`, () => {
        const x = 1.3, h = 1e-6;
        const fd = (native(x + h, 4)[k]! - native(x - h, 4)[k]!) / (2 * h);
        const f = (x: V): number => loop(x, k) as number;
        const g = w.grad(f)(x) as number;
        assertClose(g, fd, { rtol: 1e-6 });
        assert.equal(w.compile(w.grad(f))(x), g);
        assert.equal((w.vjp(f, x)[1](1) as number[])[0], g);
        assertClose(w.jvp(f, [x], [1])[1], g, { rtol: 1e-14 }); // forward mode sums in another order
      });
    }
  }
});

describe("float32 scanned arrays", () => {
  // Slices of a 1-D float32 array are numbers, so the steps' cotangents stacked as float64 and
  // the gradient of a float32 input came back float64.
  const x = w.array([1, 2, 3, 4], { dtype: "float32" });
  const sq = (s: V, a: V): [V, V] => [w.add(s, w.mul(a, a)), w.sin(a)];
  const cases: Record<string, (x: V) => number> = {
    carry: (x) => w.scan(sq, 0, x)[0] as number,
    "per-step outputs": (x) => w.sum(w.scan(sq, 0, x)[1] as NDArray) as unknown as number,
    checkpointed: (x) => w.scan(sq, 0, x, { checkpoints: 2 })[0] as number,
  };
  for (const [name, f] of Object.entries(cases)) {
    test(`${name}: the gradient is float32, eager and compiled, and equals the float64 one rounded`, () => {
      const g = w.grad(f)(x) as NDArray;
      assert.equal(g.dtype, "float32");
      assert.equal((w.compile(w.grad(f))(x) as NDArray).dtype, "float32");
      const g64 = w.grad(f)(w.astype(x, "float64")) as NDArray;
      assert.deepEqual(g.toArray(), Array.from(Float32Array.from(g64.data)));
      assert.equal((w.hvp(f, x, x) as NDArray).dtype, "float32");
    });
  }
});
