// Loop lines (scan, while, checkpoint) run step by step on the values of the interpreter that
// met them: each step's body is evaluated through bind (LoopBody.run), so that interpreter
// processes the body's lines as its own. For interpreters that have no rule for a whole loop
// (jet's Taylor series, the sparsity tracer): correct for any body, at the cost of one pass per
// step.

import type { Aval } from "../../array/aval.js";
import { zeros } from "../../array/ndarray.js";
import type { Primitive } from "../../core/primitive.js";
import type { Value } from "../../core/tracer.js";
import { stack } from "../../ops/api.js";
import { CHECKPOINT, type CheckpointParams } from "./checkpoint-prim.js";
import { SCAN, storageDType, type ScanParams } from "./scan-prim.js";
import { sliceLeaf } from "./slices.js";
import { WHILE, whileSteps, type WhileParams } from "./while-prim.js";

/** The outputs of a loop line (scan, while or checkpoint) run step by step, or null for any other primitive. */
export function unrollLoopLine(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value[] | null {
  if (prim === (SCAN as Primitive<unknown>)) return unrollScanLine(args, params as ScanParams);
  if (prim === (WHILE as Primitive<unknown>)) return unrollWhileLine(args, params as WhileParams);
  // f's lines, processed by the interpreter as its own (the checkpoint only matters to reverse mode).
  if (prim === (CHECKPOINT as Primitive<unknown>)) return (params as CheckpointParams).body.run(args);
  return null;
}

/** The while line's outputs (final carry; with `save`, the trip count and the carries entering the steps, stacked). */
function unrollWhileLine(args: readonly Value[], p: WhileParams): Value[] {
  const { carry, saved } = whileSteps(args, p);
  if (saved === null) return carry;
  const first = p.body.variants[0]!;
  const avals = first.outs.slice(0, p.nCarry).map((a) => first.avalOf(a));
  return [...carry, saved.length, ...avals.map((a, j) => stacked(saved.map((c) => c[j]!), a))];
}

function stacked(vals: readonly Value[], aval: Aval): Value {
  return vals.length === 0 ? zeros([0, ...aval.shape], storageDType(aval)) : stack(vals as Value[], 0);
}

/** The scan line's outputs (final carry, stacked per-step outputs, saved carries when asked) for operands `args`. */
function unrollScanLine(args: readonly Value[], p: ScanParams): Value[] {
  const { nConsts: nc, nCarry: nk, length: T, reverse, body } = p;
  const consts = args.slice(0, nc), xs = args.slice(nc + nk);
  let carry = args.slice(nc, nc + nk);
  const ys: Value[][] = [];
  const saved: Value[][] = carry.map(() => []);
  const saveAt = p.save === null ? null : p.save === "all" ? null : new Set(p.save);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    if (p.save === "all") carry.forEach((c, j) => (saved[j]![t] = c));
    else if (saveAt !== null && saveAt.has(k)) carry.forEach((c, j) => saved[j]!.push(c));
    body.step = k;
    const outs = body.run([...consts, ...carry, ...xs.map((x) => sliceLeaf(x, t))]);
    carry = outs.slice(0, nk);
    for (let j = nk; j < outs.length; j++) (ys[j - nk] ??= new Array<Value>(T))[t] = outs[j]!;
  }
  // A derived body (a VJP's) is traced at its first step: its types are known from here on.
  const first = body.variants[0];
  if (first === undefined) throw new Error("unreachable: a scan line of no steps whose body was never traced");
  const yAvals = first.outs.slice(nk).map((a) => first.avalOf(a));
  yAvals.forEach((_, j) => (ys[j] ??= []));
  const out: Value[] = [...carry, ...ys.map((v, j) => stacked(v, yAvals[j]!))];
  if (p.save !== null) {
    const carryAvals = first.outs.slice(0, nk).map((a) => first.avalOf(a));
    saved.forEach((v, j) => out.push(stacked(v, carryAvals[j]!)));
  }
  return out;
}
