// The source of a kernel worker (run with `eval` in Node's worker_threads, or from a Blob URL in
// a browser). It instantiates the kernels on the shared memory it is given, then sleeps until
// the caller publishes a task, claims chunks exactly as the caller does (threads.ts), and
// sleeps again. It is plain JavaScript in a string because a worker needs a script of its own.

export const WORKER_SOURCE = `"use strict";
function start(d) {
  const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  const I = new Int32Array(d.memory.buffer), C = d.ctrl >> 2, W = d.w;
  const GEN = C + W.GEN, CLAIM = C + W.CLAIM, TOTAL = C + W.TOTAL, DONE = C + W.DONE;
  const desc = d.ctrl + 4 * W.DESC;
  Atomics.add(I, C + W.READY, 1);
  let seen = Atomics.load(I, GEN);
  for (;;) {
    Atomics.wait(I, GEN, seen);
    seen = Atomics.load(I, GEN);
    if (d.index >= Atomics.load(I, C + W.ACTIVE)) continue;
    for (;;) {
      const w = Atomics.load(I, CLAIM);
      if (w >>> 16 !== seen) break;
      const idx = w & 0xffff, total = I[TOTAL];
      if (idx >= total) break;
      if (Atomics.compareExchange(I, CLAIM, w, w + 1) !== w) continue;
      try { ex.task(desc, idx, d.ws); } catch (e) { Atomics.store(I, C + W.FAILED, 1); }
      Atomics.add(I, C + W.WORKER_CHUNKS, 1);
      if (Atomics.add(I, DONE, 1) + 1 === total) Atomics.notify(I, DONE);
    }
  }
}
const wt = typeof require === "function" ? require("node:worker_threads")
  : typeof process === "object" && typeof process.getBuiltinModule === "function" ? process.getBuiltinModule("node:worker_threads") : null;
if (wt !== null) start(wt.workerData);
else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;
