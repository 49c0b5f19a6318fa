// checkGrad: the gradient by reverse-mode AD beside the gradient by central differences,
// with, per input, the relative error and whether it lies within the error the difference
// is expected to have.
//
// The expected error of a central difference D(h) with step h (see differences.ts) is
//   truncation  ≈ |D(h) − D(2h)| / 3     the h²f'''/6 term, estimated without knowing f'''
//                                        (D(2h) costs two more evaluations)
//   round-off   ≈ δf / h                 δf: the rounding error of one evaluation of f
//   AD's own    ≈ 4ε·|∂f|
// and the bound is 2·truncation + round-off + AD's own. δf comes from reverse mode itself:
// to first order, rounding vᵢ (relative error ≤ ε/2) moves y by v̄ᵢ·vᵢ·ε/2, so
// δf ≈ ε·Σᵢ |v̄ᵢ·vᵢ| over the lines of the evaluation trace (the use Linnainmaa put the
// adjoints to in 1976) — large where f cancels internally, as in (x + 1e8) − 1e8. It is
// never taken below u ulps of |f| (noiseUlps).
//
// The step starts at defaultStep(x) and shrinks tenfold (at most four times) while
// truncation dominates, and the step with the smallest bound is kept: a function that
// varies fast, like the 20th logistic iterate, needs a smaller step before its difference
// enters the asymptotic regime. An AD gradient outside the bound is wrong, not unlucky.

import { ArgumentError, WengertError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { fnArg } from "../base/validate.js";
import { fmtNumber, markdownTable, textTable, varName } from "../base/text.js";
import { reverseTrace } from "../trace/tables.js";
import { grad } from "../transforms/grad.js";
import { NDArray } from "../array/ndarray.js";
import { coordsOf, scalarValue } from "./coords.js";
import { coordinateStep, defaultStep, differenceQuotient, EPS, EPS32, moved } from "./differences.js";

/** Options of `checkGrad`: the finite-difference scheme and step, and the tolerances. */
export interface CheckGradOptions {
  /** Names of the inputs (default x1, x2, … ; x for a scalar input). */
  readonly names?: readonly string[];
  /** Central-difference step for every input (default: defaultStep(x[i]), shrunk tenfold while truncation dominates). */
  readonly h?: number;
  /** Least error assumed in an evaluation of f, in ulps of |f| (default 4). */
  readonly noiseUlps?: number;
  /** The gradient to check (default: reverse-mode AD, grad(f)). */
  readonly gradient?: readonly number[];
}

/** One input coordinate of a gradient check: AD's value, the finite-difference estimate and their errors. */
export interface GradCheckRow {
  readonly name: string;
  readonly x: number;
  /** The AD (or given) derivative. */
  readonly ad: number;
  /** The central difference. */
  readonly numeric: number;
  readonly h: number;
  readonly absError: number;
  /** |ad − numeric| / max(|ad|, |numeric|) (0 when both are 0). */
  readonly relError: number;
  /** The expected absolute error of the difference (the bound). */
  readonly bound: number;
  readonly relBound: number;
  readonly truncation: number;
  readonly roundoff: number;
  readonly ok: boolean;
}

/**
 * The first-order rounding error of evaluating f at x, from its reverse-mode adjoints:
 * ε·Σᵢ |v̄ᵢ·vᵢ| over the lines of the evaluation trace. Undefined when f cannot be traced.
 */
export function roundingError(f: (x: never) => number | NDArray, x: unknown): number | undefined {
  fnArg("roundingError", f);
  try {
    const t = reverseTrace(f as (x: unknown) => number, [x]);
    const adjoint = new Map<string, number | NDArray>();
    for (const r of t.derivative) if (typeof r.value === "number" || r.value instanceof NDArray) adjoint.set(r.lhs, r.value);
    let sum = 0;
    for (const line of t.list.lines) {
      const a = adjoint.get(varName(line.index, "bar")), v = line.value;
      if (typeof a === "number" && typeof v === "number") sum += Math.abs(a * v);
      else if (a instanceof NDArray && v instanceof NDArray && a.size === v.size) for (let k = 0; k < v.size; k++) sum += Math.abs(a.data[k]! * v.data[k]!);
    }
    return EPS * sum;
  } catch (e) {
    if (e instanceof WengertError) return undefined;
    throw e;
  }
}

/** The result of `checkGrad`: one row per input coordinate and whether all agree (`ok`). */
export class GradCheck {
  constructor(
    readonly value: number,
    readonly rows: readonly GradCheckRow[],
    readonly evaluations: number,
  ) {}

  /** True when every input is within its bound. */
  get ok(): boolean {
    return this.rows.every((r) => r.ok);
  }

  private cells(): string[][] {
    const e = (v: number): string => (v === 0 ? "0" : v.toExponential(1));
    return this.rows.map((r) => [r.name, fmtNumber(r.x, 17), String(r.ad), String(r.numeric), e(r.h), e(r.relError), e(r.relBound), r.ok ? "ok" : "OUTSIDE"]);
  }
  private static readonly HEADER = ["input", "x", "AD", "central difference", "h", "rel. error", "expected ≤", "within"];

  /** The rows as a text table. */
  toString(): string {
    const head = `checkGrad: f = ${this.value}, ${this.evaluations} evaluations of f — ${this.ok ? "every input within its expected error" : "SOME INPUTS OUTSIDE THEIR EXPECTED ERROR"}`;
    return `${head}\n${textTable([GradCheck.HEADER, ...this.cells()])}`;
  }

  /** The rows as a Markdown table. */
  toMarkdown(): string {
    return markdownTable(GradCheck.HEADER, this.cells());
  }

  /** The rows as plain data. */
  toJSON(): unknown {
    return { value: this.value, ok: this.ok, evaluations: this.evaluations, inputs: this.rows };
  }
}

/**
 * Checks grad(f) at x against central differences, input by input. x is a number, a number[],
 * an NDArray or a pytree of them (float32 arrays are moved by float32 steps, and judged by
 * float32's precision); f returns a number or a size-1 array such as sum(x).
 */
export function checkGrad<X>(f: (x: X) => number | NDArray, x: X, opts: CheckGradOptions = {}): GradCheck {
  opts = checkOptions("checkGrad", opts);
  if (typeof f !== "function") throw new ArgumentError("checkGrad", `expected the function to check, got ${f === null ? "null" : typeof f}`);
  opts = checkOptions("checkGrad", opts, optionKeys<CheckGradOptions>({ names: true, h: true, noiseUlps: true, gradient: true }));
  const c = coordsOf("checkGrad", x);
  const xs = c.values;
  const names = opts.names ?? c.names;
  if (names.length !== xs.length) throw new ArgumentError("checkGrad", `${names.length} names for ${xs.length} inputs`);
  const ulps = opts.noiseUlps ?? 4;
  if (!(ulps >= 0)) throw new ArgumentError("checkGrad", `noiseUlps must be a non-negative number, got ${ulps}`);
  if (opts.h !== undefined && !(opts.h > 0 && Number.isFinite(opts.h))) throw new ArgumentError("checkGrad", `the step h must be a positive finite number, got ${opts.h}`);
  // f's evaluations round to float32 when any input is float32 (float32 never mixes with float64).
  const eps = c.float32.some((b) => b) ? EPS32 : EPS;
  let evaluations = 0;
  const call = (v: readonly number[]): number => {
    evaluations++;
    return scalarValue("checkGrad", f(c.rebuild(v)));
  };
  const value = call(xs);
  const adGrad = opts.gradient ?? coordsOf("checkGrad", grad(f as (x: X) => number)(x)).values;
  if (adGrad.length !== xs.length) throw new ArgumentError("checkGrad", `the gradient has ${adGrad.length} entries for ${xs.length} inputs`);
  const traced = ((roundingError(f as (x: never) => number, x as never) ?? 0) * eps) / EPS;
  const rows = xs.map((xi, i): GradCheckRow => {
    let fmax = Math.abs(value);
    const g = (t: number): number[] => {
      const y = call(moved(xs, i, t));
      fmax = Math.max(fmax, Math.abs(y));
      return [y];
    };
    const ad = adGrad[i]!;
    const f32 = c.float32[i]!;
    const first = opts.h ?? (f32 ? coordinateStep(xi, true, "central", undefined) : defaultStep(xi, "central"));
    const steps = opts.h !== undefined ? [coordinateStep(xi, f32, "central", opts.h)] : [0, 1, 2, 3, 4].map((k) => coordinateStep(xi, f32, "central", first / 10 ** k));
    let best: { numeric: number; h: number; truncation: number; roundoff: number; bound: number } | undefined;
    for (const h of steps) {
      const d1 = differenceQuotient(g, xi, "central", h);
      const d2 = differenceQuotient(g, xi, "central", 2 * h);
      const numeric = d1.value[0]!;
      const truncation = Math.abs(numeric - d2.value[0]!) / 3;
      const roundoff = Math.max(2 * traced, ulps * eps * fmax) / d1.h;
      const bound = 2 * truncation + roundoff + 4 * eps * Math.abs(ad);
      if (!best || bound < best.bound) best = { numeric, h: d1.h, truncation, roundoff, bound };
      if (truncation <= roundoff) break; // round-off dominates: a smaller step only adds to it
    }
    const { numeric, h, truncation, roundoff, bound } = best!;
    const absError = Math.abs(ad - numeric);
    const scale = Math.max(Math.abs(ad), Math.abs(numeric));
    return {
      name: names[i]!, x: xi, ad, numeric, h, absError,
      relError: scale === 0 ? 0 : absError / scale,
      bound, relBound: scale === 0 ? Infinity : bound / scale,
      truncation, roundoff,
      ok: absError <= bound,
    };
  });
  return new GradCheck(value, rows, evaluations);
}
