// A line search for the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization,
// Algorithms 3.5 and 3.6): bracket a step, then zoom in by safeguarded cubic interpolation.
// Along x + α·d it finds α with
//   f(x + αd) ≤ f(x) + c1·α·∇f(x)ᵀd          (sufficient decrease)
//   |∇f(x + αd)ᵀd| ≤ c2·|∇f(x)ᵀd|            (curvature)
// so that sᵀy > 0 and quasi-Newton updates stay positive definite.

import { axpy, dot } from "./vec.js";

export interface Evaluated {
  readonly x: Float64Array;
  readonly f: number;
  readonly g: Float64Array;
}

export interface LineSearchOptions {
  readonly c1?: number;
  readonly c2?: number;
  readonly maxEvals?: number;
  /** The largest step considered. */
  readonly maxStep?: number;
}

export interface LineSearchResult {
  /** The accepted point, or null when no step satisfying the conditions was found. */
  readonly point: (Evaluated & { readonly alpha: number }) | null;
  readonly evals: number;
}

/** The minimizer of the cubic through (a, fa, da) and (b, fb, db), or NaN when it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

export function strongWolfe(evaluate: (x: Float64Array) => Evaluated, start: Evaluated, d: Float64Array, alpha0: number, opts: LineSearchOptions = {}): LineSearchResult {
  const c1 = opts.c1 ?? 1e-4, c2 = opts.c2 ?? 0.9, maxEvals = opts.maxEvals ?? 30, maxStep = opts.maxStep ?? 1e10;
  const f0 = start.f, d0 = dot(start.g, d);
  let evals = 0;
  const at = (alpha: number) => {
    evals++;
    const p = evaluate(axpy(start.x, alpha, d));
    return { ...p, alpha, df: dot(p.g, d) };
  };
  type Pt = ReturnType<typeof at>;
  const sufficient = (p: Pt) => Number.isFinite(p.f) && p.f <= f0 + c1 * p.alpha * d0;
  const curvature = (p: Pt) => Math.abs(p.df) <= -c2 * d0;
  let best: Pt | null = null;
  const note = (p: Pt) => { if (sufficient(p) && (best === null || p.f < best.f)) best = p; };

  const zoom = (lo: { alpha: number; f: number; df: number; p: Pt | null }, hi: { alpha: number; f: number; df: number }): LineSearchResult => {
    while (evals < maxEvals) {
      const width = hi.alpha - lo.alpha;
      let alpha = cubicMin(lo.alpha, lo.f, lo.df, hi.alpha, hi.f, hi.df);
      const a = Math.min(lo.alpha, hi.alpha), b = Math.max(lo.alpha, hi.alpha);
      if (!Number.isFinite(alpha) || alpha < a + 0.1 * (b - a) || alpha > b - 0.1 * (b - a)) alpha = lo.alpha + 0.5 * width;
      if (Math.abs(width) <= 1e-16 * Math.max(1, Math.abs(lo.alpha))) break;
      const p = at(alpha);
      note(p);
      if (!sufficient(p) || p.f >= lo.f) {
        hi = { alpha, f: Number.isFinite(p.f) ? p.f : Infinity, df: Number.isFinite(p.df) ? p.df : 0 };
        if (!Number.isFinite(p.f)) hi = { alpha, f: lo.f + Math.abs(lo.df * width) + 1, df: Math.abs(lo.df) };
      } else {
        if (curvature(p)) return { point: p, evals };
        if (p.df * width >= 0) hi = lo;
        lo = { alpha, f: p.f, df: p.df, p };
      }
    }
    // The interval closed without the curvature condition: take the best sufficient decrease.
    return { point: best, evals };
  };

  let prev = { alpha: 0, f: f0, df: d0, p: null as Pt | null };
  let alpha = Math.min(alpha0, maxStep);
  for (let i = 0; evals < maxEvals; i++) {
    const p = at(alpha);
    note(p);
    if (!sufficient(p) || (i > 0 && p.f >= prev.f)) {
      const f = Number.isFinite(p.f) ? p.f : prev.f + Math.abs(prev.df * (alpha - prev.alpha)) + 1;
      return zoom(prev, { alpha, f, df: Number.isFinite(p.df) ? p.df : Math.abs(prev.df) });
    }
    if (curvature(p)) return { point: p, evals };
    if (p.df >= 0) return zoom({ alpha, f: p.f, df: p.df, p }, prev);
    prev = { alpha, f: p.f, df: p.df, p };
    if (alpha >= maxStep) break;
    alpha = Math.min(maxStep, alpha * 2);
  }
  return { point: best, evals };
}
