// `wengert swell [--n 12]`: the survey's Table 1 (expression swell of the logistic map's
// derivative), reproduced and extended, with an SVG plot of size against n.

import { MAX_N, swellTable } from "../swell/logistic.js";
import { intOption, numberOption, UsageError, writeSvg, type Command, type CommandOutput, type Io } from "./args.js";

export function runSwell(opts: { n?: number; x?: number } = {}): CommandOutput {
  const t = swellTable(opts);
  return { text: t.toString(), json: t.toJSON(), markdown: t.toMarkdown(), svg: t.toSvg() };
}

export function swellCommand(io: Io): Command {
  return {
    name: "swell",
    synopsis: `wengert swell [--n 12] [--x 0.3] [--markdown] [--svg f.svg]`,
    summary: "the survey's Table 1: expression swell",
    help: `wengert swell — the survey's Table 1, reproduced and extended: the logistic map l1 = x, l(n+1) = 4 l(n) (1 − l(n))

For n = 1 … N: lₙ, its derivative by the rules (unsimplified) and simplified (expanded, common factor
pulled out), their sizes (tree nodes, operations, operations after CSE, printed characters, terms,
coefficient bits) beside the size of the AD evaluation trace, and d/dx lₙ at x by symbolic
differentiation, the expanded polynomial in float64, forward AD, reverse AD and central differences,
each with its error against the exact value.

Usage:
  wengert swell [--n 12] [--x 0.3] [--markdown] [--svg file.svg] [--json]

  --n          the last row (default 12, at most ${MAX_N})
  --x          the point for the values (default 0.3)
  --markdown   the tables as Markdown
  --svg        also write the plot of size against n (log scale) to this file
  --json       machine-readable output (expressions longer than 4000 characters are cut; sizes are exact)
  --help       this text`,
    options: {
      n: { type: "string" },
      x: { type: "string" },
      markdown: { type: "boolean", default: false },
      svg: { type: "string" },
    },
    run(values, positionals) {
      if (positionals.length > 0) throw new UsageError(`swell: takes no expression (it is the logistic map), got '${positionals[0]}'`);
      const out = runSwell({ n: intOption("swell", "n", values.n, 12, 1, MAX_N), x: numberOption("swell", "x", values.x, 0.3) });
      const written = writeSvg("swell", io, values.svg, out.svg);
      const text = (values.markdown ? out.markdown! : out.text) + (written ? `\n\nplot written to ${written}` : "");
      return { ...out, text };
    },
  };
}
