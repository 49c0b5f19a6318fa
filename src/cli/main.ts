#!/usr/bin/env node
// The wengert command line. With no arguments it prints the survey's worked example: the
// evaluation trace, the forward tangent trace, the reverse adjoint trace and the gradient.
// Commands: trace (the default), diff, compare, sweep, swell.

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WengertError } from "../base/errors.js";
import { closest } from "../base/text.js";
import { parseCommandArgs, realIo, UsageError, type Command, type Io } from "./args.js";
import { COMPARE_COMMAND } from "./compare-command.js";
import { DIFF_COMMAND } from "./diff-command.js";
import { swellCommand } from "./swell-command.js";
import { sweepCommand } from "./sweep-command.js";
import { SURVEY_EXAMPLE, TRACE_COMMAND } from "./trace-command.js";

function commands(io: Io): Command[] {
  return [TRACE_COMMAND, DIFF_COMMAND, COMPARE_COMMAND, sweepCommand(io), swellCommand(io)];
}

function overview(cmds: readonly Command[]): string {
  return `wengert — automatic differentiation, with the evaluation trace made visible; numerical and symbolic differentiation beside it

Usage:
  wengert                                   the survey's example: ${SURVEY_EXAMPLE.expression} at ${SURVEY_EXAMPLE.at}
${cmds.map((c) => `  ${c.synopsis}\n      ${c.summary}`).join("\n")}

  <expr>      infix math: + - * / ^, parentheses, unary minus, named variables, and
              sin cos tan asin acos atan sinh cosh tanh exp log ln log1p expm1 sqrt abs
              pow(a,b) atan2(a,b) min(a,b) max(a,b)
  --at        the point: a value for every variable, x1=1.5,x2=0.3
  --json      machine-readable output (every command)
  --help      this text; wengert <command> --help for a command's options

Exit status: 0 on success, 2 on bad input (with a one-line message on stderr).`;
}

/**
 * A bare word first, not a command and not a variable --at gives a value: a mistyped command
 * (wengert tarce …), not an expression (wengert theta --at theta=1 still traces theta).
 */
function looksLikeCommand(word: string, argv: readonly string[]): boolean {
  if (!/^[A-Za-z][A-Za-z_-]*$/.test(word)) return false;
  const i = argv.findIndex((a) => a === "--at" || a.startsWith("--at="));
  const at = i < 0 ? "" : argv[i]!.startsWith("--at=") ? argv[i]!.slice(5) : (argv[i + 1] ?? "");
  return !at.split(",").some((kv) => kv.split("=")[0]!.trim() === word);
}

function unknownCommand(word: string, cmds: readonly Command[]): UsageError {
  const names = cmds.map((c) => c.name);
  const near = closest(word.toLowerCase(), names);
  return new UsageError(`unknown command '${word}'${near === undefined ? "" : ` (did you mean '${near}'?)`}; the commands are ${names.join(", ")}; an expression alone is traced (wengert "x*y" --at x=2,y=3); see wengert --help`);
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command line on `argv` (without node and the script); `io` writes the --svg files. */
export function main(argv: readonly string[], io: Io = realIo): CliResult {
  const cmds = commands(io);
  const named = cmds.find((c) => c.name === argv[0]);
  const command = named ?? TRACE_COMMAND;
  const rest = named ? argv.slice(1) : argv;
  try {
    if (named === undefined && argv[0] !== undefined && looksLikeCommand(argv[0], argv)) throw unknownCommand(argv[0], cmds);
    const { values, positionals } = parseCommandArgs(command.name, rest, command.options);
    if (values.help) return { code: 0, stdout: (named ? command.help : overview(cmds)) + "\n", stderr: "" };
    const out = command.run(values, positionals);
    return { code: 0, stdout: (values.json ? JSON.stringify(out.json, null, 2) : out.text) + "\n", stderr: "" };
  } catch (e) {
    if (e instanceof UsageError || e instanceof WengertError) {
      const line = e.message.split("\n")[0]!;
      return { code: 2, stdout: "", stderr: `wengert: ${line}\n` };
    }
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
