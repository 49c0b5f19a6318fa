// Memory a released tape leaves behind: node memory.mjs [--dist=../dist] [--steps=1e5,1e6]
//
// One eager gradient of a T-step scalar recurrence (x ← x + 1e-4·sin(a·x), three tape lines a
// step) in a fresh process started with --expose-gc; RSS after two full GCs before the
// gradient and after it. #7 item 13: the scalar store pool kept every grown store, +33 MB
// after T = 1e5 and +132 MB after T = 1e6; a released tape should leave little behind. The
// pool's own strongly held bytes (deterministic), the ArrayBuffer bytes still allocated and the
// JS heap in use are printed beside RSS (which the allocator and V8 return to the OS lazily),
// with the load average.
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const dist = path.resolve(here, opt("dist", "../dist"));

if (opt("child", "") !== "") {
  const T = Number(opt("child", ""));
  const w = await import(pathToFileURL(path.join(dist, "index.js")).href);
  const { scalarStorePool } = await import(pathToFileURL(path.join(dist, "transforms", "reverse.js")).href);
  const settle = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage(); };
  // Warm up the code paths (and the pool's small stores) first, so that only the big tape differs.
  const f = (steps) => (a) => { let x = 1; for (let t = 0; t < steps; t++) x = w.add(x, w.mul(1e-4, w.sin(w.mul(a, x)))); return x; };
  w.grad(f(1000))(0.7);
  const before = settle();
  const g = w.grad(f(T))(0.7);
  // A WeakRef's target lives until the job that made it ends: let it end before collecting.
  await new Promise((r) => setTimeout(r, 0));
  const after = settle();
  process.stdout.write(JSON.stringify({ T, g, rssBefore: before.rss, rssAfter: after.rss, abBefore: before.arrayBuffers, abAfter: after.arrayBuffers, heapBefore: before.heapUsed, heapAfter: after.heapUsed, poolBytes: scalarStorePool?.().bytes ?? NaN }));
  process.exit(0);
}

const steps = opt("steps", "1e5,1e6").split(",").map(Number);
const mb = (b) => (b / 2 ** 20).toFixed(1);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}; ${dist}`);
console.log("| T | RSS before (MB) | RSS after GC (MB) | RSS retained (MB) | ArrayBuffers retained (MB) | JS heap retained (MB) | store pool (MB) |");
console.log("|---|---|---|---|---|---|---|");
for (const T of steps) {
  const r = spawnSync(process.execPath, [...process.execArgv, "--expose-gc", fileURLToPath(import.meta.url), `--dist=${dist}`, `--child=${T}`], { encoding: "utf8" });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  const o = JSON.parse(r.stdout);
  console.log(`| ${T.toExponential(0)} | ${mb(o.rssBefore)} | ${mb(o.rssAfter)} | ${mb(o.rssAfter - o.rssBefore)} | ${mb(o.abAfter - o.abBefore)} | ${mb(o.heapAfter - o.heapBefore)} | ${mb(o.poolBytes)} |`);
}
