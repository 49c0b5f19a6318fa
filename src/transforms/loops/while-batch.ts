// vmap of a while line, example by example: each example's loop runs on its own (its trip count
// may differ: a batched cond would have to run until every example is done and mask the rest),
// and the outputs are stacked. Correct for any batch; it costs one loop per example. A trip
// count every example shares stays unbatched (reverse mode reads it as a number).

import type { Aval } from "../../array/aval.js";
import { avalOf, bind } from "../../core/primitive.js";
import { concrete, type Value } from "../../core/tracer.js";
import { reshape, slice, stack, toScalar } from "../../ops/api.js";
import type { BatchInterpreter } from "../batch.js";
import { WHILE, type WhileParams } from "./while-prim.js";

export function batchWhile(xs: readonly Value[], batched: readonly boolean[], params: unknown, interp: BatchInterpreter, avals: readonly Aval[]): { outs: Value[]; avals: (Aval | null)[] } {
  const p = params as WhileParams;
  const B = interp.size;
  const example = (x: Value, i: number, b: number): Value => {
    if (!batched[i]) return x;
    const one = slice(x, [b], [b + 1]);
    return avals[i]!.js ? toScalar(one) : reshape(one, [...avals[i]!.shape]);
  };
  const runs = Array.from({ length: B }, (_, b) => bind(WHILE, xs.map((x, i) => example(x, i, b)), p) as unknown as Value[]);
  const outs: Value[] = [], outAv: (Aval | null)[] = [];
  runs[0]!.forEach((o0, j) => {
    const trip = p.save && j === p.nCarry;
    if (trip) {
      const t = concrete(o0);
      if (runs.every((r) => concrete(r[j]!) === t)) { outs.push(o0); outAv.push(null); return; }
    }
    outs.push(stack(runs.map((r) => r[j]!), 0));
    const a = avalOf(concrete(o0));
    outAv.push(a.js ? a : { shape: a.shape, dtype: a.dtype, js: false });
  });
  return { outs, avals: outAv };
}
