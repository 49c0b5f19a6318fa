// `wengert compare "<expr>" --at x=…,y=…`: the gradient by forward AD, reverse AD,
// symbolic differentiation, central differences and Richardson extrapolation, each with
// its error against reverse-mode AD, its cost in evaluations, and its time per gradient.

import { compileExpr, print, type Expr } from "../expr/index.js";
import { defaultStep, differenceQuotient, moved, numericGradient } from "../numeric/differences.js";
import { differentiate } from "../symbolic/diff.js";
import { simplify } from "../symbolic/simplify.js";
import { fmtNumber, markdownTable, textTable } from "../base/text.js";
import { grad } from "../transforms/grad.js";
import { jvp } from "../transforms/jvp.js";
import { intOption, oneExpression, pointFor, UsageError, type Command, type CommandOutput } from "./args.js";
import { fmtSeconds, timePerCall } from "./timing.js";
import { SURVEY_EXAMPLE } from "./trace-command.js";

export interface CompareCommandInput {
  readonly expression: string;
  /** "x1=2,x2=5": a value for every variable. */
  readonly at?: string;
  /** Milliseconds spent timing each method (default 100; 0 skips timing). */
  readonly timeMs?: number;
}

interface MethodResult {
  readonly method: string;
  readonly gradient: number[];
  /** Max over inputs of |g − g_AD| / max(|g_AD|, tiny). */
  readonly maxRelError: number;
  readonly maxAbsError: number;
  /** Evaluations of f (or of derivative expressions), as a count and in words. */
  readonly evaluations: number;
  readonly cost: string;
  readonly secondsPerGradient: number | null;
}

export function runCompare(input: CompareCommandInput): CommandOutput {
  const { expr } = oneExpression("compare", [input.expression]);
  const { names, at } = pointFor("compare", expr, input.at);
  if (names.length === 0) throw new UsageError("compare: the expression has no variables, so there is no gradient to compare");
  const n = names.length;
  const f = compileExpr(expr, names);
  const fv = (x: number[]): number => f(...x);
  const timeMs = input.timeMs ?? 100;
  const time = (fn: () => unknown): number | null => (timeMs > 0 ? timePerCall(fn, timeMs).seconds : null);

  const unit = (i: number): number[] => names.map((_, j) => (j === i ? 1 : 0));
  const forward = (): number[] => names.map((_, i) => jvp(f, at, unit(i))[1]);
  const reverse = (): number[] => grad(fv)(at) as number[];
  const derivatives: Expr[] = names.map((v) => simplify(differentiate(expr, v)));
  const compiled = derivatives.map((d) => compileExpr(d, names));
  const symbolic = (): number[] => compiled.map((g) => g(...at));
  // Central differences as they cost: two evaluations per input (numericGradient also spends
  // two more per input on its error estimate, which is not what this table compares).
  const central = (): { value: number[]; evaluations: number } => {
    const qs = at.map((xi, i) => differenceQuotient((t) => [fv(moved(at, i, t))], xi, "central", defaultStep(xi)));
    return { value: qs.map((q) => q.value[0]!), evaluations: qs.reduce((n, q) => n + q.evaluations, 0) };
  };
  const richardson = (): { value: number[]; evaluations: number } => numericGradient(fv, at, { scheme: "richardson" });

  const value = f(...at);
  const ad = reverse();
  const errors = (g: number[]): { maxRelError: number; maxAbsError: number } => {
    let maxRelError = 0, maxAbsError = 0;
    g.forEach((v, i) => {
      const e = Math.abs(v - ad[i]!);
      maxAbsError = Math.max(maxAbsError, e);
      maxRelError = Math.max(maxRelError, ad[i] === 0 ? e : e / Math.abs(ad[i]!));
    });
    return { maxRelError, maxAbsError };
  };
  const c = central(), r = richardson();
  const plural = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  const results: MethodResult[] = [
    { method: "forward AD", gradient: forward(), evaluations: n, cost: `${plural(n, "forward pass", "forward passes")} (one jvp per input)`, secondsPerGradient: time(forward) },
    { method: "reverse AD", gradient: ad, evaluations: 1, cost: "1 forward + 1 reverse pass", secondsPerGradient: time(reverse) },
    { method: "symbolic", gradient: symbolic(), evaluations: n, cost: `${plural(n, "derivative expression", "derivative expressions")} evaluated`, secondsPerGradient: time(symbolic) },
    { method: "central differences", gradient: c.value, evaluations: c.evaluations, cost: `${plural(c.evaluations, "evaluation", "evaluations")} of f`, secondsPerGradient: time(central) },
    { method: "Richardson extrapolation", gradient: r.value, evaluations: r.evaluations, cost: `${plural(r.evaluations, "evaluation", "evaluations")} of f`, secondsPerGradient: time(richardson) },
  ].map((m) => ({ ...m, ...errors(m.gradient) }));

  const e1 = (v: number): string => (v === 0 ? "0" : v.toExponential(1));
  const header = ["method", ...names.map((v) => `∂f/∂${v}`), "rel. error vs AD", "cost", "time per gradient"];
  const cells = results.map((m) => [m.method, ...m.gradient.map(String), m.method === "reverse AD" ? "(reference)" : e1(m.maxRelError), m.cost, m.secondsPerGradient === null ? "—" : fmtSeconds(m.secondsPerGradient)]);
  const point = names.map((v, i) => `${v} = ${fmtNumber(at[i]!, 17)}`).join(", ");
  const text = [
    `f(${names.join(", ")}) = ${input.expression}   at ${point}`,
    `f = ${value}`,
    "",
    textTable([header, ...cells]),
    "",
    "symbolic derivatives (simplified):",
    ...names.map((v, i) => `  ∂f/∂${v} = ${print(derivatives[i]!)}`),
  ].join("\n");
  const json = {
    expression: input.expression,
    variables: names,
    at: Object.fromEntries(names.map((v, i) => [v, at[i]])),
    value,
    symbolic: Object.fromEntries(names.map((v, i) => [v, print(derivatives[i]!)])),
    methods: results.map((m) => ({ ...m, gradient: Object.fromEntries(names.map((v, i) => [v, m.gradient[i]])) })),
  };
  return { text, json, markdown: markdownTable(header, cells) };
}

export const COMPARE_COMMAND: Command = {
  name: "compare",
  synopsis: `wengert compare "<expr>" --at x1=2,x2=5 [--time 100] [--markdown]`,
  summary: "the gradient five ways, with errors, costs and times",
  help: `wengert compare — the gradient by forward AD, reverse AD, symbolic differentiation, central differences and Richardson extrapolation

Usage:
  wengert compare ["<expr>" --at x1=2,x2=5] [--time 100] [--markdown] [--json]

  <expr>       default: the survey's example, ${SURVEY_EXAMPLE.expression} at ${SURVEY_EXAMPLE.at}
  --at         the point: a value for every variable
  --time       milliseconds spent timing each method (default 100; 0 skips timing)
  --markdown   the table as Markdown
  --json       machine-readable output
  --help       this text

Each row shows the gradient, its largest relative error against reverse-mode AD, the work it
took (passes, derivative expressions, or evaluations of f), and the time per gradient.`,
  options: {
    at: { type: "string" },
    time: { type: "string" },
    markdown: { type: "boolean", default: false },
  },
  run(values, positionals) {
    const useDefault = positionals.length === 0;
    if (useDefault && values.at !== undefined) throw new UsageError("compare: --at without an expression; give the expression too");
    const expression = useDefault ? SURVEY_EXAMPLE.expression : oneExpression("compare", positionals).source;
    const at = useDefault ? SURVEY_EXAMPLE.at : typeof values.at === "string" ? values.at : undefined;
    const out = runCompare({ expression, ...(at === undefined ? {} : { at }), timeMs: intOption("compare", "time", values.time, 100, 0, 60000) });
    return values.markdown ? { ...out, text: out.markdown! } : out;
  },
};
