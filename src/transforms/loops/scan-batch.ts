// vmap of a scan line: a scan again, over the body batched (as in JAX). The new body runs the
// original one under a batching interpreter of its own, so its lines are batched by the same
// rules; batched scanned arrays are read with the step axis first ([T, B, …]) so that each
// step's slice is a batch. A carry is batched when its initial value is, or when the body makes
// it batched from batched operands (a fixpoint over traces of the first step, as for tangents).

import type { Aval } from "../../array/aval.js";
import { zeros } from "../../array/ndarray.js";
import { bind } from "../../core/primitive.js";
import { concrete, runWith, shapeOf, type Tensor, type Value } from "../../core/tracer.js";
import { broadcastTo, transpose } from "../../ops/api.js";
import { BatchInterpreter, exampleZero } from "../batch.js";
import { LoopBody, LoopRetrace } from "./body.js";
import { SCAN, storageDType, type ScanParams } from "./scan-prim.js";
import { CHECKPOINT, type CheckpointParams } from "./checkpoint-prim.js";
import { sliceOf } from "./slices.js";

/** Swaps the two leading axes (batch-first ↔ step-first). */
function swap01(x: Value): Value {
  const nd = shapeOf(x).length;
  return transpose(x, [1, 0, ...Array.from({ length: nd - 2 }, (_, i) => i + 2)]);
}

/** `o` as a batch of `size`: itself when batched here, else broadcast to every example. */
function asBatch(I: BatchInterpreter, o: Value, a: Aval, size: number): Value {
  if (I.own(o)) return o.val;
  return broadcastTo(o, [size, ...a.shape], a.dtype === "number" ? undefined : storageDType(a));
}

export class BatchBody {
  readonly body: LoopBody;
  /** Set by the first trace: carries the body made batched although they were not carried batched. */
  readonly grown: boolean[];

  constructor(parent: LoopBody, size: number, nc: number, bc: readonly boolean[], bk: readonly boolean[], bx: readonly boolean[], inAvals: readonly Aval[], outAvals: readonly Aval[]) {
    const nk = bk.length;
    this.grown = bk.map(() => false);
    let first = true;
    const fn = (consts: readonly Value[], inputs: readonly Value[]): Value[] => {
      const I = new BatchInterpreter(size);
      const flags = [...bc, ...bk, ...bx];
      const ins = [...consts, ...inputs].map((v, i) => (flags[i] ? I.lift(v, inAvals[i]!) : v));
      const outs = runWith(I, () => parent.run(ins));
      const carry = outs.slice(0, nk).map((o, i) => {
        if (bk[i]) return asBatch(I, o, outAvals[i]!, size);
        if (I.own(o)) {
          if (!first) throw new LoopRetrace("a branch of the body batches a carry that the first step's branch did not");
          this.grown[i] = true;
          return o.val;
        }
        return o;
      });
      first = false;
      return [...carry, ...outs.slice(nk).map((o, j) => asBatch(I, o, outAvals[nk + j]!, size))];
    };
    this.body = new LoopBody(parent.op, fn, nc, false);
  }
}

/** The body's first variant: a derived body (a loop's VJP body) is traced on its first run, here at example 0's values. */
function firstVariant(p: ScanParams, xs: readonly Value[], batched: readonly boolean[], avals: readonly Aval[], size: number) {
  if (p.body.variants.length === 0) {
    const t0 = p.reverse ? p.length - 1 : 0, first = p.nConsts + p.nCarry;
    p.body.run(xs.map((x, i) => {
      const v = batched[i] ? exampleZero(x, avals[i]!, size) : concrete(x);
      return i < first ? v : sliceOf(v as never, t0);
    }));
  }
  return p.body.variants[0]!;
}

export function batchScan(xs: readonly Value[], batched: readonly boolean[], params: unknown, interp: BatchInterpreter, avals: readonly Aval[]): { outs: Value[]; avals: (Aval | null)[] } {
  const p = params as ScanParams;
  const { nConsts: nc, nCarry: nk, nY: ny } = p;
  const B = interp.size;
  const list = firstVariant(p, xs, batched, avals, B);
  const inAvals = list.avals.slice(0, list.nIn);
  const outAvals = list.outs.map((a) => list.avalOf(a));
  const bc = batched.slice(0, nc), bx = batched.slice(nc + nk);
  const bk = batched.slice(nc, nc + nk);
  const consts = xs.slice(0, nc);
  const scannedIn = xs.slice(nc + nk).map((x, i) => (bx[i] ? swap01(x) : x));
  const t0 = p.reverse ? p.length - 1 : 0;
  // Step t0's slice of a scanned operand (zeros of a slice when there is no step): the first trace's input.
  const sliceAt0 = (x: Value, a: Aval, b: boolean): Tensor => {
    if (p.length > 0) return sliceOf(concrete(x) as never, t0);
    return a.js && !b ? 0 : zeros(b ? [B, ...a.shape] : a.shape, storageDType(a));
  };
  for (;;) {
    const init = xs.slice(nc, nc + nk).map((v, i) => (bk[i] && !batched[nc + i] ? broadcastTo(v, [B, ...inAvals[nc + i]!.shape]) : v));
    const probe = new BatchBody(p.body, B, nc, bc, bk, bx, inAvals, outAvals);
    probe.body.traceFirst(consts.map(concrete), [...init.map(concrete), ...scannedIn.map((x, i) => sliceAt0(x, inAvals[nc + nk + i]!, bx[i]!))]);
    if (probe.grown.some(Boolean)) { probe.grown.forEach((g, i) => { if (g) bk[i] = true; }); continue; }
    const r = bind(SCAN, [...consts, ...init, ...scannedIn], { ...p, body: probe.body }) as unknown as Value[];
    const nSaved = p.save === null ? 0 : p.save === "all" ? p.length : p.save.length;
    const outs: Value[] = [], outAv: (Aval | null)[] = [];
    r.forEach((o, j) => {
      if (j < nk) { outs.push(o); outAv.push(bk[j] ? outAvals[j]! : null); return; }
      if (j < nk + ny) {
        const a = outAvals[j]!;
        outs.push(swap01(o));
        outAv.push({ shape: [p.length, ...a.shape], dtype: storageDType(a), js: false });
        return;
      }
      const i = j - nk - ny, a = outAvals[i]!;
      outs.push(bk[i] ? swap01(o) : o);
      outAv.push(bk[i] ? { shape: [nSaved, ...a.shape], dtype: storageDType(a), js: false } : null);
    });
    return { outs, avals: outAv };
  }
}


/** vmap of a checkpoint line: a checkpoint line again, over f batched (every output batched). */
export function batchCheckpoint(xs: readonly Value[], batched: readonly boolean[], params: unknown, interp: BatchInterpreter, avals: readonly Aval[]): { outs: Value[]; avals: (Aval | null)[] } {
  const p = params as CheckpointParams;
  const B = interp.size, nc = p.nConsts;
  if (p.body.variants.length === 0) p.body.run(xs.map((x, i) => (batched[i] ? exampleZero(x, avals[i]!, B) : concrete(x))));
  const list = p.body.variants[0]!;
  const inAvals = list.avals.slice(0, list.nIn), outAvals = list.outs.map((a) => list.avalOf(a));
  const probe = new BatchBody(p.body, B, nc, batched.slice(0, nc), [], batched.slice(nc), inAvals, outAvals);
  probe.body.traceFirst(xs.slice(0, nc).map(concrete), xs.slice(nc).map(concrete));
  const outs = bind(CHECKPOINT, xs, { ...p, body: probe.body }) as unknown as Value[];
  return { outs, avals: outAvals };
}
