// The survey's Table 1 (Baydin et al. 2018, §2), reproduced and extended: expression swell.
// For the logistic map l₁ = x, lₙ₊₁ = 4lₙ(1 − lₙ), symbolic differentiation of lₙ gives a
// derivative whose tree doubles with n (lₙ appears twice in lₙ₊₁, and the product rule
// copies both factors), and whose simplified (expanded) form has 2ⁿ⁻¹ terms with
// coefficients growing to thousands of bits; the AD evaluation trace grows by three lines
// per step. The derivative at x = 0.3 is computed five ways and compared with its exact
// value (rational arithmetic on the float64 nearest 0.3).

import { compileExpr, print, type Expr } from "../expr/index.js";
import { numericDerivative } from "../numeric/differences.js";
import { mul, sub } from "../ops/api.js";
import { linePlot } from "../plot/svg.js";
import { differentiate } from "../symbolic/diff.js";
import { LIGHT, num, variable } from "../symbolic/build.js";
import { CoefficientRangeError, expand, type Polynomial } from "../symbolic/polynomial.js";
import { Rational } from "../symbolic/rational.js";
import { exprSize, type ExprSize } from "../symbolic/size.js";
import { ArgumentError } from "../base/errors.js";
import { fmtNumber, markdownTable, textTable } from "../base/text.js";
import { trace } from "../trace/record.js";
import { grad } from "../transforms/grad.js";
import { jvp } from "../transforms/jvp.js";
import { checkOptions } from "../base/options.js";
import { intArg } from "../base/validate.js";
import { describe } from "../base/format.js";
import { bitLength } from "../symbolic/rational.js";
import { isVariableName } from "../symbolic/diff.js";

/** lₙ as a tree: l₁ = x, lₙ₊₁ = 4*lₙ*(1 - lₙ), lₙ shared (one object) in both places. */
export function logisticExpr(n: number, x = "x"): Expr {
  checkN("logisticExpr", n, 64);
  if (!isVariableName(x)) throw new ArgumentError("logisticExpr", `x must be a variable name, got ${describe(x)}`);
  let l: Expr = variable(x);
  for (let k = 1; k < n; k++) l = LIGHT.mul(LIGHT.mul(num(4), l), LIGHT.sub(num(1), l));
  return l;
}

/** lₙ as a program on wengert's ops (so AD and the trace apply). */
export function logisticMap(n: number): (x: number) => number {
  checkN("logisticMap", n, 1e6);
  return (x) => {
    let l = x;
    for (let k = 1; k < n; k++) l = mul(mul(4, l), sub(1, l));
    return l;
  };
}

/** lₙ(x) and lₙ'(x) exactly, by the recurrence lₙ₊₁ = 4lₙ(1 − lₙ), lₙ₊₁' = 4lₙ'(1 − 2lₙ). */
export function logisticExact(n: number, x: Rational): { value: Rational; derivative: Rational } {
  checkN("logisticExact", n, 64);
  if (!(x instanceof Rational)) throw new ArgumentError("logisticExact", `x must be a Rational (e.g. Rational.of(3n, 10n)), got ${describe(x)}`);
  // Each step squares lₙ: its numerator and denominator double in bits. Refuse up front what
  // would not finish (x = 1/3 at n = 20: some 800,000 bits, minutes of bigint products).
  const bits = (bitLength(x.num < 0n ? -x.num : x.num) + bitLength(x.den) + 2) * 2 ** (n - 1);
  if (bits > MAX_EXACT_BITS) throw new ArgumentError("logisticExact", `l${n}(x) would need about ${bits.toExponential(2)} bits (twice x's ${bitLength(x.den)}-bit denominator per step); the limit is ${MAX_EXACT_BITS} bits: lower n or use a simpler x`);
  let l = x, d = Rational.ONE;
  const four = Rational.int(4), one = Rational.ONE, two = Rational.int(2);
  for (let k = 1; k < n; k++) [l, d] = [four.mul(l).mul(one.sub(l)), four.mul(d).mul(one.sub(two.mul(l)))];
  return { value: l, derivative: d };
}

/** The most bits logisticExact's value may reach (about a second of bigint products). */
const MAX_EXACT_BITS = 2 ** 18;

function checkN(op: string, n: number, max: number): void {
  intArg(op, "n", n, 1, max);
}

/** The last row swellTable computes (n = 13: 4096 terms of 10^4-bit coefficients, about 3 s). */
export const MAX_N = 13;

/** Options of `swellTable`: the iteration counts and the point. */
export interface SwellOptions {
  /** Rows n = 1 … n (default 12; at most 13: at 14 the expanded derivative has 8192 terms, a sum too deep to print recursively). */
  readonly n?: number;
  /** The point for the values (default 0.3). */
  readonly x?: number;
  /** Longest expression text kept in toJSON (default 4000 characters; the sizes are always exact). */
  readonly maxChars?: number;
}

export interface SwellEstimate {
  readonly value: number | null;
  /** |value − exact| / |exact| (null where there is no value). */
  readonly relError: number | null;
}

/** One iteration count of the swell table: expression sizes of the function and its derivatives, symbolic and simplified. */
export interface SwellRow {
  readonly n: number;
  readonly ln: { readonly expr: Expr; readonly text: string; readonly size: ExprSize };
  /** d/dx lₙ by the rules with the light identities (the survey's middle column). */
  readonly derivative: { readonly expr: Expr; readonly text: string; readonly size: ExprSize };
  /** d/dx lₙ expanded, with its integer content factored out (the survey's last column); exact coefficients. */
  readonly simplified: { readonly polynomial: Polynomial; readonly text: string; readonly size: ExprSize; readonly terms: number; readonly coefficientBits: number };
  /** Elementary operations in the AD evaluation trace of lₙ. */
  readonly traceLines: number;
  readonly values: {
    readonly exact: number;
    /** The unsimplified derivative, evaluated (with shared subexpressions computed once). */
    readonly symbolic: SwellEstimate;
    /** The expanded polynomial with float64 coefficients, evaluated naively; null where a coefficient overflows float64. */
    readonly expanded: SwellEstimate;
    readonly forward: SwellEstimate;
    readonly reverse: SwellEstimate;
    readonly central: SwellEstimate;
  };
}

const METHODS = ["symbolic", "expanded", "forward", "reverse", "central"] as const;
const METHOD_LABEL: Record<(typeof METHODS)[number], string> = {
  symbolic: "symbolic",
  expanded: "expanded polynomial (float64)",
  forward: "forward AD",
  reverse: "reverse AD",
  central: "central difference",
};

/** Expression swell of the logistic map's derivative (the survey's Table 1). */
export class SwellTable {
  constructor(
    readonly x: number,
    readonly rows: readonly SwellRow[],
    private readonly maxChars: number,
  ) {}

  private formsCells(width: number): string[][] {
    const cut = (s: string): string => (s.length <= width ? s : `${s.slice(0, width - 1)}…`);
    return this.rows.map((r) => [String(r.n), cut(r.ln.text), cut(r.derivative.text), cut(r.simplified.text)]);
  }
  private static readonly FORMS = ["n", "lₙ", "d/dx lₙ (unsimplified)", "d/dx lₙ (simplified)"];

  private sizeCells(): string[][] {
    return this.rows.map((r) => [
      String(r.n),
      String(r.ln.size.nodes),
      String(r.derivative.size.nodes),
      String(r.derivative.size.ops),
      String(r.derivative.size.dagOps),
      String(r.derivative.size.chars),
      String(r.simplified.terms),
      String(r.simplified.size.ops),
      String(r.simplified.size.chars),
      String(r.simplified.coefficientBits),
      String(r.traceLines),
    ]);
  }
  private static readonly SIZES = [
    "n", "lₙ nodes",
    "d/dx nodes", "d/dx ops", "d/dx ops after CSE", "d/dx chars",
    "simplified terms", "simplified ops", "simplified chars", "coefficient bits",
    "AD trace ops",
  ];

  private valueCells(): string[][] {
    const v = (e: SwellEstimate): string => (e.value === null ? "overflow" : fmtNumber(e.value, 10));
    const err = (e: SwellEstimate): string => (e.relError === null ? "—" : e.relError === 0 ? "0" : e.relError.toExponential(1));
    return this.rows.map((r) => [String(r.n), fmtNumber(r.values.exact, 11), ...METHODS.flatMap((m) => [v(r.values[m]), err(r.values[m])])]);
  }
  private static readonly VALUES = ["n", "exact", ...METHODS.flatMap((m) => [METHOD_LABEL[m], "rel. error"])];

  /** The table as text. */
  toString(): string {
    const n = this.rows.length;
    return [
      `Table 1 (Baydin et al. 2018), reproduced and extended: the logistic map l1 = x, l(n+1) = 4 l(n) (1 − l(n)), n = 1 … ${n}`,
      "",
      "Expressions (cut at 56 characters):",
      textTable([SwellTable.FORMS, ...this.formsCells(56)]),
      "",
      "Sizes: nodes and operations of the tree; operations after common-subexpression elimination (the DAG);",
      "printed characters; the simplified form's terms and coefficient size; the AD evaluation trace (grows linearly).",
      textTable([SwellTable.SIZES, ...this.sizeCells()]),
      "",
      `d/dx lₙ at x = ${this.x}: exact (rational arithmetic on the float64 ${this.x}) and five float64 computations, with relative errors`,
      textTable([SwellTable.VALUES, ...this.valueCells()]),
    ].join("\n");
  }

  /** The table as Markdown. */
  toMarkdown(): string {
    return [
      `### Table 1 reproduced: the logistic map l₁ = x, lₙ₊₁ = 4lₙ(1 − lₙ)`,
      "",
      markdownTable(SwellTable.FORMS, this.formsCells(80)),
      "",
      "### Sizes",
      "",
      markdownTable(SwellTable.SIZES, this.sizeCells()),
      "",
      `### d/dx lₙ at x = ${this.x}`,
      "",
      markdownTable(SwellTable.VALUES, this.valueCells()),
    ].join("\n");
  }

  /** The table as plain data. */
  toJSON(): unknown {
    const text = (s: string): { text: string; truncated: boolean } => (s.length <= this.maxChars ? { text: s, truncated: false } : { text: s.slice(0, this.maxChars), truncated: true });
    return {
      map: "l1 = x, l(n+1) = 4*l(n)*(1 - l(n))",
      x: this.x,
      rows: this.rows.map((r) => ({
        n: r.n,
        ln: { ...text(r.ln.text), size: r.ln.size },
        derivative: { ...text(r.derivative.text), size: r.derivative.size },
        simplified: { ...text(r.simplified.text), size: r.simplified.size, terms: r.simplified.terms, coefficientBits: r.simplified.coefficientBits },
        traceLines: r.traceLines,
        values: r.values,
      })),
    };
  }

  /** The table as an SVG plot of size against iterations. */
  toSvg(): string {
    const s = (name: string, f: (r: SwellRow) => number, dashed = false): { name: string; points: [number, number][]; dashed: boolean } => ({ name, dashed, points: this.rows.map((r) => [r.n, f(r)]) });
    return linePlot(
      [
        s("d/dx tree nodes", (r) => r.derivative.size.nodes),
        s("d/dx chars", (r) => r.derivative.size.chars!),
        s("simplified chars", (r) => r.simplified.size.chars!),
        s("simplified terms", (r) => r.simplified.terms),
        s("d/dx ops after CSE", (r) => r.derivative.size.dagOps, true),
        s("AD trace ops", (r) => r.traceLines, true),
      ],
      { title: `Expression swell: the logistic map's derivative at x = ${fmtNumber(this.x, 6)}, symbolic vs AD`, xLabel: "n", yLabel: "size (log scale)", yLog: true },
    );
  }
}

function estimate(value: number | null, exact: number): SwellEstimate {
  if (value === null) return { value: null, relError: null };
  return { value, relError: exact === 0 ? Math.abs(value) : Math.abs(value - exact) / Math.abs(exact) };
}

/** Table 1's rows for n = 1 … opts.n. */
export function swellTable(opts: SwellOptions = {}): SwellTable {
  opts = checkOptions("swellTable", opts, ["n", "x", "maxChars"]);
  const N = opts.n ?? 12;
  checkN("swell", N, MAX_N);
  const x = opts.x ?? 0.3;
  if (typeof x !== "number" || !Number.isFinite(x)) throw new ArgumentError("swell", `x must be a finite number, got ${String(x)}`);
  const maxChars = opts.maxChars ?? 4000;
  const xr = Rational.exact(x)!;
  const rows: SwellRow[] = [];
  for (let n = 1; n <= N; n++) {
    const ln = logisticExpr(n);
    const d = differentiate(ln, "x");
    const poly = expand(d)!;
    const simplifiedExpr = poly.toExpr({ order: ["x"], coefficients: "exact" });
    const f = logisticMap(n);
    const exact = logisticExact(n, xr).derivative.toNumber();
    let expanded: number | null;
    try {
      expanded = compileExpr(poly.toExpr({ order: ["x"] }), ["x"])(x);
    } catch (e) {
      if (!(e instanceof CoefficientRangeError)) throw e;
      expanded = null;
    }
    const lnText = print(ln), dText = print(d), sText = print(simplifiedExpr);
    rows.push({
      n,
      ln: { expr: ln, text: lnText, size: { ...exprSize(ln, { chars: false }), chars: lnText.length } },
      derivative: { expr: d, text: dText, size: { ...exprSize(d, { chars: false }), chars: dText.length } },
      simplified: { polynomial: poly, text: sText, size: { ...exprSize(simplifiedExpr, { chars: false }), chars: sText.length }, terms: poly.size, coefficientBits: poly.coefficientBits },
      traceLines: trace(f, x).lines.length,
      values: {
        exact,
        symbolic: estimate(compileExpr(d, ["x"])(x), exact),
        expanded: estimate(expanded, exact),
        forward: estimate(jvp(f, [x], [1])[1], exact),
        reverse: estimate(grad(f)(x), exact),
        central: estimate(numericDerivative(f, x).value, exact),
      },
    });
  }
  return new SwellTable(x, rows, maxChars);
}
