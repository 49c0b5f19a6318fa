// Numerical differentiation: forward, backward and central differences, Richardson
// extrapolation, and gradients, JVPs and Jacobians by differences, each counting the
// function evaluations it spent.
//
// Error of a difference quotient with step h, for f evaluated with relative error ≈ ε:
//   one-sided  (f(x+h) − f(x))/h          truncation |f''|h/2   + round-off 2ε|f|/h,  best h ≈ √ε·scale
//   central    (f(x+h) − f(x−h))/(2h)     truncation |f'''|h²/6 + round-off ε|f|/h,   best h ≈ ∛ε·scale
// with scale = max(|x|, 1). The default steps are those: about 1.5e-8·scale one-sided and
// 6.1e-6·scale central, which leave about 8 and 11 correct digits on a well-scaled function.

import type { NDArray } from "../array/ndarray.js";
import { ArgumentError } from "../base/errors.js";
import type { GradOf } from "../transforms/args.js";
import { coordsOf, scalarValue } from "./coords.js";

/** Finite-difference schemes: forward, backward or central differences. */
export type Scheme = "forward" | "backward" | "central";
/** A scheme, or Richardson extrapolation of central differences. */
export type Method = Scheme | "richardson";
export const SCHEMES: readonly Scheme[] = ["forward", "backward", "central"];
export const METHODS: readonly Method[] = [...SCHEMES, "richardson"];

export const EPS = Number.EPSILON;

/** The default step at x: ∛ε·max(|x|, 1) for central differences, √ε·max(|x|, 1) for one-sided ones. */
export function defaultStep(x: number, scheme: Method = "central"): number {
  checkFinite("defaultStep", "x", x);
  const base = scheme === "forward" || scheme === "backward" ? Math.sqrt(EPS) : Math.cbrt(EPS);
  return base * Math.max(Math.abs(x), 1);
}

/** The step made exact: h' = (x + h) − x, so that x + h' − x is h' with no rounding. */
export function exactStep(x: number, h: number): number {
  const t = x + h;
  return t - x || h;
}

/** Options of the numeric* estimators: the scheme and the step. */
export interface DifferenceOptions {
  /** forward, backward, central (default) or richardson. */
  readonly scheme?: Method;
  /** The step; default defaultStep (per coordinate for gradients; Richardson's starting step for richardson). */
  readonly h?: number;
}

/** A finite-difference estimate: the value, how many evaluations of f it took, and the step(s) used. */
export interface Estimate<T> {
  readonly value: T;
  /** Function evaluations spent. */
  readonly evaluations: number;
  /** The step used (for richardson: the step of the accepted tableau entry). */
  readonly h: number;
  /** Richardson's error estimate (richardson only). */
  readonly error?: number;
}

function checkFinite(op: string, what: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ArgumentError(op, `${what} must be a finite number, got ${typeof v === "number" ? v : typeof v}`);
}

function checkFunction(op: string, f: unknown): void {
  if (typeof f !== "function") throw new ArgumentError(op, `expected the function to differentiate, got ${f === null ? "null" : typeof f}`);
}

function checkVector(op: string, what: string, x: unknown): asserts x is readonly number[] {
  if (!Array.isArray(x) || x.length === 0) throw new ArgumentError(op, `${what} must be a non-empty array of numbers, got ${Array.isArray(x) ? "[]" : typeof x}`);
  x.forEach((v, i) => checkFinite(op, `${what}[${i}]`, v));
}

function checkStep(op: string, h: unknown): void {
  if (h !== undefined && (typeof h !== "number" || !(h > 0) || !Number.isFinite(h))) throw new ArgumentError(op, `the step h must be a positive finite number, got ${String(h)}`);
}

function checkScheme(op: string, scheme: unknown, allowed: readonly Method[]): void {
  if (scheme !== undefined && !allowed.includes(scheme as Method)) throw new ArgumentError(op, `unknown scheme '${String(scheme)}'; use ${allowed.join(", ")}`);
}

/** A function's outputs as a vector; anything else is an ArgumentError naming what came back. */
function asVector(op: string, y: unknown): number[] {
  if (typeof y === "number") return [y];
  if (Array.isArray(y) && y.every((v) => typeof v === "number")) return y as number[];
  throw new ArgumentError(op, `the function must return a number or an array of numbers, got ${y === null ? "null" : Array.isArray(y) ? "an array with non-numbers" : typeof y}`);
}

/**
 * The difference quotient of a vector-valued g: ℝ → ℝᵐ at t with step h: the one shared
 * helper behind derivatives, gradients, JVPs and Jacobians. `g0` is g(t) when the caller has it.
 */
export function differenceQuotient(g: (t: number) => readonly number[], t: number, scheme: Scheme, h: number, g0?: readonly number[]): Estimate<number[]> {
  let evaluations = 0;
  const at = (s: number): readonly number[] => {
    evaluations++;
    return g(s);
  };
  let value: number[];
  if (scheme === "central") {
    const hp = exactStep(t, h);
    const up = at(t + hp), down = at(t - hp);
    value = up.map((u, i) => (u - down[i]!) / (2 * hp));
    return { value, evaluations, h: hp };
  }
  const hs = exactStep(t, scheme === "forward" ? h : -h);
  const base = g0 ?? at(t);
  const moved = at(t + hs);
  value = moved.map((m, i) => (m - base[i]!) / hs);
  return { value, evaluations, h: Math.abs(hs) };
}

/** Options of Richardson extrapolation: the starting step, the step ratio and the most levels. */
export interface RichardsonOptions {
  /** Starting step (default 0.1·max(|x|, 1)); halved (well, divided by `ratio`) at each level. */
  readonly h?: number;
  /** Step ratio between levels (default 1.4, Ridders' choice). */
  readonly ratio?: number;
  /** Most tableau columns (default 10). */
  readonly levels?: number;
}

/**
 * Richardson extrapolation of central differences (Ridders' tableau): central differences at
 * steps h, h/r, h/r², … are combined to cancel the h², h⁴, … error terms, and the entry with
 * the smallest estimated error is returned with that estimate. Stops when the error grows
 * (round-off has taken over). Typically 12–13 correct digits for 10–20 evaluations.
 */
export function richardson(f: (x: number) => number, x: number, opts: RichardsonOptions = {}): Estimate<number> {
  checkFunction("richardson", f);
  checkFinite("richardson", "x", x);
  checkStep("richardson", opts.h);
  const ratio = opts.ratio ?? 1.4;
  const levels = opts.levels ?? 10;
  if (!(ratio > 1) || !Number.isFinite(ratio)) throw new ArgumentError("richardson", `ratio must be a finite number above 1, got ${ratio}`);
  if (!Number.isInteger(levels) || levels < 2 || levels > 30) throw new ArgumentError("richardson", `levels must be an integer in [2, 30], got ${levels}`);
  const g = (t: number): number[] => [scalar("richardson", f(t))];
  let h = opts.h ?? 0.1 * Math.max(Math.abs(x), 1);
  let evaluations = 0;
  const central = (step: number): { d: number; h: number } => {
    const q = differenceQuotient(g, x, "central", step);
    evaluations += q.evaluations;
    return { d: q.value[0]!, h: q.h };
  };
  // A first step that leaves the domain (ln near 0) gives NaN: shrink until it does not.
  let first = central(h);
  for (let tries = 0; !Number.isFinite(first.d) && tries < 40; tries++) {
    h /= 2;
    first = central(h);
  }
  const r2 = ratio * ratio;
  let prev: number[] = [first.d];
  let best = { value: first.d, error: Infinity, h: first.h };
  for (let i = 1; i < levels; i++) {
    h /= ratio;
    const q = central(h);
    const row = [q.d];
    let fac = r2;
    for (let j = 1; j <= i; j++) {
      row.push((row[j - 1]! * fac - prev[j - 1]!) / (fac - 1));
      fac *= r2;
      const err = Math.max(Math.abs(row[j]! - row[j - 1]!), Math.abs(row[j]! - prev[j - 1]!));
      if (err <= best.error) best = { value: row[j]!, error: err, h: q.h };
    }
    // Higher order has stopped helping: the diagonal moved by more than twice the best error.
    if (Math.abs(row[i]! - prev[i - 1]!) >= 2 * best.error) break;
    prev = row;
  }
  return { value: best.value, evaluations, h: best.h, error: best.error };
}

const scalar = scalarValue;

/** f'(x) by differences. */
export function numericDerivative(f: (x: number) => number, x: number, opts: DifferenceOptions = {}): Estimate<number> {
  checkFunction("numericDerivative", f);
  checkFinite("numericDerivative", "x", x);
  checkStep("numericDerivative", opts.h);
  checkScheme("numericDerivative", opts.scheme, METHODS);
  const scheme = opts.scheme ?? "central";
  if (scheme === "richardson") return richardson(f, x, opts.h === undefined ? {} : { h: opts.h });
  const q = differenceQuotient((t) => [scalar("numericDerivative", f(t))], x, scheme, opts.h ?? defaultStep(x, scheme));
  return { value: q.value[0]!, evaluations: q.evaluations, h: q.h };
}

/** x with coordinate i set to t. */
export const moved = (x: readonly number[], i: number, t: number): number[] => {
  const y = x.slice();
  y[i] = t;
  return y;
};

/** The float32 machine epsilon: the precision of a float32 coordinate and of f evaluated in float32. */
export const EPS32 = 2 ** -23;

/** The step for coordinate x: h as given, or the default; for a float32 coordinate, made a float32 move. */
export function coordinateStep(x: number, f32: boolean, scheme: Method, h: number | undefined): number {
  if (!f32) return h ?? defaultStep(x, scheme);
  const base = scheme === "forward" || scheme === "backward" ? Math.sqrt(EPS32) : Math.cbrt(EPS32);
  const want = h ?? base * Math.max(Math.abs(x), 1);
  // x + step must be a float32, so that the array holds exactly the point the quotient assumes.
  const step = Math.fround(x + want) - x;
  return step !== 0 ? step : Math.abs(x) * EPS32 || 2 ** -126;
}

/**
 * ∇f(x) by differences, one coordinate at a time (steps per coordinate: defaultStep(x[i])).
 * x may be a number, a number[], an NDArray or a pytree of them; the gradient has its
 * structure. f may return a number or a size-1 array (such as sum(x)).
 */
export function numericGradient<X>(f: (x: X) => number | NDArray, x: X, opts: DifferenceOptions = {}): Estimate<GradOf<X>> & { readonly steps: number[] } {
  checkFunction("numericGradient", f);
  const c = coordsOf("numericGradient", x);
  checkStep("numericGradient", opts.h);
  checkScheme("numericGradient", opts.scheme, METHODS);
  const scheme = opts.scheme ?? "central";
  let evaluations = 0;
  const at = (v: readonly number[]): number => scalar("numericGradient", f(c.rebuild(v)));
  // One-sided differences share f(x) across coordinates.
  const f0 = scheme === "forward" || scheme === "backward" ? [at(c.values)] : undefined;
  if (f0) evaluations++;
  const value: number[] = [], steps: number[] = [];
  c.values.forEach((xi, i) => {
    const g = (t: number): number => at(moved(c.values, i, t));
    const h = c.float32[i] ? coordinateStep(xi, true, scheme, opts.h) : undefined;
    const est: Estimate<number> = scheme === "richardson"
      ? richardson(g, xi, opts.h === undefined ? {} : { h: opts.h })
      : (() => {
          const q = differenceQuotient((t) => [g(t)], xi, scheme, h ?? opts.h ?? defaultStep(xi, scheme), f0);
          return { value: q.value[0]!, evaluations: q.evaluations, h: q.h };
        })();
    value.push(est.value);
    steps.push(est.h);
    evaluations += est.evaluations;
  });
  return { value: c.rebuild(value) as GradOf<X>, evaluations, h: Math.max(...steps), steps };
}

/**
 * J(x)·v by one difference along v (2 evaluations central, 2 one-sided). The step is
 * defaultStep(max |xᵢ| over the moved coordinates) / max |vᵢ|. Returns a number for a
 * scalar f, an array for a vector f.
 */
export function numericJvp<Y extends number | number[]>(f: (x: number[]) => Y, x: readonly number[], v: readonly number[], opts: DifferenceOptions = {}): Estimate<Y> {
  checkFunction("numericJvp", f);
  checkVector("numericJvp", "x", x);
  checkVector("numericJvp", "v", v);
  checkStep("numericJvp", opts.h);
  checkScheme("numericJvp", opts.scheme, METHODS);
  if (v.length !== x.length) throw new ArgumentError("numericJvp", `v has ${v.length} entries but x has ${x.length}; give one per coordinate`);
  const vmax = Math.max(...v.map(Math.abs));
  const scheme = opts.scheme ?? "central";
  const xmax = Math.max(0, ...x.filter((_, i) => v[i] !== 0).map(Math.abs));
  const along = (t: number): number[] => x.map((xi, i) => xi + t * v[i]!);
  if (vmax === 0) {
    const y = f(x.slice());
    const zero = (typeof y === "number" ? 0 : asVector("numericJvp", y).map(() => 0)) as Y;
    return { value: zero, evaluations: 1, h: 0 };
  }
  let scalarOut: boolean | undefined;
  const g = (t: number): number[] => {
    const y = f(along(t));
    scalarOut = typeof y === "number";
    return asVector("numericJvp", y);
  };
  if (scheme === "richardson") {
    const r = richardson((t) => {
      const y = g(t);
      if (!scalarOut) throw new ArgumentError("numericJvp", "richardson needs a scalar function; use central for a vector one");
      return y[0]!;
    }, 0, { h: opts.h ?? (0.1 * Math.max(xmax, 1)) / vmax });
    return { ...r, value: r.value as Y };
  }
  const q = differenceQuotient(g, 0, scheme, opts.h ?? defaultStep(xmax, scheme) / vmax);
  return { value: (scalarOut ? q.value[0]! : q.value) as Y, evaluations: q.evaluations, h: q.h };
}

/** The Jacobian by differences: rows are outputs, columns inputs (a scalar f gives one row). */
export function numericJacobian(f: (x: number[]) => number | number[], x: readonly number[], opts: DifferenceOptions = {}): Estimate<number[][]> {
  checkFunction("numericJacobian", f);
  checkVector("numericJacobian", "x", x);
  checkStep("numericJacobian", opts.h);
  checkScheme("numericJacobian", opts.scheme, SCHEMES);
  const scheme = (opts.scheme ?? "central") as Scheme;
  let evaluations = 0;
  const f0 = scheme === "central" ? undefined : asVector("numericJacobian", f(x.slice()));
  if (f0) evaluations++;
  const columns: number[][] = [];
  let h = 0;
  x.forEach((xi, i) => {
    const q = differenceQuotient((t) => asVector("numericJacobian", f(moved(x, i, t))), xi, scheme, opts.h ?? defaultStep(xi, scheme), f0);
    columns.push(q.value);
    evaluations += q.evaluations;
    h = Math.max(h, q.h);
  });
  const m = columns[0]!.length;
  if (columns.some((c) => c.length !== m)) throw new ArgumentError("numericJacobian", "the function returned arrays of different lengths at nearby points");
  const value = Array.from({ length: m }, (_, r) => columns.map((c) => c[r]!));
  return { value, evaluations, h };
}
