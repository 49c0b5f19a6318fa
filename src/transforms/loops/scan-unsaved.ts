// Carries the backward sweep of a scan never reads are not saved by its forward half. A carry
// that is only added to (W2 as a scan: s + term(a, b)) has a cotangent that the step passes on
// unchanged, and the body's VJP recomputes nothing from it: saving it per step cost the
// forward half T writes and its storage, and under compile it kept the forward loop alive
// although a gradient never uses its value.
//
// Which inputs a VJP body reads is read off its traced list (the inputs any line or output
// names). That holds for every step only when the list has no guards (no step can take another
// branch, whose lines might read the carry): bodies with guards save every carry, as before.

import { zeros } from "../../array/ndarray.js";
import type { WengertList } from "../../core/ir.js";
import { concrete, type Tensor, type Value } from "../../core/tracer.js";
import { hasGuards, LoopBody, withInputsFirst } from "./body.js";
import { sliceOf } from "./slices.js";

/** The layout of a scan's VJP body's inputs (scan-rules.ts's vjpBody), after its consts. */
export interface VjpLayout {
  readonly nc: number;
  readonly nk: number;
  /** Active consts (their cotangents are carried). */
  readonly kc: number;
}

/** The first input of the saved carries in the VJP body's list. */
function carryStart(l: VjpLayout): number {
  return l.nc + l.nk + l.kc;
}

/** Which of the list's inputs a line, a guard or an output reads. */
function inputsRead(list: WengertList): Uint8Array {
  const read = new Uint8Array(list.nIn);
  const mark = (a: number): void => { if (a >= 0 && a < list.nIn) read[a] = 1; };
  for (const s of list.stmts) for (const a of s.ins) mark(a);
  for (const a of list.outs) mark(a);
  return read;
}

/**
 * Which saved carries the VJP body reads, from its one variant (traced here at `inputs` when it
 * has none yet); null when that cannot stand for every step (several variants, or guards).
 */
export function carriesRead(body: LoopBody, l: VjpLayout, consts: readonly Tensor[], inputs: readonly Tensor[]): boolean[] | null {
  if (body.variants.length === 0) body.traceFirst(consts, inputs);
  if (body.variants.length !== 1) return null;
  const list = body.variants[0]!;
  if (hasGuards(list)) return null;
  const read = inputsRead(list), k0 = carryStart(l);
  return Array.from({ length: l.nk }, (_, j) => read[k0 + j] !== 0);
}

/** The VJP body without its saved-carry inputs (none of which it reads: see carriesRead). */
export function withoutCarries(body: LoopBody, l: VjpLayout): LoopBody {
  const list = body.variants[0]!, k0 = carryStart(l);
  const keep = Array.from({ length: list.nIn }, (_, i) => i).filter((i) => i < k0 || i >= k0 + l.nk);
  return LoopBody.fixed(body.op, withInputsFirst(list, keep), l.nc);
}

/** A zero value shaped like `v` (a number for JS scalars). */
function zeroOf(v: Tensor): Tensor {
  return typeof v === "number" ? 0 : typeof v === "boolean" ? false : zeros(v.shape, v.dtype);
}

/** The initial carry as a row of the saved carries reads (a 0-d array's row is a number or a boolean). */
function asSavedRow(v: Tensor): Tensor {
  if (typeof v === "number" || typeof v === "boolean" || v.shape.length > 0) return v;
  return v.dtype === "bool" ? v.data[0] !== 0 : v.data[0]!;
}

/**
 * Values to trace a VJP body at for its first backward step, `t`: the initial carry stands in
 * for the saved one (typed as a saved row; only the list's structure is read off, and it has no
 * guards when it is used).
 */
export function traceInputs(init: readonly Value[], acc: readonly Value[], xs: readonly Value[], carryCt: readonly Value[] | null, cy: readonly Value[] | null, yLike: readonly Tensor[], t: number): Tensor[] {
  const k = init.map((v) => asSavedRow(concrete(v)));
  return [
    ...(carryCt === null ? init.map((v) => zeroOf(concrete(v))) : carryCt.map((c) => concrete(c))),
    ...acc.map((a) => concrete(a)),
    ...k,
    ...xs.map((x) => sliceOf(concrete(x) as never, t)),
    ...(cy === null ? yLike.map(zeroOf) : cy.map((c) => sliceOf(concrete(c) as never, t))),
  ];
}
