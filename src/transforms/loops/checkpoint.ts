// checkpoint(f) under a transform: f traced once into a nested list (loops/body.ts) and bound as
// one checkpoint line (loops/checkpoint-prim.ts) on the tracers it closes over and its arguments.

import { bind } from "../../core/primitive.js";
import { flatten, unflatten, type TreeDef } from "../../core/pytree.js";
import { concrete, type Value } from "../../core/tracer.js";
import { ArgumentError, TracerError } from "../../base/errors.js";
import { describe } from "../../base/format.js";
import { LoopBody, LoopRetrace } from "./body.js";
import { hasTracer } from "./carry.js";
import { CHECKPOINT } from "./checkpoint-prim.js";

export function checkpointLine(f: (...a: unknown[]) => unknown, args: readonly unknown[], keep: (op: string) => boolean, policy: string): unknown {
  const { def, leaves } = flatten(args, [], "checkpoint");
  let outDef: TreeDef | null = null;
  const body = new LoopBody("checkpoint", (_consts, inputs) => {
    const out = f(...(unflatten(def, inputs) as unknown[]));
    const o = flatten(out, [], "checkpoint");
    for (const l of o.leaves) {
      if (typeof l === "boolean") throw new ArgumentError("checkpoint", `the function returned ${describe(l)} among its outputs; it must return numbers, arrays or containers of them`);
    }
    outDef ??= o.def;
    return o.leaves;
  }, 0, true);
  let first: readonly unknown[];
  try {
    first = body.traceFirst([], leaves.map(concrete));
  } catch (e) {
    // f computes with JS operators on its values (x * 2), or cannot be one line: run it as is,
    // every op seen by the active transforms (correct; only nothing is rematerialised).
    if (e instanceof TracerError || e instanceof LoopRetrace) return f(...args);
    throw e;
  }
  // Nothing f reads is traced: its value is a constant to every transform.
  if (body.captured.length === 0 && !hasTracer(leaves)) return unflatten(outDef!, first);
  const outs = bind(CHECKPOINT, [...body.captured, ...leaves] as Value[], { body, nConsts: body.captured.length, keep, policy }) as unknown as Value[];
  return unflatten(outDef!, outs);
}
