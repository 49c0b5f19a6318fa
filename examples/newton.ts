// Newton's method written by hand with `hessian`: the step p = −H(x)⁻¹∇f(x) from
// linalg.solve, halved until f decreases enough (far from the minimum a full Newton step can
// overshoot), on a smooth convex function of 6 variables (a log-sum-exp plus a quadratic).
// Once full steps are taken ‖∇f‖ roughly squares from one iteration to the next: the quadratic
// convergence that exact second derivatives buy.

import * as w from "wengert";
import { fmt, elapsed, type Example, type ExampleOptions } from "./common.js";

export interface NewtonResult {
  readonly iterations: number;
  readonly gradNorms: number[];
  readonly x: number[];
}

function run({ short, log }: ExampleOptions): NewtonResult {
  const n = 6;
  const A = w.random.normal(w.random.key(5), [12, n]);
  const b = w.mul(0.5, w.random.normal(w.random.key(6), [12]));
  // f(x) = log Σ exp(Ax − b) + ½‖x‖²/10: smooth and strictly convex.
  const f = (x: w.NDArray) => w.toScalar(w.add(w.logsumexp(w.sub(w.matmul(A, x), b)), w.mul(0.05, w.sum(w.square(x)))));
  const g = w.grad(f), H = w.hessian(f);
  let x = w.ones([n]);
  const gradNorms: number[] = [];
  const t0 = performance.now();
  log(`f(x) = logsumexp(Ax − b) + ‖x‖²/20, x ∈ R^${n}; Newton from x = 1`);
  let k = 0;
  for (; k < (short ? 12 : 30); k++) {
    const gx = g(x), gn = Math.max(...Array.from(gx.data, Math.abs));
    gradNorms.push(gn);
    const fx = f(x) as number;
    if (gn < 1e-13) { log(`  iteration ${k}  f = ${fmt(fx, 15)}  ‖∇f‖∞ = ${gn.toExponential(3)}`); break; }
    const p = w.neg(w.linalg.solve(H(x), gx));
    // Backtracking (Armijo): the largest t in 1, ½, ¼, … with f(x + tp) ≤ f(x) + 10⁻⁴·t·∇fᵀp.
    const slope = w.sum(w.mul(gx, p)).item();
    let t = 1;
    while ((f(w.add(x, w.mul(t, p))) as number) > fx + 1e-4 * t * slope && t > 1e-10) t /= 2;
    log(`  iteration ${k}  f = ${fmt(fx, 15)}  ‖∇f‖∞ = ${gn.toExponential(3)}  step ${t}`);
    x = w.add(x, w.mul(t, p));
  }
  log(`converged in ${k} Newton steps (${elapsed(t0)}): x = [${Array.from(x.data, (v) => fmt(v, 8)).join(", ")}]`);
  return { iterations: k, gradNorms, x: Array.from(x.data) };
}

export const example: Example<NewtonResult> = {
  name: "newton",
  description: "Newton's method with hessian and linalg.solve, converging quadratically",
  run,
};
