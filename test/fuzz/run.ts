// Runs the junk-argument fuzz (child.ts) in child processes with a per-call time limit: a call
// that prints nothing more within the limit is a hang, a child that dies is a crash; either is
// recorded against the call it was running, and a fresh child resumes after it.

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "child.ts");

export interface FuzzReport {
  exports: number;
  calls: number;
  leaks: { call: string; error: string }[];
  hangs: string[];
  crashes: string[];
}

function segment(perExport: number, seed: number, skip: number, limitFor: (label: string) => number, leaks: FuzzReport["leaks"]): Promise<{ result?: { exports: number; calls: number }; last?: { index: number; label: string }; hung: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", "--max-old-space-size=2048", child, String(perExport), String(seed), String(skip)], { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "", stderr = "", hung = false, last: { index: number; label: string } | undefined, result: { exports: number; calls: number } | undefined;
    let timer = setTimeout(() => { hung = true; p.kill("SIGKILL"); }, 60_000); // startup
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^call (\d+) (.*)$/.exec(line);
        if (m) last = { index: Number(m[1]), label: m[2]! };
        else if (line.startsWith("leak ")) leaks.push(JSON.parse(line.slice(5)));
        else if (line.startsWith("result ")) result = JSON.parse(line.slice(7));
        clearTimeout(timer);
        timer = setTimeout(() => { hung = true; p.kill("SIGKILL"); }, limitFor(last?.label ?? ""));
      }
    });
    p.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    p.on("close", () => { clearTimeout(timer); resolve({ ...(result ? { result } : {}), ...(last ? { last } : {}), hung, stderr }); });
  });
}

/**
 * `limitMs` per call, except for exports whose defaults are real work (swellTable() builds
 * Table 1 to n = 12): `slow` gives their limits by name.
 */
export async function runFuzz(perExport: number, seed: number, limitMs: number, maxRestarts = 20, slow: Readonly<Record<string, number>> = {}): Promise<FuzzReport> {
  const report: FuzzReport = { exports: 0, calls: 0, leaks: [], hangs: [], crashes: [] };
  let skip = -1;
  for (let restarts = 0; restarts <= maxRestarts; restarts++) {
    const r = await segment(perExport, seed, skip, (label) => slow[label.slice(0, label.indexOf("("))] ?? limitMs, report.leaks);
    if (r.result) {
      report.exports = r.result.exports;
      report.calls = r.result.calls;
      return report;
    }
    if (r.last === undefined) { report.crashes.push(`the fuzz did not start: ${r.stderr.slice(0, 500)}`); return report; }
    (r.hung ? report.hangs : report.crashes).push(r.hung ? r.last.label : `${r.last.label}: ${r.stderr.trim().slice(-1500)}`);
    skip = r.last.index;
  }
  report.crashes.push(`gave up after ${maxRestarts} restarts`);
  return report;
}

// Direct run: node --import tsx test/fuzz/run.ts [perExport] [seed] [limitMs]
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await runFuzz(Number(process.argv[2] ?? 40), Number(process.argv[3] ?? 7), Number(process.argv[4] ?? 3000), 200, { swellTable: 60_000 });
  const groups = new Map<string, string[]>();
  for (const l of r.leaks) {
    const key = `${l.call.split("(")[0]} :: ${l.error.replace(/\d+/g, "N").slice(0, 120)}`;
    groups.set(key, [...(groups.get(key) ?? []), l.call]);
  }
  console.log(`exports ${r.exports}, calls ${r.calls}, leaks ${r.leaks.length} (${groups.size} kinds), hangs ${r.hangs.length}, crashes ${r.crashes.length}`);
  for (const h of r.hangs) console.log("HANG", h);
  for (const c of r.crashes) console.log("CRASH", c);
  for (const [k, v] of [...groups].sort()) console.log(`${v.length}\t${k}\t e.g. ${v[0]}`);
}
