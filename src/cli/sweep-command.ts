// `wengert sweep "<expr>" --at x=… [--wrt x]`: the error of difference quotients against
// the step, h = 1e-1 … 1e-15, as a table (and an SVG plot with --svg).

import { compileExpr } from "../expr/index.js";
import { SCHEMES, type Scheme } from "../numeric/differences.js";
import { errorSweep } from "../numeric/sweep.js";
import { listOption, oneExpression, pointFor, UsageError, writeSvg, type Command, type CommandOutput, type Io } from "./args.js";

export interface SweepCommandInput {
  readonly expression: string;
  readonly at?: string;
  /** The variable whose partial derivative is swept (default: the first). */
  readonly wrt?: string;
  readonly schemes?: readonly Scheme[];
}

export function runSweep(input: SweepCommandInput): CommandOutput {
  const { expr } = oneExpression("sweep", [input.expression]);
  const { names, at } = pointFor("sweep", expr, input.at);
  if (names.length === 0) throw new UsageError("sweep: the expression has no variables to differentiate with respect to");
  const wrt = input.wrt ?? names[0]!;
  const i = names.indexOf(wrt);
  if (i < 0) throw new UsageError(`sweep: --wrt ${wrt} is not a variable of the expression (variables: ${names.join(", ")})`);
  const f = compileExpr(expr, names);
  // The partial along `wrt`, the other variables held at the point.
  const g = (t: number): number => f(...at.map((v, j) => (j === i ? t : v)));
  const held = Object.fromEntries(names.flatMap((v, j) => (j === i ? [] : [[v, at[j]!] as const])));
  const sweep = errorSweep(g, at[i]!, { name: wrt, held, ...(input.schemes ? { schemes: input.schemes } : {}) });
  const others = names.filter((_, j) => j !== i).map((v) => `${v} = ${at[names.indexOf(v)]}`);
  const text = `f(${names.join(", ")}) = ${input.expression}${others.length ? `   (${others.join(", ")} held fixed)` : ""}\n${sweep.toString()}`;
  return { text, json: { expression: input.expression, variables: names, at: Object.fromEntries(names.map((v, j) => [v, at[j]])), wrt, ...(sweep.toJSON() as object) }, markdown: sweep.toMarkdown(), svg: sweep.toSvg() };
}

export function sweepCommand(io: Io): Command {
  return {
    name: "sweep",
    synopsis: `wengert sweep "<expr>" --at x=1 [--wrt x] [--schemes forward,central] [--svg f.svg]`,
    summary: "error of differences against the step",
    help: `wengert sweep — the error of finite differences against the step h = 1e-1 … 1e-15: truncation error shrinks with h until round-off (≈ ε/h) takes over

Usage:
  wengert sweep "<expr>" --at x=1[,y=2] [--wrt x] [--schemes forward,backward,central] [--markdown] [--svg file.svg] [--json]

  --at         the point: a value for every variable
  --wrt        the variable whose partial derivative is swept (default: the first)
  --schemes    which difference quotients (default forward,central)
  --markdown   the table as Markdown
  --svg        also write the error-versus-step plot (log-log) to this file
  --json       machine-readable output
  --help       this text

The exact derivative, and f'' and f''' for the model curves, come from AD.`,
    options: {
      at: { type: "string" },
      wrt: { type: "string" },
      schemes: { type: "string" },
      markdown: { type: "boolean", default: false },
      svg: { type: "string" },
    },
    run(values, positionals) {
      const { source } = oneExpression("sweep", positionals);
      const schemes = listOption("sweep", "schemes", values.schemes, SCHEMES, ["forward", "central"]);
      const out = runSweep({ expression: source, ...(typeof values.at === "string" ? { at: values.at } : {}), ...(typeof values.wrt === "string" ? { wrt: values.wrt } : {}), schemes });
      const written = writeSvg("sweep", io, values.svg, out.svg);
      const text = (values.markdown ? out.markdown! : out.text) + (written ? `\n\nplot written to ${written}` : "");
      return { ...out, text };
    },
  };
}
