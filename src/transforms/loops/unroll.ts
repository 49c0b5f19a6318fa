// A scan line run step by step on the values of the interpreter that met it: each step's body
// is evaluated through bind (LoopBody.run), so that interpreter processes the body's lines as
// its own. For interpreters that have no rule for a whole loop (jet's Taylor series, the
// sparsity tracer): correct for any body, at the cost of one pass per step.

import type { Aval } from "../../array/aval.js";
import { zeros } from "../../array/ndarray.js";
import type { Value } from "../../core/tracer.js";
import { stack } from "../../ops/api.js";
import { storageDType, type ScanParams } from "./scan-prim.js";
import { sliceLeaf } from "./slices.js";

/** The scan line's outputs (final carry, stacked per-step outputs, saved carries when asked) for operands `args`. */
export function unrollScanLine(args: readonly Value[], p: ScanParams): Value[] {
  const { nConsts: nc, nCarry: nk, length: T, reverse, body } = p;
  const consts = args.slice(0, nc), xs = args.slice(nc + nk);
  let carry = args.slice(nc, nc + nk);
  const first = body.variants[0]!;
  const yAvals = first.outs.slice(nk).map((a) => first.avalOf(a));
  const ys: Value[][] = yAvals.map(() => new Array<Value>(T));
  const saved: Value[][] = carry.map(() => []);
  const saveAt = p.save === null ? null : p.save === "all" ? null : new Set(p.save);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    if (p.save === "all") carry.forEach((c, j) => (saved[j]![t] = c));
    else if (saveAt !== null && saveAt.has(k)) carry.forEach((c, j) => saved[j]!.push(c));
    body.step = k;
    const outs = body.run([...consts, ...carry, ...xs.map((x) => sliceLeaf(x, t))]);
    carry = outs.slice(0, nk);
    for (let j = 0; j < ys.length; j++) ys[j]![t] = outs[nk + j]!;
  }
  const stacked = (vals: Value[], aval: Aval): Value => (vals.length === 0 ? zeros([0, ...aval.shape], storageDType(aval)) : stack(vals, 0));
  const out: Value[] = [...carry, ...ys.map((v, j) => stacked(v, yAvals[j]!))];
  if (p.save !== null) {
    const carryAvals = first.outs.slice(0, nk).map((a) => first.avalOf(a));
    saved.forEach((v, j) => out.push(stacked(v, carryAvals[j]!)));
  }
  return out;
}
