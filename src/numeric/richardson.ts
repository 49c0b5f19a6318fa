// Richardson extrapolation of central differences (Ridders' tableau), with its steps taken
// from the variable's scale and the tableau grown while its error estimate shrinks.
//
// Central differences at steps h, h/r, h/r², … are combined to cancel the h², h⁴, … error
// terms; each entry's error is estimated by its distance to its neighbours, and the entry with
// the smallest estimate is returned with that estimate. Ridders stops at the first level whose
// diagonal moves by more than twice the best error; that also stops a tableau whose first
// steps are too large to be in the asymptotic regime yet (the Lotka–Volterra loss at γ = 0.12
// from a step of 0.1 stopped after 6 evaluations, 5% off, with an error of 3,184 that was then
// dropped). Here the tableau grows until `patience` levels in a row bring no smaller estimate.
//
// The starting step is 0.1·scale, the scales being the variable's (scales.ts): a rate of 0.12
// is not moved by 0.1.

import { ArgumentError } from "../base/errors.js";
import { NOISE_ULPS } from "./noise.js";
import { onScales } from "./scales.js";

/** Options of Richardson extrapolation: the starting step, the step ratio and the most levels. */
export interface RichardsonOptions {
  /** Starting step (default 0.1·|x|, and 0.1 as well for |x| < 1: scales.ts); divided by `ratio` at each level. */
  readonly h?: number;
  /** Step ratio between levels (default 1.4, Ridders' choice). */
  readonly ratio?: number;
  /** Most tableau levels (default 30). */
  readonly levels?: number;
}

/** One Richardson estimate: the value, evaluations spent, the step of the accepted entry and its error. */
export interface Tableau {
  readonly value: number;
  readonly evaluations: number;
  readonly h: number;
  readonly error: number;
}

/** Levels in a row without a smaller error estimate after which round-off has won. */
const PATIENCE = 3;
/** Round-off within this factor of the best error estimate means the tableau is at its floor. */
const NOISE_MARGIN = 100;

/**
 * One tableau from the step h0. `step(h)` is the step actually taken for a requested h (exact,
 * and a float32 move for a float32 coordinate).
 */
function tableau(f: (t: number) => number, x: number, h0: number, ratio: number, levels: number, step: (h: number) => number, eps: number): Tableau {
  let evaluations = 0;
  // `noise`: the round-off of the quotient, ε|f|/h. Neighbouring entries can agree by chance
  // below it (exp at 1 claimed 2e-15 for an error of 4e-14), so no estimate is taken below it.
  const central = (want: number): { d: number; h: number; noise: number } => {
    const h = step(want);
    evaluations += 2;
    const up = f(x + h), down = f(x - h);
    return { d: (up - down) / (2 * h), h, noise: (NOISE_ULPS * eps * Math.max(Math.abs(up), Math.abs(down))) / h };
  };
  let h = h0;
  // A first step that leaves the domain (ln near 0) gives NaN: shrink until it does not.
  let first = central(h);
  for (let tries = 0; !Number.isFinite(first.d) && tries < 40; tries++) {
    h /= 2;
    first = central(h);
  }
  const r2 = ratio * ratio;
  let prev: number[] = [first.d];
  let best = { value: first.d, error: Infinity, h: first.h };
  let stale = 0;
  for (let i = 1; i < levels; i++) {
    h /= ratio;
    const q = central(h);
    const row = [q.d];
    let fac = r2, improved = false;
    for (let j = 1; j <= i; j++) {
      row.push((row[j - 1]! * fac - prev[j - 1]!) / (fac - 1));
      fac *= r2;
      const err = Math.max(Math.abs(row[j]! - row[j - 1]!), Math.abs(row[j]! - prev[j - 1]!), q.noise);
      if (err < best.error) improved = true;
      if (err <= best.error) best = { value: row[j]!, error: err, h: q.h };
    }
    stale = improved ? 0 : stale + 1;
    // Stop once round-off has caught up with the best estimate and levels stopped helping; before
    // that, a tableau whose first steps were too large for f is still coming into its regime.
    if (stale >= PATIENCE && q.noise * NOISE_MARGIN >= best.error) break;
    prev = row;
  }
  return { value: best.value, evaluations, h: best.h, error: best.error };
}

/** Validates the options; returns ratio and levels. */
function settings(op: string, opts: RichardsonOptions): { ratio: number; levels: number } {
  const ratio = opts.ratio ?? 1.4;
  const levels = opts.levels ?? 30;
  if (typeof ratio !== "number" || !(ratio > 1) || !Number.isFinite(ratio)) throw new ArgumentError(op, `ratio must be a finite number above 1, got ${String(ratio)}`);
  if (!Number.isInteger(levels) || levels < 2 || levels > 30) throw new ArgumentError(op, `levels must be an integer in [2, 30], got ${String(levels)}`);
  return { ratio, levels };
}

/**
 * f'(x) by Richardson extrapolation (see the file comment). `step` rounds a requested step to
 * the one taken (default: exact in float64); `eps` is the relative precision of f's values.
 */
export function extrapolate(op: string, f: (t: number) => number, x: number, opts: RichardsonOptions, step?: (h: number) => number, eps = Number.EPSILON): Tableau {
  const { ratio, levels } = settings(op, opts);
  const take = step ?? ((h: number) => (x + h) - x || h);
  if (opts.h !== undefined) return tableau(f, x, opts.h, ratio, levels, take, eps);
  return onScales(x, (s) => tableau(f, x, 0.1 * s, ratio, levels, take, eps));
}
