#!/usr/bin/env node
// The wengert command line. With no arguments it prints the survey's worked example:
// the evaluation trace, the forward tangent trace, the reverse adjoint trace and the gradient.

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { WengertError } from "../core/errors.js";
import { runTrace, SURVEY_EXAMPLE } from "./trace-command.js";

const HELP = `wengert — automatic differentiation, with the evaluation trace made visible

Usage:
  wengert                                   the survey's example: ln(x1) + x1*x2 - sin(x2) at x1=2,x2=5
  wengert [trace] "<expr>" --at x1=1.5,x2=0.3 [--tangent x1=1,x2=0] [--digits 3] [--json]

  <expr>      infix math: + - * / ^, parentheses, unary minus, named variables, and
              sin cos tan asin acos atan sinh cosh tanh exp log ln log1p expm1 sqrt abs
              pow(a,b) atan2(a,b) min(a,b) max(a,b)
  --at        the point: a value for every variable
  --tangent   the forward-mode seed ẋ (default: 1 for the first variable, 0 for the rest)
  --digits    decimals shown in the tables (default 3, as in the survey)
  --json      machine-readable output
  --help      this text

Exit status: 0 on success, 2 on bad input (with a one-line message on stderr).`;

export function main(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        at: { type: "string" },
        tangent: { type: "string" },
        digits: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return { code: 2, stdout: "", stderr: `wengert: ${(e as Error).message} (see wengert --help)\n` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { code: 0, stdout: HELP + "\n", stderr: "" };
  const args = positionals[0] === "trace" ? positionals.slice(1) : positionals;
  if (args.length > 1) return { code: 2, stdout: "", stderr: `wengert: expected one expression, got ${args.length} (quote the expression)\n` };
  const digits = values.digits === undefined ? 3 : Number(values.digits);
  if (!Number.isInteger(digits) || digits < 0 || digits > 17) return { code: 2, stdout: "", stderr: `wengert: --digits must be an integer in [0, 17], got '${values.digits}'\n` };
  const expression = args[0] ?? SURVEY_EXAMPLE.expression;
  const at = values.at ?? (args[0] === undefined ? SURVEY_EXAMPLE.at : undefined);
  if (at === undefined) return { code: 2, stdout: "", stderr: `wengert: give the point with --at, e.g. --at x=1 (see wengert --help)\n` };
  try {
    const out = runTrace({ expression, at, digits, ...(values.tangent === undefined ? {} : { tangent: values.tangent }) });
    return { code: 0, stdout: (values.json ? JSON.stringify(out.json, null, 2) : out.text) + "\n", stderr: "" };
  } catch (e) {
    if (e instanceof WengertError) return { code: 2, stdout: "", stderr: `wengert: ${e.message}\n` };
    throw e;
  }
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Run when executed directly (through npm start or the bin link), not when imported by the tests.
if (isEntryPoint()) {
  const r = main(process.argv.slice(2));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
