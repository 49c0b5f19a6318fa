// One system in one process: node worker.mjs <system> [--quick] [filters...]
// Times the plain-JS yardsticks first, before the system's library is even imported (a
// library's wasm memory growth detaches ArrayBuffers, which slows every typed-array loop in
// the process), then the system's cases; prints one line "@@RESULT <json>" on stdout.
import { SYSTEMS } from "./lib/cases.mjs";
import { once, timeIt, timingOptions } from "./lib/time.mjs";
import { selectMeasures, YARDSTICKS } from "./lib/workloads.mjs";

const MAX_CALL_MS = 10_000;

const log = (...a) => process.stderr.write(a.join(" ") + "\n");
const firstLine = (e) =>
  String(e?.message ?? e)
    .split("\n")[0]
    .slice(0, 160);

async function timeYardsticks(keys, opts) {
  const out = {};
  for (const key of keys) {
    const [value, first] = await once(YARDSTICKS[key].run);
    out[key] = { value, ...(await timeIt(YARDSTICKS[key].run, opts, first)) };
  }
  return out;
}

/** One case: a checked first call (also the first warm-up), then the timing. */
async function runCase(c, opts, quick) {
  if (c.na) return { status: "n/a", note: c.na };
  if (quick && c.slow) return { status: "skipped", note: "slow; skipped under --quick" };
  try {
    const [check, first] = await once(c.check);
    const checked = Array.isArray(check) ? { values: check } : check;
    if (first > MAX_CALL_MS) return { status: "too slow", ...checked, firstMs: first, note: c.note };
    return { status: "ok", ...checked, ...(await timeIt(c.run, opts, first)), note: c.note };
  } catch (e) {
    return { status: "error", note: firstLine(e) };
  }
}

async function main() {
  const [system, ...rest] = process.argv.slice(2);
  const quick = rest.includes("--quick");
  const filters = rest.filter((a) => !a.startsWith("--"));
  if (!SYSTEMS[system]) throw new Error(`unknown system ${system}; one of ${Object.keys(SYSTEMS).join(", ")}`);
  const opts = timingOptions(quick);
  const measures = selectMeasures(filters);
  const yardKeys = [...new Set(measures.map((m) => m.yard))];

  // The yardsticks are cheap: more warm-up and samples make the denominators steadier.
  const yardOpts = { ...opts, runs: 15, warmupMs: 2 * opts.warmupMs };
  const before = await timeYardsticks(yardKeys, yardOpts);
  const [file, param] = SYSTEMS[system];
  const sys = await (await import(`./systems/${file}.mjs`)).create(param);

  const rows = [];
  for (const m of measures) {
    const make = sys.cases[m.id];
    if (!make) continue;
    let made;
    try {
      made = make();
    } catch (e) {
      made = { error: e };
    }
    for (const c of [made].flat()) {
      const variant = c.variant ? `${sys.name} ${c.variant}` : sys.name;
      const r = c.error ? { status: "error", note: firstLine(c.error) } : await runCase(c, opts, quick);
      log(
        `  ${variant.padEnd(14)} ${m.id.padEnd(20)} ${r.status} ${r.median ? (r.median * 1e3).toPrecision(4) + " ms" : ""} ${r.values ? r.values.map((v) => +v.toPrecision(10)).join(", ") : ""} ${r.note ?? ""}`,
      );
      rows.push({ measure: m.id, system: variant, dtype: c.dtype ?? sys.dtype, ...r });
    }
  }
  // The yardsticks again, after the library ran: shows whether it slowed plain JS down. A
  // detached buffer can only make this second timing slower; the machine's noise can hit either.
  const after = await timeYardsticks(yardKeys, yardOpts);
  process.stdout.write(`@@RESULT ${JSON.stringify({ system, rows, yard: before, yardAfter: after })}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`worker ${process.argv[2]} failed: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
