// whileLoop(…, { checkpoints: k }) under reverse mode: online checkpointing (the trip count is
// data). Against the same loop keeping every carry: gradients bit for bit, at most k carries
// stored whatever the trip count (gradMemory), eagerly and compiled.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { property, randArray } from "./helpers/check.js";

type V = w.Value;

/** Runs until the accumulated |c| passes `limit`: the trip count depends on x. */
const loop = (limit: number, opts: w.WhileOptions) => (x: V): NDArray => {
  const [c, s] = w.whileLoop(
    ([, s]: V[]) => w.less(s!, limit),
    ([c, s]: V[]) => [w.add(c!, w.mul(0.05, w.sin(w.mul(c!, 1.3)))), w.add(s!, w.sum(w.abs(c!)))],
    [x, 0] as V[], opts) as V[];
  return w.sum(w.mul(c!, s!)) as NDArray;
};

const bits = (v: unknown): number[] => Array.from((v as NDArray).data);

describe("whileLoop's checkpoints: online checkpointing", () => {
  test("data-dependent trip counts: gradients identical to keeping every carry, at most k carries kept", () => {
    property((r) => {
      const n = r.int(1, 4), k = r.int(2, 9);
      const x = randArray([n], () => r.uniform(0.05, 1));
      const limit = r.uniform(0, 120); // 0: no step at all
      const plain = w.gradMemory(loop(limit, {}))(x);
      const ck = w.gradMemory(loop(limit, { checkpoints: k }))(x);
      assert.deepEqual(bits(ck.grad), bits(plain.grad));
      assert.deepEqual(w.value(ck.value as V), w.value(plain.value as V));
      const T = plain.memory.loops[0]?.carriesStored ?? 0;
      const m = ck.memory.loops[0];
      if (m !== undefined && T > 0) {
        assert.ok(m.checkpointed && m.carriesStored <= k, `${m.carriesStored} carries kept with k = ${k}`);
        if (T > k) assert.ok(m.recomputedSteps > 0);
      }
    });
  });

  test("memory is O(k): 3,000 steps keep at most k carries; the gradient matches the unrolled loop", () => {
    const f = (opts: w.WhileOptions) => (x: V): NDArray => {
      const [c] = w.whileLoop(([, t]: V[]) => w.less(t!, 3000), ([c, t]: V[]) => [w.add(c!, w.mul(1e-3, w.cos(c!))), w.add(t!, 1)], [x, 0] as V[], opts) as V[];
      return w.sum(c!) as NDArray;
    };
    const x = w.array([0.1, 0.7, 1.9, -0.4]);
    const plain = w.gradMemory(f({}))(x), ck = w.gradMemory(f({ checkpoints: 6 }))(x);
    assert.equal(plain.memory.loops[0]!.carriesStored, 3000);
    const m = ck.memory.loops[0]!;
    assert.ok(m.carriesStored <= 6 && m.bytes <= 6 * (4 + 1) * 8, JSON.stringify(m));
    assert.ok(ck.memory.bytes < plain.memory.bytes / 100);
    assert.deepEqual(bits(ck.grad), bits(plain.grad));
    let c = Array.from(x.data);
    let g = c.map(() => 1);
    for (let t = 0; t < 3000; t++) { g = g.map((gi, i) => gi * (1 - 1e-3 * Math.sin(c[i]!))); c = c.map((v) => v + 1e-3 * Math.cos(v)); }
    bits(ck.grad).forEach((v, i) => assert.ok(Math.abs(v - g[i]!) < 1e-12, `${v} vs ${g[i]}`));
  });

  test("compiled, with other trip counts; closed-over parameters get their gradients", () => {
    const g = w.grad(loop(30, { checkpoints: 3 }));
    const cg = w.compile(g);
    for (const x of [w.array([0.3, 0.8, 0.5]), w.array([0.1, 0.2, 0.3]), w.array([0.9, 0.9, 0.9])]) {
      assert.deepEqual(bits(cg(x)), bits(w.grad(loop(30, {}))(x)));
      assert.deepEqual(bits(cg(x)), bits(g(x)));
    }
    const withP = (opts: w.WhileOptions) => (p: V, x: V): NDArray => {
      const [c] = w.whileLoop(([, t]: V[]) => w.less(t!, 25), ([c, t]: V[]) => [w.add(c!, w.mul(p, w.sin(c!))), w.add(t!, 1)], [x, 0] as V[], opts) as V[];
      return w.sum(c!) as NDArray;
    };
    const a = w.grad(withP({ checkpoints: 4 }) as never, { argnums: [0, 1] })(0.05, w.array([0.2, 1.1])) as [number, NDArray];
    const b = w.grad(withP({}) as never, { argnums: [0, 1] })(0.05, w.array([0.2, 1.1])) as [number, NDArray];
    assert.equal(a[0], b[0]);
    assert.deepEqual(bits(a[1]), bits(b[1]));
  });

  test("under higher-order reverse mode (a Hessian) the loop keeps every carry: the same Hessian", () => {
    const f = (opts: w.WhileOptions) => (x: V): NDArray => {
      const [c] = w.whileLoop(([, t]: V[]) => w.less(t!, 12), ([c, t]: V[]) => [w.add(c!, w.mul(0.1, w.sin(c!))), w.add(t!, 1)], [x, 0] as V[], opts) as V[];
      return w.sum(w.square(c!)) as NDArray;
    };
    const x = w.array([0.4, -0.9]);
    assert.deepEqual(bits(w.hessian(f({ checkpoints: 2 }))(x)), bits(w.hessian(f({}))(x)));
    assert.deepEqual(bits(w.grad((y: V) => w.sum(w.grad(f({ checkpoints: 2 }))(y as NDArray)) as NDArray)(x)), bits(w.grad((y: V) => w.sum(w.grad(f({}))(y as NDArray)) as NDArray)(x)));
  });
});
