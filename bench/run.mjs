// The benchmark driver: node run.mjs [--quick] [--systems=a,b] [filters...]
// Runs each system on each workload in its own process (worker.mjs), so that one library's
// wasm memory cannot slow another's loops, then prints one markdown table and writes RESULTS.md.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SYSTEMS } from "./lib/cases.mjs";
import { checkMark, fmtNum, fmtRatio, fmtTime, markdownTable, relErr } from "./lib/table.mjs";
import { MEASURES, selectMeasures, W7_PYTORCH, YARDSTICKS } from "./lib/workloads.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER_TIMEOUT_S = 240;

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const systemsArg = args.find((a) => a.startsWith("--systems="));
const systems = systemsArg ? systemsArg.slice("--systems=".length).split(",") : Object.keys(SYSTEMS);
const filters = args.filter((a) => !a.startsWith("--"));
if (selectMeasures(filters).length === 0) {
  console.error(`no workload matches ${filters.join(" ")}; ids: ${MEASURES.map((m) => m.id).join(" ")}`);
  process.exit(2);
}

/** Runs one worker on the given measures; resolves to its parsed result, or to { error } if it failed or timed out. */
function runWorker(system, ids, extra = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(here, "worker.mjs"), system, ...(quick ? ["--quick"] : []), ...extra, ...ids], {
      cwd: here,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
      process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), WORKER_TIMEOUT_S * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (line) return resolve(JSON.parse(line.slice("@@RESULT ".length)));
      const why = signal ? `killed after ${WORKER_TIMEOUT_S} s` : `exit ${code}: ${err.trim().split("\n").slice(-1)[0] ?? ""}`;
      resolve({ system, error: why, rows: [], yard: {}, yardAfter: {} });
    });
  });
}

/** Whether row is the one `m`'s target is judged on (and shown beside). */
function targetRow(m, row) {
  const t = m.target;
  if (!t) return false;
  if (t.kind === "gflops") return row.system.startsWith("wengert");
  // Loops' memory: a budget for the eager row and one for the compiled row.
  if (t.kind === "memory") return row.system === "wengert" || row.system === "wengert compiled";
  return row.system === (t.system ?? "wengert");
}

function metCell(m, row, all) {
  const t = m.target;
  if (!targetRow(m, row)) return "";
  if (row.status !== "ok") return "no";
  const err = relErr(row.values, row.expected);
  if (err !== undefined && err > 1e-3) return "no (checksum)";
  const yes = (ok, detail = "") => (ok ? "yes" : "no") + detail;
  switch (t.kind) {
    case "abs":
      return yes(row.median <= t.max);
    case "ratio":
      return yes(row.ratio <= t.max);
    case "mode":
      return yes(row.mode === m.mode && err <= 1e-8, ` (${row.mode})`);
    case "memory": {
      // Loops under reverse mode: a time budget (eager or compiled) and an RSS budget.
      const max = row.system.includes("compiled") ? t.compiled : t.eager;
      return yes(row.ratio <= max && row.rssGrowthMB <= t.mb, ` (≤ ${max}×, ≤ ${t.mb} MB)`);
    }
    case "gflops": {
      // Matrix products: GFLOP/s against a floor per variant ("" = the default thread count).
      const min = t.min[row.system.slice("wengert".length).trim()];
      if (min === undefined) return "";
      return yes(m.flops / row.median / 1e9 >= min, ` (≥ ${min})`);
    }
    case "peer": {
      const peer = all.find((r) => r.measure === m.id && r.system === t.peer && r.status === "ok");
      if (!peer) return `? (no ${t.peer} row)`;
      // Each time is first taken relative to the plain-JS f of its own process, then compared:
      // the machines are shared and noisy, and the two systems ran in different processes.
      const byRatio = row.ratio / peer.ratio,
        byTime = row.median / peer.median;
      return yes(byRatio <= t.max, ` (${byRatio.toFixed(2)}× by ratio, ${byTime.toFixed(2)}× by time)`);
    }
  }
  return "";
}

function timeCell(row) {
  if (row.status === "ok") return fmtTime(row.median);
  if (row.status === "too slow") return `> 10 s (${fmtTime(row.firstMs / 1e3)})`;
  return row.status;
}

function checksumCell(row) {
  if (!row.values) return "";
  const err = relErr(row.values, row.expected);
  return `${row.values.map(fmtNum).join(", ")} ${checkMark(err)}${row.mode ? `, mode ${row.mode}` : ""}`.trim();
}

function buildTable(results) {
  const all = results.flatMap((r) => r.rows);
  const body = selectMeasures(filters).flatMap((m) =>
    all
      .filter((r) => r.measure === m.id)
      .map((row) => [
        m.text,
        row.system,
        timeCell(row),
        row.yardMedian !== undefined ? fmtTime(row.yardMedian) : "",
        fmtRatio(row.ratio),
        checksumCell(row),
        targetRow(m, row) ? m.target.text : "",
        metCell(m, row, all),
        [row.note, m.isolate && row.rssGrowthMB !== undefined ? `RSS +${fmtMB(row.rssGrowthMB)}` : ""].filter(Boolean).join("; "),
      ]),
  );
  return markdownTable(["Workload", "System", "Median", "Plain f (same proc.)", "× plain f", "Checksum", "Target", "Met?", "Notes"], body);
}

/** Matrix products: GFLOP/s per size, dtype and system, with the load average of each figure's process. */
function gflopsTable(results) {
  const rows = results.flatMap((r) => r.rows.map((row) => ({ ...row, load: r.load }))).filter((r) => r.measure.startsWith("MM."));
  if (rows.length === 0) return [];
  const systems = [...new Set(rows.map((r) => r.system))];
  const sizes = MEASURES.filter((m) => m.id.startsWith("MM.") && rows.some((r) => r.measure === m.id));
  const cell = (m, s) => {
    const r = rows.find((x) => x.measure === m.id && x.system === s);
    if (!r) return "";
    if (r.status !== "ok") return r.status === "n/a" ? "n/a" : `${r.status}`;
    return `${(m.flops / r.median / 1e9).toFixed(1)}${relErr(r.values, r.expected) > 1e-3 ? " ✗" : ""}`;
  };
  const loads = (s) => {
    const r = rows.find((x) => x.system === s && x.load);
    return r ? `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}` : "";
  };
  return [
    "## Matrix products, GFLOP/s",
    "",
    "2·n³ / median time of one n×n·n×n product (inputs pinned, checksum Σ C checked). The last row is the 1-minute load average at the start and end of each system's process: on this 2-core machine shared with other work, a load above 2 means the threads of a figure did not have their cores to themselves.",
    "",
    markdownTable(["Product", ...systems.map((s) => { const n = rows.find((r) => r.system === s && /\d+ threads/.test(r.note ?? ""))?.note.match(/(\d+) threads/)?.[1]; return n ? `${s} (${n} threads)` : s; })], [...sizes.map((m) => [m.text, ...systems.map((s) => cell(m, s))]), ["load average", ...systems.map(loads)]]),
    "",
  ];
}

const fmtMB = (mb) => `${mb < 10 ? mb.toFixed(1) : mb.toFixed(0)} MB`;

/** W7's rows side by side: time ratio and RSS growth per variant, with PyTorch's figures as the anchor. */
function memoryTable(results) {
  const all = results.flatMap((r) => r.rows).filter((r) => r.measure.startsWith("W7."));
  if (all.length === 0) return [];
  const rows = all.map((row) => {
    const m = MEASURES.find((x) => x.id === row.measure);
    return [m.text, row.system, timeCell(row), fmtRatio(row.ratio ?? (row.firstMs && row.yardMedian ? row.firstMs / 1e3 / row.yardMedian : undefined)), row.rssGrowthMB === undefined ? "" : `+${fmtMB(row.rssGrowthMB)}`, checksumCell(row), metCell(m, row, all)];
  });
  for (const p of W7_PYTORCH) rows.push([p.text, "PyTorch (quoted)", "", `${p.ratio}×`, `+${p.rssMB} MB`, "", ""]);
  return [
    "## W7: reverse mode's memory",
    "",
    "Each row ran in a process of its own; RSS growth is that process's peak resident memory less its resident memory before the row's setup (compiling included). PyTorch's rows are quoted from issue #10, measured on this machine kind, not run here.",
    "",
    markdownTable(["Workload", "System", "Median", "× plain f", "RSS growth", "Checksum", "Met?"], rows),
    "",
  ];
}

/**
 * Attaches to each row its yardstick, ratio and expected checksum. The yardstick is the plain-JS
 * f of the same process: the faster of its two timings, before the library was imported and
 * after its cases ran. A detached ArrayBuffer only slows the second one down, so the minimum is
 * never a detached timing; other load on the machine can slow either, and the minimum drops it.
 */
function annotate(res) {
  for (const row of res.rows) {
    const m = MEASURES.find((x) => x.id === row.measure);
    const before = res.yard[m.yard],
      after = res.yardAfter[m.yard];
    const yard = before && Math.min(before.median, after?.median ?? Infinity);
    row.yardMedian = yard || undefined;
    if (row.status === "ok" && yard) row.ratio = row.median / yard;
    row.expected = m.expect === "yard" ? (before ? [before.value] : undefined) : m.expect;
  }
}

function yardTable(results) {
  const rows = results
    .filter((r) => Object.keys(r.yard).length > 0)
    .map((r) => [
      r.system,
      r.workload,
      Object.entries(r.yard)
        .map(([k, b]) => {
          const a = r.yardAfter[k];
          return `${YARDSTICKS[k].label}: ${fmtTime(b.median)} → ${fmtTime(a?.median)} (${fmtRatio(a?.median / b.median)})`;
        })
        .join("; "),
    ]);
  return markdownTable(["System", "Process", "Plain-JS f: before the library loaded → after its cases ran (after/before)"], rows);
}

/** The commit ../dist was built from, and whether src/ had uncommitted changes. */
function gitState() {
  try {
    const git = (...a) =>
      execFileSync("git", a, { cwd: here, stdio: ["ignore", "pipe", "ignore"] })
        .toString()
        .trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "../src") ? " + uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown commit";
  }
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(path.join(here, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "not installed";
  }
}

async function main() {
  const started = new Date(),
    load0 = os.loadavg();
  // One process per system and workload: no library, heap or JIT state carries over.
  const selected = selectMeasures(filters);
  const workloads = [...new Set(selected.map((m) => m.id.split(".")[0]))];
  const results = [];
  const record = (res, label) => {
    if (res.error) process.stderr.write(`  ${res.system} ${label} failed: ${res.error}\n`);
    res.workload = label;
    annotate(res);
    results.push(res);
  };
  for (const s of systems) {
    for (const wl of workloads) {
      const mine = selected.filter((m) => m.id.startsWith(wl + "."));
      const shared = mine.filter((m) => !m.isolate).map((m) => m.id);
      if (shared.length > 0) {
        process.stderr.write(`${s} ${wl}:\n`);
        record(await runWorker(s, shared), wl);
      }
      // Measures whose RSS growth is reported: a process per variant.
      for (const m of mine.filter((x) => x.isolate && (!x.systems || x.systems.includes(s)))) {
        process.stderr.write(`${s} ${m.id}:\n`);
        const first = await runWorker(s, [m.id], ["--variant=0"]);
        record(first, `${m.id}#0`);
        for (let i = 1; i < (first.variantCounts?.[m.id] ?? 1); i++) record(await runWorker(s, [m.id], [`--variant=${i}`]), `${m.id}#${i}`);
      }
    }
  }
  const load1 = os.loadavg();
  const table = buildTable(results);
  const cpus = os.cpus();
  const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(", ");
  const failed = results.filter((r) => r.error).map((r) => `- ${r.system} ${r.workload}: ${r.error}`);
  const md = [
    "# Benchmark results",
    "",
    `\`node run.mjs ${args.join(" ")}\`, ${started.toISOString()}, ${((Date.now() - started.getTime()) / 1e3).toFixed(0)} s in all.`,
    "",
    `Machine: ${cpus[0]?.model ?? "?"} × ${cpus.length}, ${os.type()} ${os.release()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}.`,
    `Load average (1, 5, 15 min): ${fmtLoad(load0)} at the start, ${fmtLoad(load1)} at the end.`,
    `Libraries: wengert ${JSON.parse(readFileSync(path.join(here, "..", "package.json"), "utf8")).version} (../dist, built from ${gitState()}), @tensorflow/tfjs ${version("@tensorflow/tfjs")}, @tensorflow/tfjs-backend-wasm ${version("@tensorflow/tfjs-backend-wasm")}, @jax-js/jax ${version("@jax-js/jax")}.`,
    `Timing: median of ${quick ? 7 : 9} samples after warm-up (15 for the plain-JS yardsticks), each sample repeating the call for ≥ ${quick ? 2 : 15} ms. "× plain f" divides by the plain-JS f timed in the same process (the faster of its timings before the library was imported and after its cases ran). See README.md.`,
    "",
    table,
    "",
    ...gflopsTable(results),
    ...memoryTable(results),
    "The plain-JS yardsticks of each process, timed before the library was imported and again after all its cases ran. A rise can come from a detached ArrayBuffer (a wasm library grew its memory) or from other load on the machine (the js rows load no library and show that noise). The table's 'Plain f' is the faster of the two:",
    "",
    yardTable(results),
    ...(failed.length ? ["", "Failed processes:", "", ...failed] : []),
    "",
  ].join("\n");
  console.log(table);
  // A full run adds the tier-up windows (tierup.mjs: per-call time over a program's first 10,000 calls).
  const tierup = filters.length === 0 && !quick ? execFileSync(process.execPath, [path.join(here, "tierup.mjs")], { cwd: here, encoding: "utf8", maxBuffer: 1 << 24 }) : "";
  if (tierup) console.log(`\n${tierup}`);
  writeFileSync(path.join(here, "RESULTS.md"), tierup ? `${md}\n## Tier-up: per-call time in windows of 500 calls\n\n${tierup}` : md);
  console.log(`\nwrote ${path.join(here, "RESULTS.md")}`);
}

main();
