// Compiled loops, focused: W7 (scan, scan + binomial, native loop) and W2 written as a scan,
// compiled, against plain JS f; each case in its own process so its RSS growth is its own.
//   node bench/loops-compiled.mjs [lib ...]     (lib: a path to a build's index.js; default ../dist)
// Several libs run side by side, case by case (before/after in one run). Prints the load average.
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const CASES = ["w7.scan", "w7.binomial", "w7.native", "w2.1e3", "w2.1e5"];

async function child(lib, name) {
  const w = await import(pathToFileURL(path.resolve(lib)).href);
  const { W7, w7f, w7x0, rosen, data } = await import("./lib/workloads.mjs");
  const time = (fn, minMs = 300) => {
    fn();
    let n = 0, t0 = performance.now(), t = 0;
    const samples = [];
    while (t < minMs || samples.length < 5) { const s = performance.now(); fn(); const d = performance.now() - s; samples.push(d); t += d; n++; }
    samples.sort((a, b) => a - b);
    return samples[samples.length >> 1];
  };
  const timeFast = (fn) => { // many calls per sample
    for (let i = 0; i < 200; i++) fn();
    const s = []; for (let r = 0; r < 9; r++) { const t0 = performance.now(); let k = 0; while (performance.now() - t0 < 20) { fn(); k++; } s.push((performance.now() - t0) / k); }
    s.sort((a, b) => a - b); return s[4];
  };
  let f, plain, args, check, fast = false;
  if (name.startsWith("w7")) {
    const step = (x) => w.add(x, w.mul(W7.h, w.sin(x)));
    const native = (x) => { for (let t = 0; t < W7.T; t++) x = step(x); return w.sum(x); };
    const sc = (o) => (x) => w.sum(w.scan((c) => [step(c), null], x, null, { length: W7.T, ...o })[0]);
    f = name === "w7.scan" ? sc({}) : name === "w7.binomial" ? sc({ checkpoints: "binomial" }) : native;
    const x0 = w7x0();
    plain = () => w7f(x0);
    args = [w.array(Float64Array.from(x0))];
    check = (g) => g.data.reduce((a, b) => a + b, 0);
  } else {
    const n = name === "w2.1e3" ? 1e3 : 1e5;
    const x = data(`W2.${n === 1e3 ? "1e3" : "1e5"}`);
    f = (x) => { const m = x.shape[0]; return w.scan((s, [a, b]) => [w.add(s, w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)))), null], 0, [w.slice(x, [0], [m - 1]), w.slice(x, [1])])[0]; };
    plain = () => rosen(x);
    args = [w.array(Float64Array.from(x))];
    check = (g) => g.data.reduce((a, b) => a + b, 0);
    fast = true;
  }
  const tf = fast ? timeFast(plain) : time(plain);
  const cf = w.compile(w.grad(f));
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let t0 = performance.now(), r;
  try { r = cf(...args); } catch (e) { return { name, error: String(e.message ?? e).slice(0, 120) }; }
  const compileMs = performance.now() - t0;
  const r2 = cf(...args);
  const tg = fast ? timeFast(() => cf(...args)) : time(() => cf(...args), 1500);
  const rss = (process.memoryUsage().rss - rss0) / 2 ** 20;
  return { name, plainMs: tf, gradMs: tg, ratio: tg / tf, compileMs, rssMB: rss, check: check(r2), first: check(r) };
}

if (process.argv[2] === "--child") {
  console.log(JSON.stringify(await child(process.argv[3], process.argv[4])));
} else {
  const libs = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  if (libs.length === 0) libs.push(path.join(here, "../dist/index.js"));
  const only = process.argv.find((a) => a.startsWith("--cases="))?.slice(8).split(",") ?? CASES;
  for (const c of only) {
    for (const lib of libs) {
      const la = os.loadavg()[0].toFixed(2);
      let out;
      try { out = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--stack-size=984", fileURLToPath(import.meta.url), "--child", lib, c], { encoding: "utf8", timeout: 300_000 }).trim().split("\n").pop()); }
      catch (e) { out = { name: c, error: String(e.message).split("\n")[0].slice(0, 120) }; }
      const fmt = (x) => (x < 1 ? `${(x * 1000).toFixed(1)} µs` : `${x.toFixed(1)} ms`);
      console.log(out.error ? `${c.padEnd(12)} ${lib.padEnd(40)} load ${la}  error: ${out.error}` :
        `${c.padEnd(12)} ${lib.padEnd(40)} load ${la}  f ${fmt(out.plainMs)}  grad ${fmt(out.gradMs)}  ${out.ratio.toFixed(2)}×  compile ${out.compileMs.toFixed(0)} ms  RSS +${out.rssMB.toFixed(0)} MB  Σ ${out.check} (first ${out.first})`);
    }
  }
}
