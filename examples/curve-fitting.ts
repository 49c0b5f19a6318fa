// Curve fitting three ways: y = a·exp(−b·x) + c through 50 noisy points, fitted by Adam (a
// first-order optimizer, many cheap steps), L-BFGS (a quasi-Newton minimizer of the same loss)
// and Levenberg–Marquardt (which uses the residuals' Jacobian, by forward-mode AD).

import * as w from "wengert";
import { elapsed, fmt, type Example, type ExampleOptions } from "./common.js";

type Params = { a: number; b: number; c: number };
const TRUE: Params = { a: 2.5, b: 1.3, c: 0.5 };

export interface CurveFitResult {
  readonly adam: Params & { loss: number };
  readonly lbfgs: Params & { loss: number; iterations: number };
  readonly lm: Params & { loss: number; iterations: number };
}

function run({ short, log }: ExampleOptions): CurveFitResult {
  const x = w.linspace(0, 4, 50);
  const noise = w.mul(0.05, w.random.normal(w.random.key(0), [50]));
  const y = w.add(w.add(w.mul(TRUE.a, w.exp(w.mul(-TRUE.b, x))), TRUE.c), noise);
  const model = (p: Params) => w.add(w.mul(p.a, w.exp(w.mul(w.neg(p.b), x))), p.c);
  const residuals = (p: Params) => w.sub(model(p), y);
  const loss = (p: Params) => w.mul(0.5, w.toScalar(w.sum(w.square(residuals(p)))));
  const start: Params = { a: 1, b: 1, c: 0 };
  log(`data: 50 points of ${TRUE.a}·exp(−${TRUE.b}·x) + ${TRUE.c} + 0.05·noise; start at a = 1, b = 1, c = 0\n`);

  // 1. Adam, one compiled step (value, gradient, update) per iteration.
  const steps = short ? 400 : 4000;
  const opt = w.adam(w.exponentialDecay(0.05, steps, 0.1));
  const step = w.compile((p: Params, s: w.OptState) => {
    const [l, g] = w.valueAndGrad(loss)(p);
    const [u, next] = opt.update(g, s, p);
    return [w.applyUpdates(p, u), next, l] as const;
  });
  let t0 = performance.now();
  let p = start, s = opt.init(start), l: w.Value = 0;
  for (let i = 1; i <= steps; i++) {
    [p, s, l] = step(p, s) as [Params, w.OptState, w.Value];
    if (i % (steps / 4) === 0) log(`  adam  step ${String(i).padStart(4)}  loss ${fmt(l as number, 10)}  (${elapsed(t0)})`);
  }
  const adam = { ...p, loss: loss(p) as number };
  log(`adam:   a = ${fmt(adam.a, 8)}  b = ${fmt(adam.b, 8)}  c = ${fmt(adam.c, 8)}  loss ${fmt(adam.loss, 12)}  in ${steps} steps, ${elapsed(t0)}\n`);

  // 2. L-BFGS on the same loss.
  t0 = performance.now();
  const mb = w.minimize(loss, start, {
    method: "lbfgs", gtol: 1e-12,
    callback: ({ iteration, fun }) => { if (iteration % 5 === 0) log(`  lbfgs iteration ${String(iteration).padStart(3)}  loss ${fmt(fun, 12)}`); },
  });
  const lbfgs = { ...mb.x, loss: mb.fun, iterations: mb.iterations };
  log(`lbfgs:  a = ${fmt(mb.x.a, 12)}  b = ${fmt(mb.x.b, 12)}  c = ${fmt(mb.x.c, 12)}  loss ${fmt(mb.fun, 12)}  in ${mb.iterations} iterations (${mb.status}), ${elapsed(t0)}\n`);

  // 3. Levenberg–Marquardt on the residuals.
  t0 = performance.now();
  const r = w.leastSquares(residuals, start, {
    method: "lm",
    callback: ({ iteration, fun }) => log(`  lm    iteration ${String(iteration).padStart(3)}  loss ${fmt(fun, 12)}`),
  });
  const lm = { ...r.x, loss: r.fun, iterations: r.iterations };
  log(`lm:     a = ${fmt(r.x.a, 12)}  b = ${fmt(r.x.b, 12)}  c = ${fmt(r.x.c, 12)}  loss ${fmt(r.fun, 12)}  in ${r.iterations} iterations, ${r.fnEvals} residual and ${r.gradEvals} Jacobian evaluations (${r.status}), ${elapsed(t0)}`);
  log(`\nL-BFGS and LM agree to ${fmt(Math.max(Math.abs(mb.x.a - r.x.a), Math.abs(mb.x.b - r.x.b), Math.abs(mb.x.c - r.x.c)), 2)}; Adam is ${fmt(Math.abs(adam.a - r.x.a), 2)} away in a after ${steps} steps.`);
  return { adam, lbfgs, lm };
}

export const example: Example<CurveFitResult> = {
  name: "curve-fitting",
  description: "y = a·exp(−b·x) + c fitted by Adam, L-BFGS and Levenberg–Marquardt",
  run,
};
