// Parameter estimation through an ODE solver: the Lotka–Volterra predator–prey model
//   x' = αx − βxy,   y' = δxy − γy
// integrated by classical Runge–Kutta (RK4, written with wengert's ops on plain numbers), its
// four rates recovered from noisy observations by Levenberg–Marquardt. The Jacobian of the
// residuals is differentiated through every RK4 step, in forward mode (4 parameters).

import * as w from "wengert";
import { elapsed, fmt, type Example, type ExampleOptions } from "./common.js";

type Rates = { alpha: number; beta: number; delta: number; gamma: number };
const TRUE: Rates = { alpha: 1.1, beta: 0.4, delta: 0.1, gamma: 0.4 };

export interface LotkaVolterraResult {
  readonly estimate: Rates;
  readonly truth: Rates;
  readonly relativeError: number;
  readonly iterations: number;
}

/** RK4 from (x0, y0) over `steps` steps of dt, sampling the state every `every` steps. */
function simulate(p: Rates, steps: number, dt: number, every: number): w.Value[] {
  const f = (x: w.Value, y: w.Value): [w.Value, w.Value] => [
    w.sub(w.mul(p.alpha, x), w.mul(w.mul(p.beta, x), y)),
    w.sub(w.mul(w.mul(p.delta, x), y), w.mul(p.gamma, y)),
  ];
  let x: w.Value = 10, y: w.Value = 10;
  const out: w.Value[] = [x, y];
  const h = dt, h2 = dt / 2, h6 = dt / 6;
  for (let i = 1; i <= steps; i++) {
    const [k1x, k1y] = f(x, y);
    const [k2x, k2y] = f(w.add(x, w.mul(h2, k1x)), w.add(y, w.mul(h2, k1y)));
    const [k3x, k3y] = f(w.add(x, w.mul(h2, k2x)), w.add(y, w.mul(h2, k2y)));
    const [k4x, k4y] = f(w.add(x, w.mul(h, k3x)), w.add(y, w.mul(h, k3y)));
    x = w.add(x, w.mul(h6, w.add(w.add(k1x, w.mul(2, k2x)), w.add(w.mul(2, k3x), k4x))));
    y = w.add(y, w.mul(h6, w.add(w.add(k1y, w.mul(2, k2y)), w.add(w.mul(2, k3y), k4y))));
    if (i % every === 0) out.push(x, y);
  }
  return out;
}

function run({ short, log }: ExampleOptions): LotkaVolterraResult {
  // Observe both populations every 0.5 time units over [0, 15]; RK4 with dt = 0.05 (0.1 in short mode).
  const dt = short ? 0.1 : 0.05, every = Math.round(0.5 / dt), steps = Math.round(15 / dt);
  const clean = simulate(TRUE, steps, dt, every) as number[];
  const noise = w.random.normal(w.random.key(11), [clean.length]).data;
  const observed = clean.map((v, i) => v + 0.3 * noise[i]!);
  log(`truth: α = ${TRUE.alpha}, β = ${TRUE.beta}, δ = ${TRUE.delta}, γ = ${TRUE.gamma}; ${observed.length / 2} noisy observations of (prey, predators), RK4 with ${steps} steps of ${dt}`);

  const residuals = (p: Rates) => simulate(p, steps, dt, every).map((v, i) => w.sub(v, observed[i]!));
  const start: Rates = { alpha: 0.8, beta: 0.3, delta: 0.15, gamma: 0.6 };
  const t0 = performance.now();
  const r = w.leastSquares(residuals, start, {
    method: "lm", maxIter: short ? 40 : 200, gtol: short ? 1e-6 : 1e-12,
    callback: ({ iteration, fun, x }) => log(`  iteration ${String(iteration).padStart(2)}  cost ${fmt(fun, 8)}  α ${fmt(x.alpha, 5)} β ${fmt(x.beta, 5)} δ ${fmt(x.delta, 5)} γ ${fmt(x.gamma, 5)}  (${elapsed(t0)})`),
  });
  const keys = Object.keys(TRUE) as (keyof Rates)[];
  const relativeError = Math.max(...keys.map((k) => Math.abs(r.x[k] - TRUE[k]) / TRUE[k]));
  log(`estimate: ${keys.map((k) => `${k} = ${fmt(r.x[k], 6)}`).join(", ")}`);
  log(`${r.iterations} iterations (${r.status}), ${r.fnEvals} simulations and ${r.gradEvals} Jacobians through RK4, ${elapsed(t0)}; largest relative error against the truth ${(100 * relativeError).toFixed(2)}% (the noise's doing)`);
  return { estimate: r.x, truth: TRUE, relativeError, iterations: r.iterations };
}

export const example: Example<LotkaVolterraResult> = {
  name: "lotka-volterra",
  description: "Lotka–Volterra rates estimated through an RK4 integrator by Levenberg–Marquardt",
  run,
};
