// One system in one process: node worker.mjs <system> [--quick] [filters...]
// Times the plain-JS yardsticks first, before the system's library is even imported (a
// library's wasm memory growth detaches ArrayBuffers, which slows every typed-array loop in
// the process), then the system's cases; prints one line "@@RESULT <json>" on stdout.
import { SYSTEMS } from "./lib/cases.mjs";
import { once, timeIt, timingOptions } from "./lib/time.mjs";
import { selectMeasures, YARDSTICKS } from "./lib/workloads.mjs";

const MAX_CALL_MS = 10_000;
/** Cases marked `long` (a call takes seconds): a few single-call samples, and calls of up to two minutes. */
const LONG_MAX_CALL_MS = 120_000;
const longTiming = (quick) => ({ runs: quick ? 1 : 3, sampleMs: 0, warmupMs: 0 });

const MiB = 2 ** 20;
/** Peak resident memory of this process so far, in bytes. */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

const log = (...a) => process.stderr.write(a.join(" ") + "\n");
const firstLine = (e) =>
  String(e?.message ?? e)
    .split("\n")[0]
    .slice(0, 160);

async function timeYardsticks(keys, opts) {
  const out = {};
  for (const key of keys) {
    const y = YARDSTICKS[key];
    const [value, first] = await once(y.run);
    out[key] = { value, ...(await timeIt(y.run, y.long ? { runs: 5, sampleMs: 0, warmupMs: 0 } : opts, first)) };
  }
  return out;
}

/**
 * One case: a checked first call (also the first warm-up), then the timing. The RSS growth is
 * the process's peak resident memory after the case less its resident memory before it: a
 * case's own figure only when it runs in a process of its own (the measure's `isolate`).
 */
async function runCase(entry, opts, quick) {
  // A variant may be lazy ({ variant, build }): built here, so that its RSS growth includes its
  // setup (compiling, for a compiled variant) and a process running another variant never builds it.
  const rss0 = process.memoryUsage().rss;
  let c = entry;
  try {
    if (typeof entry.build === "function") c = { variant: entry.variant, ...entry.build() };
  } catch (e) {
    return { status: "error", note: firstLine(e), case: entry };
  }
  const res = await measureCase(c, opts, quick, rss0);
  return { ...res, case: c };
}

async function measureCase(c, opts, quick, rss0) {
  if (c.na) return { status: "n/a", note: c.na };
  if (quick && c.slow) return { status: "skipped", note: "slow; skipped under --quick" };
  try {
    const [check, first] = await once(c.check);
    const checked = Array.isArray(check) ? { values: check } : check;
    const rss = () => ({ rssGrowthMB: (peakRss() - rss0) / MiB });
    if (first > (c.long ? LONG_MAX_CALL_MS : MAX_CALL_MS)) return { status: "too slow", ...checked, firstMs: first, note: c.note, ...rss() };
    const timing = await timeIt(c.run, c.long ? longTiming(quick) : opts, first);
    return { status: "ok", ...checked, ...timing, note: c.note, ...rss() };
  } catch (e) {
    return { status: "error", note: firstLine(e) };
  }
}

async function main() {
  const [system, ...rest] = process.argv.slice(2);
  const quick = rest.includes("--quick");
  // --variant=i: only the i-th variant of each case (a measure whose variants each get a process).
  const variantArg = rest.find((a) => a.startsWith("--variant="));
  const only = variantArg === undefined ? undefined : Number(variantArg.slice("--variant=".length));
  const filters = rest.filter((a) => !a.startsWith("--"));
  if (!SYSTEMS[system]) throw new Error(`unknown system ${system}; one of ${Object.keys(SYSTEMS).join(", ")}`);
  const opts = timingOptions(quick);
  const measures = selectMeasures(filters);
  const yardKeys = [...new Set(measures.map((m) => m.yard).filter((y) => y !== undefined))];
  const load0 = (await import("node:os")).loadavg()[0];

  // The yardsticks are cheap: more warm-up and samples make the denominators steadier.
  const yardOpts = { ...opts, runs: 15, warmupMs: 2 * opts.warmupMs };
  const before = await timeYardsticks(yardKeys, yardOpts);
  const [file, param] = SYSTEMS[system];
  const sys = await (await import(`./systems/${file}.mjs`)).create(param);

  const rows = [];
  const variantCounts = {};
  for (const m of measures) {
    const make = sys.cases[m.id];
    if (!make) continue;
    let made;
    try {
      made = make();
    } catch (e) {
      made = { error: e };
    }
    const all = [made].flat();
    variantCounts[m.id] = all.length;
    for (const [i, c] of all.entries()) {
      if (only !== undefined && i !== only) continue;
      const r = c.error ? { status: "error", note: firstLine(c.error) } : await runCase(c, opts, quick);
      const built = r.case ?? c;
      const variant = built.variant ? `${sys.name} ${built.variant}` : sys.name;
      log(
        `  ${variant.padEnd(14)} ${m.id.padEnd(20)} ${r.status} ${r.median ? (r.median * 1e3).toPrecision(4) + " ms" : ""} ${r.values ? r.values.map((v) => +v.toPrecision(10)).join(", ") : ""} ${r.note ?? ""}`,
      );
      delete r.case;
      rows.push({ measure: m.id, system: variant, dtype: built.dtype ?? sys.dtype, ...r, ...(built.compileMs !== undefined ? { compileMs: built.compileMs } : {}) });
    }
  }
  // The yardsticks again, after the library ran: shows whether it slowed plain JS down. A
  // detached buffer can only make this second timing slower; the machine's noise can hit either.
  const after = await timeYardsticks(yardKeys, yardOpts);
  const load = [load0, (await import("node:os")).loadavg()[0]];
  process.stdout.write(`@@RESULT ${JSON.stringify({ system, rows, yard: before, yardAfter: after, variantCounts, load })}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`worker ${process.argv[2]} failed: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
