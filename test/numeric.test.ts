import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ArgumentError } from "../src/base/errors.js";
import { compileExpr, parse } from "../src/expr/index.js";
import { add, exp, log, mul, sin, sub } from "../src/ops/api.js";
import { grad } from "../src/transforms/grad.js";
import { jacfwd } from "../src/transforms/jacobian.js";
import { logisticMap } from "../src/swell/logistic.js";
import {
  checkGrad, roundingError, defaultStep, EPS, errorSweep, numericDerivative, numericGradient, numericJacobian, numericJvp, richardson,
} from "../src/numeric/index.js";
import { exprArb, pointArb } from "./helpers/random-expr.js";

const SEED = 0x5eed_2024;
// The survey's example, f(x1, x2) = ln x1 + x1·x2 − sin x2, written with wengert's ops.
const fv = (x: number[]): number => sub(add(log(x[0]!), mul(x[0]!, x[1]!)), sin(x[1]!)) as number;
const f = compileExpr(parse("ln(x1) + x1*x2 - sin(x2)"), ["x1", "x2"]);
const EXACT = [1 / 2 + 5, 2 - Math.cos(5)];

describe("differences", () => {
  test("default steps: ∛ε·max(|x|, 1) central, √ε·max(|x|, 1) one-sided", () => {
    assert.equal(defaultStep(0.5), Math.cbrt(EPS));
    assert.equal(defaultStep(-300), Math.cbrt(EPS) * 300);
    assert.equal(defaultStep(2, "forward"), Math.sqrt(EPS) * 2);
    assert.equal(defaultStep(2, "backward"), Math.sqrt(EPS) * 2);
  });

  test("each scheme on sin at 1 is within its truncation + round-off error", () => {
    const exact = Math.cos(1);
    for (const [scheme, order] of [["forward", 1], ["backward", 1], ["central", 2]] as const) {
      const r = numericDerivative(Math.sin, 1, { scheme });
      const h = r.h;
      const predicted = order === 1 ? (Math.sin(1) * h) / 2 + (2 * EPS) / h : (Math.cos(1) * h * h) / 6 + EPS / h;
      assert.ok(Math.abs(r.value - exact) <= 2 * predicted, `${scheme}: error ${Math.abs(r.value - exact)} > 2 × ${predicted}`);
      // Two evaluations for the quotient (f(x) and f(x + h), or f(x ± h)), one or two for its error estimate at 2h.
      assert.equal(r.evaluations, order === 1 ? 3 : 4);
      assert.ok(Math.abs(r.value - exact) <= r.error, `${scheme}: error ${Math.abs(r.value - exact)} above its estimate ${r.error}`);
      assert.ok(r.error <= 4 * predicted, `${scheme}: estimate ${r.error} far above the model's ${predicted}`);
    }
    // Truncation shrinks as h (one-sided) and h² (central).
    const e = (scheme: "forward" | "central", h: number): number => Math.abs(numericDerivative(Math.exp, 0, { scheme, h }).value - 1);
    assert.ok(Math.abs(e("forward", 1e-2) / e("forward", 1e-3) - 10) < 0.5);
    assert.ok(Math.abs(e("central", 1e-2) / e("central", 1e-3) - 100) < 5);
  });

  test("Richardson extrapolation reaches about 13 digits, with an honest error estimate", () => {
    const r = richardson(Math.exp, 1);
    assert.ok(Math.abs(r.value - Math.E) < 1e-12 * Math.E);
    assert.ok(r.error < 1e-10 && Math.abs(r.value - Math.E) <= r.error);
    assert.ok(r.evaluations >= 4 && r.evaluations <= 40);
    // Near a domain edge the first step would leave the domain: it shrinks instead.
    const l = numericDerivative(Math.log, 0.05, { scheme: "richardson" });
    assert.ok(Math.abs(l.value - 20) < 1e-8);
  });

  test("gradients, JVPs and Jacobians count their evaluations", () => {
    const c = numericGradient(fv, [2, 5]);
    assert.equal(c.evaluations, 8);
    c.value.forEach((v, i) => assert.ok(Math.abs(v - EXACT[i]!) < 1e-9));
    assert.equal(numericGradient(fv, [2, 5], { scheme: "forward" }).evaluations, 5);
    assert.ok(numericGradient(fv, [2, 5], { scheme: "richardson" }).value.every((v, i) => Math.abs(v - EXACT[i]!) < 1e-12));
    const j = numericJvp(fv, [2, 5], [1, -2]);
    assert.equal(j.evaluations, 4);
    assert.ok(Math.abs(j.value - (EXACT[0]! - 2 * EXACT[1]!)) < 1e-8);
    const vec = (x: number[]): number[] => [sin(x[0]!) as number, mul(x[0]!, x[1]!) as number, exp(x[1]!) as number];
    const J = numericJacobian(vec, [0.5, 1.5]);
    const Jad = jacfwd(vec)([0.5, 1.5]) as unknown as number[][];
    assert.equal(J.evaluations, 8);
    J.value.forEach((row, r) => row.forEach((v, k) => assert.ok(Math.abs(v - Jad[r]![k]!) < 1e-8 * Math.max(1, Math.abs(Jad[r]![k]!)))));
    const jv = numericJvp(vec, [0.5, 1.5], [0, 1]);
    assert.ok(Array.isArray(jv.value) && jv.value.length === 3);
    assert.equal(numericJvp(vec, [0.5, 1.5], [0, 0]).value.every((v: number) => v === 0), true);
  });

  test("bad input is a typed error", () => {
    assert.throws(() => numericDerivative(Math.sin, NaN), ArgumentError);
    assert.throws(() => numericDerivative(Math.sin, 1, { h: -1 }), ArgumentError);
    assert.throws(() => numericDerivative(Math.sin, 1, { scheme: "sideways" as "central" }), ArgumentError);
    assert.throws(() => numericDerivative(null as unknown as (x: number) => number, 1), ArgumentError);
    assert.throws(() => numericDerivative((() => "a") as unknown as (x: number) => number, 1), ArgumentError);
    assert.throws(() => numericGradient(fv, []), ArgumentError);
    assert.throws(() => numericJvp(fv, [1, 2], [1]), ArgumentError);
    assert.throws(() => numericJacobian(fv, [1, 2], { scheme: "richardson" }), ArgumentError);
    assert.throws(() => richardson(Math.sin, 1, { ratio: 1 }), ArgumentError);
    assert.throws(() => errorSweep(Math.sin, 1, { schemes: ["nope" as "central"] }), ArgumentError);
  });
});

describe("checkGrad", () => {
  test("the survey's example: AD within the expected error of central differences", () => {
    const r = checkGrad(fv, [2, 5], { names: ["x1", "x2"] });
    assert.ok(r.ok);
    assert.equal(r.rows.length, 2);
    assert.equal(r.evaluations, 1 + 2 * 4);
    assert.deepEqual(r.rows.map((row) => row.ad), [5.5, 1.7163378145367738]);
    r.rows.forEach((row) => assert.ok(row.relError < 1e-9 && row.relError <= row.relBound));
    assert.match(r.toString(), /x1 .* ok/);
    assert.match(r.toMarkdown(), /\| input \| x \| AD \|/);
    assert.equal((r.toJSON() as { ok: boolean }).ok, true);
    assert.ok(checkGrad((x: number[]) => f(x[0]!, x[1]!), [2, 5]).ok); // the same, compiled from the expression
    // A scalar function of a scalar.
    assert.ok(checkGrad((x: number) => mul(x, sin(x)) as number, 0.7).ok);
  });

  test("hard cases: cancellation inside f (rounding estimated by reverse mode), and a fast-varying f (smaller steps)", () => {
    const cancel = (x: number): number => sub(add(x, 1e8), 1e8) as number;
    const c = checkGrad(cancel, 0.5);
    assert.ok(c.ok, c.toString());
    assert.ok(c.rows[0]!.relError > 1e-4); // the difference really is that bad
    assert.ok(roundingError(cancel, 0.5)! >= 1e8 * EPS);
    assert.equal(roundingError((x: number) => mul(x, 3) as number, 2), 6 * EPS);
    const l20 = checkGrad(logisticMap(20), 0.3);
    assert.ok(l20.ok, l20.toString());
    assert.ok(l20.rows[0]!.h < defaultStep(0.3) / 100 && l20.rows[0]!.relError < 1e-6);
    assert.equal(roundingError(Math.sin, 1), undefined); // not traceable: plain Math
  });

  test("a wrong gradient is caught", () => {
    const r = checkGrad(fv, [2, 5], { gradient: [5.5, 1.7163378145367738 * (1 + 1e-6)] });
    assert.equal(r.ok, false);
    assert.deepEqual(r.rows.map((row) => row.ok), [true, false]);
    // A derivative rule off by a little: cos(x) + 1e-7 for sin.
    const wrongSin = (x: number): number => (sin(x) as number);
    assert.equal(checkGrad(wrongSin, 1.2, { gradient: [Math.cos(1.2) + 1e-7] }).ok, false);
  });

  test("on generated expressions, central differences agree with AD within their predicted bound", () => {
    let checked = 0;
    const bounds: number[] = [];
    for (const [src, x] of fc.sample(fc.tuple(exprArb(), pointArb()), { numRuns: 250, seed: SEED + 7 })) {
      const g = compileExpr(parse(src), ["x", "y"]);
      const h = (p: number[]): number => g(p[0]!, p[1]!);
      const v = h(x);
      const ad = grad(h)(x) as number[];
      if (!Number.isFinite(v) || !ad.every(Number.isFinite) || Math.abs(v) > 1e6 || ad.some((a) => Math.abs(a) > 1e6)) continue;
      const r = checkGrad(h, x);
      if (!r.rows.every((row) => Number.isFinite(row.numeric))) continue; // a step left the domain
      // Far from kinks the bound must hold; at a kink (abs, min, max) the difference straddles it.
      const nearKink = /abs|min|max/.test(src) && r.rows.some((row) => !row.ok);
      if (nearKink) continue;
      assert.ok(r.ok, `${src} at ${x}:\n${r.toString()}`);
      r.rows.forEach((row) => bounds.push(row.bound / Math.max(1, Math.abs(v), Math.abs(row.ad))));
      checked++;
    }
    assert.ok(checked >= 100, `only ${checked} expressions checked`);
    // And the bound is informative, not vacuous: typically near 1e-10 relative.
    bounds.sort((a, b) => a - b);
    assert.ok(bounds[Math.floor(bounds.length / 2)]! < 1e-8, `median relative bound ${bounds[Math.floor(bounds.length / 2)]}`);
    assert.ok(bounds[Math.floor(bounds.length * 0.9)]! < 1e-5);
  });

  test("typed errors", () => {
    assert.throws(() => checkGrad(fv, [] as number[]), ArgumentError);
    assert.throws(() => checkGrad(fv, [1, 2], { names: ["a"] }), ArgumentError);
    assert.throws(() => checkGrad("f" as unknown as (x: number) => number, 1), ArgumentError);
  });
});

describe("errorSweep", () => {
  test("truncation falls with h until round-off takes over: a V on a log-log plot", () => {
    const s = errorSweep((x: number) => sin(x) as number, 1, { schemes: ["forward", "backward", "central"] });
    assert.equal(s.rows.length, 15);
    assert.equal(s.exact, Math.cos(1));
    const err = (scheme: "forward" | "central", k: number): number => s.rows[k - 1]!.estimates[scheme]!.absError;
    // Large steps: truncation (central far better); tiny steps: round-off (both bad).
    assert.ok(err("central", 1) < err("forward", 1) / 10);
    assert.ok(err("forward", 15) > 1e-3 && err("central", 15) > 1e-3);
    const best = s.best;
    assert.ok(best.forward!.h <= 1e-6 && best.forward!.h >= 1e-10, `forward best at ${best.forward!.h}`);
    assert.ok(best.central!.h <= 1e-3 && best.central!.h >= 1e-7, `central best at ${best.central!.h}`);
    assert.ok(best.central!.absError < 1e-9 && best.forward!.absError < 1e-6);
    // The model (from AD's f'' and f''') tracks the measurements in the truncation regime.
    assert.ok(s.model && Math.abs(s.model.d2 + Math.sin(1)) < 1e-15 && Math.abs(s.model.d3 + Math.cos(1)) < 1e-15);
    for (const k of [1, 2, 3]) {
      const r = s.rows[k - 1]!.estimates.central!;
      assert.ok(Math.abs(r.absError / r.model! - 1) < 0.05);
    }
  });

  test("text, Markdown, JSON and SVG", () => {
    const s = errorSweep((x: number) => exp(x) as number, 0.5);
    assert.match(s.toString(), /^Error of difference quotients for d\/dx at x = 0\.5/);
    assert.match(s.toString(), /1\.0e-15/);
    assert.match(s.toMarkdown(), /^\| h \| forward error \| forward model \| central error \| central model \|/);
    assert.equal((s.toJSON() as { rows: unknown[] }).rows.length, 15);
    const svg = s.toSvg();
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal((svg.match(/<polyline/g) ?? []).length >= 4, true);
    assert.match(svg, />1e-15</);
    // A plain JS function: no AD model, but the exact value can be given.
    const plain = errorSweep(Math.cos, 1, { exact: -Math.sin(1) });
    assert.equal(plain.model, undefined);
    assert.ok(plain.best.central!.absError < 1e-9);
  });
});
