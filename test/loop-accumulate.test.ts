// Compiled loops add a carry's scattered contributions in place (loops/accumulate.ts): the
// gradient of a loop reading x at traced indices (x[2 * i], x[n − 1 − i]) adds one number per
// read into one array instead of copying and summing arrays the size of x every step. Checked
// bit for bit against the eager gradient (the arrays' adds), signed zeros included, against the
// unrolled loop, n small and large; and that no value the loop or the caller holds sees the
// buffer change: the initial carry, a carry that keeps the previous accumulator, the constant
// zeros the code holds (a second call).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { addAt, dynamicIndex } from "../src/ops/dynamic-index.js";
import * as rt from "../src/source/runtime.js";
import { assertClose } from "./helpers/check.js";

type V = w.Value;
/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

const js = <T extends F>(src: string): T => new Function(`return ${src}`)() as T;
const bits = (v: unknown): number[] => Array.from(v instanceof NDArray ? v.data : (v as Float64Array));

const SOURCES = [
  "function strided(x) { let s = 0; for (let i = 0; i < x.length / 2; i++) s += x[2 * i] * x[2 * i] + Math.sin(x[x.length - 1 - i]); return s; }",
  "function mirror(x) { const n = x.length; let s = 0; for (let i = 0; i < n; i++) s += x[i] * x[n - 1 - i] * (i + 1) - 0.5 * x[(3 * i) % n]; return s; }",
];

describe("compiled loops accumulate scattered gradients in place", () => {
  test("fromJS loops over x[2 * i], x[n − 1 − i], x[3i mod n]: the eager gradient's bits, n small and large, no pass over x per step", () => {
    for (const src of SOURCES) {
      for (const n of [2, 7, 1200]) {
        const x = Float64Array.from({ length: n }, (_, i) => 0.8 * Math.sin(1.7 * i + 0.2) - 0.1);
        const f = w.fromJS(js(src)), g = w.grad(f), cg = w.compile(g);
        const want = bits(g(x));
        assert.deepStrictEqual(bits(cg(x)), want, `${src.slice(9, 16)} n = ${n}`);
        assert.deepStrictEqual(bits(cg(x)), want, "a second call: the zeros the code holds are unchanged");
        assert.doesNotMatch(cg.lastCompiled!.source, /fused: add/, "no loop over x inside the step");
        rt.useStructuredLoops(false);
        try {
          assertClose(want, bits(w.grad(w.fromJS(js(src)))(x)), { rtol: 1e-12, atol: 1e-12 }, "against the unrolled loop");
        } finally {
          rt.useStructuredLoops(true);
        }
      }
    }
  });

  test("an initial carry with −0 and values: copied once, never changed; the bits of the arrays' adds", () => {
    const init = w.array(Float64Array.of(-0, 1.5, -0, 0, 2.25, -3));
    // carry: acc + (addAt(0, i, a·t) + addAt(0, j, −0)) with i = t, j = 5 − t (repeats at no step) or i = j.
    const run = (same: boolean) => (acc0: V, xs: V): V[] => {
      const [acc] = w.scan((acc: V, t: V) => {
        const i = t as unknown as number, j = same ? i : w.sub(5, t);
        return [w.add(acc, w.add(addAt(w.zeros([6]), i, w.mul(t, 0.75)), addAt(w.zeros([6]), j, -0))), null];
      }, acc0, xs) as V[];
      return [acc, acc0];
    };
    const xs = w.array(Float64Array.of(0, 1, 2, 3, 4, 5).subarray(1, 5));
    for (const same of [false, true]) {
      const f = run(same), cf = w.compile(f);
      const [wantAcc, wantInit] = f(init, xs) as V[];
      for (let k = 0; k < 2; k++) {
        const [acc, acc0] = cf(init, xs) as V[];
        assert.deepStrictEqual(bits(acc), bits(wantAcc));
        assert.deepStrictEqual(bits(acc0), bits(wantInit), "the initial carry returned as it was");
      }
      assert.deepStrictEqual(bits(init), [-0, 1.5, -0, 0, 2.25, -3], "the caller's array unchanged");
      assert.match(cf.lastCompiled!.source, /\+ 0;/, "the carry is copied once");
    }
  });

  test("a carry read by anything else, or kept by another carry, is not added in place (it would alias)", () => {
    const xs = w.array(Float64Array.of(0, 1, 2, 3));
    // prev' = acc: with acc's buffer changed in place, prev would show the final accumulator.
    const kept = (x: V): V[] => w.scan(([acc, prev]: V[], t: V) => [[w.add(acc, addAt(w.zeros([4]), t as unknown as number, w.mul(x, t))), acc], null], [w.zeros([4]), w.zeros([4])], xs)[0] as V[];
    // acc read at a traced index inside the step.
    const read = (x: V): V[] => [w.scan((acc: V, t: V) => [w.add(acc, addAt(w.zeros([4]), t as unknown as number, w.mul(x, dynamicIndex(acc, w.sub(3, t))))), null], w.ones([4]), xs)[0] as V];
    for (const f of [kept, read]) {
      const want = (f(1.25) as V[]).map(bits);
      const cf = w.compile(f);
      for (let k = 0; k < 2; k++) assert.deepStrictEqual((cf(1.25) as V[]).map(bits), want);
    }
    const prev = (kept(1.25) as V[])[1]!;
    assert.notDeepStrictEqual(bits(prev), bits((kept(1.25) as V[])[0]!), "the case can tell them apart");
  });
});
