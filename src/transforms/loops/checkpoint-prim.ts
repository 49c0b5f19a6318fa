// The checkpoint line: checkpoint(f) under a transform is one line whose body is f's nested
// Wengert list (loops/body.ts: traced once, closed-over tracers as leading operands), so that
// reverse mode can run f again instead of keeping its intermediates on the tape.
//
//   operands   consts (what f closes over), then f's argument leaves
//   body       (consts, arguments) → f's output leaves
//   outputs    f's output leaves
//
// Its rules are in loops/checkpoint-rules.ts: a JVP that is a checkpoint line again, and a VJP
// whose forward half keeps only the values the policy names and whose pullback re-runs f.

import type { Body } from "../../core/ir.js";
import { withPrimitiveShape, type Primitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";
import { variantBodies, type LoopBody } from "./body.js";
import { CHECKPOINT_RULES } from "./checkpoint-rules.js";
import { kernelLine } from "./kernel-line.js";
import { LOOP_AVAL } from "./scan-prim.js";

export interface CheckpointParams {
  readonly body: LoopBody;
  readonly nConsts: number;
  /** Which lines' outputs reverse mode keeps rather than recomputes (by primitive name). */
  readonly keep: (op: string) => boolean;
  /** The policy as the trace prints it. */
  readonly policy: string;
}

function bodies(p: CheckpointParams): Body[] {
  return variantBodies(p.body, "f");
}

export const CHECKPOINT: Primitive<CheckpointParams> = withPrimitiveShape<CheckpointParams>({
  name: "checkpoint",
  broadcasts: false,
  // Several outputs, typed by the values f produced (see `outputs`).
  infer: () => LOOP_AVAL,
  impl: (args, p) => p.body.run(args) as Tensor[] as unknown as Tensor,
  rule: {
    kind: "program",
    rules: {
      jvp: (primals, tangents, p) => CHECKPOINT_RULES.jvp(primals, tangents, p),
      vjp: (primals, active, p) => CHECKPOINT_RULES.vjp(primals, active, p),
    },
  },
  display: { primal: (args, p) => `checkpoint(${args.join(", ")}; keeps ${p.policy})` },
  // Compiled code calls the line's kernel: f's list evaluated once.
  lower: { emit: kernelLine<CheckpointParams>((p) => p.body.variants[0]!.outs.length) },
  bodies,
  outputs: (p) => {
    const l = p.body.variants[0]!;
    return l.outs.map((a) => l.avalOf(a));
  },
});
