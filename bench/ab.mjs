// Two builds of wengert side by side in one process: node bench/ab.mjs <distA> <distB> [filters...]
//
// For a change to the library itself (a kernel, the tape), the question is "is B slower than A",
// and on a shared 2-core machine only a ratio taken in one process, with A and B interleaved,
// answers it. Each build gets its own copy of systems/wengert.mjs and lib/ (so the case code is
// the same, bound to that build's dist/); every case is timed in rounds A, B, A, B, … and the
// table reports each side's median over the rounds and B/A.
//
//   cp -r dist /tmp/before-dist            # before the change
//   …change, npm run build…
//   node bench/ab.mjs /tmp/before-dist dist W2.array W3
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { timeIt } from "./lib/time.mjs";
import { selectMeasures } from "./lib/workloads.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const [distA, distB, ...rest] = process.argv.slice(2);
if (!distA || !distB) {
  console.error("usage: node bench/ab.mjs <distA> <distB> [--rounds=N] [filters...]");
  process.exit(2);
}
const roundsArg = rest.find((a) => a.startsWith("--rounds="));
const rounds = roundsArg ? Number(roundsArg.slice("--rounds=".length)) : 5;
const filters = rest.filter((a) => !a.startsWith("--"));
const opts = { runs: 5, sampleMs: 15, warmupMs: 100 };

/** A private tree <tmp>/{dist,bench/lib,bench/systems/wengert.mjs} so "../../dist" means this build. */
function tree(dist) {
  const root = mkdtempSync(path.join(os.tmpdir(), "wengert-ab-"));
  cpSync(path.resolve(dist), path.join(root, "dist"), { recursive: true });
  cpSync(path.join(here, "lib"), path.join(root, "bench", "lib"), { recursive: true });
  cpSync(path.join(here, "systems", "wengert.mjs"), path.join(root, "bench", "systems", "wengert.mjs"));
  return root;
}

const roots = [tree(distA), tree(distB)];
try {
  const systems = [];
  for (const r of roots) systems.push(await (await import(pathToFileURL(path.join(r, "bench", "systems", "wengert.mjs")).href)).create());
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const fmt = (s) => (s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : `${(s * 1e3).toFixed(3)} ms`);
  const lines = [`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}; ${rounds} rounds A,B interleaved`, "", "| Workload | A | B | B/A |", "|---|---|---|---|"];
  for (const m of selectMeasures(filters)) {
    const made = systems.map((s) => s.cases[m.id]?.());
    if (made.some((c) => c === undefined || c.na)) continue;
    const variants = made.map((c) => (Array.isArray(c) ? c : [c]));
    for (let v = 0; v < variants[0].length; v++) {
      const pair = variants.map((vs) => vs[v]);
      for (const c of pair) c.check();
      const times = [[], []];
      for (let r = 0; r < rounds; r++) for (let s = 0; s < 2; s++) times[s].push((await timeIt(pair[s].run, opts)).median);
      const [a, b] = times.map(median);
      const label = `${m.id}${pair[0].variant ? ` (${pair[0].variant})` : ""}`;
      lines.push(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(3)} |`);
      process.stderr.write(`${label}: ${fmt(a)} vs ${fmt(b)}\n`);
    }
  }
  console.log(lines.join("\n"));
} finally {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
}
