// The one timing helper: warm up, then take `runs` samples (each long enough to time
// reliably: fast calls are repeated inside a sample) and report the median per call.

const now = () => process.hrtime.bigint();
/** Results are stored here so that the JIT cannot drop a call whose value goes unused. */
export let sink;
const ms = (t0, t1) => Number(t1 - t0) / 1e6;

/** Settings: full runs, or --quick (shorter samples and warm-up; still ≥ 7 samples). */
export function timingOptions(quick) {
  return quick ? { runs: 7, sampleMs: 2, warmupMs: 20 } : { runs: 9, sampleMs: 15, warmupMs: 150 };
}

/** Calls fn once (awaiting a promise) and returns [result, milliseconds]. */
export async function once(fn) {
  const t0 = now();
  let r = fn();
  if (r && typeof r.then === "function") r = await r;
  return [r, ms(t0, now())];
}

/**
 * Median seconds per call of fn (sync or async), after warm-up. `firstMs`: the time of a call
 * already made (it counts towards the warm-up).
 */
export async function timeIt(fn, { runs, sampleMs, warmupMs }, firstMs = 0) {
  const isAsync = fn.constructor.name === "AsyncFunction";
  const loop = isAsync
    ? async (k) => {
        const t0 = now();
        for (let i = 0; i < k; i++) sink = await fn();
        return ms(t0, now());
      }
    : async (k) => {
        const t0 = now();
        for (let i = 0; i < k; i++) sink = fn();
        return ms(t0, now());
      };
  // Warm up until warmupMs has been spent, doubling the batch; this also estimates one call.
  let spent = firstMs,
    calls = firstMs > 0 ? 1 : 0,
    k = 1,
    perCall = firstMs;
  while (spent < warmupMs || calls === 0) {
    const t = await loop(k);
    spent += t;
    calls += k;
    perCall = t / k;
    k = Math.min(k * 2, 1 << 20);
  }
  const iters = Math.max(1, Math.ceil(sampleMs / Math.max(perCall, 1e-6)));
  const samples = [];
  for (let r = 0; r < runs; r++) samples.push((await loop(iters)) / iters);
  samples.sort((a, b) => a - b);
  return { median: samples[runs >> 1] / 1e3, min: samples[0] / 1e3, max: samples[runs - 1] / 1e3, runs, iters };
}
