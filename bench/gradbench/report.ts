// The markdown table of a replay: per case wengert's median against the reference C++ tool's
// (and TensorFlow.js's where the data has it), wengert's own derivative/objective ratio, the
// J/F targets of issue #14 beside the field's figures, the notes, and the summary line last.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Case } from "./cases.js";

export interface Outcome {
  readonly case: Case;
  readonly status: "valid" | "invalid" | "failed";
  readonly error?: string;
  readonly medianNs?: number;
  /** The fastest run: on a shared machine the run least slowed by other jobs. */
  readonly minNs?: number;
  readonly runs?: number;
  readonly prepareNs?: number;
  /** The 1-minute load average when the case's result came back. */
  readonly load?: number;
}

export interface RunInfo {
  readonly started: string;
  readonly seconds: number;
  readonly command: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly node: string;
  readonly cpus: string;
  readonly uptimeBefore: string;
  readonly uptimeAfter: string;
  readonly minSeconds: number | undefined;
  readonly smallest: boolean;
}

/** Per eval: the derivative function and the objective it is the derivative of. */
export const DERIVATIVE: Readonly<Record<string, readonly [string, string]>> = {
  lse: ["gradient", "primal"], llsq: ["gradient", "primal"], gmm: ["jacobian", "objective"], ba: ["jacobian", "objective"],
  lstm: ["jacobian", "objective"], ode: ["gradient", "primal"], kmeans: ["dir", "cost"], ht: ["jacobian", "objective"], det: ["gradient", "primal"],
};

/** Issue #14's J/F targets, and the field's figures it cites (GradBench nightly results). */
const TARGETS: Readonly<Record<string, { readonly target: number; readonly field: string }>> = {
  lse: { target: 3, field: "" },
  llsq: { target: 3, field: "" },
  gmm: { target: 4, field: "JAX 1.28, PyTorch 3.3, Tapenade 4.4, Enzyme 9.1, ADOL-C 148" },
  ba: { target: 15, field: "manual 7.8, Enzyme 9.6, Tapenade 14" },
  lstm: { target: 4, field: "CoDiPack 2.1, Enzyme 2.8, PyTorch 3.0" },
  ode: { target: 5, field: "" },
  ht: { target: 15, field: "" },
};

export function time(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return "";
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

function ratio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "";
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

const key = (c: Case): string => `${c.eval}\u0000${c.inputFile}`;

/** J/F of one input: wengert's (medians, and minima) and the C++ tool's (medians). */
interface Jf { readonly wengert?: number; readonly wengertMin?: number; readonly cpp: number }

/** J/F per derivative case: its median over the objective's on the same input, in this run (and the same of the minima). */
function jOverF(outcomes: readonly Outcome[]): Map<Outcome, Jf> {
  const objective = new Map<string, Outcome>();
  for (const o of outcomes) if (DERIVATIVE[o.case.eval]?.[1] === o.case.function) objective.set(key(o.case), o);
  const out = new Map<Outcome, Jf>();
  for (const o of outcomes) {
    if (DERIVATIVE[o.case.eval]?.[0] !== o.case.function) continue;
    const f = objective.get(key(o.case));
    if (f === undefined) continue;
    const valid = o.status === "valid" && f.status === "valid" && o.medianNs !== undefined && f.medianNs !== undefined;
    const mins = valid && o.minNs !== undefined && f.minNs !== undefined ? o.minNs / f.minNs : undefined;
    out.set(o, { wengert: valid ? o.medianNs! / f.medianNs! : undefined, wengertMin: mins, cpp: o.case.reference.evaluate_median_ns / f.case.reference.evaluate_median_ns });
  }
  return out;
}

function caseName(c: Case): string {
  return c.id.slice(c.eval.length + 1);
}

function jfSummary(outcomes: readonly Outcome[], jf: Map<Outcome, Jf>): string[] {
  const lines = [
    "## J/F: derivative time over objective time",
    "",
    "wengert's figures divide its derivative median by its own objective median on the same input, in this run; the minima column divides the fastest runs instead (on a loaded machine the runs least slowed by other jobs, so the steadier ratio). C++ is GradBench's hand-written `manual` tool on the same inputs (from the data). One figure per size, smallest input first.",
    "",
    "| eval | target (issue #14) | wengert J/F | met | wengert J/F of minima | met | C++ manual J/F | the field (GradBench nightly) |",
    "|---|---:|---|:---:|---|:---:|---|---|",
  ];
  for (const e of Object.keys(DERIVATIVE)) {
    const rows = outcomes.filter((o) => o.case.eval === e && jf.has(o));
    if (rows.length === 0) continue;
    const ws = rows.map((o) => jf.get(o)!.wengert);
    const cs = rows.map((o) => jf.get(o)!.cpp);
    const t = TARGETS[e];
    const mins = rows.map((o) => jf.get(o)!.wengertMin);
    const met = (xs: readonly (number | undefined)[]): string => t === undefined ? "" : xs.every((x) => x !== undefined && x <= t.target) ? "yes" : `no (${xs.filter((x) => x === undefined || x > t.target).length} of ${xs.length})`;
    const list = (xs: readonly (number | undefined)[]): string => xs.map((x) => (x === undefined ? "—" : ratio(x))).join(", ");
    lines.push(`| ${e} | ${t ? `≤ ${t.target}` : ""} | ${list(ws)} | ${met(ws)} | ${list(mins)} | ${met(mins)} | ${cs.map(ratio).join(", ")} | ${t?.field ?? ""} |`);
  }
  const peer = outcomes.filter((o) => (o.case.eval === "lse" || o.case.eval === "llsq") && o.case.tfjs?.evaluate_median_ns !== undefined);
  if (peer.length > 0) {
    const faster = peer.filter((o) => o.status === "valid" && o.medianNs! < o.case.tfjs!.evaluate_median_ns!);
    const worst = Math.max(...peer.map((o) => (o.medianNs ?? Infinity) / o.case.tfjs!.evaluate_median_ns!));
    lines.push("", `TensorFlow.js (float32, pure-JS CPU backend; GradBench's only JavaScript tool): wengert (float64) is faster on ${faster.length} of ${peer.length} lse and llsq cases (target: all); its time is at most ${ratio(worst)} × TensorFlow.js's.`);
  }
  return lines;
}

function caseTable(e: string, rows: readonly Outcome[], jf: Map<Outcome, Jf>): string[] {
  const hasPeer = rows.some((o) => o.case.tfjs?.evaluate_median_ns !== undefined);
  const hasJf = rows.some((o) => jf.has(o));
  const head = ["case", "result", "wengert", "min", "runs", "prepare", "C++", "wengert / C++"];
  if (hasPeer) head.push("TF.js", "wengert / TF.js");
  if (hasJf) head.push("J/F", "J/F of minima", "C++ J/F");
  const loads = rows.map((o) => o.load).filter((x): x is number => x !== undefined);
  const loadLine = loads.length === 0 ? [] : [`Load average (1 min) while these ran: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`, ""];
  const lines = [`### ${e}`, "", ...loadLine, `| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`];
  for (const o of rows) {
    const c = o.case;
    const ref = c.reference.evaluate_median_ns;
    const cells = [
      `\`${caseName(c)}\``,
      o.status === "valid" ? "valid" : `**${o.status}**`,
      time(o.medianNs), time(o.minNs), o.runs === undefined ? "" : String(o.runs), time(o.prepareNs),
      `${time(ref)}${c.reference.tool !== "manual" ? ` (${c.reference.tool})` : ""}`,
      o.medianNs === undefined ? "" : ratio(o.medianNs / ref),
    ];
    if (hasPeer) {
      const p = c.tfjs?.evaluate_median_ns;
      cells.push(time(p), p === undefined || o.medianNs === undefined ? "" : ratio(o.medianNs / p));
    }
    if (hasJf) {
      const r = jf.get(o);
      cells.push(r?.wengert === undefined ? "" : ratio(r.wengert), r?.wengertMin === undefined ? "" : ratio(r.wengertMin), r === undefined ? "" : ratio(r.cpp));
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const bad = rows.filter((o) => o.status !== "valid");
  if (bad.length > 0) lines.push("", ...bad.map((o) => `- \`${caseName(o.case)}\`: ${(o.error ?? "").split("\n")[0]}`));
  return lines;
}

const NOTES = join(dirname(fileURLToPath(import.meta.url)), "NOTES.md");

export function report(outcomes: readonly Outcome[], info: RunInfo): string {
  const jf = jOverF(outcomes);
  const n = (s: Outcome["status"]): number => outcomes.filter((x) => x.status === s).length;
  const evals = [...new Set(outcomes.map((o) => o.case.eval))];
  const lines = [
    "# wengert on GradBench",
    "",
    `Written by \`${info.command}\` (bench/gradbench/replay.ts) on ${info.started.slice(0, 16).replace("T", " ")} UTC, in ${info.seconds.toFixed(0)} s, at commit ${info.commit || "unknown"}${info.dirty ? " (with uncommitted changes)" : ""}: ${outcomes.length} case${outcomes.length === 1 ? "" : "s"} of bench/gradbench/cases (GradBench's inputs and reference outputs, see its README.md)${info.smallest ? ", the smallest input of each eval" : ""}, sent to the tool (\`npm run --silent gradbench-tool\`, one process per eval) over GradBench's protocol and checked with each eval's acceptance rule.`,
    "",
    `- Machine: ${info.cpus}, Node ${info.node}. \`uptime\` before: \`${info.uptimeBefore}\`; after: \`${info.uptimeAfter}\`. The machine is shared: a load above its core count means other jobs ran beside this one, and every time here is slower by an unknown factor. Ratios within this run (J/F) are the more reliable figures.`,
    `- Each wengert time is the median of the \`evaluate\` timings the tool reported for the case (it repeats the function for ${info.minSeconds === undefined ? "the eval's default `min_seconds` = 1 s" : `\`min_seconds\` = ${info.minSeconds} s (--min-seconds)`}); *prepare* is the time to read the input into arrays, compile (the first call) and warm up (calls until V8 has optimized the generated code: at least 12 and up to 10 × \`min_seconds\`, see tools/gradbench/README.md).`,
    "- C++ is GradBench's hand-differentiated `manual` tool (`finite`, finite differences, for particle and saddle), g++ -O3, single-threaded, timed on this kind of machine in another session (cases/README.md); TF.js is GradBench's TensorFlow.js tool (float32). Compare ratios, not absolute times from different sessions.",
    "",
    ...jfSummary(outcomes, jf),
    "",
    "## Per case",
    "",
  ];
  for (const e of evals) lines.push(...caseTable(e, outcomes.filter((o) => o.case.eval === e), jf), "");
  if (existsSync(NOTES)) lines.push(readFileSync(NOTES, "utf8").trimEnd(), "");
  lines.push(`${n("valid")} valid, ${n("invalid")} invalid, ${n("failed")} failed`, "");
  return lines.join("\n");
}
