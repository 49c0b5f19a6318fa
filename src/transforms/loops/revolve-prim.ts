// The reverse sweep of a checkpointed scan as one line: from the few carries the forward half
// kept (revolve.ts's firstSweep), it recomputes the others as the schedule says (binomial, or a
// snapshot every √T steps) and runs the body's VJP step by step, from the last step to the first.
// It evaluates the same lists on the same values in the same order as the plain reversed scan
// (the carries it recomputes are bit for bit those the forward half computed), so its results
// are bit for bit the plain gradient's.
//
//   operands  consts, the carry's cotangent, the consts' cotangents so far (zeros), the kept
//             carries (stacked, one row per kept step), the scanned arrays, the per-step outputs'
//             cotangents (stacked)
//   outputs   the cotangent of the initial carry, the consts' cotangents, the slices' (stacked)
//
// Its own derivative is not defined: reverse mode checkpoints a scan only when nothing
// differentiates the backward sweep again (scan-rules.ts keeps every carry otherwise).

import type { NDArray } from "../../array/ndarray.js";
import { withPrimitiveShape, type Primitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";
import { variantBodies, type LoopBody } from "./body.js";
import { emitReverse } from "./revolve-lower.js";
import { reverseSweep, type CheckpointPlan, type SweepStats } from "./revolve.js";
import { LOOP_AVAL } from "./scan-prim.js";
import { sliceOf } from "./slices.js";
import { SweepSteps } from "./sweep-steps.js";

export interface ReverseParams {
  /** The scan's body (advances a carry one step). */
  readonly body: LoopBody;
  /** Its VJP (scan-rules.ts's vjpBody): (consts; carry ct, consts' cts; carry, slices, y cts) → (carry ct, consts' cts; slices' cts). */
  readonly vjp: LoopBody;
  readonly length: number;
  readonly reverse: boolean;
  readonly plan: CheckpointPlan;
  readonly nConsts: number;
  readonly nCarry: number;
  /** Consts' cotangents carried (the active consts). */
  readonly nAcc: number;
  readonly nX: number;
  /** Slices' cotangents produced (the active scanned operands). */
  readonly nCtX: number;
  /** What the last sweep did: steps recomputed, adjoint steps, most carries held at once. */
  readonly stats: SweepStats;
}

function runReverse(args: readonly Tensor[], p: ReverseParams): Tensor[] {
  const { nConsts: nc, nCarry: nk, nAcc: kc, nX: nx, length: T } = p;
  let i = 0;
  const take = (n: number): Tensor[] => args.slice(i, (i += n));
  const consts = take(nc), ctK = take(nk), acc = take(kc), snaps = take(nk) as NDArray[], xs = take(nx) as NDArray[], cy = args.slice(i) as NDArray[];
  const rows = snaps.length === 0 ? 0 : snaps[0]!.shape[0]!;
  const first = Array.from({ length: rows }, (_, r) => snaps.map((s) => sliceOf(s, r)));
  const stats: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  const ops = new SweepSteps(p.body, p.vjp, consts, nk, nk + kc, xs, cy, (k) => (p.reverse ? T - 1 - k : k), T);
  const g = reverseSweep<Tensor[], Tensor[]>(T, p.plan, first, [...ctK, ...acc], ops, stats);
  const ctX = ops.finish(g, p.nCtX);
  Object.assign(p.stats, stats);
  return [...g, ...ctX];
}

export const REVERSE: Primitive<ReverseParams> = withPrimitiveShape<ReverseParams>({
  name: "scanReverse",
  broadcasts: false,
  infer: () => LOOP_AVAL,
  impl: (args, p) => runReverse(args, p) as unknown as Tensor,
  rule: { kind: "none", why: "the reverse sweep of a checkpointed scan is not differentiated again (a scan under higher-order reverse mode keeps its carries instead)" },
  display: { primal: (args, p) => `scanReverse(${args.join(", ")}; ${p.length} steps, ${p.plan.kind === "revolve" ? `${p.plan.slots} snapshots` : `a snapshot every ${p.plan.segment} steps`})` },
  // Compiled: the schedule drives generated steps of the two bodies (loops/revolve-lower.ts).
  lower: { emit: emitReverse },
  bodies: (p) => [
    ...variantBodies(p.body, "recompute"),
    ...variantBodies(p.vjp, "adjoint"),
  ],
  outputs: () => [],
});
