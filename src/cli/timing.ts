// Time per call: run a function until `budgetMs` has passed (at least `minRuns` times) and
// report the mean. Rough, but enough to show orders of magnitude between methods.

export function timePerCall(fn: () => unknown, budgetMs: number, minRuns = 3): { seconds: number; runs: number } {
  for (let i = 0; i < 2; i++) fn(); // warm up
  let runs = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (runs < minRuns || elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) fn();
    runs += batch;
    elapsed = performance.now() - start;
    if (elapsed < budgetMs / 10) batch *= 2;
  }
  return { seconds: elapsed / 1000 / runs, runs };
}

/** 1.23 µs, 45.6 ns, 2.1 ms. */
export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "—";
  if (s >= 1) return `${s.toPrecision(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toPrecision(3)} µs`;
  return `${(s * 1e9).toPrecision(3)} ns`;
}
