// Numerical gradients are never silently wrong: on losses through RK4 integrations, with
// parameters of very different scales, every scheme agrees with AD to 1e-7 relative, reports
// an error estimate that covers its actual error, and raises an AccuracyError when that
// estimate exceeds the tolerance asked for (#7 item 8).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { AccuracyError } from "../src/index.js";
import { assertThrowsWith } from "./helpers/check.js";

type V = w.Value;
type Rhs = (p: readonly V[], y: readonly V[]) => V[];

/** RK4 over `steps` steps of dt from y0; the loss is the sum of squares of every state visited. */
function rk4Loss(rhs: Rhs, y0: readonly number[], steps: number, dt: number): (p: V[]) => number {
  const axpy = (y: readonly V[], a: number, k: readonly V[]): V[] => y.map((v, i) => w.add(v, w.mul(a, k[i]!)));
  return (p) => {
    let y: V[] = [...y0], loss: V = 0;
    for (let s = 0; s < steps; s++) {
      const k1 = rhs(p, y), k2 = rhs(p, axpy(y, dt / 2, k1)), k3 = rhs(p, axpy(y, dt / 2, k2)), k4 = rhs(p, axpy(y, dt, k3));
      y = y.map((v, i) => w.add(v, w.mul(dt / 6, w.add(w.add(k1[i]!, w.mul(2, k2[i]!)), w.add(w.mul(2, k3[i]!), k4[i]!)))));
      for (const v of y) loss = w.add(loss, w.square(v));
    }
    return loss as number;
  };
}

// Lotka–Volterra x' = αx − βxy, y' = δxy − γy from (10, 10) over 10 time units.
const lotkaVolterra = rk4Loss(([a, b, g, d], [x, y]) => [w.sub(w.mul(a!, x!), w.mul(w.mul(b!, x!), y!)), w.sub(w.mul(w.mul(d!, x!), y!), w.mul(g!, y!))], [10, 10], 200, 0.05);
const LV = [1.1, 0.4, 0.4, 0.12];

// Parameters five orders of magnitude apart: logistic growth x' = r·x·(1 − x/K) with a harvest
// h·x², r = 0.03, K = 5000, h = 2e-6, from x0 = 40 over 300 time units.
const logistic = rk4Loss(([r, K, h], [x]) => [w.sub(w.mul(w.mul(r!, x!), w.sub(1, w.div(x!, K!))), w.mul(h!, w.square(x!)))], [40], 150, 2);
const LOGISTIC = [0.03, 5000, 2e-6];

// A damped, driven oscillator x'' = −ω²x − 2ζωx' + A·sin(t) (t carried as a state) with ω = 12, ζ = 0.004, A = 300.
const oscillator = rk4Loss(([om, ze, A], [x, v, t]) => [v!, w.add(w.sub(w.mul(w.neg(w.square(om!)), x!), w.mul(w.mul(w.mul(2, ze!), om!), v!)), w.mul(A!, w.sin(t!))), 1], [1, 0, 0], 400, 0.01);
const OSCILLATOR = [12, 0.004, 300];

const CASES: [string, (p: V[]) => number, number[]][] = [["Lotka–Volterra", lotkaVolterra, LV], ["logistic with harvest", logistic, LOGISTIC], ["driven oscillator", oscillator, OSCILLATOR]];

/** |a − b| / |b| per component, with the component named. */
function closeTo(got: readonly number[], want: readonly number[], rtol: number, what: string): void {
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= rtol * Math.abs(want[i]!), `${what}[${i}]: ${g} vs AD ${want[i]} (relative ${Math.abs(g - want[i]!) / Math.abs(want[i]!)})`));
}

describe("numerical gradients of ODE losses against AD", () => {
  for (const [name, loss, p] of CASES) {
    test(`${name}: every scheme within 1e-7 relative of AD (forward/backward within their error), each error estimate covering the actual error`, () => {
      const ad = w.grad(loss)(p) as number[];
      for (const scheme of ["central", "richardson", "forward", "backward"] as const) {
        const r = w.numericGradient(loss, p, { scheme });
        assert.equal(r.errors.length, p.length);
        assert.equal(r.error, Math.max(...r.errors));
        r.value.forEach((v, i) => {
          const actual = Math.abs(v - ad[i]!);
          // AD is itself rounded: the adjoint sums of 400 RK4 steps, far below the 1e-7 asked for.
          assert.ok(actual <= r.errors[i]! + 1e-10 * Math.abs(ad[i]!), `${name} ${scheme}[${i}]: error ${actual} above its estimate ${r.errors[i]}`);
          assert.ok(r.steps[i]! > 0 && r.steps[i]! < Math.max(Math.abs(p[i]!), 1e-300), `${name} ${scheme}[${i}]: step ${r.steps[i]} not on the scale of ${p[i]}`);
        });
        if (scheme === "central" || scheme === "richardson") closeTo(r.value, ad, 1e-7, `${name} ${scheme}`);
      }
    });
  }

  test("Lotka–Volterra: richardson's last component is 19,503.89 as AD says (it gave 20,430.24 after 6 evaluations, its error of 3,184 dropped)", () => {
    const ad = w.grad(lotkaVolterra)(LV) as number[];
    const r = w.numericGradient(lotkaVolterra, LV, { scheme: "richardson", rtol: 1e-9 });
    closeTo(r.value, ad, 1e-10, "richardson");
    assert.ok(r.errors[3]! < 1e-9 * Math.abs(ad[3]!), `error estimate ${r.errors[3]}`);
    // Its steps come from γ's own scale, 0.12, not from max(|γ|, 1).
    assert.ok(r.steps[3]! < 0.012, `step ${r.steps[3]}`);
  });
});

describe("numericJvp and numericJacobian step as numericGradient does (from the variable's scale)", () => {
  for (const [name, loss, p] of CASES) {
    test(`${name}: numericJacobian's row and numericJvp along each axis within 1e-7 relative of AD`, () => {
      const ad = w.grad(loss)(p) as number[];
      const vec = (x: number[]) => [loss(x)];
      for (const scheme of ["central", "forward"] as const) {
        const jac = w.numericJacobian(vec, p, { scheme });
        // One-sided differences are good to ~√ε: their estimate must cover the actual error instead.
        if (scheme === "central") closeTo(jac.value[0]!, ad, 1e-7, `${name} numericJacobian`);
        jac.value[0]!.forEach((v, i) => assert.ok(Math.abs(v - ad[i]!) <= jac.error + 1e-10 * Math.abs(ad[i]!), `${name} ${scheme} J[0][${i}] error above its estimate`));
      }
      const axes = p.map((_, i) => p.map((__, j) => (i === j ? 1 : 0)));
      closeTo(axes.map((v) => w.numericJvp(loss, p, v).value), ad, 1e-7, `${name} numericJvp`);
      closeTo(axes.map((v) => w.numericJvp(loss, p, v, { scheme: "richardson" }).value), ad, 1e-7, `${name} numericJvp richardson`);
    });
  }

  test("a coordinate at 2e-6: log's slope 5e5, where a step of 6e-6·max(|x|, 1) stepped below zero (NaN)", () => {
    const f = (x: number[]) => [Math.log(x[0]!), x[1]! * Math.log(x[0]!)];
    const jac = w.numericJacobian(f, [2e-6, 3]);
    closeTo(jac.value.map((r) => r[0]!), [5e5, 1.5e6], 1e-9, "J[·][0]");
    closeTo([w.numericJvp((x: number[]) => Math.log(x[0]!), [2e-6], [1]).value], [5e5], 1e-9, "J·v");
    closeTo(w.numericJvp(f, [2e-6, 3], [1, 0]).value, [5e5, 1.5e6], 1e-9, "J·v vector");
  });
});

describe("an estimate worse than asked for is an AccuracyError", () => {
  // A kink 1e-7 from x: the central quotient straddles it and is far from the one-sided slope −1.
  const kinked = (x: number[]) => Math.abs(x[0]! - 1e-7) + x[1]!;

  test("numericGradient names the coordinate, the estimate, its error and the fix", () => {
    const r = w.numericGradient(kinked, [0, 1]);
    assert.ok(Math.abs(r.value[0]! + 1) > 0.5 && r.errors[0]! > 1e-3, "the straddling estimate is wrong, and its error says so");
    assertThrowsWith(() => w.numericGradient(kinked, [0, 1], { rtol: 1e-6 }), AccuracyError, ["numericGradient:", "x1 = 0", "estimated error", "richardson"]);
    // The well-behaved coordinate passes alone; a loose absolute tolerance accepts both.
    assert.doesNotThrow(() => w.numericGradient((x: number[]) => kinked([1, x[0]!]), [1], { rtol: 1e-6 }));
    assert.doesNotThrow(() => w.numericGradient(kinked, [0, 1], { atol: 10 }));
  });

  test("numericDerivative, numericJvp and numericJacobian, in every scheme", () => {
    // x plus a rounding-like noise of 1e-6: no step gives the slope 1 to 1e-8, and each scheme says so.
    const noisy = (x: number) => x + 1e-6 * Math.sin(1e15 * x);
    for (const scheme of ["central", "forward", "backward", "richardson"] as const) {
      const r = w.numericDerivative(noisy, 0.7, { scheme });
      assert.ok(r.error > 1e-8 && Number.isFinite(r.error), `${scheme}: error ${r.error}`);
      assertThrowsWith(() => w.numericDerivative(noisy, 0.7, { scheme, rtol: 1e-8 }), AccuracyError, ["numericDerivative:", `the ${scheme} estimate for x = 0.7`, "estimated error"]);
    }
    assertThrowsWith(() => w.numericJvp(kinked, [0, 1], [1, 0], { rtol: 1e-6 }), AccuracyError, ["numericJvp:", "J·v"]);
    assertThrowsWith(() => w.numericJacobian((x: number[]) => [kinked(x), x[1]!], [0, 1], { rtol: 1e-6 }), AccuracyError, ["numericJacobian:", "J[0][0]"]);
  });

  test("a smooth function passes a tight tolerance; bad tolerances are ArgumentErrors", () => {
    const r = w.numericGradient(lotkaVolterra, LV, { rtol: 1e-7 });
    assert.ok(r.error < 1e-7 * 19503 && r.error > 0);
    assertThrowsWith(() => w.numericGradient(kinked, [0, 1], { rtol: -1 }), w.ArgumentError, ["rtol must be a non-negative number"]);
  });
});

describe("richardson's steps", () => {
  test("a variable below 1 in magnitude is tried on its own scale and on the unit scale; the better is kept", () => {
    // exp near 0: the unit scale is right (0.1·1e-8 would be all round-off).
    const e = w.richardson(Math.exp, 1e-8);
    assert.ok(Math.abs(e.value - Math.exp(1e-8)) <= e.error && e.error < 1e-13, `${e.value} ± ${e.error}`);
    // sin(x/1e-3) at 2e-3 varies on x's own scale: 0.1 would be a useless first step.
    const s = w.richardson((x) => Math.sin(x / 1e-3), 2e-3);
    assert.ok(Math.abs(s.value - Math.cos(2) / 1e-3) <= s.error && s.error < 1e-8 * 416, `${s.value} ± ${s.error}`);
  });

  test("float32 coordinates move by float32 steps in richardson too", () => {
    const x = w.array([0.3, 3], { dtype: "float32" });
    const r = w.numericGradient((v: w.NDArray) => w.sum(w.mul(v, w.mul(v, v))), x, { scheme: "richardson" });
    r.steps.forEach((h, i) => {
      const xi = x.data[i]!;
      assert.equal(Math.fround(xi + h), xi + h, `step ${h} at ${xi} is a float32 move`);
    });
    [0.27, 27].forEach((want, i) => assert.ok(Math.abs(r.value.data[i]! - 3 * x.data[i]! ** 2) <= Math.max(r.errors[i]!, 1e-6 * want) + 1e-6 * want, `${r.value.data[i]} vs ${want}`));
  });
});
