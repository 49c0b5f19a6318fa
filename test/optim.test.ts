// Optimizers (optax's shape) and tree utilities: each optimizer's first steps against an
// independent plain-JS transcription of its published update rule, convergence on a
// quadratic and on Rosenbrock, pytree structure in and out, state as a plain pytree, a
// whole compiled training step (one trace however long it runs), schedules' known values,
// float32, and typed errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, flat } from "./helpers/check.js";

// ---------------------------------------------------------------- references

/** A fixed, non-trivial gradient sequence: g_t = sin(k·(t+1)) per coordinate k. */
const gradAt = (t: number, n: number): number[] => Array.from({ length: n }, (_, k) => Math.sin((k + 1) * (t + 1)) * (k % 2 ? 3 : 0.5));

type Ref = (g: number[], s: Record<string, number[] | number>) => number[];
function run(ref: Ref, init: Record<string, number[] | number>, p0: number[], steps: number): number[] {
  const p = p0.slice();
  for (let t = 0; t < steps; t++) {
    const u = ref(gradAt(t, p.length), init);
    for (let i = 0; i < p.length; i++) p[i]! += u[i]!;
  }
  return p;
}
const zerosN = (n: number) => new Array<number>(n).fill(0);

/** The update rules as published (optax's defaults), coordinate by coordinate in plain JS. */
const REFS: Record<string, { opt: w.GradientTransformation; ref: Ref; init: (n: number) => Record<string, number[] | number> }> = {
  sgd: { opt: w.sgd(0.1), ref: (g) => g.map((x) => -0.1 * x), init: () => ({}) },
  momentum: {
    opt: w.momentum(0.1, 0.9),
    ref: (g, s) => { const m = s.m as number[]; g.forEach((x, i) => (m[i] = x + 0.9 * m[i]!)); return m.map((v) => -0.1 * v); },
    init: (n) => ({ m: zerosN(n) }),
  },
  nesterov: {
    opt: w.momentum(0.1, 0.9, { nesterov: true }),
    ref: (g, s) => { const m = s.m as number[]; g.forEach((x, i) => (m[i] = x + 0.9 * m[i]!)); return g.map((x, i) => -0.1 * (x + 0.9 * m[i]!)); },
    init: (n) => ({ m: zerosN(n) }),
  },
  adam: {
    opt: w.adam(0.01),
    ref: (g, s) => {
      const m = s.m as number[], v = s.v as number[];
      const t = (s.t as number) + 1;
      s.t = t;
      return g.map((x, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * x;
        v[i] = 0.999 * v[i]! + 0.001 * x * x;
        return (-0.01 * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8);
      });
    },
    init: (n) => ({ m: zerosN(n), v: zerosN(n), t: 0 }),
  },
  rmsprop: {
    opt: w.rmsprop(0.01),
    ref: (g, s) => { const v = s.v as number[]; return g.map((x, i) => { v[i] = 0.9 * v[i]! + 0.1 * x * x; return (-0.01 * x) / (Math.sqrt(v[i]!) + 1e-8); }); },
    init: (n) => ({ v: zerosN(n) }),
  },
  adagrad: {
    opt: w.adagrad(0.1),
    ref: (g, s) => { const a = s.a as number[]; return g.map((x, i) => { a[i]! += x * x; return (-0.1 * x) / Math.sqrt(a[i]! + 1e-7); }); },
    init: (n) => ({ a: new Array<number>(n).fill(0.1) }),
  },
};

describe("optimizers follow their published update rules", () => {
  for (const [name, { opt, ref, init }] of Object.entries(REFS)) {
    test(`${name}: 25 steps on a fixed gradient sequence match the plain-JS rule`, () => {
      const p0 = [0.5, -1, 2, 0.25, 1.5];
      let params = w.array(p0), state = opt.init(params);
      for (let t = 0; t < 25; t++) {
        const [u, s] = opt.update(w.array(gradAt(t, p0.length)), state, params);
        params = w.applyUpdates(params, u);
        state = s;
      }
      assertClose(params, run(ref, init(p0.length), p0, 25), { rtol: 1e-13 }, name);
    });
  }
  test("adamw: Adam plus decoupled weight decay on the parameters (and a mask)", () => {
    const p0 = [1, -2, 3];
    const opt = w.adamw(0.01, { weightDecay: 0.1 });
    const [u] = opt.update(w.array([0.3, 0.3, 0.3]), opt.init(w.array(p0)), w.array(p0));
    // Step 1: m̂/√v̂ = sign(g) = 1, so u = −lr (1 + wd·p).
    assertClose(u, p0.map((p) => -0.01 * (1 / (1 + 1e-8 / 0.3) + 0.1 * p)), { rtol: 1e-12 });
    const masked = w.adamw(0.01, { weightDecay: 0.1, mask: (path) => path === "w" });
    const params = { w: 2, b: 2 };
    const [mu] = masked.update({ w: 0.3, b: 0.3 }, masked.init(params), params);
    assert.ok(Math.abs(mu.w - mu.b + 0.01 * 0.1 * 2) < 1e-15, "only w decays");
    assertThrowsWith(() => opt.update(w.array([1, 1, 1]), opt.init(w.array(p0))), w.ArgumentError, ["addDecayedWeights", "params"]);
  });
  test("clipByGlobalNorm rescales all leaves together, only above the bound", () => {
    const clip = w.clipByGlobalNorm(1);
    const [u] = clip.update({ a: w.array([3, 0]), b: 4 }, clip.init({}));
    assertClose(u.a, [0.6, 0], { rtol: 1e-15 });
    assertClose(u.b, 0.8, { rtol: 1e-15 });
    const [v] = clip.update({ a: w.array([0.3, 0]), b: 0.4 }, clip.init({}));
    assertClose([v.a, v.b], [[0.3, 0], 0.4], { rtol: 1e-15 });
    const [z] = clip.update(w.zeros([3]), {});
    assert.deepEqual(z.toArray(), [0, 0, 0]);
  });
});

// ---------------------------------------------------------------- convergence and structure

const rosen = (p: { x: number; y: NDArray }) => {
  const y = w.toScalar(p.y);
  return w.add(w.square(w.sub(1, p.x)), w.mul(100, w.square(w.sub(y, w.square(p.x)))));
};

describe("optimizers minimize, over any pytree", () => {
  const cases: [string, w.GradientTransformation, number, number][] = [
    ["sgd + momentum", w.momentum(1e-3, 0.9), 4000, 1e-3],
    ["nesterov", w.sgd(1e-3, { momentum: 0.9, nesterov: true }), 4000, 1e-3],
    ["adam", w.adam(0.02), 4000, 1e-3],
    ["adamw (no decay)", w.adamw(0.02, { weightDecay: 0 }), 4000, 1e-3],
    ["rmsprop with momentum", w.rmsprop(1e-3, { momentum: 0.9 }), 4000, 5e-2],
    ["adagrad", w.adagrad(0.5), 6000, 5e-2],
    ["adam + warmup cosine + clipping", w.chain(w.clipByGlobalNorm(10), w.adam(w.warmupCosineDecay(0, 0.05, 100, 4000, 1e-3))), 4000, 1e-3],
  ];
  for (const [name, opt, steps, tol] of cases) {
    test(`${name} reaches Rosenbrock's minimum (1, 1) from (−1, 1.5)`, () => {
      let params = { x: -1, y: w.array([1.5]) };
      let state = opt.init(params);
      const vg = w.valueAndGrad(rosen);
      for (let t = 0; t < steps; t++) {
        const [, g] = vg(params);
        assert.equal(typeof g.x, "number");
        const [u, s] = opt.update(g, state, params);
        assert.equal(typeof u.x, "number", "updates have the structure of the gradients");
        assert.ok(u.y instanceof NDArray && u.y.shape[0] === 1);
        params = w.applyUpdates(params, u);
        state = s;
      }
      assert.ok(Math.abs(params.x - 1) < tol && Math.abs(params.y.item() - 1) < 2 * tol, `${name}: ended at (${params.x}, ${params.y.item()})`);
    });
  }
  test("state is a plain pytree of numbers and arrays", () => {
    const params = { layers: [{ w: w.zeros([2, 3]), b: w.zeros([3]) }], scale: 1 };
    for (const opt of [w.adam(1e-3), w.adamw(1e-3), w.rmsprop(1e-3, { momentum: 0.5 }), w.adagrad(0.1), w.sgd(0.1, { momentum: 0.9 }), w.chain(w.clipByGlobalNorm(1), w.adam(w.exponentialDecay(1e-3, 100, 0.5)))]) {
      const state = opt.init(params);
      const walk = (v: unknown): void => {
        if (typeof v === "number" || v instanceof NDArray) return;
        assert.ok(Array.isArray(v) || (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype), `state holds ${String(v)}`);
        for (const c of Object.values(v as object)) walk(c);
      };
      walk(state);
      const [, next] = opt.update(w.tree.zerosLike(params), state, params);
      assert.ok(w.tree.sameStructure(w.tree.structure(next), w.tree.structure(state)), "update keeps the state's structure");
    }
  });
  test("float32 parameters stay float32 through every optimizer", () => {
    const p = w.array([1, 2], { dtype: "float32" });
    for (const opt of [w.adam(1e-2), w.adamw(1e-2), w.rmsprop(1e-2), w.adagrad(1e-2), w.momentum(1e-2), w.chain(w.clipByGlobalNorm(1), w.sgd(w.cosineDecay(0.1, 10)))]) {
      const [u, s] = opt.update(w.array([0.5, -1], { dtype: "float32" }), opt.init(p), p);
      assert.equal(u.dtype, "float32");
      assert.equal(w.applyUpdates(p, u).dtype, "float32");
      for (const l of w.tree.leaves(s)) if (l instanceof NDArray) assert.equal(l.dtype, "float32");
    }
  });
});

describe("a whole training step compiles", () => {
  const data = { x: w.linspace(-1, 1, 16), y: w.linspace(-1, 1, 16).mul(3).add(0.5) };
  type P = { a: number; b: NDArray };
  const loss = (p: P, d: typeof data) => w.mean(w.square(w.sub(w.add(w.mul(p.a, d.x), p.b), d.y)));
  for (const [name, opt] of [
    ["adam", w.adam(0.05)],
    ["adamw + clipping + warmup cosine", w.chain(w.clipByGlobalNorm(1), w.adamw(w.warmupCosineDecay(0, 0.1, 5, 200), { weightDecay: 1e-3 }))],
    ["sgd with nesterov, exponential decay with staircase", w.sgd(w.exponentialDecay(0.1, 10, 0.9, { staircase: true }), { momentum: 0.9, nesterov: true })],
    ["rmsprop", w.rmsprop(0.05)],
    ["adagrad", w.adagrad(0.3)],
  ] as const) {
    test(`${name}: compile(step) equals the eager step at every step, tracing once`, () => {
      const step = (p: P, s: w.OptState, d: typeof data): [P, w.OptState, w.Value] => {
        const [l, g] = w.valueAndGrad(loss)(p, d);
        const [u, next] = opt.update(g, s, p);
        return [w.applyUpdates(p, u), next, l];
      };
      const cstep = w.compile(step);
      let pe: P = { a: 0, b: w.zeros([1]) }, se = opt.init(pe);
      let pc = pe, sc = se;
      let last = Infinity;
      for (let t = 0; t < 60; t++) {
        const [p1, s1, l1] = step(pe, se, data);
        const [p2, s2, l2] = cstep(pc, sc, data);
        assertClose([p2.a, p2.b, l2], [p1.a, p1.b, l1], { rtol: 1e-12 }, `${name}, step ${t}`);
        assertClose(flat(s2), flat(s1), { rtol: 1e-12 }, `${name}, state at step ${t}`);
        [pe, se, pc, sc, last] = [p1, s1, p2, s2, (l1 as NDArray).item()];
      }
      assert.equal(cstep.counts.traces, 1, "the step count is a traced input: no retrace");
      assert.equal(cstep.lastCompiled!.stats.guards, 0, "no comparison of a traced number in the step");
      assert.equal(cstep.counts.eager, 0);
      assert.ok(last < 0.5, `${name}: the loss fell to ${last}`);
    });
  }
});

// ---------------------------------------------------------------- schedules

describe("schedules", () => {
  test("known values (optax's definitions)", () => {
    const at = (s: w.Schedule, ts: number[]) => ts.map((t) => s(t) as number);
    assert.deepEqual(at(w.constantSchedule(0.3), [0, 100]), [0.3, 0.3]);
    assertClose(at(w.linearSchedule(1, 0, 10), [0, 5, 10, 20]), [1, 0.5, 0, 0], { rtol: 1e-15 });
    assertClose(at(w.linearSchedule(0, 1, 10, 5), [0, 5, 10, 15]), [0, 0, 0.5, 1], { rtol: 1e-15 });
    assertClose(at(w.exponentialDecay(2, 10, 0.5), [0, 10, 15, 20]), [2, 1, 2 * 0.5 ** 1.5, 0.5], { rtol: 1e-15 });
    assertClose(at(w.exponentialDecay(2, 10, 0.5, { staircase: true }), [9, 10, 19, 20]), [2, 1, 1, 0.5], { rtol: 1e-15 });
    assertClose(at(w.exponentialDecay(2, 10, 0.5, { transitionBegin: 5, endValue: 0.7 }), [0, 5, 15, 100]), [2, 2, 1, 0.7], { rtol: 1e-15 });
    assertClose(at(w.cosineDecay(1, 100), [0, 50, 100, 200]), [1, 0.5, 0, 0], { rtol: 1e-15, atol: 1e-16 });
    assertClose(at(w.cosineDecay(1, 100, 0.1), [100]), [0.1], { rtol: 1e-15 });
    assertClose(at(w.warmupCosineDecay(0, 1, 10, 110, 0.1), [0, 5, 10, 60, 110, 500]), [0, 0.5, 1, 0.55, 0.1, 0.1], { rtol: 1e-14 });
    assertClose(at(w.warmupExponentialDecay(0, 1, 10, 10, 0.5), [5, 10, 20]), [0.5, 1, 0.5], { rtol: 1e-15 });
  });
  test("a schedule drives the learning rate, counting updates from 0", () => {
    const opt = w.sgd((c) => w.mul(0.1, w.add(c, 1)));
    let s = opt.init(0);
    const seen: number[] = [];
    for (let t = 0; t < 3; t++) {
      const [u, n] = opt.update(1, s);
      seen.push(u);
      s = n;
    }
    assertClose(seen, [-0.1, -0.2, -0.3], { rtol: 1e-15 });
  });
});

describe("tree utilities", () => {
  const t = { w: w.array([[1, 2], [3, 4]]), b: [5, w.array([6])], name: "static" };
  test("leaves, flatten/unflatten, structure, paths", () => {
    assert.deepEqual(w.tree.leaves(t).map((l) => (l instanceof NDArray ? l.toArray() : l)), [[[1, 2], [3, 4]], 5, [6]]);
    const [ls, def] = w.tree.flatten(t);
    const back = w.tree.unflatten<typeof t>(def, ls.map((l) => w.mul(l as number, 2)));
    assert.deepEqual((back.w as NDArray).toArray(), [[2, 4], [6, 8]]);
    assert.equal(back.name, "static");
    assert.equal(w.tree.structureString(def), '{w: *, b: [*, *], name: "static"}');
    assert.deepEqual(w.tree.paths(def), ["w", "b.0", "b.1"]);
    assert.ok(w.tree.sameStructure(def, w.tree.structure(back)));
    assert.ok(!w.tree.sameStructure(def, w.tree.structure({ w: 1, b: [1] })));
    assert.deepEqual(w.tree.size(t), { leaves: 3, elements: 6 });
    const typed = w.tree.map((l) => w.mul(l, 2), { v: Float64Array.of(1, 2) });
    assert.ok(typed.v instanceof Float64Array && typed.v[1] === 4, "a Float64Array leaf maps to a Float64Array");
  });
  test("map over several trees, add, sub, scale, dot, norm, zerosLike, fullLike", () => {
    const u = w.tree.map((a, b) => w.add(a, b!), t, w.tree.fullLike(t, 1));
    assert.deepEqual(flat(w.tree.leaves(u)), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(flat(w.tree.leaves(w.tree.sub(w.tree.add(t, t), t))), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(flat(w.tree.leaves(w.tree.scale(0.5, t))), [0.5, 1, 1.5, 2, 2.5, 3]);
    assertClose(w.tree.dot(t, t), 91, { rtol: 1e-15 });
    assertClose(w.tree.norm(t), Math.sqrt(91), { rtol: 1e-15 });
    const z = w.tree.zerosLike(t);
    assert.equal(z.b[0], 0);
    assert.deepEqual([...(z.w as NDArray).shape], [2, 2]);
    assert.equal(w.tree.zerosLike({ x: w.zeros([2], "float32") }).x.dtype, "float32");
  });
  test("derivatives through tree arithmetic: the gradient of the norm is t/‖t‖, and 0 at 0", () => {
    const g = w.grad((p: { a: NDArray; c: number }) => w.tree.norm(p) as number)({ a: w.array([3, 0]), c: 4 });
    assertClose([g.a, g.c], [[0.6, 0], 0.8], { rtol: 1e-15 });
    const g0 = w.grad((p: NDArray) => w.tree.norm({ p }) as number)(w.zeros([2]));
    assert.deepEqual(g0.toArray(), [0, 0]);
    const h = w.hessian((x: NDArray) => w.tree.dot({ a: x }, { a: w.mul(x, x) }) as number)(w.array([1, 2]));
    assert.deepEqual(h.toArray(), [[6, 0], [0, 12]]);
  });
  test("mismatched trees are a ShapeError naming both structures", () => {
    assertThrowsWith(() => w.tree.add({ a: 1 }, { b: 1 }), w.ShapeError, ["tree.map", "{b: *}", "{a: *}"]);
    assertThrowsWith(() => w.tree.dot([1, 2], [1]), w.ShapeError, ["tree.dot"]);
    assertThrowsWith(() => w.tree.unflatten(w.tree.structure([1, 2]), [1]), w.ShapeError, ["tree.unflatten", "2 leaves"]);
  });
});

describe("bad optimizer input gets a typed error", () => {
  test("errors", () => {
    assertThrowsWith(() => w.adam(NaN), w.ArgumentError, ["learning rate", "schedule"]);
    assertThrowsWith(() => w.adam(1e-3, { b1: 1 }), w.ArgumentError, ["adam", "b1", "[0, 1)"]);
    assertThrowsWith(() => w.momentum(0.1, -0.5), w.ArgumentError, ["momentum", "decay"]);
    assertThrowsWith(() => w.clipByGlobalNorm(0), w.ArgumentError, ["clipByGlobalNorm", "positive"]);
    assertThrowsWith(() => w.chain(w.adam(1), {} as w.GradientTransformation), w.ArgumentError, ["chain", "argument 2"]);
    assertThrowsWith(() => w.exponentialDecay(1, 0, 0.5), w.ArgumentError, ["exponentialDecay", "transitionSteps"]);
    assertThrowsWith(() => w.warmupCosineDecay(0, 1, 10, 5), w.ArgumentError, ["warmupCosineDecay", "decaySteps"]);
  });
});
