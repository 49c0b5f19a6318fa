// whileLoop(…, { checkpoints: k }) under reverse mode: online checkpointing, since the trip count
// is only known when the loop ends. The forward half runs the loop offering each state to
// revolve.ts's OnlineCheckpoints (the repeated-doubling scheme: at most k snapshots, evenly
// spaced; when full, every other one is dropped and the spacing doubles — cf. Stumm & Walther,
// "New algorithms for optimal online checkpointing", SIAM J. Sci. Comput. 32(2), 2010, for
// placements closer to the offline optimum). Memory is O(k) carries whatever T; the steps
// recomputed grow with T/k (gradMemory reports them). The backward sweep reverses the segments
// between the snapshots from the last to the first, each by binomial checkpointing on the slots
// the snapshots still held leave free.
//
//   whileSnapshots  operands as the while line's; outputs the final carry, the trip count T, the
//                   snapshots' positions (a float64 array of m ≤ k) and the snapshots (one stacked
//                   array per carry leaf, m rows)
//   whileReverse    operands: body consts, the carry's cotangent, the consts' cotangents so far
//                   (zeros), the positions, the snapshots; outputs the initial carry's cotangent
//                   and the consts' cotangents
//
// Both run as kernels (compiled code calls them); neither is differentiated again: reverse mode
// checkpoints a while loop only when nothing differentiates its backward sweep (while-rules.ts).

import { NDArray } from "../../array/ndarray.js";
import { release, step } from "../../array/pool.js";
import { withPrimitiveShape, type Primitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";
import { variantBodies, type LoopBody } from "./body.js";
import { kernelLine } from "./kernel-line.js";
import { OnlineCheckpoints, type SweepStats } from "./revolve.js";
import { LOOP_AVAL } from "./scan-prim.js";
import { sliceOf } from "./slices.js";
import { SweepSteps } from "./sweep-steps.js";
import { iterationLimit, stackRows, truth, type WhileParams } from "./while-prim.js";

/** A copy of a carry to keep as a snapshot (the loop recycles the buffers of the carries it passes). */
function kept(c: readonly Tensor[]): Tensor[] {
  return c.map((v) => (v instanceof NDArray ? new NDArray(v.data.slice(), v.shape) : v));
}

function runOnline(args: readonly Tensor[], p: WhileParams): Tensor[] {
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const condIns: Tensor[] = args.slice(0, ncc).concat(args.slice(ncc + nc));
  const bodyIns: Tensor[] = args.slice(ncc);
  const oc = new OnlineCheckpoints<Tensor[] | null>(p.checkpoints!);
  let owned: ReturnType<typeof step>["owned"] = [];
  let k = 0;
  for (;; k++) {
    p.cond.step = k;
    const c = step(() => p.cond.run(condIns) as Tensor[]);
    const more = truth(k, c.outs[0]);
    release(c.owned);
    if (!more) break;
    if (k >= p.maxIter) throw iterationLimit(p.maxIter, bodyIns.slice(nc));
    oc.offer(k, oc.wants(k) ? kept(bodyIns.slice(nc)) : null);
    p.body.step = k;
    const r = step(() => p.body.run(bodyIns) as Tensor[]);
    // The carry before this step is dead (a snapshot of it is a copy).
    release(owned, r.outs);
    owned = r.owned;
    for (let j = 0; j < nk; j++) condIns[ncc + j] = bodyIns[nc + j] = r.outs[j]!;
  }
  const carry = bodyIns.slice(nc);
  const states = oc.snapshots as Tensor[][];
  const positions = new NDArray(Float64Array.from(oc.positions), [oc.positions.length]);
  return [...carry, k, positions, ...carry.map((c, j) => stackRows(states, j, c))];
}

export const WHILE_SNAPSHOTS: Primitive<WhileParams> = withPrimitiveShape<WhileParams>({
  name: "whileSnapshots",
  broadcasts: false,
  infer: () => LOOP_AVAL,
  impl: (args, p) => runOnline(args, p) as unknown as Tensor,
  rule: { kind: "none", why: "the forward half of a checkpointed while loop is not differentiated again (under higher-order reverse mode the loop keeps every carry)" },
  display: { primal: (args, p) => `whileSnapshots(${args.join(", ")}; at most ${p.checkpoints} snapshots${p.maxIter === Infinity ? "" : `; maxIter ${p.maxIter}`})` },
  lower: { emit: kernelLine<WhileParams>((p) => 2 * p.nCarry + 2) },
  bodies: (p) => [
    ...variantBodies(p.cond, "cond"),
    ...variantBodies(p.body, "body"),
  ],
  outputs: () => [],
});

export interface WhileReverseParams {
  readonly body: LoopBody;
  /** The body's VJP (scan-rules.ts's vjpBody, no slices). */
  readonly vjp: LoopBody;
  /** The trip count. */
  readonly length: number;
  /** The most snapshots (the forward half's k). */
  readonly capacity: number;
  readonly nConsts: number;
  readonly nCarry: number;
  readonly nAcc: number;
  /** What the last sweep did. */
  readonly stats: SweepStats;
}

function runReverse(args: readonly Tensor[], p: WhileReverseParams): Tensor[] {
  const { nConsts: nc, nCarry: nk, nAcc: kc, length: T } = p;
  const consts = args.slice(0, nc), g0 = args.slice(nc, nc + nk + kc);
  const positions = args[nc + nk + kc] as NDArray, snaps = args.slice(nc + nk + kc + 1) as NDArray[];
  const pos = Array.from(positions.data);
  const oc = OnlineCheckpoints.restore(p.capacity, T, pos, pos.map((_, r) => snaps.map((s) => sliceOf(s, r))));
  const ops = new SweepSteps(p.body, p.vjp, consts, nk, nk + kc, [], [], (k) => k, T);
  const stats: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  const g = oc.reverse(g0, ops, stats);
  ops.finish(g, 0);
  Object.assign(p.stats, stats);
  return g;
}

export const WHILE_REVERSE: Primitive<WhileReverseParams> = withPrimitiveShape<WhileReverseParams>({
  name: "whileReverse",
  broadcasts: false,
  infer: () => LOOP_AVAL,
  impl: (args, p) => runReverse(args, p) as unknown as Tensor,
  rule: { kind: "none", why: "the reverse sweep of a checkpointed while loop is not differentiated again (under higher-order reverse mode the loop keeps every carry)" },
  display: { primal: (args, p) => `whileReverse(${args.join(", ")}; ${p.length} steps, at most ${p.capacity} snapshots)` },
  lower: { emit: kernelLine<WhileReverseParams>((p) => p.nCarry + p.nAcc) },
  bodies: (p) => [
    ...variantBodies(p.body, "recompute"),
    ...variantBodies(p.vjp, "adjoint"),
  ],
  outputs: () => [],
});
