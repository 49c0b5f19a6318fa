// fromJS keeps a structured loop's body trace from one call to the next (src/source/loop-cache.ts).
// A kept trace is only right while the body computes the same function of its inputs: each test
// changes one thing the body reads between calls (a branch its values take, a constant, which
// traced values are the same, a mutable array's contents, the loop's length) and checks the
// gradient against the same function with structured loops off (every loop unrolled, nothing
// kept) and against central differences.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import * as rt from "../src/source/runtime.js";
import { loopCacheStats } from "../src/source/loop-cache.js";
import { assertClose } from "./helpers/check.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;
const js = <T extends F>(src: string): T => new Function(`return ${src}`)() as T;

/** grad of g at args, and the same with every loop unrolled (the reference: nothing is kept there). */
function both(g: F, args: readonly unknown[]): [unknown, unknown] {
  const got = g(...args);
  rt.useStructuredLoops(false);
  try {
    return [got, g(...args)];
  } finally {
    rt.useStructuredLoops(true);
  }
}

function reuses(run: () => void): number {
  const before = loopCacheStats.reused;
  run();
  return loopCacheStats.reused - before;
}

const asList = (v: unknown): number[] => Array.from(v as ArrayLike<number>);

/** Central differences of f: R^n → R, coordinate by coordinate. */
function fdGrad(f: (v: number[]) => number, v: readonly number[], h = 1e-6): number[] {
  return v.map((_, i) => {
    const p = v.slice(), m = v.slice();
    p[i] = p[i]! + h; m[i] = m[i]! - h;
    return (f(p) - f(m)) / (2 * h);
  });
}
const EXACT = { rtol: 0 }, FD = { rtol: 1e-6, atol: 1e-6 };

describe("fromJS keeps a loop's body trace across calls, and never a stale one", () => {
  test("the second call reuses the first call's trace (Rosenbrock, Float64Array)", () => {
    const f = w.fromJS(js<(x: Float64Array) => number>("function rosen(x) { let s = 0; for (let i = 0; i < x.length - 1; i++) { const a = x[i + 1] - x[i] * x[i], b = 1 - x[i]; s += 100 * a * a + b * b; } return s; }"));
    const g = w.grad(f);
    const x = Float64Array.from([0.5, -1.2, 2, 0.3, 1.1]);
    const first = asList(g(x));
    assert.equal(reuses(() => { for (let k = 0; k < 3; k++) assertClose(asList(g(x)), first, EXACT); }), 3);
    assertClose(first, fdGrad((v) => f(Float64Array.from(v)), Array.from(x)), FD);
  });

  test("a branch that changes with the input is traced again, from the new call", () => {
    const f = w.fromJS(js<(x: Float64Array) => number>("function f(x) { let s = 0; for (let i = 0; i < x.length; i++) { if (x[i] > 0) s += x[i] * x[i]; else s -= Math.sin(x[i]); } return s; }"));
    const g = w.grad(f);
    for (const x of [[1, 2, 3], [-1, -2, -3], [1, -2, 3], [-1, 2, -3], [0.5, 0.25, 2]]) {
      const [got, want] = both(g, [Float64Array.from(x)]);
      assertClose(asList(got), asList(want));
      assertClose(asList(got), x.map((v) => (v > 0 ? 2 * v : -Math.cos(v))));
    }
  });

  test("a number the body reads from outside (a constant of the trace) is part of the key", () => {
    const f = w.fromJS(js<(x: Float64Array, k: number) => number>("function f(x, k) { let s = 0; for (let i = 0; i < x.length; i++) s += k * x[i] * x[i]; return s; }"));
    const g = w.grad(f);
    const x = Float64Array.from([1, 2, 3]);
    for (const k of [2, 3, 2, -0, 0, NaN]) {
      assert.deepEqual(asList(g(x, k)), [1, 2, 3].map((v) => 2 * k * v));
    }
    // a number from the scope is a constant too
    const h = w.fromJS(js<(x: Float64Array) => number>("function h(x) { let s = 0; for (let i = 0; i < x.length; i++) s += c * x[i]; return s; }"), { scope: { c: 5 } });
    assert.deepEqual(asList(w.grad(h)(x)), [5, 5, 5]);
    const h2 = w.fromJS(js<(x: Float64Array) => number>("function h(x) { let s = 0; for (let i = 0; i < x.length; i++) s += c * x[i]; return s; }"), { scope: { c: 7 } });
    assert.deepEqual(asList(w.grad(h2)(x)), [7, 7, 7]);
  });

  test("which outer variables hold the same traced value is part of the key", () => {
    // p and q are the same tracer when same is true: a trace made then reads one input for both.
    // (A body computing with outer values alone, q * q, is not kept: that product is a value of
    // the enclosing transform, made while tracing, which a later call would have to make again.)
    const f = w.fromJS(js<(x: Float64Array, a: number, b: number, same: boolean) => number>(
      "function f(x, a, b, same) { const p = a, q = same ? a : b; let s = 0; for (let i = 0; i < x.length; i++) s += p * x[i] + q * x[i]; return s; }"));
    const g = w.grad(f, { argnums: [0, 1, 2] });
    const x = Float64Array.from([1, 2, 3]);
    let n = 0;
    for (const same of [true, false, true, false]) n += reuses(() => {
      const [gx, ga, gb] = g(x, 2, 5, same) as [Float64Array, number, number];
      assert.deepEqual(asList(gx), same ? [4, 4, 4] : [7, 7, 7]);
      // d/da of Σ (a + q) x_i with q = a (same) or q = b
      assert.equal(ga, same ? 12 : 6);
      assert.equal(gb, same ? 0 : 6);
    });
    assert.equal(n, 2); // the third and fourth calls
  });

  test("arrays the body reads (a typed-array argument, a scope array, a helper reading one) are read afresh", () => {
    const wts = Float64Array.from([1, 2, 3]);
    const f = w.fromJS(js<(x: Float64Array, v: Float64Array) => number>("function f(x, v) { let s = 0; for (let i = 0; i < x.length; i++) s += v[i] * x[i] * x[i]; return s; }"));
    const g = w.grad(f);
    const x = Float64Array.from([1, 1, 1]);
    assert.deepEqual(asList(g(x, wts)), [2, 4, 6]);
    wts[0] = 10;
    assert.deepEqual(asList(g(x, wts)), [20, 4, 6]);

    const c = [1, 2, 3];
    const h = w.fromJS(js<(x: Float64Array) => number>("function h(x) { let s = 0; for (let i = 0; i < x.length; i++) s += c[i] * x[i]; return s; }"), { scope: { c } });
    assert.deepEqual(asList(w.grad(h)(x)), [1, 2, 3]);
    c[1] = -4;
    assert.deepEqual(asList(w.grad(h)(x)), [1, -4, 3]);

    const d = [2];
    const k = w.fromJS(js<(x: Float64Array) => number>("function k(x) { let s = 0; for (let i = 0; i < x.length; i++) s += scale(x[i]); return s; }"), { scope: { d, scale: js("(t) => d[0] * t") } });
    assert.deepEqual(asList(w.grad(k)(x)), [2, 2, 2]);
    d[0] = 3;
    assert.deepEqual(asList(w.grad(k)(x)), [3, 3, 3]);
  });

  test("a closure made by the call is read afresh; a trusted helper (fromJS, constant scope) is kept", () => {
    const f = w.fromJS(js<(x: Float64Array, a: number) => number>("function f(x, a) { const sq = (t) => a * t * t; let s = 0; for (let i = 0; i < x.length; i++) s += sq(x[i]); return s; }"));
    const g = w.grad(f);
    const x = Float64Array.from([1, 2]);
    assert.deepEqual(asList(g(x, 1)), [2, 4]);
    assert.deepEqual(asList(g(x, 3)), [6, 12]);
    const sq = w.fromJS(js<(t: number) => number>("function sq(t) { return t * t; }"));
    const h = w.fromJS(js<(x: Float64Array) => number>("function h(x) { let s = 0; for (let i = 0; i < x.length; i++) s += sq(x[i]); return s; }"), { scope: { sq } });
    const gh = w.grad(h);
    gh(x);
    assert.equal(reuses(() => assert.deepEqual(asList(gh(x)), [2, 4])), 1);
  });

  test("other lengths, number[] and Float64Array, under grad, jvp, hessian and compile, one after the other", () => {
    const f = w.fromJS(js<(x: ArrayLike<number>) => number>("function rosen(x) { let s = 0; for (let i = 0; i < x.length - 1; i++) { const a = x[i + 1] - x[i] * x[i], b = 1 - x[i]; s += 100 * a * a + b * b; } return s; }"));
    const ref = (v: number[]) => { let s = 0; for (let i = 0; i < v.length - 1; i++) { const a = v[i + 1]! - v[i]! * v[i]!, b = 1 - v[i]!; s += 100 * a * a + b * b; } return s; };
    const g = w.grad(f), cg = w.compile(g), h = w.hessian((y: number[]) => f(y));
    for (const v of [[0.5, 1.5, -1], [0.1, 0.2, 0.3, 0.4, 0.5], [2, -1], [0.5, 1.5, -1]]) {
      const want = fdGrad(ref, v);
      assertClose(asList(g(Float64Array.from(v))), want, FD);
      assertClose(asList(g(v)), want, FD);
      assertClose(asList(cg(Float64Array.from(v))), want, FD);
      const [, t] = w.jvp((y: Float64Array) => f(y), [Float64Array.from(v)], [Float64Array.from(v.map(() => 1))]);
      assertClose(t as number, want.reduce((a, b) => a + b, 0), FD);
      const [H, Href] = both(h, [v]);
      assertClose(H, Href);
      assertClose((H as number[][]).flat(), v.flatMap((_, i) => fdGrad((u) => fdGrad(ref, u, 1e-4)[i]!, v, 1e-4)), { rtol: 1e-4, atol: 1e-4 });
    }
  });

  test("a body that calls Math.random is not kept", () => {
    const f = w.fromJS(js<(x: Float64Array) => number>("function f(x) { let s = 0; for (let i = 0; i < x.length; i++) s += Math.random() * x[i]; return s; }"));
    const g = w.grad(f);
    const x = Float64Array.from([1, 2, 3]);
    const a = asList(g(x)), b = asList(g(x));
    assert.notDeepEqual(a, b);
  });

  test("nested loops: the inner loop's trace is kept under the outer one's, with the outer counter as its input", () => {
    const f = w.fromJS(js<(x: Float64Array) => number>("function f(x) { let s = 0; for (let i = 0; i < x.length; i++) { let t = 0; for (let j = 0; j < 3; j++) { if (j > 0) t += x[i] * j; else t -= x[i]; } s += t * t; } return s; }"));
    const g = w.grad(f);
    for (const v of [[1, 2], [3, -1, 0.5], [1, 2]]) {
      const [got, want] = both(g, [Float64Array.from(v)]);
      assertClose(asList(got), asList(want));
      assertClose(asList(got), v.map((u) => 8 * u)); // t = −x_i + x_i + 2 x_i = 2 x_i, s = Σ 4 x_i²
    }
  });
});

describe("fromJS while loops", () => {
  test("a variable the body assigns and the test reads is carried (the test runs before each body)", () => {
    const f = w.fromJS(js<(x: number, y: number) => number>("function f(x, y) { let a = Math.sin(x); let b = Math.cos(0.5); let n = 0; while (n < 3 && y > a) { a = 0.5; b += x; n++; } return x * b; }"));
    const g = w.grad(f, { argnums: [0, 1] });
    for (const [x, y] of [[-0.02125, -0.02], [0.3, -1], [0.1, 0.7]] as const) {
      const [got, want] = both(g, [x, y]);
      assertClose(got, want, { rtol: 1e-12 });
      const h = 1e-6;
      assertClose((got as number[])[0]!, (f(x + h, y) - f(x - h, y)) / (2 * h), FD);
    }
  });
});
