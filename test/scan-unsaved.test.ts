// A scan's forward half saves no carry when the body's VJP reads none (scan-unsaved.ts): a carry
// only added to (W2 as a scan) is not stored (gradMemory shows it), and the gradient is bit for
// bit the one that keeps carries (the checkpointed sweep reads them), eager and compiled, under
// higher-order and batched transforms. Bodies that read their carry, or branch, store as before.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";

type V = w.Value;

const rosen = (o: w.ScanOptions = {}) => (x: V): number => {
  const m = (x as NDArray).shape[0]!;
  const [s] = w.scan((s: V, [a, b]: V[]) => [w.add(s, w.add(w.mul(100, w.square(w.sub(b!, w.square(a!)))), w.square(w.sub(1, a!)))), null], 0 as V, [w.slice(x, [0], [m - 1]), w.slice(x, [1])], o);
  return s as number;
};
const x0 = (n: number): NDArray => w.array(Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1 + i / (10 * n))));
const bits = (v: unknown): number[] => Array.from((v as NDArray).data);

describe("scan: carries the backward sweep never reads are not saved", () => {
  test("W2 as a scan stores no carry; the gradient is the carry-keeping sweep's bit for bit", () => {
    const x = x0(64);
    const plain = w.gradMemory(rosen() as never)(x as never);
    assert.deepEqual(plain.memory.loops.map((l) => [l.op, l.carriesStored, l.bytes, l.recomputedSteps]), [["scan", 0, 0, 0]]);
    const kept = w.gradMemory(rosen({ checkpoints: "binomial" }) as never)(x as never);
    assert.ok(kept.memory.loops[0]!.carriesStored > 0);
    assert.deepEqual(bits(plain.grad), bits(kept.grad));
    assert.deepEqual(bits(w.grad(rosen())(x)), bits(kept.grad));
    assert.deepEqual(bits(w.compile(w.grad(rosen()))(x)), bits(kept.grad));
  });

  test("under compile the forward loop is dead: one loop left in the generated code", () => {
    const cf = w.compile(w.grad(rosen()));
    cf(x0(32));
    const src = cf.lastCompiled!.source;
    assert.equal(src.match(/for \(let f\d+_i /g)?.length, 1, src);
  });

  test("a body that reads its carry, or branches, still saves every carry", () => {
    const x = w.array(Float64Array.from({ length: 16 }, (_, i) => Math.sin(3 * i)));
    const reads = (x: V): number => w.scan((s: V, a: V) => [w.add(w.mul(s, 0.5), w.sin(w.mul(s, a))), null], 1 as V, x)[0] as number;
    const m = w.gradMemory(reads as never)(x as never);
    assert.deepEqual(m.memory.loops.map((l) => [l.carriesStored, l.bytes]), [[16, 16 * 8]]);
    const branchy = (x: V): number => w.scan((s: V, a: V) => [(w.greater(a, 0) as unknown as boolean) ? w.add(s, a) : w.add(s, w.mul(a, a)), null], 0 as V, x)[0] as number;
    const b = w.gradMemory(branchy as never)(x as never);
    assert.equal(b.memory.loops[0]!.carriesStored, 16);
    // Against the unrolled loop.
    const xs = Array.from((x as NDArray).data);
    const g = xs.map((a) => (a > 0 ? 1 : 2 * a));
    assert.deepEqual(bits(b.grad), g);
  });

  test("per-step outputs seeded or not, carry seeded or not: the carry-keeping sweep's bits", () => {
    const x = x0(24);
    // s only added to; y reads the slices only; the second carry is not read either.
    const f = (o: w.ScanOptions) => (x: V) => w.scan(([s, u]: V[], a: V) => [[w.add(s!, w.square(a)), w.add(u!, w.sin(a))], w.mul(a, w.cos(a))], [0, 0] as V[], x, o);
    const losses = [
      (r: any): V => r[0][0],
      (r: any): V => w.sum(r[1]),
      (r: any): V => w.add(r[0][1], w.sum(r[1])),
    ];
    for (const loss of losses) {
      const g = (o: w.ScanOptions) => w.grad((x: V) => loss(f(o)(x)) as number);
      const want = bits(g({ checkpoints: "binomial" })(x));
      assert.deepEqual(bits(g({})(x)), want);
      assert.deepEqual(bits(w.compile(g({}))(x)), want);
    }
  });

  test("a 0-d array carry, its cotangent a 0-d array: read or not, the same bits as keeping it", () => {
    const x = x0(12);
    const f = (reads: boolean, o: w.ScanOptions) => (x: V): number => w.sum(w.scan((s: V, a: V) => [w.add(reads ? w.sin(s) : s, w.sin(a)), null], w.zeros([]) as V, x, o)[0] as V) as unknown as number;
    for (const reads of [false, true]) {
      const want = bits(w.grad(f(reads, { checkpoints: "binomial" }))(x));
      assert.deepEqual(bits(w.grad(f(reads, {}))(x)), want);
      assert.deepEqual(bits(w.compile(w.grad(f(reads, {})))(x)), want);
      assert.equal(w.gradMemory(f(reads, {}) as never)(x as never).memory.loops[0]!.carriesStored, reads ? 12 : 0);
    }
  });

  test("hvp, grad of grad and vmap of the gradient: the carry-keeping sweep's bits", () => {
    const x = x0(20), v = w.array(Float64Array.from({ length: 20 }, (_, i) => Math.cos(i)));
    const hv = (o: w.ScanOptions) => w.hvp(rosen(o) as never, x as never, v as never);
    assert.deepEqual(bits(hv({})), bits(hv({ checkpoints: "binomial" })));
    const gg = (o: w.ScanOptions) => w.grad((x: V) => w.sum(w.mul(w.grad(rosen(o))(x), v)))(x);
    assert.deepEqual(bits(gg({})), bits(gg({ checkpoints: "binomial" })));
    const X = w.stack([x, w.mul(x, 0.5), w.add(x, 1)]);
    const vg = (o: w.ScanOptions) => w.vmap(w.grad(rosen(o)))(X);
    assert.deepEqual(bits(vg({})), bits(vg({ checkpoints: "binomial" })));
  });
});
