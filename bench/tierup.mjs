// Tier-up over a program's life: node tierup.mjs [--dist=../dist] [--calls=10000] [--window=500]
//   [--case=lv,w2,w2s] [--rounds=1] [--trace]
//
// A compiled program on numbers that is large enough to start as bytecode may later move to
// generated JavaScript (src/compile/tiering.ts). Median timings after a warm-up cannot show
// what that move costs on the way, so this script times every call from the second to the
// last and prints the mean time per call in windows of 500 calls, as CPU time of the process
// (less sensitive to other load on a shared machine than wall time). Each window is also given
// relative to calls 500–1,000, before any move; #7 item 12 asks that no window up to call
// 10,000 be more than 1.5× that. Windows of a bytecode-only program vary too (GC, V8's own
// optimization of the interpreter, other load), so each case runs twice, side by side in one
// run: with tier-up (the default tierUpCalls) and without (tierUpCalls Infinity, the noise
// floor), each in a process of its own. --trace adds what the policy did in each window
// (build steps and their time, trials of the JavaScript and their time).
//
// Two programs: the gradient of a Lotka–Volterra loss through 200 RK4 steps (~37,500 lines)
// and W2's scalar Rosenbrock gradient at n = 1,000 and at n = 400 (~4,800 lines: mid-size).
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { data } from "./lib/workloads.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const dist = path.resolve(here, opt("dist", "../dist"));
const calls = Number(opt("calls", "10000")), window = Number(opt("window", "500"));
const only = opt("case", ""), rounds = Number(opt("rounds", "1")), trace = args.includes("--trace");
/** The Lotka–Volterra loss: RK4 over 200 steps of 0.01 from (10, 5), Σ of the squared states at every step. */
function lotkaVolterra(w) {
  const steps = 200, h = 0.01, h2 = h / 2, h6 = h / 6;
  return ([a, b, d, g]) => {
    const f = (x, y) => [w.sub(w.mul(a, x), w.mul(w.mul(b, x), y)), w.sub(w.mul(w.mul(d, x), y), w.mul(g, y))];
    let x = 10, y = 5, loss = 0;
    for (let i = 0; i < steps; i++) {
      const [k1x, k1y] = f(x, y);
      const [k2x, k2y] = f(w.add(x, w.mul(h2, k1x)), w.add(y, w.mul(h2, k1y)));
      const [k3x, k3y] = f(w.add(x, w.mul(h2, k2x)), w.add(y, w.mul(h2, k2y)));
      const [k4x, k4y] = f(w.add(x, w.mul(h, k3x)), w.add(y, w.mul(h, k3y)));
      x = w.add(x, w.mul(h6, w.add(w.add(k1x, w.mul(2, k2x)), w.add(w.mul(2, k3x), k4x))));
      y = w.add(y, w.mul(h6, w.add(w.add(k1y, w.mul(2, k2y)), w.add(w.mul(2, k3y), k4y))));
      loss = w.add(loss, w.add(w.square(x), w.square(y)));
    }
    return loss;
  };
}

/** W2's scalar style (bench/systems/wengert.mjs): one library op per scalar op on a number[]. */
function rosenScalar(w) {
  return (x) => {
    let s = 0;
    for (let i = 0; i < x.length - 1; i++) s = w.add(s, w.add(w.mul(100, w.square(w.sub(x[i + 1], w.square(x[i])))), w.square(w.sub(1, x[i]))));
    return s;
  };
}

const CASES = {
  lv: { label: "Lotka–Volterra RK4 loss gradient, 200 steps", make: (w, o) => [w.compile(w.grad(lotkaVolterra(w)), o), [[1.1, 0.4, 0.4, 0.12]]] },
  w2: { label: "W2 scalar n=1e3 grad", make: (w, o) => [w.compile(w.grad(rosenScalar(w)), o), [Array.from(data("W2.1e3"))]] },
  w2s: { label: "W2 scalar n=400 grad", make: (w, o) => [w.compile(w.grad(rosenScalar(w)), o), [Array.from(data("W2.1e3")).slice(0, 400)]] },
};

/** In a child process: one case, every call timed; prints one JSON line. */
async function child(id, tierUpCalls) {
  const w = await import(pathToFileURL(path.join(dist, "index.js")).href);
  const [cf, callArgs] = CASES[id].make(w, tierUpCalls === "" ? {} : { tierUpCalls: Number(tierUpCalls) });
  cf(...callArgs); // traces, optimizes, generates
  const st = cf.lastCompiled.stats;
  const cpu = new Float64Array(calls);
  // --trace: what the policy did on each call (tiering.ts's tierTrace).
  const build = new Float64Array(calls), steps = new Uint8Array(calls), trial = new Float64Array(calls), tried = new Uint8Array(calls);
  let i = 0, switchedAt = -1, gaveUpAt = -1;
  // --trace: what the policy did on each call (tiering.ts's tierTrace). Not hooked otherwise:
  // the hook's object per call is work of its own, and the switch is seen from the stats.
  if (trace) {
    const { tierTrace } = await import(pathToFileURL(path.join(dist, "compile", "tiering.js")).href);
    tierTrace.on = (e) => {
      if (e.buildMs > 0 || e.form === "javascript") (build[i] = e.buildMs), (steps[i] = e.buildMs > 0 ? 1 : 0);
      if (e.form === "javascript") (trial[i] = e.ms), (tried[i] = 1);
      if (e.settled === "javascript" && switchedAt < 0) switchedAt = i;
      if (e.settled === "bytecode" && gaveUpAt < 0) gaveUpAt = i;
    };
  }
  let sink;
  for (i = 1; i < calls; i++) {
    const c0 = process.cpuUsage();
    sink = cf(...callArgs);
    const c1 = process.cpuUsage(c0);
    cpu[i] = (c1.user + c1.system) / 1e3;
    // Without --trace, the switch is seen to within 50 calls.
    if (!trace && switchedAt < 0 && i % 50 === 0 && cf.lastCompiled.stats.backend === "javascript") switchedAt = i;
  }
  const windows = [];
  const sum = (a, from, to) => { let s = 0; for (let k = from; k < to; k++) s += a[k]; return s; };
  for (let s = 0; s < calls; s += window) {
    const from = Math.max(s, 1), to = Math.min(s + window, calls);
    windows.push({ from: s, to, cpuMs: sum(cpu, from, to) / (to - from), buildMs: sum(build, from, to), steps: sum(steps, from, to), trialMs: sum(trial, from, to), trials: sum(tried, from, to) });
  }
  console.log(JSON.stringify({ id, lines: st.lines, backend: cf.lastCompiled.stats.backend, startBackend: st.backend, switchedAt, gaveUpAt, windows, check: Array.isArray(sink) ? sink.flat().slice(0, 1) : sink }));
}

function fmt(ms) {
  return ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1e3).toFixed(0)} µs`;
}

function run(id, tierUpCalls) {
  const flags = [`--child=${id}`, `--dist=${dist}`, `--calls=${calls}`, `--window=${window}`, `--tierUpCalls=${tierUpCalls}`, ...(trace ? ["--trace"] : [])];
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...flags], { encoding: "utf8" });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`${id}: failed\n${r.stderr}`);
  const res = JSON.parse(line);
  const base = res.windows.find((x) => x.from === 500) ?? res.windows[0];
  for (const x of res.windows) x.rel = x.cpuMs / base.cpuMs;
  res.worst = Math.max(...res.windows.filter((x) => x.from >= 500).map((x) => x.rel));
  return res;
}

const loadNow = () => os.loadavg().map((l) => l.toFixed(2)).join(", ");

function main() {
  const ids = only ? only.split(",") : Object.keys(CASES);
  console.log(`tier-up windows, ${dist}; load average ${loadNow()}\n`);
  const summary = [];
  for (let round = 1; round <= rounds; round++) {
    for (const id of ids) {
      const load = loadNow();
      // Alternate which runs first, so a change of load between them falls on both sides.
      let floor, tier;
      if (round % 2 === 1) (floor = run(id, "Infinity")), (tier = run(id, ""));
      else (tier = run(id, "")), (floor = run(id, "Infinity"));
      const fate = tier.backend === "javascript" ? `moves to JavaScript at call ${tier.switchedAt}` : tier.gaveUpAt >= 0 ? `keeps bytecode (gave up at call ${tier.gaveUpAt})` : `ends as ${tier.backend}`;
      console.log(`${CASES[id].label}${rounds > 1 ? `, round ${round}` : ""}: ${tier.lines} lines, starts as ${tier.startBackend}, ${fate}; worst window × calls 500–1,000 (CPU): tier-up ${tier.worst.toFixed(2)}, bytecode only ${floor.worst.toFixed(2)}; load ${load}\n`);
      const tr = trace ? " build steps | build | trials | trial time |" : "";
      console.log(`| calls | bytecode only | × | tier-up | × |${tr}`);
      console.log(`|---|---|---|---|---|${trace ? "---|---|---|---|" : ""}`);
      tier.windows.forEach((x, k) => {
        const f = floor.windows[k];
        const t = trace ? ` ${x.steps} | ${fmt(x.buildMs)} | ${x.trials} | ${fmt(x.trialMs)} |` : "";
        console.log(`| ${x.from}–${x.to} | ${fmt(f.cpuMs)} | ${f.rel.toFixed(2)} | ${fmt(x.cpuMs)} | ${x.rel.toFixed(2)} |${t}`);
      });
      console.log("");
      summary.push({ id, round, load, tier: tier.worst, floor: floor.worst, fate });
    }
  }
  if (rounds > 1) {
    console.log("| case | round | load | worst window, tier-up | worst window, bytecode only | tier-up's fate |");
    console.log("|---|---|---|---|---|---|");
    for (const r of summary) console.log(`| ${r.id} | ${r.round} | ${r.load} | ${r.tier.toFixed(2)} | ${r.floor.toFixed(2)} | ${r.fate} |`);
    console.log("");
  }
  console.log(`load average at the end ${loadNow()}`);
}

const childId = opt("child", "");
if (childId) await child(childId, opt("tierUpCalls", ""));
else main();
