// fromJS's loops stay loops: a loop the analysis accepts runs as one structured-loop line of
// the trace (a scan for `for`, a while line for `while`), its body traced once with the counter
// a traced number, so `x[i]` is a dynamicIndex line; its derivatives are those of the program as
// written (checked against central differences, against the same loop unrolled, eagerly and
// compiled, for every carry returned alone). Loops the analysis refuses still unroll.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { ShapeError } from "../src/index.js";
import { addAt, dynamicIndex } from "../src/ops/dynamic-index.js";
import * as rt from "../src/source/runtime.js";
import { assertClose, assertThrowsWith, centralDiff } from "./helpers/check.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** A plain function from its source (so the test sees exactly what a user writes). */
const js = <T extends F>(src: string): T => new Function(`return ${src}`)() as T;

/** f's value, gradient and JVP through fromJS with structured loops off (every step unrolled). */
function unrolled(f: F, x: Float64Array): { y: number; g: Float64Array; jv: number } {
  rt.useStructuredLoops(false);
  try {
    const g = w.fromJS(f);
    return { y: g(x), g: w.grad(g)(x) as Float64Array, jv: w.jvp(g, [x], [x.map((_, i) => 1 + i / 7)])[1] as number };
  } finally {
    rt.useStructuredLoops(true);
  }
}

/** Central differences of the plain f along each coordinate of x. */
function differences(f: F, x: Float64Array): number[] {
  return Array.from(x, (_, i) => centralDiff((v: number[]) => f(Float64Array.from(v)), [Array.from(x)], [Array.from(x, (_, j) => (i === j ? 1 : 0))]) as number);
}

/** The trace of f at x, printed. */
const traced = (f: F, x: unknown): string => w.trace(f, x).toString();

/**
 * Gradient (eager and compiled) and JVP of fromJS(f) at x: against central differences of the
 * plain f, and against the unrolled loop; the trace has the loop as one line (`line` matches it).
 */
function checkStructured(f: F, x: Float64Array, line: RegExp, rtol = 1e-6): void {
  const g = w.fromJS(f);
  assert.ok(Object.is(g(x), f(x)), "value through fromJS");
  const gr = w.grad(g)(x) as Float64Array;
  assert.ok(gr instanceof Float64Array);
  assertClose(Array.from(gr), differences(f, x), { rtol }, "gradient vs central differences of f");
  const ref = unrolled(f, x);
  assertClose(Array.from(gr), Array.from(ref.g), { rtol: 1e-12 }, "gradient vs the unrolled loop");
  const jv = w.jvp(g, [x], [x.map((_, i) => 1 + i / 7)])[1] as number;
  assertClose(jv, ref.jv, { rtol: 1e-12 }, "jvp vs the unrolled loop");
  const cg = w.compile(w.grad(g));
  assertClose(Array.from(cg(x) as Float64Array), Array.from(gr), { rtol: 1e-12 }, "compiled gradient");
  assertClose(Array.from(cg(x) as Float64Array), Array.from(gr), { rtol: 1e-12 }, "compiled gradient, second call");
  assert.match(traced(g, x), line, "the loop is one line of the trace");
  assert.match(traced(w.grad(g), x), line, "and one line of the gradient's trace");
}

const ROSEN = "function rosen(x) { let s = 0; for (let i = 0; i < x.length - 1; i++) { const a = x[i + 1] - x[i] * x[i], b = 1 - x[i]; s += 100 * a * a + b * b; } return s; }";

// Lotka–Volterra, four RK4 steps per sample, loss against fixed data: p = [a, b, c, d, x0, y0].
const LV = (ret: string) => `function lv(p) {
  const a = p[0], b = p[1], c = p[2], d = p[3];
  let x = p[4], y = p[5], loss = 0;
  const h = 0.05;
  for (let k = 0; k < 40; k++) {
    const k1x = a * x - b * x * y, k1y = c * x * y - d * y;
    const x2 = x + 0.5 * h * k1x, y2 = y + 0.5 * h * k1y;
    const k2x = a * x2 - b * x2 * y2, k2y = c * x2 * y2 - d * y2;
    const x3 = x + 0.5 * h * k2x, y3 = y + 0.5 * h * k2y;
    const k3x = a * x3 - b * x3 * y3, k3y = c * x3 * y3 - d * y3;
    const x4 = x + h * k3x, y4 = y + h * k3y;
    const k4x = a * x4 - b * x4 * y4, k4y = c * x4 * y4 - d * y4;
    x = x + (h / 6) * (k1x + 2 * k2x + 2 * k3x + k4x);
    y = y + (h / 6) * (k1y + 2 * k2y + 2 * k3y + k4y);
    const ex = x - (1 + 0.5 * Math.sin(0.3 * k)), ey = y - (1 + 0.5 * Math.cos(0.3 * k));
    loss += ex * ex + ey * ey;
  }
  return ${ret};
}`;

describe("fromJS loops are structured loops under transforms", () => {
  test("Rosenbrock over x[i], x[i + 1]: one scan line, gradients of the program as written", () => {
    const x = Float64Array.from({ length: 7 }, (_, i) => 0.3 * Math.sin(i + 1) + (i % 2 === 0 ? -0.8 : 1));
    checkStructured(js(ROSEN), x, /scan\(/);
    const t = traced(w.fromJS(js(ROSEN)), x);
    assert.match(t, /v\d+ += v0\[0:6\]/, "x[i] is an element of the slice x[0:6] per step");
    assert.match(t, /v\d+ += v0\[1:7\]/, "x[i + 1] of the slice x[1:7]");
    assert.equal(t.match(/ = v0\[\d+\]/g), null, "no unrolled reads x[0], x[1], …");
  });
  test("Lotka–Volterra RK4: the loss, and each carry returned alone (x, y, loss)", () => {
    const p = Float64Array.of(1.1, 0.4, 0.35, 0.9, 1.2, 0.8);
    for (const ret of ["loss", "x", "y", "x * y + loss"]) checkStructured(js(LV(ret)), p, /scan\(/, 1e-5);
  });
  test("Newton's √a: a while loop whose trip count depends on the data", () => {
    const f = js<(x: Float64Array) => number>("function ns(x) { const a = x[0] * x[0] + 1, tol = 1e-13 * a; let r = a, steps = 0; while (Math.abs(r * r - a) > tol && steps < 100) { r = 0.5 * (r + a / r); steps++; } return r * x[1]; }");
    for (const x of [Float64Array.of(0.7, 2), Float64Array.of(3, -1.5)]) {
      checkStructured(f, x, /while/);
      const a = x[0]! * x[0]! + 1;
      assertClose(Array.from(w.grad(w.fromJS(f))(x) as Float64Array), [x[1]! * x[0]! / Math.sqrt(a), Math.sqrt(a)], { rtol: 1e-12 }, "d/dx of √(x0² + 1)·x1");
    }
  });
  test("a while test computing from closed-over values only (1e-13 * a) falls back to unrolling, with the same derivatives", () => {
    // Such an expression is evaluated by the enclosing transform, a new value at each trace of
    // a branch, which the loop's line cannot take as an operand (loops/body.ts's LoopRetrace).
    const f = js<(x: Float64Array) => number>("function ns(x) { const a = x[0] * x[0] + 1; let r = a; while (Math.abs(r * r - a) > 1e-13 * a) r = 0.5 * (r + a / r); return r * x[1]; }");
    const x = Float64Array.of(0.7, 2), a = 0.7 * 0.7 + 1;
    assertClose(Array.from(w.grad(w.fromJS(f))(x) as Float64Array), [2 * 0.7 / Math.sqrt(a), Math.sqrt(a)], { rtol: 1e-12 }, "gradient");
    assertClose(Array.from(w.compile(w.grad(w.fromJS(f)))(x) as Float64Array), [2 * 0.7 / Math.sqrt(a), Math.sqrt(a)], { rtol: 1e-12 }, "compiled gradient");
  });
  test("nested counted loops and a counter read through arithmetic (x[2 * i], x[n - 1 - i])", () => {
    const x = Float64Array.of(0.5, -1.2, 0.8, 1.5, -0.3, 0.9);
    checkStructured(js("function nest(x) { let s = 0; for (let i = 0; i < 3; i++) { let p = 1; for (let j = 0; j <= i; j++) p *= x[j]; s += Math.sin(p) * x[2 * i + 1]; } return s; }"), x, /scan\(/);
    checkStructured(js("function rev(x) { const n = x.length; let s = 0; for (let i = 0; i < n; i++) s += x[i] * x[n - 1 - i] * (i + 1); return s; }"), x, /scan\(/);
  });
  test("a Float32Array argument: a float32 gradient as a Float32Array, equal to float64's within float32 precision", () => {
    const f = w.fromJS(js(ROSEN));
    const x64 = Float64Array.of(0.25, -0.5, 0.75, 1.25), x32 = Float32Array.from(x64);
    const g32 = w.grad(f)(x32);
    assert.ok(g32 instanceof Float32Array);
    assertClose(Array.from(g32 as Float32Array), Array.from(w.grad(f)(x64) as Float64Array), { rtol: 1e-5, atol: 1e-5 }, "float32 vs float64");
    assertClose(Array.from(w.compile(w.grad(f))(x32) as Float32Array), Array.from(g32 as Float32Array), { rtol: 1e-6 }, "compiled float32");
    // The loop scans float32 slices (one number per step), as it does float64's.
    assert.match(traced(w.grad(f), x32), /v\d+ += v0\[1:4\]/, "x[i + 1] of the slice x[1:4]");
  });
  test("a loop the analysis refuses (break, writes into an outer array) still unrolls, with correct derivatives", () => {
    const x = Float64Array.of(0.5, 1.5, -0.7, 0.2);
    const brk = js<(x: Float64Array) => number>("function brk(x) { let s = 0; for (let i = 0; i < x.length; i++) { if (s > 10) break; s += Math.exp(x[i]) * (i + 1); } return s; }");
    const out = js<(x: Float64Array) => number>("function out(x) { const t = [0, 0, 0, 0]; for (let i = 0; i < x.length; i++) t[i] = x[i] * x[i]; return t[0] + t[1] * t[3] + t[2]; }");
    for (const f of [brk, out]) {
      const g = w.fromJS(f);
      const gr = Array.from(w.grad(g)(x) as Float64Array);
      assertClose(gr, differences(f, x), { rtol: 1e-6 }, `${f.name}: gradient vs central differences`);
      assertClose(Array.from(w.compile(w.grad(g))(x) as Float64Array), gr, { rtol: 1e-12 }, `${f.name}: compiled`);
      assert.doesNotMatch(traced(g, x), /scan\(/, `${f.name} unrolls`);
    }
  });
  test("under vmap: the gradient of each row, through scanned slices and through dynamicIndex", () => {
    const X = w.array([[0.5, -1.2, 0.7, 0.2], [1.1, 0.3, -0.4, -0.9]]);
    const rows = (X.toArray() as number[][]).map((r) => Float64Array.from(r));
    for (const src of [ROSEN, "function rev(x) { const n = x.length; let s = 0; for (let i = 0; i < n; i++) s += x[i] * x[n - 1 - i] * (i + 1); return s; }"]) {
      const g = w.grad(w.fromJS(js(src)));
      const batched = w.vmap(g)(X) as w.NDArray;
      assertClose(Array.from(batched.data), rows.flatMap((r) => Array.from(g(r) as Float64Array)), { rtol: 1e-12 }, "vmap(grad) vs each row's gradient");
    }
  });
  test("float32 scanned slices, n small and large, two and three reads: the unrolled loop's float32 gradient, eagerly and compiled", () => {
    const GAP = "function gap(x) { let s = 0; for (let i = 0; i < x.length - 2; i++) s += Math.sin(x[i]) * x[i + 2] + x[i + 1] * x[i]; return s; }";
    for (const [src, sizes] of [[ROSEN, [2, 5, 3000]], [GAP, [3, 6, 3000]]] as const) {
      for (const n of sizes) {
        const x32 = Float32Array.from({ length: n }, (_, i) => 0.9 * Math.sin(1.3 * i) + (i % 2 === 0 ? -0.4 : 0.6));
        const f = w.fromJS(js(src));
        assert.match(traced(w.grad(f), x32), /scan\(/, "one scan line");
        rt.useStructuredLoops(false);
        let ref: Float32Array;
        try { ref = w.grad(w.fromJS(js(src)))(x32) as Float32Array; } finally { rt.useStructuredLoops(true); }
        const cg = w.compile(w.grad(f));
        for (const [r, what] of [[w.grad(f)(x32), "eager"], [cg(x32), "compiled"], [cg(x32), "compiled, second call"]] as const) {
          assert.ok(r instanceof Float32Array, what);
          // The scan sums each element's contributions in float64, the unrolled loop in float32.
          assertClose(Array.from(r as Float32Array), Array.from(ref), { rtol: 1e-5, atol: 1e-4 }, `${what}, n = ${n}`);
        }
      }
    }
  });
  test("the compiled gradient is a JavaScript loop: its code does not grow with n", () => {
    const g = w.compile(w.grad(w.fromJS(js(ROSEN))));
    const len = (n: number) => { g(Float64Array.from({ length: n }, (_, i) => Math.cos(i))); return g.lastCompiled!.source.length; };
    const small = len(16), large = len(256);
    assert.ok(large < small * 1.2, `source of ${large} characters at n = 256 vs ${small} at n = 16`);
  });
});

describe("a traced x[i] out of range", () => {
  const over = js<(x: Float64Array) => number>("function over(x) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * x[i + 1]; return s; }");
  test("plain JS reads undefined (NaN); under grad, eagerly and compiled, a ShapeError naming the op, the index and the length", () => {
    const x = Float64Array.of(1, 2, 3);
    assert.ok(Number.isNaN(w.fromJS(over)(x)));
    assertThrowsWith(() => w.grad(w.fromJS(over))(x), ShapeError, ["dynamicIndex", "index 3", "length 3"]);
    assertThrowsWith(() => w.compile(w.grad(w.fromJS(over)))(x), ShapeError, ["dynamicIndex", "index 3", "length 3"]);
  });
  test("dynamicIndex and addAt refuse a non-integer or negative index, and arrays that are not 1-d", () => {
    const x = w.array([1, 2, 3]);
    assertThrowsWith(() => dynamicIndex(x, 1.5), ShapeError, ["dynamicIndex", "index 1.5", "length 3"]);
    assertThrowsWith(() => addAt(x, -1, 2), ShapeError, ["addAt", "index -1", "length 3"]);
    assertThrowsWith(() => dynamicIndex(w.array([[1, 2], [3, 4]]), 0), ShapeError, ["dynamicIndex", "1-d", "[2,2]"]);
    assert.equal(dynamicIndex(x, 2), 3);
    assert.deepEqual(Array.from((addAt(x, 1, 5) as w.NDArray).data), [1, 7, 3]);
  });
});
