// The worker pool: threads that run chunks of a task alongside the calling thread, all on the
// kernels' one shared memory.
//
// No messages per call: the caller writes the task descriptor into the control block, bumps
// the generation word and wakes the workers (Atomics.notify); every thread, the caller
// included, then claims chunks with a compare-and-swap on one claim word until none are left,
// and the caller waits for the count of finished chunks. Chunks are claimed dynamically, so a
// worker that is still starting, or descheduled on a busy machine, never holds the caller up
// by more than the chunk it has claimed. Workers are unref'd: they never keep a Node process
// alive, and they sleep in Atomics.wait between tasks.

import { WengertError } from "../../base/errors.js";
import { CLAIM_CLOSED, CTRL, MAX_THREADS, W, WS } from "./layout.js";
import { isNode, nodeBuiltin, type Kernels } from "./runtime.js";
import { WORKER_SOURCE } from "./worker-source.js";

interface WorkerLike { unref?(): void; postMessage?(m: unknown): void; on?(ev: string, f: (e: unknown) => void): void }

const C = CTRL >> 2;
/** Workers started so far (the pool only grows; workers past the thread count sit idle). */
const workers: WorkerLike[] = [];
let generation = 0;
/** Set when starting a worker failed: the pool stays at its size, one thread if none. */
let cannotStart = "";

const ACTIVE = C + W.ACTIVE;
/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
let canBlock: boolean | undefined;

/** Starts workers until `threads − 1` exist (asynchronously: they join when ready). */
export function ensureWorkers(k: Kernels, threads: number): void {
  const want = Math.min(threads, MAX_THREADS) - 1;
  Atomics.store(k.i32, ACTIVE, Math.min(threads, workers.length + 1));
  if (!k.shared || want <= workers.length || cannotStart !== "") return;
  while (workers.length < want) {
    const index = workers.length + 1;
    const data = { module: k.module, memory: k.memory, ctrl: CTRL, w: W, ws: WS + index * k.wsSize, index, closed: CLAIM_CLOSED };
    const wk = spawn(data);
    if (wk === null) break;
    workers.push(wk);
  }
  Atomics.store(k.i32, ACTIVE, Math.min(threads, workers.length + 1));
}

function spawn(data: object): WorkerLike | null {
  try {
    if (isNode) {
      const wt = nodeBuiltin<{ Worker: new (src: string, o: object) => WorkerLike }>("node:worker_threads");
      if (wt === null) { cannotStart = "node:worker_threads is unavailable (Node < 20.16 has no process.getBuiltinModule)"; return null; }
      // execArgv: [] so that the worker inherits no loader or eval flags (--import, --input-type).
      const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: data, execArgv: [] });
      w.unref?.();
      // A worker that failed never claims a chunk: the others carry on, and kernelInfo says why.
      w.on?.("error", (e) => { cannotStart = `a kernel worker failed: ${e instanceof Error ? e.message : String(e)}`; });
      return w;
    }
    const g = globalThis as unknown as { Worker?: new (url: string) => WorkerLike; Blob?: new (parts: string[], o: object) => object; URL?: { createObjectURL(b: object): string } };
    if (!g.Worker || !g.Blob || !g.URL) { cannotStart = "no Worker here"; return null; }
    const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: "text/javascript" }));
    const w = new g.Worker(url);
    w.postMessage?.(data);
    return w;
  } catch (e) {
    cannotStart = e instanceof Error ? e.message : String(e);
    return null;
  }
}

/** Workers that have started and entered their loop. */
export function readyWorkers(k: Kernels): number {
  return Atomics.load(k.i32, C + W.READY);
}

/** Why no (more) workers could be started, or "". */
export function workerProblem(): string {
  return cannotStart;
}

/**
 * Runs chunks 0 … total−1 of the task whose descriptor is in the control block, on this thread
 * and on every active worker, and returns when all have finished.
 */
export function runTask(k: Kernels, total: number, parallel: boolean): void {
  const I = k.i32, ex = k.exports, desc = CTRL + 4 * W.DESC;
  if (!parallel || workers.length === 0 || total === 1) {
    for (let i = 0; i < total; i++) ex.task(desc, i, WS);
    return;
  }
  const g = (generation = (generation + 1) & 0x7fff);
  Atomics.store(I, C + W.CLAIM, (g << 16) | CLAIM_CLOSED);
  I[C + W.TOTAL] = total;
  Atomics.store(I, C + W.DONE, 0);
  Atomics.store(I, C + W.CLAIM, g << 16);
  Atomics.store(I, C + W.GEN, g);
  Atomics.notify(I, C + W.GEN);
  let done = 0;
  for (;;) {
    const w = Atomics.load(I, C + W.CLAIM);
    const idx = w & 0xffff;
    if (idx >= total) break;
    if (Atomics.compareExchange(I, C + W.CLAIM, w, w + 1) !== w) continue;
    ex.task(desc, idx, WS);
    done = Atomics.add(I, C + W.DONE, 1) + 1;
  }
  // Wait for the chunks that workers claimed. Atomics.wait blocks in Node and in workers; a
  // browser's main thread may not block, so it spins on the counter instead.
  while ((done = Atomics.load(I, C + W.DONE)) < total) {
    if (canBlock !== false) {
      try { Atomics.wait(I, C + W.DONE, done, 50); canBlock = true; } catch { canBlock = false; }
    }
  }
  if (Atomics.exchange(I, C + W.FAILED, 0) !== 0) {
    throw new WengertError("matmul", "a kernel worker failed while running its part of the product (a bug in wengert: please report it); setKernelOptions({ threads: 1 }) avoids the workers");
  }
}
