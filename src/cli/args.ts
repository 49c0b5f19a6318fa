// What every command shares: option parsing, the point and seed parsers, one-line errors,
// and writing an SVG file.

import { writeFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ArgumentError } from "../base/errors.js";
import { parse, parseAssignments, variables, type Expr } from "../expr/index.js";

/** Bad command-line input: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

export interface CommandOutput {
  readonly text: string;
  readonly json: unknown;
  readonly markdown?: string;
  readonly svg?: string;
}

export interface Io {
  writeFile(path: string, data: string): void;
}

export const realIo: Io = {
  writeFile: (path, data) => writeFileSync(path, data),
};

export interface Command {
  readonly name: string;
  /** The usage line for the overview. */
  readonly synopsis: string;
  /** What it prints, in a few words, beside the synopsis in the overview. */
  readonly summary: string;
  readonly help: string;
  readonly options: Options;
  run(values: Values, positionals: readonly string[]): CommandOutput;
}

/** Options every command takes. */
export const COMMON: Options = {
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};

export function parseCommandArgs(command: string, argv: readonly string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const all = { ...COMMON, ...options };
    const r = parseArgs({ args: joinNegativeValues(argv, all), allowPositionals: true, strict: true, options: all });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split("\n")[0]} (see wengert ${command === "trace" ? "" : command + " "}--help)`.replace("  ", " "));
  }
}

/**
 * `--digits -2` as `--digits=-2`: node's parseArgs reads a value that starts with '-' as an
 * option ("argument is ambiguous"), so a negative number would never reach the option's check.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, next = argv[i + 1];
    const opt = a.startsWith("--") ? options[a.slice(2)] : undefined;
    if (opt?.type === "string" && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) { out.push(`${a}=${next}`); i++; continue; }
    out.push(a);
  }
  return out;
}

/** The one expression a command works on. */
export function oneExpression(command: string, positionals: readonly string[]): { source: string; expr: Expr } {
  if (positionals.length === 0) throw new UsageError(`${command}: give an expression, e.g. wengert ${command} "x^2*sin(x)"`);
  if (positionals.length > 1) throw new UsageError(`${command}: expected one expression, got ${positionals.length} (quote the expression)`);
  const source = positionals[0]!;
  return { source, expr: parse(source) };
}

/** Values for the expression's variables from "x1=2,x2=5"; every variable needs one unless `fallback` gives it. */
export function valuesFor(op: string, names: readonly string[], text: string, what: string, fallback?: (name: string, i: number) => number): number[] {
  const given = parseAssignments(text);
  for (const k of Object.keys(given)) {
    if (!names.includes(k)) throw new ArgumentError(op, `${what} names '${k}', which is not a variable of the expression (variables: ${names.join(", ") || "none"})`);
  }
  return names.map((n, i) => {
    const v = given[n] ?? fallback?.(n, i);
    if (v === undefined) throw new ArgumentError(op, `${what} gives no value for '${n}'; pass e.g. --at ${names.map((m) => `${m}=1`).join(",")}`);
    return v;
  });
}

/** The point --at for an expression's variables (required when it has any). */
export function pointFor(command: string, expr: Expr, at: string | boolean | undefined): { names: string[]; at: number[] } {
  const names = variables(expr);
  if (typeof at !== "string") {
    if (names.length === 0) return { names, at: [] };
    throw new UsageError(`${command}: give the point with --at, e.g. --at ${names.map((n) => `${n}=1`).join(",")}`);
  }
  return { names, at: valuesFor(command, names, at, "--at") };
}

/** An integer option in [lo, hi]. */
export function intOption(command: string, name: string, v: string | boolean | undefined, fallback: number, lo: number, hi: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== "string" || !/^\s*-?\d+\s*$/.test(v) || !Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`${command}: --${name} must be an integer in [${lo}, ${hi}], got '${String(v)}'`);
  return n;
}

/** A finite number option. */
export function numberOption(command: string, name: string, v: string | boolean | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a finite number, got '${String(v)}'`);
  return n;
}

/** A comma-separated list option whose entries must come from `allowed`. */
export function listOption<T extends string>(command: string, name: string, v: string | boolean | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (v === undefined) return [...fallback];
  const items = String(v).split(",").map((s) => s.trim()).filter(Boolean);
  const bad = items.find((s) => !allowed.includes(s as T));
  if (items.length === 0 || bad !== undefined) throw new UsageError(`${command}: --${name} takes a comma-separated list of ${allowed.join(", ")}, got '${String(v)}'`);
  return [...new Set(items as T[])];
}

/** Writes an SVG where --svg asked, turning a file-system failure into a one-line error. */
export function writeSvg(command: string, io: Io, path: string | boolean | undefined, svg: string | undefined): string | undefined {
  if (path === undefined || svg === undefined) return undefined;
  if (typeof path !== "string" || path === "") throw new UsageError(`${command}: --svg needs a file name`);
  try {
    io.writeFile(path, svg);
  } catch (e) {
    throw new UsageError(`${command}: cannot write ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  return path;
}
