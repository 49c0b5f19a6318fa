// One batched pass of a Jacobian (or of vmap) whose intermediate batches go back to the buffer
// pool when it is over. A dense batch is B times an example ([1000, 1000] float64 is 8 MB), and
// a fresh buffer of that size costs the OS's zeroing and page faults on first touch, more than
// the elementwise loop that fills it: W5's dense Jacobians spent most of their time there. The
// batches of a pass are tracers' values one level down, which user code cannot read (value() of
// a batched value is a BatchingError), so once the pass returns only its result can hold one.

import { beginLog, endLog, recycle } from "../array/pool.js";
import { runWith, transformRunning } from "../core/tracer.js";
import type { BatchInterpreter } from "./batch.js";
import { keepBuffers } from "./reverse.js";

/**
 * Runs `f` under `bi`; then, when no other transform encloses the pass (an enclosing one may
 * have taken any concrete batch as a constant of its own, as with a tape's arrays), gives back
 * the buffers of the batches the pass allocated, except those `keep(result)` holds.
 */
export function batchPass<T>(bi: BatchInterpreter, f: () => T, keep: (r: T) => unknown): T {
  if (transformRunning()) return runWith(bi, f);
  bi.batches = [];
  const log = beginLog();
  let r: T;
  try {
    r = runWith(bi, f);
  } finally {
    endLog(log);
  }
  const kept = new Set<ArrayBufferLike>();
  keepBuffers(keep(r), kept);
  recycle(bi.batches, log, kept);
  bi.batches = null;
  return r;
}
