// minimize(f, x0, opts): unconstrained minimization for small and medium problems, in the
// style of scipy.optimize.minimize, with every derivative by AD:
//   "lbfgs"  limited-memory BFGS (two-loop recursion, memory 10 by default), strong Wolfe search
//   "bfgs"   dense inverse-Hessian BFGS, strong Wolfe search
//   "newton" line-search Newton–CG (Nocedal & Wright, Algorithm 7.1): Hessian-vector products
//            by forward-over-reverse AD, truncated CG with a forcing sequence, negative curvature
//            caught
//   "cg"     nonlinear conjugate gradients, Polak–Ribière+ with restarts, strong Wolfe (c2 = 0.1)
// f takes x in x0's structure (a number, an array, a number[], a tree) and returns a scalar.

import { NDArray } from "../../array/ndarray.js";
import { checkOptions, optionKeys } from "../../base/options.js";
import { ArgumentError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import { concrete, type Value } from "../../core/tracer.js";
import { compile } from "../../compile/compile.js";
import { valueAndGrad } from "../../transforms/grad.js";
import { hvp } from "../../transforms/jacobian.js";
import { packing, type Packing } from "./flat.js";
import { strongWolfe, type Evaluated } from "./linesearch.js";
import { allFinite, axpy, diff, dot, norm1, norm2, normInf, scaled } from "./vec.js";

/** The methods of minimize. */
export type Method = "lbfgs" | "bfgs" | "newton" | "cg";

/** Why a minimizer stopped. */
export type Status = "gtol" | "ftol" | "xtol" | "maxIter" | "lineSearchFailed" | "callback" | "nonFinite";

/** What a minimizer's callback is told after each iteration. */
export interface IterationInfo<X> {
  readonly iteration: number;
  readonly x: X;
  readonly fun: number;
  readonly gradNorm: number;
}

/** Options of minimize. */
export interface MinimizeOptions<X> {
  /** Default "lbfgs". */
  readonly method?: Method;
  /** Stop when ‖∇f‖∞ ≤ tol (default 1e-6). Alias of gtol. */
  readonly tol?: number;
  readonly gtol?: number;
  /** Stop when a step lowers f by at most ftol·max(|f|, |f_new|, tiny) (default 0: off). */
  readonly ftol?: number;
  /** Stop when a step moves x by at most xtol·(1 + ‖x‖) (default 0: off). */
  readonly xtol?: number;
  /** Iterations at most (default 1000; Newton counts outer iterations). */
  readonly maxIter?: number;
  /** L-BFGS memory (default 10). */
  readonly memory?: number;
  /** Called after each iteration; returning true stops the minimizer (status "callback"). */
  readonly callback?: (info: IterationInfo<X>) => boolean | void;
  /** Stage the objective's value-and-gradient (and Hessian-vector product) with compile (default false). */
  readonly compile?: boolean;
}

/** What minimize returns: the solution and why the minimizer stopped. */
export interface MinimizeResult<X> {
  /** The solution, in x0's structure. */
  readonly x: X;
  readonly fun: number;
  readonly iterations: number;
  /** Objective evaluations (each with its gradient: fnEvals = gradEvals). */
  readonly fnEvals: number;
  readonly gradEvals: number;
  /** Hessian-vector products (Newton). */
  readonly hvpEvals: number;
  /** ‖∇f(x)‖∞ at the solution. */
  readonly gradNorm: number;
  readonly status: Status;
  /** Converged: stopped on gtol, ftol or xtol. */
  readonly success: boolean;
  readonly message: string;
}

const MESSAGES: Record<Status, string> = {
  gtol: "the gradient's largest component is at most gtol",
  ftol: "the last step reduced f by at most ftol (relative)",
  xtol: "the last step moved x by at most xtol (relative)",
  maxIter: "the iteration limit was reached before convergence",
  lineSearchFailed: "no step along the search direction satisfied the Wolfe conditions (often: f or its gradient is at the limit of floating-point precision)",
  callback: "the callback asked to stop",
  nonFinite: "f or its gradient became NaN or infinite",
};

function positiveOption(op: string, name: string, v: number | undefined, fallback: number, integer = false): number {
  if (v === undefined) return fallback;
  if (!(typeof v === "number" && v >= 0 && (!integer || Number.isInteger(v)))) throw new ArgumentError(op, `${name} ${showValue(v)} must be a non-negative ${integer ? "integer" : "number"}`);
  return v;
}

/** The objective on flat vectors: f and ∇f, and Hessian-vector products, counting evaluations. */
class Objective<X> {
  evals = 0;
  hvps = 0;
  private readonly vg: (v: NDArray) => [Value, Value];
  private readonly hv: (v: NDArray, d: NDArray) => Value;
  constructor(readonly pack: Packing, f: (x: X) => Value, useCompile: boolean) {
    const fv = (v: Value) => f(pack.toTracedTree(v) as X);
    const vg = valueAndGrad(fv as (v: NDArray) => number) as unknown as (v: NDArray) => [Value, Value];
    const hv = (v: NDArray, d: NDArray) => hvp(fv as (v: NDArray) => number, v, d) as Value;
    this.vg = useCompile ? compile(vg) : vg;
    this.hv = useCompile ? compile(hv) : hv;
  }
  eval(x: Float64Array): Evaluated {
    this.evals++;
    const [f, g] = this.vg(new NDArray(x, [x.length]));
    const fc = concrete(f);
    return { x, f: typeof fc === "number" ? fc : (fc as NDArray).item(), g: Float64Array.from((concrete(g) as NDArray).data) };
  }
  hessVec(x: Float64Array, d: Float64Array): Float64Array {
    this.hvps++;
    return Float64Array.from((concrete(this.hv(new NDArray(x, [x.length]), new NDArray(d, [d.length]))) as NDArray).data);
  }
}

interface Settings {
  readonly gtol: number;
  readonly ftol: number;
  readonly xtol: number;
  readonly maxIter: number;
}

/** The shared loop: a direction from the method, a line search, the stopping tests. */
interface Method_ {
  /** The search direction at `p` (descent), and the first trial step. */
  direction(p: Evaluated, k: number): { d: Float64Array; alpha0: number };
  /** Told of the accepted step. */
  accept(from: Evaluated, to: Evaluated, alpha: number): void;
  /** Forget curvature information (after a failed line search); false if there is none to forget. */
  reset(): boolean;
  readonly c2: number;
}

function lbfgs(n: number, m: number): Method_ {
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  return {
    c2: 0.9,
    direction: (p, k) => {
      // The two-loop recursion: d = −H·g with H the L-BFGS inverse Hessian, H₀ = γI.
      const q = p.g.slice(), alpha = new Array<number>(S.length);
      for (let i = S.length - 1; i >= 0; i--) {
        alpha[i] = rho[i]! * dot(S[i]!, q);
        for (let j = 0; j < n; j++) q[j]! -= alpha[i]! * Y[i]![j]!;
      }
      const last = S.length - 1;
      const gamma = last >= 0 ? dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!) : 1;
      for (let j = 0; j < n; j++) q[j]! *= gamma;
      for (let i = 0; i < S.length; i++) {
        const b = rho[i]! * dot(Y[i]!, q);
        for (let j = 0; j < n; j++) q[j]! += (alpha[i]! - b) * S[i]![j]!;
      }
      const d = scaled(q, -1);
      return { d, alpha0: k === 0 || S.length === 0 ? Math.min(1, 1 / Math.max(normInf(p.g), 1e-300)) : 1 };
    },
    accept: (from, to) => {
      const s = diff(to.x, from.x), y = diff(to.g, from.g), sy = dot(s, y);
      if (!(sy > 1e-12 * dot(y, y))) return;
      S.push(s); Y.push(y); rho.push(1 / sy);
      if (S.length > m) { S.shift(); Y.shift(); rho.shift(); }
    },
    reset: () => {
      const had = S.length > 0;
      S.length = 0; Y.length = 0; rho.length = 0;
      return had;
    },
  };
}

function bfgs(n: number): Method_ {
  let H: Float64Array | null = null; // row-major inverse Hessian; null: γI before the first update
  return {
    c2: 0.9,
    direction: (p) => {
      if (H === null) return { d: scaled(p.g, -1), alpha0: Math.min(1, 1 / Math.max(normInf(p.g), 1e-300)) };
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += H[i * n + j]! * p.g[j]!;
        d[i] = -s;
      }
      return { d, alpha0: 1 };
    },
    accept: (from, to) => {
      const s = diff(to.x, from.x), y = diff(to.g, from.g), sy = dot(s, y);
      if (!(sy > 1e-12 * dot(y, y))) return;
      if (H === null) {
        H = new Float64Array(n * n);
        const gamma = sy / dot(y, y);
        for (let i = 0; i < n; i++) H[i * n + i] = gamma;
      }
      // H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ, as H − ρ(s·(Hy)ᵀ + (Hy)·sᵀ) + (ρ²·yᵀHy + ρ)·ssᵀ.
      const rho = 1 / sy, hy = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let t = 0;
        for (let j = 0; j < n; j++) t += H[i * n + j]! * y[j]!;
        hy[i] = t;
      }
      const c = rho * rho * dot(y, hy) + rho;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i * n + j]! += -rho * (s[i]! * hy[j]! + hy[i]! * s[j]!) + c * s[i]! * s[j]!;
    },
    reset: () => {
      const had = H !== null;
      H = null;
      return had;
    },
  };
}

function conjugateGradient(n: number): Method_ {
  let prevG: Float64Array | null = null, prevD: Float64Array | null = null, prevSlope = 0, prevAlpha = 1, since = 0;
  return {
    c2: 0.1,
    direction: (p) => {
      let d = scaled(p.g, -1), alpha0 = Math.min(1, 1 / Math.max(normInf(p.g), 1e-300));
      if (since >= n) since = 0; // restart along steepest descent every n steps
      else if (prevG !== null && prevD !== null) {
        const beta = Math.max(0, (dot(p.g, p.g) - dot(p.g, prevG)) / dot(prevG, prevG));
        const cand = axpy(d, beta, prevD);
        if (dot(cand, p.g) < 0) d = cand;
        else since = 0;
        // N&W (3.60): the step that repeats the last first-order change.
        alpha0 = Math.min(1, (1.01 * prevAlpha * prevSlope) / dot(p.g, d));
        if (!(alpha0 > 0)) alpha0 = 1;
      }
      return { d, alpha0 };
    },
    accept: (from, _to, alpha) => {
      prevG = from.g;
      prevD = diff(_to.x, from.x).map((v) => v / alpha) as Float64Array;
      prevSlope = dot(from.g, prevD);
      prevAlpha = alpha;
      since++;
    },
    reset: () => {
      const had = prevG !== null;
      prevG = null; prevD = null; since = 0;
      return had;
    },
  };
}

/** Newton–CG's direction: CG on H·p = −g to the forcing tolerance min(½, √‖g‖₁)·‖g‖₁, stopping at negative curvature. */
function newtonDirection<X>(obj: Objective<X>, p: Evaluated): Float64Array {
  const n = p.g.length, gn = norm1(p.g), eps = Math.min(0.5, Math.sqrt(gn)) * gn;
  const z = new Float64Array(n), r = p.g.slice();
  let d = scaled(r, -1), rr = dot(r, r);
  for (let j = 0; j < 20 * n; j++) {
    const hd = obj.hessVec(p.x, d), curv = dot(d, hd);
    if (!(curv > 0)) return j === 0 ? scaled(p.g, -1) : z;
    const a = rr / curv;
    for (let i = 0; i < n; i++) { z[i]! += a * d[i]!; r[i]! += a * hd[i]!; }
    const rr2 = dot(r, r);
    if (norm1(r) <= eps) return z;
    d = axpy(scaled(r, -1), rr2 / rr, d);
    rr = rr2;
  }
  return z;
}

function newtonMethod<X>(obj: Objective<X>): Method_ {
  return {
    c2: 0.9,
    direction: (p) => ({ d: newtonDirection(obj, p), alpha0: 1 }),
    accept: () => {},
    reset: () => false,
  };
}

/**
 * Minimizes a scalar function of x (in x0's structure); see MinimizeOptions for the methods and tolerances.
 *
 * @example
 * ```ts
 * const r = w.minimize((x: number[]) => w.add(w.square(w.sub(x[0]!, 3)), w.square(x[1]!)), [0, 0], { method: "lbfgs" });
 * r.x;          // [3, 0] (to gtol), a number[] like x0
 * r.iterations, r.fnEvals, r.gradNorm, r.status;
 * ```
 */
export function minimize<X>(f: (x: X) => Value, x0: X, opts: MinimizeOptions<X> = {}): MinimizeResult<X> {
  if (typeof f !== "function") throw new ArgumentError("minimize", `f must be a function of x, got ${showValue(f)}`);
  opts = checkOptions("minimize", opts, optionKeys<MinimizeOptions<X>>({ method: true, tol: true, gtol: true, ftol: true, xtol: true, maxIter: true, memory: true, callback: true, compile: true }));
  const method = opts.method ?? "lbfgs";
  if (!["lbfgs", "bfgs", "newton", "cg"].includes(method)) throw new ArgumentError("minimize", `unknown method ${showValue(method)}; use "lbfgs", "bfgs", "newton" or "cg"`);
  const s: Settings = {
    gtol: positiveOption("minimize", "tol", opts.gtol ?? opts.tol, 1e-6),
    ftol: positiveOption("minimize", "ftol", opts.ftol, 0),
    xtol: positiveOption("minimize", "xtol", opts.xtol, 0),
    maxIter: positiveOption("minimize", "maxIter", opts.maxIter, 1000, true),
  };
  const memory = positiveOption("minimize", "memory", opts.memory, 10, true);
  const pack = packing("minimize", x0);
  const obj = new Objective(pack, f, opts.compile === true);
  const n = pack.size;
  const m: Method_ = method === "lbfgs" ? lbfgs(n, Math.max(1, memory)) : method === "bfgs" ? bfgs(n) : method === "cg" ? conjugateGradient(n) : newtonMethod(obj);

  let p = obj.eval(pack.toVector(x0));
  if (!Number.isFinite(p.f) || !allFinite(p.g)) throw new ArgumentError("minimize", `f(x0) = ${p.f} or its gradient is not finite; start where f is defined`);
  let status = "maxIter" as Status, k = 0;
  const done = (st: Status) => { status = st; return true; };
  for (; k < s.maxIter; k++) {
    if (normInf(p.g) <= s.gtol && done("gtol")) break;
    let { d, alpha0 } = m.direction(p, k);
    let ls = strongWolfe((x) => obj.eval(x), p, d, alpha0, { c2: m.c2 });
    if (ls.point === null && m.reset()) {
      // Stale curvature pairs can give a poor direction: retry once along steepest descent.
      ({ d, alpha0 } = m.direction(p, 0));
      ls = strongWolfe((x) => obj.eval(x), p, d, alpha0, { c2: m.c2 });
    }
    if (ls.point === null) { done("lineSearchFailed"); break; }
    const next: Evaluated = ls.point;
    if (!Number.isFinite(next.f) || !allFinite(next.g)) { done("nonFinite"); break; }
    m.accept(p, next, ls.point.alpha);
    const fPrev = p.f, xPrev = p.x;
    p = next;
    if (opts.callback?.({ iteration: k + 1, x: pack.toTree(p.x) as X, fun: p.f, gradNorm: normInf(p.g) }) === true) { k++; done("callback"); break; }
    if (s.ftol > 0 && fPrev - p.f <= s.ftol * Math.max(Math.abs(fPrev), Math.abs(p.f), Number.MIN_VALUE)) { k++; done("ftol"); break; }
    if (s.xtol > 0 && norm2(diff(p.x, xPrev)) <= s.xtol * (1 + norm2(p.x))) { k++; done("xtol"); break; }
  }
  return {
    x: pack.toTree(p.x) as X,
    fun: p.f,
    iterations: k,
    fnEvals: obj.evals,
    gradEvals: obj.evals,
    hvpEvals: obj.hvps,
    gradNorm: normInf(p.g),
    status,
    success: status === "gtol" || status === "ftol" || status === "xtol",
    message: MESSAGES[status],
  };
}
