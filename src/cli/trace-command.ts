// `wengert trace`: an expression's evaluation trace, its forward tangent trace, its reverse
// adjoint trace and its gradient, laid out like the survey's Tables 2 and 3.

import { compileExpr, parse, variables } from "../expr/index.js";
import { fmtNumber } from "../base/text.js";
import { forwardTrace, reverseTrace } from "../trace/tables.js";
import { recordTrace } from "../trace/record.js";
import { intOption, UsageError, valuesFor, type Command } from "./args.js";

/** The survey's worked example (Baydin et al. 2018, Tables 2 and 3). */
export const SURVEY_EXAMPLE = { expression: "ln(x1) + x1*x2 - sin(x2)", at: "x1=2,x2=5" };

export interface TraceCommandInput {
  readonly expression: string;
  /** "x1=2,x2=5": a value for every variable. */
  readonly at: string;
  /** Forward-mode seed ẋ, "x1=1,x2=0"; defaults to the first variable's unit vector. */
  readonly tangent?: string;
  readonly digits?: number;
}

export interface TraceCommandOutput {
  readonly text: string;
  readonly json: unknown;
}

/** The output's name: the survey's y, unless the expression has a variable of that name. */
export function outputName(names: readonly string[]): string {
  return ["y", "f", "out"].find((c) => !names.includes(c)) ?? `out${names.length}`;
}

export function runTrace(input: TraceCommandInput): TraceCommandOutput {
  const expr = parse(input.expression);
  const names = variables(expr);
  const at = valuesFor("trace", names, input.at, "--at");
  const seed = input.tangent === undefined ? names.map((_, i) => (i === 0 ? 1 : 0)) : valuesFor("trace", names, input.tangent, "--tangent", () => 0);
  const f = compileExpr(expr, names);
  const digits = input.digits ?? 3;
  const y = outputName(names);
  const opts = { names, digits, outputName: y };
  const list = recordTrace("trace", f as (...a: never[]) => unknown, at, opts).list;
  const fwd = forwardTrace(f, at, seed, opts);
  const rev = reverseTrace(f, at, undefined, opts);
  const value = rev.list.outputValue(rev.list.outputs[0]!) as number;
  const gradient = Object.fromEntries(names.map((n, i) => [n, rev.result[i] as number]));
  const directional = fwd.result[0] as number;
  const fullNames = names.map((n) => `${n} = ${fmtNumber(at[names.indexOf(n)]!, 17)}`).join(", ");
  const seedText = `(${seed.map((s) => fmtNumber(s, digits)).join(", ")})`;
  const text = [
    `f(${names.join(", ")}) = ${input.expression}   at ${fullNames}`,
    "",
    `Evaluation trace (Wengert list): ${names.length} input${names.length === 1 ? "" : "s"}, ${list.lines.length} elementary operation${list.lines.length === 1 ? "" : "s"}`,
    list.toString({ digits }),
    "",
    `Forward mode: the tangent trace, seeded with ẋ = ${seedText}; one pass gives ${y}\u0307 = ∇f·ẋ`,
    fwd.toString(),
    "",
    "Reverse mode: the forward pass above, then one backward pass gives the whole gradient",
    rev.toString({ primal: false }),
    "",
    `${y} = ${value}`,
    ...names.map((n) => `∂${y}/∂${n} = ${gradient[n]}`),
    `${y}\u0307 = ∇f·ẋ = ${directional}`,
  ].join("\n");
  const json = {
    expression: input.expression,
    variables: names,
    at: Object.fromEntries(names.map((n, i) => [n, at[i]])),
    output: y,
    value,
    gradient,
    tangent: Object.fromEntries(names.map((n, i) => [n, seed[i]])),
    directionalDerivative: directional,
    trace: list.toJSON(),
    forward: fwd.toJSON(),
    reverse: rev.toJSON(),
  };
  return { text, json };
}

export const TRACE_COMMAND: Command = {
  name: "trace",
  synopsis: `wengert [trace] "<expr>" --at x1=1.5,x2=0.3 [--tangent x1=1,x2=0] [--digits 3]`,
  summary: "the survey's tables (default: its example)",
  help: `wengert trace — an expression's evaluation trace, forward tangent trace, reverse adjoint trace and gradient, laid out as in the survey's Tables 2 and 3

Usage:
  wengert                                   the survey's example: ${SURVEY_EXAMPLE.expression} at ${SURVEY_EXAMPLE.at}
  wengert [trace] "<expr>" --at x1=1.5,x2=0.3 [--tangent x1=1,x2=0] [--digits 3] [--json]

  --at        the point: a value for every variable
  --tangent   the forward-mode seed ẋ (default: 1 for the first variable, 0 for the rest)
  --digits    decimals shown in the tables (default 3, as in the survey)
  --json      machine-readable output
  --help      this text`,
  options: {
    at: { type: "string" },
    tangent: { type: "string" },
    digits: { type: "string" },
  },
  run(values, positionals) {
    if (positionals.length > 1) throw new UsageError(`expected one expression, got ${positionals.length} (quote the expression)`);
    const digits = intOption("trace", "digits", values.digits, 3, 0, 17);
    const expression = positionals[0] ?? SURVEY_EXAMPLE.expression;
    const at = typeof values.at === "string" ? values.at : positionals[0] === undefined ? SURVEY_EXAMPLE.at : undefined;
    if (at === undefined) throw new UsageError(`give the point with --at, e.g. --at x=1 (see wengert --help)`);
    const tangent = typeof values.tangent === "string" ? values.tangent : undefined;
    return runTrace({ expression, at, digits, ...(tangent === undefined ? {} : { tangent }) });
  },
};
