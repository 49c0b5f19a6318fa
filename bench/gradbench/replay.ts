// Replays GradBench's reference cases (cases/) to a tool over the protocol, checks every output
// with the eval's acceptance rule and writes the table (bench/GRADBENCH.md by default).
//
//   npm run gradbench -- [eval …] [--min-seconds S] [--smallest] [--out FILE] [--tool CMD] [--timeout S]
//
// One tool process per eval, as GradBench runs it. Progress goes to stderr, one line per case.

import { execSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mismatch } from "./check.js";
import { evalNames, loadCases, readInput, smallest, type Case } from "./cases.js";
import { ToolSession } from "./client.js";
import { report, time, type Outcome, type RunInfo } from "./report.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");

export interface Options {
  readonly evals: readonly string[];
  readonly minSeconds: number | undefined;
  readonly smallest: boolean;
  readonly out: string;
  readonly tool: string;
  readonly timeoutS: number;
}

const USAGE = "usage: npm run gradbench -- [eval …] [--min-seconds S] [--smallest] [--out FILE] [--tool CMD] [--timeout S]";

export function parseArgs(argv: readonly string[]): Options {
  const all = evalNames();
  const evals: string[] = [];
  let minSeconds: number | undefined, small = false, out = join(ROOT, "bench", "GRADBENCH.md"), tool = "npm run --silent gradbench-tool", timeoutS = 1800;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--min-seconds") {
      minSeconds = Number(next());
      if (!(minSeconds >= 0)) throw new Error(`--min-seconds must be a number ≥ 0\n${USAGE}`);
    } else if (a === "--smallest") small = true;
    else if (a === "--out") out = resolve(next());
    else if (a === "--tool") tool = next();
    else if (a === "--timeout") timeoutS = Number(next());
    else if (a === "--help" || a === "-h") throw new Error(USAGE);
    else if (all.includes(a)) evals.push(a);
    else throw new Error(`unknown eval or option ${JSON.stringify(a)}; the evals are ${all.join(", ")}\n${USAGE}`);
  }
  return { evals: evals.length > 0 ? all.filter((e) => evals.includes(e)) : all, minSeconds, smallest: small, out, tool, timeoutS };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** The start message's config, as GradBench's gmm and lstm evals send one (their settings). */
function startConfig(evalName: string, o: Options): Record<string, unknown> | undefined {
  if (evalName !== "gmm" && evalName !== "lstm") return undefined;
  return { min_runs: 1, min_seconds: o.minSeconds ?? 1, replay: true };
}

async function runEval(evalName: string, cases: readonly Case[], o: Options, log: (s: string) => void): Promise<Outcome[]> {
  const tool = new ToolSession(o.tool, ROOT);
  const timeout = o.timeoutS * 1000;
  const outcomes: Outcome[] = [];
  const fail = (c: Case, error: string): void => { outcomes.push({ case: c, status: "failed", error }); log(`  ${c.id}: FAILED ${error.split("\n")[0]}`); };
  try {
    const config = startConfig(evalName, o);
    await tool.request({ kind: "start", eval: evalName, ...(config ? { config } : {}) }, 120_000);
    const def = await tool.request({ kind: "define", module: cases[0]!.module }, 120_000);
    if (def.success !== true) {
      for (const c of cases) fail(c, `define failed: ${def.error ?? "not implemented"}`);
      return outcomes;
    }
    for (const c of cases) {
      const input = readInput(c);
      if (o.minSeconds !== undefined && typeof input === "object" && input !== null && "min_seconds" in input) (input as Record<string, unknown>).min_seconds = o.minSeconds;
      const t0 = performance.now();
      const msg: Record<string, unknown> = { kind: "evaluate", module: c.module, function: c.function, input };
      if (c.description !== undefined) msg.description = c.description;
      const r = await tool.request(msg, timeout);
      const wall = (performance.now() - t0) / 1000;
      if (r.success !== true) { fail(c, r.error ?? "success: false"); continue; }
      const timings = r.timings ?? [];
      const evals = timings.filter((t) => t.name === "evaluate").map((t) => t.nanoseconds);
      const prepare = timings.filter((t) => t.name === "prepare").reduce((s, t) => s + t.nanoseconds, 0);
      const error = mismatch(c.expected, r.output, c.tolerance);
      await tool.request({ kind: "analysis", of: r.id, valid: error === null, ...(error !== null ? { error } : {}) }, 60_000);
      const med = median(evals);
      outcomes.push({ case: c, status: error === null ? "valid" : "invalid", error: error ?? undefined, medianNs: med, minNs: evals.length > 0 ? evals.reduce((a, b) => Math.min(a, b)) : undefined, runs: evals.length, prepareNs: prepare, load: loadavg()[0] });
      log(`  ${c.id}: ${error === null ? "valid" : "INVALID"}  median ${evals.length > 0 ? time(med) : "-"} × ${evals.length}, prepare ${time(prepare)}, C++ ${time(c.reference.evaluate_median_ns)} (${wall.toFixed(1)} s, load ${loadavg()[0]!.toFixed(1)})${error ? `\n    ${error}` : ""}`);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    for (const c of cases) if (!outcomes.some((x) => x.case === c)) fail(c, msg);
    tool.kill();
    return outcomes;
  }
  await tool.close();
  return outcomes;
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "";
  }
}

export async function replay(o: Options, log: (s: string) => void = (s) => process.stderr.write(s + "\n")): Promise<Outcome[]> {
  const started = new Date();
  const uptimeBefore = sh("uptime") || `load average ${loadavg().map((x) => x.toFixed(2)).join(", ")}`;
  const outcomes: Outcome[] = [];
  for (const e of o.evals) {
    const all = loadCases(e);
    const cases = o.smallest ? smallest(all) : all;
    log(`${e}: ${cases.length} case${cases.length === 1 ? "" : "s"}`);
    outcomes.push(...(await runEval(e, cases, o, log)));
  }
  const info: RunInfo = {
    started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000,
    command: ["npm run gradbench --", ...process.argv.slice(2)].join(" "),
    commit: sh("git rev-parse --short HEAD"), dirty: sh("git status --porcelain --untracked-files=no") !== "",
    node: process.version, cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}`,
    uptimeBefore, uptimeAfter: sh("uptime") || `load average ${loadavg().map((x) => x.toFixed(2)).join(", ")}`,
    minSeconds: o.minSeconds, smallest: o.smallest,
  };
  writeFileSync(o.out, report(outcomes, info));
  const n = (s: Outcome["status"]): number => outcomes.filter((x) => x.status === s).length;
  log(`${n("valid")} valid, ${n("invalid")} invalid, ${n("failed")} failed — written to ${o.out}`);
  return outcomes;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  const outcomes = await replay(opts);
  process.exitCode = outcomes.every((x) => x.status === "valid") ? 0 : 1;
}
