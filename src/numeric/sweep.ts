// The error of difference quotients against the step, h = 1e-1 … 1e-15: truncation error
// falls as h (one-sided) or h² (central) until round-off, growing as ε/h, takes over. The
// exact derivative comes from AD, and so do f'' and f''' for the model curves
//   one-sided  |f''|h/2   + 2ε|f|/h
//   central    |f'''|h²/6 + ε|f|/h.

import { ArgumentError, WengertError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { linePlot, type Series } from "../plot/svg.js";
import { fmtNumber, markdownTable, textTable } from "../base/text.js";
import { grad } from "../transforms/grad.js";
import { defaultStep, differenceQuotient, EPS, SCHEMES, type Scheme } from "./differences.js";

/** Options of `errorSweep`: the range and count of step sizes, and the schemes compared. */
export interface SweepOptions {
  /** The schemes compared (default forward and central). */
  readonly schemes?: readonly Scheme[];
  /** The exact derivative (default: AD, grad(f)(x)). */
  readonly exact?: number;
  /** Exponents k of the steps h = 10^-k (default 1 … 15). */
  readonly exponents?: readonly number[];
  /** Name of the variable, for labels (default x). */
  readonly name?: string;
  /** The other variables' values, held fixed along the sweep (for the plot's title). */
  readonly held?: Readonly<Record<string, number>>;
}

/** One step size of an error sweep: each scheme's error against AD's derivative. */
export interface SweepRow {
  readonly h: number;
  /** Per scheme: the estimate and its absolute and relative errors. */
  readonly estimates: Readonly<Partial<Record<Scheme, { readonly value: number; readonly absError: number; readonly relError: number; readonly model?: number }>>>;
}

export interface SweepModel {
  readonly f: number;
  readonly d2: number;
  readonly d3: number;
}

const e2 = (v: number): string => (Number.isNaN(v) ? "NaN" : v === 0 ? "0" : v.toExponential(1));

/** Finite-difference error against step size (truncation against round-off, the survey's Figure 3). */
export class ErrorSweep {
  constructor(
    readonly x: number,
    readonly name: string,
    readonly exact: number,
    readonly schemes: readonly Scheme[],
    readonly rows: readonly SweepRow[],
    /** f, f'' and f''' at x by AD (absent when f is not differentiable by AD). */
    readonly model: SweepModel | undefined,
    /** The other variables' values, held fixed. */
    readonly held: Readonly<Record<string, number>> = {},
  ) {}

  /** Per scheme, the step with the smallest error, and the default step with its error. */
  get best(): Partial<Record<Scheme, { h: number; absError: number; defaultH: number }>> {
    const out: Partial<Record<Scheme, { h: number; absError: number; defaultH: number }>> = {};
    for (const s of this.schemes) {
      let b = { h: NaN, absError: Infinity };
      for (const r of this.rows) {
        const e = r.estimates[s]!.absError;
        if (e < b.absError) b = { h: r.h, absError: e };
      }
      out[s] = { ...b, defaultH: defaultStep(this.x, s) };
    }
    return out;
  }

  private header(): string[] {
    return ["h", ...this.schemes.flatMap((s) => [`${s} error`, ...(this.model ? [`${s} model`] : [])])];
  }
  private cells(): string[][] {
    return this.rows.map((r) => [e2(r.h), ...this.schemes.flatMap((s) => [e2(r.estimates[s]!.absError), ...(this.model ? [e2(r.estimates[s]!.model!)] : [])])]);
  }

  /** The sweep as a text table. */
  toString(): string {
    const best = this.best;
    const lines = [
      `Error of difference quotients for d/d${this.name} at ${this.name} = ${fmtNumber(this.x, 17)} (exact ${this.exact}, by AD)`,
      textTable([this.header(), ...this.cells()]),
      "",
      ...this.schemes.map((s) => `${s}: smallest error ${e2(best[s]!.absError)} at h = ${e2(best[s]!.h)}; the default step is ${e2(best[s]!.defaultH)}`),
    ];
    if (this.model) lines.push(`model: one-sided |f''|h/2 + 2ε|f|/h, central |f'''|h²/6 + ε|f|/h, with f'' = ${fmtNumber(this.model.d2, 6)}, f''' = ${fmtNumber(this.model.d3, 6)} by AD`);
    return lines.join("\n");
  }

  /** The sweep as a Markdown table. */
  toMarkdown(): string {
    return markdownTable(this.header(), this.cells());
  }

  /** The sweep as plain data. */
  toJSON(): unknown {
    return { x: this.x, name: this.name, exact: this.exact, schemes: this.schemes, model: this.model ?? null, best: this.best, rows: this.rows };
  }

  /** The sweep as an SVG log-log plot. */
  toSvg(): string {
    const series: Series[] = this.schemes.map((s) => ({ name: `${s} difference`, points: this.rows.map((r) => [r.h, r.estimates[s]!.absError] as const) }));
    if (this.model) {
      for (const s of this.schemes) series.push({ name: `${s} model`, dashed: true, markers: false, points: this.rows.map((r) => [r.h, r.estimates[s]!.model!] as const) });
    }
    return linePlot(series, {
      title: `Error of d/d${this.name} by differences at ${[[this.name, this.x] as const, ...Object.entries(this.held)].map(([n, v]) => `${n} = ${fmtNumber(v, 6)}`).join(", ")}: truncation vs round-off`,
      xLabel: "step h",
      yLabel: "absolute error",
      xLog: true,
      yLog: true,
    });
  }
}

/** The error of each scheme at each step h = 10^-k against the exact derivative. */
export function errorSweep(f: (x: number) => number, x: number, opts: SweepOptions = {}): ErrorSweep {
  if (typeof f !== "function") throw new ArgumentError("errorSweep", `expected the function, got ${typeof f}`);
  if (typeof x !== "number" || !Number.isFinite(x)) throw new ArgumentError("errorSweep", `x must be a finite number, got ${String(x)}`);
  opts = checkOptions("errorSweep", opts, optionKeys<SweepOptions>({ schemes: true, exact: true, exponents: true, name: true, held: true }));
  const schemes = opts.schemes ?? ["forward", "central"];
  for (const s of schemes) if (!SCHEMES.includes(s)) throw new ArgumentError("errorSweep", `unknown scheme '${String(s)}'; use ${SCHEMES.join(", ")}`);
  const exps = opts.exponents ?? Array.from({ length: 15 }, (_, i) => i + 1);
  if (exps.length === 0 || exps.some((k) => !Number.isInteger(k) || k < 0 || k > 20)) throw new ArgumentError("errorSweep", "exponents must be integers in [0, 20]");
  const exact = opts.exact ?? (grad(f)(x) as number);
  let model: SweepModel | undefined;
  try {
    const d1 = grad(f);
    const d2 = grad((t: number) => d1(t) as number);
    const d3 = grad((t: number) => d2(t) as number);
    model = { f: f(x), d2: d2(x) as number, d3: d3(x) as number };
    if (![model.f, model.d2, model.d3].every(Number.isFinite)) model = undefined;
  } catch (e) {
    if (!(e instanceof WengertError)) throw e;
  }
  const g = (t: number): number[] => [f(t)];
  const rows = exps.map((k): SweepRow => {
    const h = 10 ** -k;
    const estimates: SweepRow["estimates"] = Object.fromEntries(
      schemes.map((s) => {
        const q = differenceQuotient(g, x, s, h);
        const v = q.value[0]!;
        const absError = Math.abs(v - exact);
        const m = model && (s === "central" ? (Math.abs(model.d3) * h * h) / 6 + (EPS * Math.abs(model.f)) / h : (Math.abs(model.d2) * h) / 2 + (2 * EPS * Math.abs(model.f)) / h);
        return [s, { value: v, absError, relError: exact === 0 ? absError : absError / Math.abs(exact), ...(m === undefined ? {} : { model: m }) }];
      }),
    );
    return { h, estimates };
  });
  return new ErrorSweep(x, opts.name ?? "x", exact, schemes, rows, model, opts.held ?? {});
}
