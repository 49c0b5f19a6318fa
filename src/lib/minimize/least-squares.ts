// leastSquares(residuals, x0, opts): nonlinear least squares, min ½‖r(x)‖², in the style of
// scipy.optimize.least_squares, with the Jacobian by AD (`jacobian` picks forward mode when x
// has fewer elements than r, reverse otherwise):
//   "lm"            Levenberg–Marquardt (Moré's scaling by the Jacobian's column norms, Nielsen's
//                   damping update), each step the least-squares solution of [J; √λ·D]h ≈ −[r; 0]
//                   by Householder QR — never the normal equations, whose condition is squared
//   "gauss-newton"  the step minimizing ‖J h + r‖ (by QR), with a backtracking line search
// residuals takes x in x0's structure and returns any pytree of residuals (an array, a number[]).

import { NDArray } from "../../array/ndarray.js";
import { checkOptions, optionKeys } from "../../base/options.js";
import { qr as qrKernel, triSolve } from "../../array/linalg-kernels.js";
import { ArgumentError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import { flatten } from "../../core/pytree.js";
import { concrete, type Value } from "../../core/tracer.js";
import { concat, reshape } from "../../ops/api.js";
import { jacobian } from "../../transforms/jacobian.js";
import { packing } from "./flat.js";
import type { IterationInfo, Status } from "./minimize.js";
import { allFinite, axpy, dot, norm2, normInf } from "./vec.js";

/** Options of leastSquares. */
export interface LeastSquaresOptions<X> {
  /** Default "lm". */
  readonly method?: "lm" | "gauss-newton";
  /**
   * Stop when r is orthogonal to every column of J to within gtol: max_j |J_jᵀr| / (‖J_j‖·‖r‖) ≤ gtol
   * (scipy's criterion for "lm", free of the problem's scaling; default 1e-12).
   */
  readonly gtol?: number;
  /** Stop when a step lowers the cost by at most ftol·cost, and the model predicted as little (default 0: off; the
   * reduction is a poor measure of how far x is from the solution, about its square). */
  readonly ftol?: number;
  /** Stop when a step is at most xtol·(xtol + ‖x‖), in the scaled norm (default 1e-12). */
  readonly xtol?: number;
  /** Iterations at most (default 200). */
  readonly maxIter?: number;
  /** Called after each accepted step; returning true stops (status "callback"). */
  readonly callback?: (info: IterationInfo<X>) => boolean | void;
}

/** What leastSquares returns: the solution, its residuals and Jacobian, and why it stopped. */
export interface LeastSquaresResult<X> {
  readonly x: X;
  /** The cost ½‖r(x)‖² at the solution. */
  readonly fun: number;
  /** r(x), flattened. */
  readonly residuals: Float64Array;
  /** The Jacobian of the flattened residuals at x, [m, n]. */
  readonly jacobian: NDArray;
  readonly iterations: number;
  /** Residual evaluations. */
  readonly fnEvals: number;
  /** Jacobian evaluations. */
  readonly gradEvals: number;
  /** ‖Jᵀr‖∞, the cost's gradient, at the solution. */
  readonly gradNorm: number;
  readonly status: Status;
  readonly success: boolean;
  readonly message: string;
}

const MESSAGES: Partial<Record<Status, string>> = {
  gtol: "the residuals are orthogonal to the Jacobian's columns to within gtol",
  ftol: "the last step reduced the cost by at most ftol (relative), as the model predicted",
  xtol: "the last step was at most xtol relative to x",
  maxIter: "the iteration limit was reached before convergence",
  lineSearchFailed: "no step along the Gauss–Newton direction reduced the cost",
  callback: "the callback asked to stop",
  nonFinite: "the residuals or the Jacobian became NaN or infinite",
};

/** The least-squares solution h of [J; diag(s)]·h ≈ −[r; 0], J m × n, by Householder QR. */
function dampedStep(J: Float64Array, m: number, n: number, r: Float64Array, s: Float64Array): Float64Array {
  const rows = m + n, a = new Float64Array(rows * n);
  a.set(J);
  for (let j = 0; j < n; j++) a[(m + j) * n + j] = s[j]!;
  const q = new Float64Array(rows * n), R = new Float64Array(n * n);
  qrKernel(a, rows, n, q, R);
  const qtr = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += q[i * n + j]! * r[i]!;
    qtr[j] = -t;
  }
  const h = new Float64Array(n);
  triSolve(R, n, qtr, 1, h, false, false, false);
  return h;
}

/** The largest |cos| of the angle between r and a column of J (0 when r = 0). */
function cosines(J: Float64Array, m: number, n: number, r: Float64Array, g: Float64Array): number {
  const rn = norm2(r);
  if (rn === 0) return 0;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    let c = 0;
    for (let i = 0; i < m; i++) c += J[i * n + j]! ** 2;
    if (c > 0) worst = Math.max(worst, Math.abs(g[j]!) / (Math.sqrt(c) * rn));
  }
  return worst;
}

/**
 * Minimizes ½‖r(x)‖² over x (in x0's structure) by Levenberg–Marquardt or Gauss–Newton, the Jacobian by AD.
 *
 * @example
 * ```ts
 * const xs = w.linspace(0, 4, 50), ys = …;
 * const fit = w.leastSquares((p: { a: number; b: number }) => w.sub(w.mul(p.a, w.exp(w.mul(w.neg(p.b), xs))), ys), { a: 1, b: 1 });
 * fit.x;   // { a: …, b: … }; fit.status, fit.iterations, fit.fnEvals
 * ```
 */
export function leastSquares<X>(residuals: (x: X) => unknown, x0: X, opts: LeastSquaresOptions<X> = {}): LeastSquaresResult<X> {
  if (typeof residuals !== "function") throw new ArgumentError("leastSquares", `residuals must be a function of x, got ${showValue(residuals)}`);
  opts = checkOptions("leastSquares", opts, optionKeys<LeastSquaresOptions<X>>({ method: true, gtol: true, ftol: true, xtol: true, maxIter: true, callback: true }));
  const method = opts.method ?? "lm";
  if (method !== "lm" && method !== "gauss-newton") throw new ArgumentError("leastSquares", `unknown method ${showValue(method)}; use "lm" or "gauss-newton"`);
  const num = (name: string, v: number | undefined, d: number): number => {
    if (v === undefined) return d;
    if (!(typeof v === "number" && v >= 0)) throw new ArgumentError("leastSquares", `${name} ${showValue(v)} must be a non-negative number`);
    return v;
  };
  const gtol = num("gtol", opts.gtol, 1e-12), ftol = num("ftol", opts.ftol, 0), xtol = num("xtol", opts.xtol, 1e-12);
  const maxIter = num("maxIter", opts.maxIter, 200);
  const pack = packing("leastSquares", x0);
  const n = pack.size;
  const rv = (v: Value): Value => concat(flatten(residuals(pack.toTracedTree(v) as X)).leaves.map((l) => reshape(l, [-1])));
  const jac = jacobian(rv as (v: NDArray) => NDArray);
  let fnEvals = 0, jacEvals = 0;
  const evalR = (x: Float64Array): Float64Array => {
    fnEvals++;
    return Float64Array.from((concrete(rv(new NDArray(x, [n]))) as NDArray).data);
  };
  const evalJ = (x: Float64Array): Float64Array => {
    jacEvals++;
    return Float64Array.from((jac(new NDArray(x, [n])) as NDArray).data);
  };

  let x = pack.toVector(x0), r = evalR(x);
  const m = r.length;
  if (m === 0) throw new ArgumentError("leastSquares", "residuals returned no values");
  if (!allFinite(r)) throw new ArgumentError("leastSquares", "the residuals at x0 are not finite; start where they are defined");
  let J = evalJ(x), cost = 0.5 * dot(r, r);
  const grad = (): Float64Array => {
    const g = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) g[j]! += J[i * n + j]! * r[i]!;
    return g;
  };
  // Moré's scaling: the largest column norm of J seen so far, per variable.
  const d = new Float64Array(n);
  const rescale = () => {
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let i = 0; i < m; i++) c += J[i * n + j]! ** 2;
      d[j] = Math.max(d[j]!, Math.sqrt(c), 1e-300);
    }
  };
  rescale();
  let lambda = 1e-3 * Math.max(...Array.from(d, (v) => v * v)), nu = 2;
  let status: Status = "maxIter", k = 0, g = grad();
  const scaledNorm = (v: Float64Array) => Math.sqrt(v.reduce((s, e, j) => s + (d[j]! * e) ** 2, 0));
  for (; k < maxIter; k++) {
    if (!allFinite(J)) { status = "nonFinite"; break; }
    if (cosines(J, m, n, r, g) <= gtol) { status = "gtol"; break; }
    const damp = method === "lm" ? lambda : 1e-14 * Math.max(...Array.from(d, (v) => v * v));
    const h = dampedStep(J, m, n, r, Float64Array.from(d, (v) => Math.sqrt(damp) * v));
    if (!allFinite(h)) { status = "nonFinite"; break; }
    if (scaledNorm(h) <= xtol * (xtol + scaledNorm(x))) { status = "xtol"; break; }
    // The model's reduction ½‖r‖² − ½‖r + Jh‖².
    const jh = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) jh[i]! += J[i * n + j]! * h[j]!;
    let alpha = 1, xn = axpy(x, 1, h), rn = evalR(xn), costN = 0.5 * dot(rn, rn);
    const pred = -dot(r, jh) - 0.5 * dot(jh, jh);
    // Near the solution the model's reduction falls below the rounding of the cost itself, so the
    // measured reduction is noise: a step the model trusts and the cost does not refute (beyond
    // rounding) is taken.
    const noise = 8 * Number.EPSILON * cost;
    const withinNoise = (c: number) => pred <= noise && c <= cost + noise;
    if (method === "gauss-newton") {
      const slope = dot(g, h);
      const ok = (c: number) => c <= cost + 1e-4 * alpha * slope || withinNoise(c);
      while (!ok(costN) && alpha > 1e-10) {
        alpha /= 2;
        xn = axpy(x, alpha, h);
        rn = evalR(xn);
        costN = 0.5 * dot(rn, rn);
      }
      if (!ok(costN)) { status = "lineSearchFailed"; break; }
    }
    const rho = (cost - costN) / (alpha * pred);
    if (method === "gauss-newton" || rho > 1e-4 || withinNoise(costN)) {
      const small = cost - costN <= ftol * cost && alpha * pred <= ftol * cost;
      x = xn; r = rn; cost = costN;
      J = evalJ(x);
      rescale();
      g = grad();
      lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
      nu = 2;
      if (opts.callback?.({ iteration: k + 1, x: pack.toTree(x) as X, fun: cost, gradNorm: normInf(g) }) === true) { k++; status = "callback"; break; }
      if (small) { k++; status = "ftol"; break; }
    } else {
      lambda *= nu;
      nu *= 2;
    }
  }
  return {
    x: pack.toTree(x) as X,
    fun: cost,
    residuals: r,
    jacobian: new NDArray(J, [m, n]),
    iterations: k,
    fnEvals,
    gradEvals: jacEvals,
    gradNorm: normInf(g),
    status,
    success: status === "gtol" || status === "ftol" || status === "xtol",
    message: MESSAGES[status] ?? status,
  };
}
