// Loop steps recycle their temporaries (array/pool.ts's `step`): every buffer a step allocates
// goes back to the pool when the step ends, unless an output holds it. These tests check that
// nothing live is ever handed out again: outputs that alias inputs, consts and list constants,
// a carry stored as a snapshot, nested loops, a branch traced in the middle of a sweep.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { clearPool, poolStats } from "../src/array/pool.js";

type V = w.Value;
const num = (v: unknown): number => { const c = w.value(v as V); return typeof c === "number" ? c : (c as NDArray).item(); };

/** The same steps as a native JS loop over plain Float64Arrays (the reference). */
function reference(T: number, x0: readonly number[], step: (c: number, i: number) => number): number[] {
  const c = x0.slice();
  for (let t = 0; t < T; t++) for (let i = 0; i < c.length; i++) c[i] = step(c[i]!, i);
  return c;
}

describe("a loop step's temporaries are recycled, never a live buffer", () => {
  const x0 = [0.1, 0.5, -0.7, 1.3, 2.1];

  test("a long checkpointed scan reuses buffers, and its value and gradient match the plain ones exactly", () => {
    const f = (opts: w.ScanOptions) => (x: V): NDArray => w.sum(w.scan((c: V) => [w.add(c, w.mul(0.01, w.sin(c))), null], x, null, { length: 300, ...opts })[0]) as NDArray;
    clearPool();
    const before = poolStats.reused;
    const [v1, g1] = w.valueAndGrad(f({ checkpoints: "binomial" }))(w.array(x0));
    assert.ok(poolStats.reused - before > 300, `steps took buffers from the pool (${poolStats.reused - before})`);
    const [v2, g2] = w.valueAndGrad(f({}))(w.array(x0));
    assert.deepEqual((g1 as NDArray).toArray(), (g2 as NDArray).toArray());
    assert.equal(num(v1), num(v2));
    const ref = reference(300, x0, (c) => c + 0.01 * Math.sin(c));
    assert.ok(Math.abs(num(v1) - ref.reduce((a, b) => a + b, 0)) < 1e-12);
  });

  test("a body returning a const, its input, or a list constant as outputs leaves them intact", () => {
    const K = w.array([1, 2, 3, 4, 5]);
    const kCopy = K.toArray();
    // y = K (a const of the body) and the carry once unchanged: outputs that alias what the step did not allocate.
    const f = (x: V): NDArray => {
      const [c, ys] = w.scan((c: V, t: V) => [w.add(c, w.mul(t, w.sin(c))), w.add(K, 0)], x, w.array([0.5, 0, 0.25, 0.125]));
      const [d, zs] = w.scan((d: V) => [d, w.mul(d, K)], c, null, { length: 3, checkpoints: 2 });
      return w.add(w.sum(d), w.add(w.sum(ys as V), w.sum(zs as V))) as NDArray;
    };
    const g = w.grad(f)(w.array(x0)) as NDArray;
    const unrolled = (x: V): NDArray => {
      let c = x;
      const ts = [0.5, 0, 0.25, 0.125];
      let ys: V = 0;
      for (const t of ts) { ys = w.add(ys, w.sum(w.add(K, 0))); c = w.add(c, w.mul(t, w.sin(c))); }
      let zs: V = 0;
      for (let k = 0; k < 3; k++) zs = w.add(zs, w.sum(w.mul(c, K)));
      return w.add(w.sum(c), w.add(ys, zs)) as NDArray;
    };
    assert.deepEqual(K.toArray(), kCopy, "the const is untouched");
    const gu = w.grad(unrolled)(w.array(x0)) as NDArray;
    const ga = g.toArray() as number[], gb = gu.toArray() as number[];
    ga.forEach((v, i) => assert.ok(Math.abs(v - gb[i]!) <= 1e-12 * Math.max(1, Math.abs(v)), `${v} vs ${gb[i]}`));
    assert.ok(Math.abs(num(f(w.array(x0))) - num(unrolled(w.array(x0)))) < 1e-12);
  });

  test("pooled sweep states: pytree carries (an array, a number), scanned arrays, reversed scans, float32: the plain gradient's bits", () => {
    // The sweep copies each state it holds into a pooled one and stacks the slices' cotangents as
    // each step makes them; recycled states must never change a bit of any cotangent.
    const bitsOf = (v: unknown): string => JSON.stringify(v instanceof NDArray ? [v.dtype, v.shape, Array.from(new Uint8Array(Float64Array.from(v.data as ArrayLike<number>).buffer))] : Array.isArray(v) ? v.map(bitsOf) : [typeof v, Array.from(new Uint8Array(Float64Array.of(v as number).buffer))]);
    for (const dtype of ["float64", "float32"] as const) {
      const xs = w.array(Array.from({ length: 57 * 2 }, (_, i) => Math.cos(0.37 * i)), { shape: [57, 2], dtype });
      for (const reverse of [false, true]) {
        const f = (checkpoints?: w.CheckpointOption) => (a0: NDArray, s0: number, ys: NDArray): NDArray => {
          const [[a, s], y] = w.scan(([a, s]: V[], x: V) => {
            const a1 = w.add(a!, w.mul(0.1, w.sin(w.mul(a!, x))));
            return [[a1, w.add(s!, w.mul(0.01, w.sum(w.astype(w.square(a1), "float64"))))], w.mul(s!, x)];
          }, [a0, s0] as V[], ys, { checkpoints, reverse }) as [V[], V];
          return w.add(w.add(w.sum(a!), s!), w.sum(w.square(y))) as NDArray;
        };
        const a0 = w.array([0.4, -0.9], { dtype });
        const plain = w.grad(f(), { argnums: [0, 1, 2] })(a0, 0.3, xs);
        for (const ck of [1, 4, "binomial", "sqrt"] as const) {
          const g = w.grad(f(ck), { argnums: [0, 1, 2] });
          for (let r = 0; r < 2; r++) assert.equal(bitsOf(g(a0, 0.3, xs)), bitsOf(plain), `${dtype}, reverse ${reverse}, checkpoints ${ck}, call ${r}`);
        }
      }
    }
  });

  test("nested loops and a branch met in the middle of a checkpointed sweep", () => {
    // The inner scan's steps recycle inside the outer's; the branch (sum c > 3.2) is met at a later step.
    const body = (c: V): V => {
      const [inner] = w.scan((d: V) => [w.mul(d, 0.999), null], c, null, { length: 4 });
      return num(w.sum(c)) > 3.2 ? w.mul(inner as V, 1) : w.add(inner as V, w.mul(0.05, w.cos(c)));
    };
    const f = (opts: w.ScanOptions) => (x: V): NDArray => w.sum(w.scan((c: V) => [body(c), null], x, null, { length: 60, ...opts })[0]) as NDArray;
    const [v1, g1] = w.valueAndGrad(f({ checkpoints: 3 }))(w.array(x0));
    const [v2, g2] = w.valueAndGrad(f({}))(w.array(x0));
    assert.equal(num(v1), num(v2));
    assert.deepEqual((g1 as NDArray).toArray(), (g2 as NDArray).toArray());
    const native = (x: V): NDArray => { let c = x; for (let t = 0; t < 60; t++) c = body(c); return w.sum(c) as NDArray; };
    assert.equal(num(v1), num(native(w.array(x0))));
  });

  test("constants a derived body's trace computes (zero cotangents), traced in the middle of a sweep, stay intact", () => {
    // The carry's second leaf never reaches the loss: the VJP body's list holds a zero array as a constant.
    const f = (opts: w.ScanOptions) => (x: V): NDArray => {
      const [[a]] = w.scan(([a, b]: V[]) => [[w.add(a!, w.mul(0.1, w.sin(a!))), w.mul(b!, w.cos(b!))], null], [x, w.mul(x, 2)], null, { length: 40, ...opts });
      return w.sum(a as V) as NDArray;
    };
    const g1 = w.grad(f({ checkpoints: 3 }))(w.array(x0)) as NDArray;
    const g2 = w.grad(f({}))(w.array(x0)) as NDArray;
    assert.deepEqual(g1.toArray(), g2.toArray());
  });

  test("a constant output of a body traced in the middle of a step (a zero cotangent) survives for the next pullback", () => {
    // The slices never reach the carry: the VJP body returns a zero array, a constant of its list.
    const xs = w.array(Array.from({ length: 30 }, (_, t) => x0.map((v) => v * t)));
    const f = (x: V, s: V): NDArray => w.sum(w.scan((c: V, _si: V) => [w.add(c, w.mul(0.1, w.sin(c))), null], x, s, { checkpoints: 3 })[0] as V) as NDArray;
    const [, pullback] = w.vjp(f, w.array(x0), xs);
    const [gx1, gs1] = pullback(w.array(1) as never) as NDArray[];
    // Other loops allocate in between (what the pool hands out next).
    w.grad((x: V) => w.sum(w.scan((c: V) => [w.add(c, 1), null], x, null, { length: 50, checkpoints: 2 })[0] as V) as NDArray)(w.array(x0));
    const [gx2, gs2] = pullback(w.array(1) as never) as NDArray[];
    assert.deepEqual(gx2!.toArray(), gx1!.toArray());
    assert.deepEqual(gs2!.toArray(), gs1!.toArray());
    assert.ok((gs2!.toArray() as number[][]).every((r) => r.every((v) => v === 0)));
  });

  test("compiled: a step makes no NDArray for a carry in its double buffers; the checkpointed sweep allocates no state per advance", () => {
    const f = (opts: w.ScanOptions) => (x: V): NDArray => w.sum(w.scan((c: V) => [w.add(c, w.mul(0.01, w.sin(c))), null], x, null, { length: 64, ...opts })[0]) as NDArray;
    for (const opts of [{}, { checkpoints: "binomial" as const }]) {
      const cf = w.compile(w.grad(f(opts)));
      const x = w.array(x0);
      const want = Array.from((w.grad(f(opts))(x) as NDArray).data);
      assert.deepEqual(Array.from((cf(x) as NDArray).data), want);
      assert.deepEqual(Array.from((cf(x) as NDArray).data), want, "a second call, the wrappers reused");
      const src = cf.lastCompiled!.source;
      const loops = src.split(/for \(let f\d+_i = /).slice(1).map((l) => l.slice(0, l.indexOf("break ")));
      assert.ok(loops.length > 0);
      for (const l of loops) assert.doesNotMatch(l, /new NDArray\(/, l);
      assert.doesNotMatch(src, /pool\.take\(\[/);
    }
  });
});
