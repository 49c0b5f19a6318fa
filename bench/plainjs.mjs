// fromJS on the plain-JS yardsticks (#11 item 5), several builds side by side in one process:
//
//   node bench/plainjs.mjs [--n=1e3,1e5] [--rounds=3] DIR...     (each DIR a dist/ build)
//
// The yardsticks (W1's w1f, W2's rosen with a Float64Array) are timed first, before any build
// loads; then, per case, the builds are timed in rounds A, B, A, B, … and the table gives each
// build's median over the rounds, its ratio to the yardstick and the load average beside it.
// Cases: grad(fromJS(f)) eager and compiled (with the first call's compile time), and the same
// function written with wengert ops (W1: w.sub(w.add(w.log …)); W2: rosenScalar, one op per
// scalar op on a number[], as bench/systems/wengert.mjs's W2.scalar). A call over `--max-s`
// seconds (default 3) is timed once, not sampled.
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { timeIt } from "./lib/time.mjs";
import { data, rosen, sumOf, w1f, W1X } from "./lib/workloads.mjs";

const argv = process.argv.slice(2);
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const dirs = argv.filter((a) => !a.startsWith("--"));
const sizes = opt("n", "1e3,1e5").split(",");
const rounds = Number(opt("rounds", "3"));
const maxS = Number(opt("max-s", "3"));
const timing = { runs: 7, sampleMs: 15, warmupMs: 100 };
if (dirs.length === 0) { console.error("usage: node bench/plainjs.mjs [--n=1e3,1e5] [--rounds=3] DIST..."); process.exit(2); }

const load = () => os.loadavg()[0].toFixed(1);
const fmt = (s) => (s < 1e-6 ? `${(s * 1e9).toFixed(0)} ns` : s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : s < 1 ? `${(s * 1e3).toFixed(2)} ms` : `${s.toFixed(2)} s`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// ---- yardsticks first
const yard = { W1: (await timeIt(() => w1f(W1X[0], W1X[1]), timing)).median };
for (const n of sizes) { const x = Float64Array.from(data(`W2.${n}`)); yard[`W2.${n}`] = (await timeIt(() => rosen(x), timing)).median; }
const yardLoad = load();

// ---- the builds
const builds = [];
for (const d of dirs) builds.push({ name: path.basename(path.resolve(d, "..")) + "/" + path.basename(d), w: await import(pathToFileURL(path.resolve(d, "index.js")).href) });

function rosenScalar(w) {
  return (x) => {
    let s = 0;
    for (let i = 0; i < x.length - 1; i++) s = w.add(s, w.add(w.mul(100, w.square(w.sub(x[i + 1], w.square(x[i])))), w.square(w.sub(1, x[i]))));
    return s;
  };
}

/** A case: `make(w)` gives { run, check, note } for one build, or null where it does not apply. */
const cases = [
  { id: "W1 grad(fromJS(w1f))", yard: "W1", make: (w) => { const g = w.grad(w.fromJS(w1f), { argnums: [0, 1] }); return { run: () => g(W1X[0], W1X[1]) }; } },
  { id: "W1 compile(grad(fromJS(w1f)))", yard: "W1", make: (w) => compiled(w.compile(w.grad(w.fromJS(w1f), { argnums: [0, 1] })), [W1X[0], W1X[1]]) },
  { id: "W1 compile(grad(ops))", yard: "W1", make: (w) => compiled(w.compile(w.grad((a, b) => w.sub(w.add(w.log(a), w.mul(a, b)), w.sin(b)), { argnums: [0, 1] })), [W1X[0], W1X[1]]) },
  ...sizes.flatMap((n) => {
    const x = Float64Array.from(data(`W2.${n}`)), xs = Array.from(x);
    return [
      { id: `W2 n=${n} grad(fromJS(rosen)), Float64Array`, yard: `W2.${n}`, make: (w) => { const g = w.grad(w.fromJS(rosen)); return { run: () => g(x) }; } },
      { id: `W2 n=${n} grad(ops), number[]`, yard: `W2.${n}`, make: (w) => { const g = w.grad(rosenScalar(w)); return { run: () => g(xs) }; } },
      { id: `W2 n=${n} compile(grad(fromJS(rosen))), Float64Array`, yard: `W2.${n}`, make: (w) => compiled(w.compile(w.grad(w.fromJS(rosen))), [x]) },
      ...(n === "1e3" ? [{ id: `W2 n=${n} compile(grad(ops)), number[]`, yard: `W2.${n}`, make: (w) => compiled(w.compile(w.grad(rosenScalar(w))), [xs]) }] : []),
    ];
  }),
];

/** A compiled case: the first call (tracing, compiling) timed on its own. */
function compiled(cf, args) {
  const t0 = performance.now();
  cf(...args);
  const ms = performance.now() - t0;
  return { run: () => cf(...args), first: ms, note: `first call ${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms` };
}

/** Median seconds per call; a call slower than maxS is timed once. */
async function timeCase(c) {
  const t0 = performance.now();
  c.run();
  const one = (performance.now() - t0) / 1e3;
  if (one > maxS) return one;
  return (await timeIt(c.run, timing, one * 1e3)).median;
}

const rows = [`yardsticks timed first (load ${yardLoad}): W1 f ${fmt(yard.W1)}, ${sizes.map((n) => `W2 n=${n} f ${fmt(yard[`W2.${n}`])}`).join(", ")}; ${rounds} rounds, builds interleaved`, "",
  `| case | ${builds.map((b) => `${b.name} | ×f | load`).join(" | ")} | note |`, `|---|${builds.map(() => "---|---|---").join("|")}|---|`];
for (const cs of cases) {
  const made = [];
  for (const b of builds) {
    const t0 = performance.now();
    let m = null;
    try { m = cs.make(b.w); } catch (e) { m = { error: String(e).slice(0, 80) }; }
    if (m !== null && m.first === undefined && m.error === undefined) m.first = performance.now() - t0;
    made.push(m);
  }
  const times = made.map(() => []), loads = made.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < made.length; k++) {
      const m = made[k];
      if (m === null || m.error !== undefined) continue;
      if (r > 0 && times[k][0] > maxS) continue; // slow: once
      times[k].push(await timeCase(m));
      loads[k].push(os.loadavg()[0]);
    }
  }
  const cells = made.map((m, k) => {
    if (m === null) return "n/a | | ";
    if (m.error !== undefined) return `${m.error} | | `;
    const t = median(times[k]);
    return `${fmt(t)} | ${(t / yard[cs.yard]).toFixed(t / yard[cs.yard] < 10 ? 2 : 0)}× | ${median(loads[k]).toFixed(1)}`;
  });
  const notes = made.map((m, k) => (m?.note ? `${builds[k].name}: ${m.note}` : "")).filter(Boolean).join("; ");
  rows.push(`| ${cs.id} | ${cells.join(" | ")} | ${notes} |`);
  process.stderr.write(`${rows[rows.length - 1]}\n`);
}
console.log(rows.join("\n"));
