// The GradBench reference cases copied into cases/ (see cases/README.md): what the eval sends,
// what it expects back, and the reference tools' timings.

import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseJson, type Tolerance } from "./check.js";

export const CASES_DIR = join(dirname(fileURLToPath(import.meta.url)), "cases");

export interface PeerTiming {
  readonly success: boolean;
  readonly evaluate_runs: number;
  readonly evaluate_median_ns?: number;
  readonly evaluate_min_ns?: number;
}

export interface Case {
  readonly id: string;
  readonly eval: string;
  readonly module: string;
  readonly function: string;
  readonly description?: string;
  readonly inputFile: string;
  /** The expected output, integers as Int (see check.ts). */
  readonly expected: unknown;
  readonly tolerance: Tolerance;
  readonly reference: { readonly tool: string; readonly evaluate_runs: number; readonly evaluate_median_ns: number; readonly evaluate_min_ns: number };
  readonly tfjs?: PeerTiming;
}

interface RawCase {
  id: string; module: string; function: string; description?: string; input_file: string;
  tolerance: Tolerance; reference_timing: Case["reference"]; peers?: { "tensorflow-js"?: PeerTiming };
}

/** The evals in the order of index.json. */
export function evalNames(): string[] {
  const index = JSON.parse(readFileSync(join(CASES_DIR, "index.json"), "utf8")) as { evals: Record<string, unknown> };
  return Object.keys(index.evals);
}

export function loadCases(evalName: string): Case[] {
  const text = readFileSync(join(CASES_DIR, evalName, "cases.jsonl"), "utf8");
  return text.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const raw = JSON.parse(line) as RawCase;
    const exact = parseJson(line) as { expected: unknown };
    return {
      id: raw.id, eval: evalName, module: raw.module, function: raw.function, description: raw.description,
      inputFile: join(CASES_DIR, evalName, raw.input_file), expected: exact.expected, tolerance: raw.tolerance,
      reference: raw.reference_timing, tfjs: raw.peers?.["tensorflow-js"],
    };
  });
}

export function readInput(c: Case): unknown {
  return JSON.parse(readFileSync(c.inputFile, "utf8")) as unknown;
}

export function inputBytes(c: Case): number {
  return statSync(c.inputFile).size;
}

/**
 * The smallest input of an eval with its cases: among the inputs that every function of the
 * eval is run on, the one the reference tool was fastest on (for CI).
 */
export function smallest(cases: readonly Case[]): Case[] {
  const fns = new Set(cases.map((c) => c.function));
  const groups = new Map<string, Case[]>();
  for (const c of cases) groups.set(c.inputFile, [...(groups.get(c.inputFile) ?? []), c]);
  let best: Case[] = [];
  let bestScore = Infinity;
  for (const g of groups.values()) {
    const complete = new Set(g.map((c) => c.function)).size === fns.size;
    const score = (complete ? 0 : 1e18) + g.reduce((s, c) => s + c.reference.evaluate_median_ns, 0);
    if (score < bestScore) { best = g; bestScore = score; }
  }
  return best;
}
