// What reverse mode keeps between its forward and backward sweeps, reported: every line of the
// tape (each keeps its output until the backward sweep reads it), and for each loop line what it
// stored (carries, or a checkpointing schedule's few snapshots) and how many steps the backward
// sweep recomputed. This is the memory that grows with the number of operations; scan,
// checkpoints and checkpoint(f) are how to bound it (README, "Reverse mode's memory").

import { NDArray } from "../array/ndarray.js";
import { ArgumentError } from "../base/errors.js";
import { onesLike, type Fn } from "./args.js";
import { primalOf, pull, record } from "./grad.js";

/** One loop line of the tape. */
export interface LoopMemory {
  /** The line's primitive: "scan" (scan, foriLoop), "while" or "checkpoint". */
  readonly op: string;
  /** Carries it kept for the backward sweep (every step's, or the schedule's snapshots). */
  readonly carriesStored: number;
  /** Bytes of those carries. */
  readonly bytes: number;
  /** Steps the backward sweep ran forward again (checkpointing's price); 0 when every carry was kept. */
  readonly recomputedSteps: number;
  /** Whether the loop ran with checkpoints (a schedule of snapshots) rather than keeping every carry. */
  readonly checkpointed: boolean;
}

/** What a gradient's tape kept for its backward sweep (gradMemory's `memory`). */
export interface MemoryReport {
  /** Lines recorded on the tape (a loop is one line, or one per output). */
  readonly lines: number;
  /** Bytes kept: the arrays the tape's lines hold (8 per number), plus what loop lines stored. */
  readonly bytes: number;
  readonly loops: readonly LoopMemory[];
}

interface StoredLike { readonly bytes: number; readonly carries: number; readonly recomputed?: number; readonly checkpointed?: boolean }

/**
 * valueAndGrad of a scalar function of its first argument, with a report of what its tape kept.
 *
 * @example
 * ```ts
 * const f = (x: NDArray) => w.sum(w.scan((c: NDArray) => [w.sin(c), null], x, null, { length: 1000, checkpoints: "binomial" })[0]);
 * const { value, grad, memory } = w.gradMemory(f)(w.ones([100]));
 * memory.loops[0];   // { op: "scan", carriesStored: 46, bytes: 36800, recomputedSteps: …, checkpointed: true }
 * ```
 */
export function gradMemory<A extends unknown[]>(f: Fn<A, unknown>): (...args: A) => { value: unknown; grad: unknown; memory: MemoryReport } {
  if (typeof f !== "function") throw new ArgumentError("gradMemory", `expected the function to differentiate, got ${f === null ? "null" : typeof f}`);
  return (...args: A) => {
    const t = record("gradMemory", f as Fn<unknown[], unknown>, args, [0]);
    const out = t.outLeaves[0];
    if (t.outLeaves.length !== 1 || out === undefined) throw new ArgumentError("gradMemory", `the function returned ${t.outLeaves.length} values; it needs one scalar output`);
    const [grad] = pull(t, [onesLike(out)]);
    const value = primalOf(t.tape, out);
    let bytes = 0;
    for (const n of t.tape.nodes) bytes += n.primal instanceof NDArray ? n.primal.data.byteLength : 8;
    const loops = t.tape.groups().map((g): LoopMemory => {
      const s = (g.stored ?? { bytes: 0, carries: 0 }) as StoredLike;
      bytes += s.bytes;
      return { op: t.tape.nodes[g.first]!.prim!.name, carriesStored: s.carries, bytes: s.bytes, recomputedSteps: s.recomputed ?? 0, checkpointed: s.checkpointed ?? false };
    });
    t.tape.release();
    return { value, grad, memory: { lines: t.tape.nodes.length, bytes, loops } };
  };
}
