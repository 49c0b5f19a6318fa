// Numerical differentiation: forward, backward and central differences, Richardson
// extrapolation, and gradients, JVPs and Jacobians by differences, each counting the
// function evaluations it spent.
//
// Error of a difference quotient with step h, for f evaluated with relative error ≈ ε:
//   one-sided  (f(x+h) − f(x))/h          truncation |f''|h/2   + round-off 2ε|f|/h,  best h ≈ √ε·scale
//   central    (f(x+h) − f(x−h))/(2h)     truncation |f'''|h²/6 + round-off ε|f|/h,   best h ≈ ∛ε·scale
// with scale = max(|x|, 1). The default steps are those: about 1.5e-8·scale one-sided and
// 6.1e-6·scale central, which leave about 8 and 11 correct digits on a well-scaled function.
//
// Every estimate comes with its error, so that a wrong derivative is never silent. For a
// difference quotient D(h) it is estimated from D(2h) (one more evaluation one-sided, two
// central): D(2h) − D(h) ≈ c·h one-sided and 3c·h² central, so the truncation error of D(h)
// is about |D(2h) − D(h)| and |D(2h) − D(h)|/3, and |D(2h) − D(h)| is taken for both (it also
// holds the two quotients' round-off, which need not cancel); the round-off is δf/h (twice that
// one-sided), δf = NOISE_ULPS·ε|f|: a long computation (an ODE loss) rounds by several ulps.
// Richardson's error is its tableau's (richardson.ts). With `rtol`/`atol` an estimate whose
// error exceeds atol + rtol·|value| is an AccuracyError naming the coordinate and the fix.

import type { NDArray } from "../array/ndarray.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { AccuracyError, ArgumentError } from "../base/errors.js";
import { fmtNumber } from "../base/text.js";
import type { GradOf } from "../transforms/args.js";
import { coordsOf, scalarValue } from "./coords.js";
import { NOISE_ULPS } from "./noise.js";
import { extrapolate, type RichardsonOptions } from "./richardson.js";
import { onScales, type Scaled } from "./scales.js";

export type { RichardsonOptions } from "./richardson.js";

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
  /** Largest error estimate accepted, relative to |value| (with atol: error ≤ atol + rtol·|value|); more is an AccuracyError. */
  readonly rtol?: number;
  /** Largest error estimate accepted, absolute (default 0 when rtol is given). */
  readonly atol?: number;
}

/** A finite-difference estimate: the value, how many evaluations of f it took, the step(s) used and the estimated error. */
export interface Estimate<T> {
  readonly value: T;
  /** Function evaluations spent. */
  readonly evaluations: number;
  /** The step used (for richardson: the step of the accepted tableau entry). */
  readonly h: number;
  /** The estimated error of `value` (the largest over its components): truncation and round-off. */
  readonly error: number;
}

const DIFFERENCE_KEYS = optionKeys<DifferenceOptions>({ scheme: true, h: true, rtol: true, atol: true });
const RICHARDSON_KEYS = optionKeys<RichardsonOptions>({ h: true, ratio: true, levels: true });

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

function checkTolerances(op: string, opts: DifferenceOptions): void {
  for (const k of ["rtol", "atol"] as const) {
    const v = opts[k];
    if (v !== undefined && (typeof v !== "number" || !(v >= 0))) throw new ArgumentError(op, `${k} must be a non-negative number, got ${String(v)}`);
  }
}

/**
 * Refuses, with an AccuracyError naming the component, an estimate whose error exceeds
 * atol + rtol·|value| when either tolerance was asked for.
 */
function requireAccuracy(op: string, scheme: Method, opts: DifferenceOptions, names: readonly string[], values: readonly number[], errors: readonly number[], at?: readonly number[]): void {
  if (opts.rtol === undefined && opts.atol === undefined) return;
  const rtol = opts.rtol ?? 0, atol = opts.atol ?? 0;
  values.forEach((v, i) => {
    const e = errors[i]!, allowed = atol + rtol * Math.abs(v);
    if (e <= allowed) return;
    const where = at === undefined ? names[i]! : `${names[i]!} = ${fmtNumber(at[i]!, 6)}`;
    const fix = scheme === "richardson"
      ? "give a starting step h on the scale over which f varies, or loosen rtol/atol"
      : "use scheme: \"richardson\", give a step h on the scale over which f varies, or loosen rtol/atol";
    throw new AccuracyError(op, `the ${scheme} estimate for ${where} is ${fmtNumber(v, 10)} with an estimated error of ${fmtNumber(e, 3)}, above the ${fmtNumber(allowed, 3)} asked for (atol ${atol} + rtol ${rtol}·|value|); ${fix}`);
  });
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
export function differenceQuotient(g: (t: number) => readonly number[], t: number, scheme: Scheme, h: number, g0?: readonly number[]): Omit<Estimate<number[]>, "error"> {
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

/**
 * The difference quotient of g with the estimate of its error (see the file comment): D(h)
 * beside D(2h). `eps` is the relative precision of g's values (EPS, or EPS32 in float32);
 * `g0` is g(t) when the caller has it (one-sided schemes share it); `take(t, h)` is the step
 * taken for a requested one (exactStep, or a float32 move for a float32 coordinate).
 */
export function quotientWithError(g: (t: number) => readonly number[], t: number, scheme: Scheme, h: number, eps: number, g0?: readonly number[], take: (t: number, h: number) => number = exactStep): Estimate<number[]> & { readonly errors: number[] } {
  let evaluations = 0;
  const at = (s: number): readonly number[] => {
    evaluations++;
    return g(s);
  };
  if (scheme === "central") {
    const hp = take(t, h), h2 = take(t, 2 * hp);
    const up = at(t + hp), down = at(t - hp), up2 = at(t + h2), down2 = at(t - h2);
    const value = up.map((u, i) => (u - down[i]!) / (2 * hp));
    const errors = value.map((d, i) => {
      const d2 = (up2[i]! - down2[i]!) / (2 * h2);
      return Math.abs(d2 - d) + (NOISE_ULPS * eps * Math.max(Math.abs(up[i]!), Math.abs(down[i]!))) / hp;
    });
    return { value, evaluations, h: hp, error: Math.max(...errors), errors };
  }
  const sign = scheme === "forward" ? 1 : -1;
  const hs = take(t, sign * h), hs2 = take(t, 2 * hs);
  const base = g0 ?? at(t);
  const moved1 = at(t + hs), moved2 = at(t + hs2);
  const value = moved1.map((m, i) => (m - base[i]!) / hs);
  const errors = value.map((d, i) => {
    const d2 = (moved2[i]! - base[i]!) / hs2;
    return Math.abs(d2 - d) + (2 * NOISE_ULPS * eps * Math.max(Math.abs(base[i]!), Math.abs(moved1[i]!))) / Math.abs(hs);
  });
  return { value, evaluations, h: Math.abs(hs), error: Math.max(...errors), errors };
}

/**
 * f'(x) by Richardson extrapolation of central differences (Ridders' tableau, richardson.ts):
 * steps from 0.1·|x| down by `ratio`, the tableau grown while its error estimate shrinks, the
 * entry with the smallest estimate returned with that estimate. Typically 12–13 correct digits
 * for 20–40 evaluations.
 */
export function richardson(f: (x: number) => number, x: number, opts: RichardsonOptions = {}): Estimate<number> {
  opts = checkOptions("richardson", opts);
  checkFunction("richardson", f);
  opts = checkOptions("richardson", opts, RICHARDSON_KEYS);
  checkFinite("richardson", "x", x);
  checkStep("richardson", opts.h);
  return extrapolate("richardson", (t) => scalar("richardson", f(t)), x, opts);
}

const scalar = scalarValue;

/** f'(x) by differences. */
export function numericDerivative(f: (x: number) => number, x: number, opts: DifferenceOptions = {}): Estimate<number> {
  opts = checkOptions("numericDerivative", opts);
  checkFunction("numericDerivative", f);
  opts = checkOptions("numericDerivative", opts, DIFFERENCE_KEYS);
  checkFinite("numericDerivative", "x", x);
  checkStep("numericDerivative", opts.h);
  checkScheme("numericDerivative", opts.scheme, METHODS);
  checkTolerances("numericDerivative", opts);
  const scheme = opts.scheme ?? "central";
  const g = (t: number): number => scalar("numericDerivative", f(t));
  const est: Estimate<number> = scheme === "richardson"
    ? extrapolate("numericDerivative", g, x, opts.h === undefined ? {} : { h: opts.h })
    : scaled(x, opts.h, (h) => first(quotientWithError((t) => [g(t)], x, scheme, h, EPS)), scheme, false);
  requireAccuracy("numericDerivative", scheme, opts, ["x"], [est.value], [est.error], [x]);
  return est;
}

/** A quotient at the step h given, or on x's scales (scales.ts): the one step rule of every numeric* estimator. */
function scaled<E extends Scaled>(x: number, h: number | undefined, run: (h: number) => E, scheme: Scheme, f32: boolean): E {
  return h !== undefined ? run(coordinateStep(x, f32, scheme, h)) : onScales(x, (s) => run(coordinateStep(x, f32, scheme, undefined, s)));
}

/** The one component of a quotient of a scalar function. */
const first = (q: Estimate<number[]>): Estimate<number> => ({ value: q.value[0]!, evaluations: q.evaluations, h: q.h, error: q.error });

/** x with coordinate i set to t. */
export const moved = (x: readonly number[], i: number, t: number): number[] => {
  const y = x.slice();
  y[i] = t;
  return y;
};

/** The float32 machine epsilon: the precision of a float32 coordinate and of f evaluated in float32. */
export const EPS32 = 2 ** -23;

/** The step h made a float32 move from the float32 x: x + step is a float32 (the least move when h rounds to none). */
export function float32Step(x: number, h: number): number {
  return Math.fround(x + h) - x || Math.sign(h) * (Math.abs(x) * EPS32 || 2 ** -126);
}

/** The step for coordinate x: h as given, or the default on `scale`; for a float32 coordinate, made a float32 move. */
export function coordinateStep(x: number, f32: boolean, scheme: Method, h: number | undefined, scale = Math.max(Math.abs(x), 1)): number {
  const base = scheme === "forward" || scheme === "backward" ? Math.sqrt(f32 ? EPS32 : EPS) : Math.cbrt(f32 ? EPS32 : EPS);
  const want = h ?? base * scale;
  if (!f32) return want;
  // x + step must be a float32, so that the array holds exactly the point the quotient assumes.
  const step = Math.fround(x + want) - x;
  return step !== 0 ? step : Math.abs(x) * EPS32 || 2 ** -126;
}

/**
 * ∇f(x) by differences, one coordinate at a time (steps per coordinate: defaultStep(x[i])).
 * x may be a number, a number[], an NDArray or a pytree of them; the gradient has its
 * structure. f may return a number or a size-1 array (such as sum(x)).
 */
export function numericGradient<X>(f: (x: X) => number | NDArray, x: X, opts: DifferenceOptions = {}): Estimate<GradOf<X>> & { readonly steps: number[]; readonly errors: number[] } {
  checkFunction("numericGradient", f);
  opts = checkOptions("numericGradient", opts, DIFFERENCE_KEYS);
  const c = coordsOf("numericGradient", x);
  checkStep("numericGradient", opts.h);
  checkScheme("numericGradient", opts.scheme, METHODS);
  checkTolerances("numericGradient", opts);
  const scheme = opts.scheme ?? "central";
  let evaluations = 0;
  const at = (v: readonly number[]): number => scalar("numericGradient", f(c.rebuild(v)));
  // One-sided differences share f(x) across coordinates.
  const f0 = scheme === "forward" || scheme === "backward" ? [at(c.values)] : undefined;
  if (f0) evaluations++;
  const value: number[] = [], steps: number[] = [], errors: number[] = [];
  c.values.forEach((xi, i) => {
    const g = (t: number): number => at(moved(c.values, i, t));
    const f32 = c.float32[i]!;
    let est: Estimate<number>;
    if (scheme === "richardson") {
      // A float32 coordinate moves by float32 steps: x ± h must be exactly the point stored.
      const step = f32 ? (h: number) => float32Step(xi, h) : undefined;
      est = extrapolate("numericGradient", g, xi, opts.h === undefined ? {} : { h: opts.h }, step, f32 ? EPS32 : EPS);
    } else {
      est = scaled(xi, opts.h, (h) => first(quotientWithError((t) => [g(t)], xi, scheme, h, f32 ? EPS32 : EPS, f0, f32 ? float32Step : exactStep)), scheme, f32);
    }
    value.push(est.value);
    steps.push(est.h);
    errors.push(est.error);
    evaluations += est.evaluations;
  });
  requireAccuracy("numericGradient", scheme, opts, c.names, value, errors, c.values);
  return { value: c.rebuild(value) as GradOf<X>, evaluations, h: Math.max(...steps), steps, error: Math.max(...errors), errors };
}

/**
 * J(x)·v by one difference along v (2 evaluations central, 2 one-sided, on each scale tried).
 * The step comes from the scale of the moved coordinates, max |xᵢ| over them, as
 * numericGradient's from each coordinate's (scales.ts), divided by max |vᵢ|; `h` is the step
 * along v. Returns a number for a scalar f, an array for a vector f.
 */
export function numericJvp<Y extends number | number[]>(f: (x: number[]) => Y, x: readonly number[], v: readonly number[], opts: DifferenceOptions = {}): Estimate<Y> {
  opts = checkOptions("numericJvp", opts);
  checkFunction("numericJvp", f);
  opts = checkOptions("numericJvp", opts, DIFFERENCE_KEYS);
  checkVector("numericJvp", "x", x);
  checkVector("numericJvp", "v", v);
  checkStep("numericJvp", opts.h);
  checkScheme("numericJvp", opts.scheme, METHODS);
  checkTolerances("numericJvp", opts);
  if (v.length !== x.length) throw new ArgumentError("numericJvp", `v has ${v.length} entries but x has ${x.length}; give one per coordinate`);
  const vmax = Math.max(...v.map(Math.abs));
  const scheme = opts.scheme ?? "central";
  const xmax = Math.max(0, ...x.filter((_, i) => v[i] !== 0).map(Math.abs));
  const along = (t: number): number[] => x.map((xi, i) => xi + t * v[i]!);
  if (vmax === 0) {
    const y = f(x.slice());
    const zero = (typeof y === "number" ? 0 : asVector("numericJvp", y).map(() => 0)) as Y;
    return { value: zero, evaluations: 1, h: 0, error: 0 };
  }
  let scalarOut: boolean | undefined;
  const g = (t: number): number[] => {
    const y = f(along(t));
    scalarOut = typeof y === "number";
    return asVector("numericJvp", y);
  };
  const scalarAt = (t: number): number => {
    const y = g(t);
    if (!scalarOut) throw new ArgumentError("numericJvp", "richardson needs a scalar function; use central for a vector one");
    return y[0]!;
  };
  // Steps along v from the scale of the moved coordinates (scales.ts), as numericGradient's from each coordinate's.
  if (scheme === "richardson") {
    const r = opts.h !== undefined ? extrapolate("numericJvp", scalarAt, 0, { h: opts.h }) : onScales(xmax, (s) => extrapolate("numericJvp", scalarAt, 0, { h: (0.1 * s) / vmax }));
    requireAccuracy("numericJvp", scheme, opts, ["J·v"], [r.value], [r.error]);
    return { value: r.value as Y, evaluations: r.evaluations, h: r.h, error: r.error };
  }
  const quotient = (h: number) => quotientWithError(g, 0, scheme, h, EPS);
  const q = opts.h !== undefined ? quotient(opts.h) : onScales(xmax, (s) => quotient(coordinateStep(xmax, false, scheme, undefined, s) / vmax));
  requireAccuracy("numericJvp", scheme, opts, q.value.map((_, i) => (scalarOut ? "J·v" : `(J·v)[${i}]`)), q.value, q.errors);
  return { value: (scalarOut ? q.value[0]! : q.value) as Y, evaluations: q.evaluations, h: q.h, error: q.error };
}

/** The Jacobian by differences: rows are outputs, columns inputs (a scalar f gives one row). */
export function numericJacobian(f: (x: number[]) => number | number[], x: readonly number[], opts: DifferenceOptions = {}): Estimate<number[][]> {
  opts = checkOptions("numericJacobian", opts);
  checkFunction("numericJacobian", f);
  opts = checkOptions("numericJacobian", opts, DIFFERENCE_KEYS);
  checkVector("numericJacobian", "x", x);
  checkStep("numericJacobian", opts.h);
  checkScheme("numericJacobian", opts.scheme, SCHEMES);
  checkTolerances("numericJacobian", opts);
  const scheme = (opts.scheme ?? "central") as Scheme;
  let evaluations = 0;
  const f0 = scheme === "central" ? undefined : asVector("numericJacobian", f(x.slice()));
  if (f0) evaluations++;
  const columns: number[][] = [], columnErrors: number[][] = [];
  let h = 0;
  x.forEach((xi, i) => {
    const q = scaled(xi, opts.h, (h) => quotientWithError((t) => asVector("numericJacobian", f(moved(x, i, t))), xi, scheme, h, EPS, f0), scheme, false);
    columns.push(q.value);
    columnErrors.push(q.errors);
    evaluations += q.evaluations;
    h = Math.max(h, q.h);
  });
  const m = columns[0]!.length;
  if (columns.some((c) => c.length !== m)) throw new ArgumentError("numericJacobian", "the function returned arrays of different lengths at nearby points");
  const value = Array.from({ length: m }, (_, r) => columns.map((c) => c[r]!));
  const errors = Array.from({ length: m }, (_, r) => columnErrors.map((c) => c[r]!));
  requireAccuracy("numericJacobian", scheme, opts, value.flatMap((row, r) => row.map((_, k) => `J[${r}][${k}]`)), value.flat(), errors.flat());
  return { value, evaluations, h, error: Math.max(...errors.flat()) };
}
