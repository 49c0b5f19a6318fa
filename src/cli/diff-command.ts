// `wengert diff "<expr>" --wrt x [--simplify] [--latex] [--raw] [--cse]`: the symbolic derivative.

import { print, variables, type Expr } from "../expr/index.js";
import { cse } from "../symbolic/cse.js";
import { differentiate, isVariableName } from "../symbolic/diff.js";
import { toLatex } from "../symbolic/latex.js";
import { simplify } from "../symbolic/simplify.js";
import { exprSize } from "../symbolic/size.js";
import { oneExpression, UsageError, type Command, type CommandOutput } from "./args.js";

export interface DiffCommandInput {
  readonly expression: string;
  /** Variables to differentiate with respect to (default: the only variable). */
  readonly wrt?: readonly string[];
  readonly simplify?: boolean;
  readonly latex?: boolean;
  readonly raw?: boolean;
  readonly cse?: boolean;
}

export function runDiff(input: DiffCommandInput): CommandOutput {
  const { expr } = oneExpression("diff", [input.expression]);
  const names = variables(expr);
  let wrt = input.wrt;
  if (!wrt || wrt.length === 0) {
    if (names.length !== 1) throw new UsageError(`diff: say which variable with --wrt (the expression's variables: ${names.join(", ") || "none"})`);
    wrt = names;
  }
  for (const w of wrt) {
    if (!isVariableName(w)) throw new UsageError(`diff: --wrt takes variable names, got '${w}'`);
    // The derivative would be 0: a misspelt name, far more likely than a question.
    if (!names.includes(w)) throw new UsageError(`diff: --wrt names '${w}', which is not a variable of the expression (its variables: ${names.join(", ") || "none"})`);
  }
  if (input.raw && input.simplify) throw new UsageError("diff: --raw and --simplify contradict each other; pick one");
  const results = wrt.map((w) => {
    let d: Expr = differentiate(expr, w, { raw: input.raw ?? false });
    if (input.simplify) d = simplify(d);
    const c = input.cse ? cse(d) : undefined;
    return { wrt: w, expr: d, text: print(d), latex: toLatex(d), size: exprSize(d), cse: c };
  });
  const show = (r: (typeof results)[number]): string[] => {
    const fmt = input.latex ? toLatex : print;
    if (!r.cse || r.cse.bindings.length === 0) return [fmt(r.expr)];
    return [...r.cse.bindings.map((b) => (input.latex ? `${toLatex({ kind: "var", name: b.name, span: b.expr.span })} = ${toLatex(b.expr)}` : `${b.name} = ${print(b.expr)}`)), fmt(r.cse.result)];
  };
  const lines = results.length === 1 ? show(results[0]!) : results.flatMap((r) => {
    const body = show(r);
    const head = input.latex ? `\\frac{\\partial f}{\\partial ${r.wrt}} = ` : `∂f/∂${r.wrt} = `;
    return body.length === 1 ? [head + body[0]] : [`∂f/∂${r.wrt}:`, ...body.map((b) => "  " + b)];
  });
  const json = {
    expression: input.expression,
    variables: names,
    simplified: input.simplify ?? false,
    raw: input.raw ?? false,
    derivatives: results.map((r) => ({
      wrt: r.wrt,
      derivative: r.text,
      latex: r.latex,
      size: r.size,
      ...(r.cse ? { cse: { bindings: r.cse.bindings.map((b) => ({ name: b.name, expr: print(b.expr) })), result: print(r.cse.result), dagNodes: r.cse.dagNodes } } : {}),
    })),
  };
  return { text: lines.join("\n"), json };
}

export const DIFF_COMMAND: Command = {
  name: "diff",
  synopsis: `wengert diff "<expr>" --wrt x [--simplify] [--latex] [--raw] [--cse]`,
  summary: "the symbolic derivative",
  help: `wengert diff — the symbolic derivative of an expression, by the sum, product, quotient, power and chain rules

Usage:
  wengert diff "<expr>" [--wrt x[,y…]] [--simplify] [--latex] [--raw] [--cse] [--json]

  --wrt        the variable(s) to differentiate with respect to (default: the only variable)
  --simplify   collect like terms and powers, fold constants, expand polynomials, pull out common factors
  --latex      print LaTeX instead of plain text
  --raw        apply the rules verbatim (no u·1 = u, u + 0 = u): the textbook's expression swell
  --cse        name repeated subexpressions t1, t2, … (common-subexpression elimination)
  --json       the derivative as text and LaTeX, with its sizes (tree nodes, DAG nodes, operations, characters)
  --help       this text

Without --simplify the rules' results keep only the identities written by hand (u·1 = u, numbers fold):
  wengert diff "4*x*(1-x)"             → 4*(1 - x) - 4*x
  wengert diff "4*x*(1-x)" --simplify  → 4 - 8*x`,
  options: {
    wrt: { type: "string" },
    simplify: { type: "boolean", default: false },
    latex: { type: "boolean", default: false },
    raw: { type: "boolean", default: false },
    cse: { type: "boolean", default: false },
  },
  run(values, positionals) {
    const { source } = oneExpression("diff", positionals);
    const wrt = typeof values.wrt === "string" ? values.wrt.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    if (values.wrt !== undefined && (!wrt || wrt.length === 0)) throw new UsageError("diff: --wrt needs a variable name");
    return runDiff({ expression: source, ...(wrt ? { wrt } : {}), simplify: values.simplify === true, latex: values.latex === true, raw: values.raw === true, cse: values.cse === true });
  },
};
