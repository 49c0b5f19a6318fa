// Tier-up over a program's life: node tierup.mjs [--dist=../dist] [--calls=10000] [--window=500]
//
// A compiled program on numbers that is large enough to start as bytecode may later move to
// generated JavaScript (src/compile/tiering.ts). Median timings after a warm-up cannot show
// what that move costs on the way, so this script times every call from the second to the
// last and prints the mean time per call in windows of 500 calls, as CPU time of the process
// (less sensitive to other load on a shared machine than wall time) and as wall time. Each
// window is also given relative to calls 500–1,000, before any move; #7 item 12 asks that no
// window up to call 10,000 be more than 1.5× that.
//
// Two programs: the gradient of a Lotka–Volterra loss through 200 RK4 steps (~37,500 lines)
// and W2's scalar Rosenbrock gradient at n = 1,000. Each runs in a process of its own.
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
const only = opt("case", "");

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
  lv: { label: "Lotka–Volterra RK4 loss gradient, 200 steps", make: (w) => [w.compile(w.grad(lotkaVolterra(w))), [[1.1, 0.4, 0.4, 0.12]]] },
  w2: { label: "W2 scalar n=1e3 grad", make: (w) => [w.compile(w.grad(rosenScalar(w))), [Array.from(data("W2.1e3"))]] },
};

/** In a child process: one case, every call timed; prints one JSON line. */
async function child(id) {
  const w = await import(pathToFileURL(path.join(dist, "index.js")).href);
  const [cf, callArgs] = CASES[id].make(w);
  cf(...callArgs); // traces, optimizes, generates
  const st = cf.lastCompiled.stats;
  const cpu = new Float64Array(calls), wall = new Float64Array(calls);
  let sink;
  for (let i = 1; i < calls; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    sink = cf(...callArgs);
    wall[i] = performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    cpu[i] = (c1.user + c1.system) / 1e3;
  }
  const windows = [];
  for (let s = 0; s < calls; s += window) {
    const from = Math.max(s, 1), to = Math.min(s + window, calls);
    let c = 0, t = 0;
    for (let i = from; i < to; i++) (c += cpu[i]), (t += wall[i]);
    windows.push({ from: s, to, cpuMs: c / (to - from), wallMs: t / (to - from) });
  }
  console.log(JSON.stringify({ id, lines: st.lines, backend: cf.lastCompiled.stats.backend, startBackend: st.backend, windows, check: Array.isArray(sink) ? sink.flat().slice(0, 1) : sink }));
}

function fmt(ms) {
  return ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1e3).toFixed(0)} µs`;
}

function main() {
  const load0 = os.loadavg();
  const ids = only ? only.split(",") : Object.keys(CASES);
  console.log(`tier-up windows, ${dist}; load average ${load0.map((l) => l.toFixed(2)).join(", ")}\n`);
  for (const id of ids) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${id}`, `--dist=${dist}`, `--calls=${calls}`, `--window=${window}`], { encoding: "utf8" });
    const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
    if (!line) {
      console.log(`${id}: failed\n${r.stderr}`);
      continue;
    }
    const res = JSON.parse(line);
    const base = res.windows.find((x) => x.from === 500) ?? res.windows[0];
    const worst = Math.max(...res.windows.filter((x) => x.from >= 500).map((x) => x.cpuMs / base.cpuMs));
    console.log(`${CASES[id].label}: ${res.lines} lines, starts as ${res.startBackend}, ends as ${res.backend}; worst window ${worst.toFixed(2)}× calls 500–1,000 (CPU)\n`);
    console.log("| calls | CPU per call | × calls 500–1,000 | wall per call |");
    console.log("|---|---|---|---|");
    for (const x of res.windows) console.log(`| ${x.from}–${x.to} | ${fmt(x.cpuMs)} | ${(x.cpuMs / base.cpuMs).toFixed(2)} | ${fmt(x.wallMs)} |`);
    console.log("");
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`);
}

const childId = opt("child", "");
if (childId) await child(childId);
else main();
