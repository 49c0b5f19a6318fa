// vmap of a while line, as JAX batches while_loop: one while line again, over the batches.
//  - cond shared by every example (it reads no batched value): the body is batched, the loop
//    runs as it would for one example. A carry the body makes batched is carried batched (a
//    fixpoint over traces of the first step, as for scan), and cond is probed again.
//  - cond batched: every carry is batched, the line runs while cond holds for any example, and
//    each step keeps a finished example's carry by where(cond, body(c), c). The loop runs the
//    longest example's trip count; each example's carries are those of its own trip.
// Reverse mode inside vmap (vmap(grad(f))) asks the line to save its trip count and carries. With
// a batched cond the trip count is per example (counted in an extra carry): the line gives those
// counts as a batched trip count and the longest trip's carries, and the pullback
// (loops/while-rules.ts) runs the longest trip backward, each example's steps past its own trip
// count masked to the identity.

import type { Aval } from "../array/aval.js";
import { bind } from "../core/primitive.js";
import { concrete, runWith, shapeOf, Tracer, type Tensor, type Value } from "../core/tracer.js";
import { add, astype, broadcastTo, equal, greater, reshape, sum, transpose, where } from "../ops/api.js";
import { BatchInterpreter } from "./batch.js";
import { asFloat, runPerExample } from "./vmap-variants.js";
import { LoopBody, LoopRetrace } from "./loops/body.js";
import { storageDType } from "./loops/scan-prim.js";
import { WHILE, type WhileParams } from "./loops/while-prim.js";

/** `o` (under `I`) as a batch one level down: its batch, or broadcast to every example. */
function asBatch(I: BatchInterpreter, o: Value, a: Aval): Value {
  if (I.own(o)) return o.val;
  return broadcastTo(o, [I.size, ...a.shape], a.dtype === "number" ? undefined : storageDType(a));
}

/** where(keep, a, b) along the batch axis (int32 and bool carries keep their dtype through where). */
function keepWhere(keep: Value, a: Value, b: Value): Value {
  const s = shapeOf(b);
  return where(reshape(keep, [s[0]!, ...s.slice(1).map(() => 1)]), a, b);
}

/** Each example's trip count, counted by the masked loop. */
const TRIP_COUNTS: Aval = { shape: [], dtype: "float64", js: false };

interface Plan {
  readonly cond: LoopBody;
  readonly body: LoopBody;
  /** cond reads a batched value: the masked loop. */
  readonly masked: boolean;
}

export function batchWhile(xs: readonly Value[], batched: readonly boolean[], params: unknown, interp: BatchInterpreter, avals: readonly Aval[]): { outs: Value[]; avals: (Aval | null)[] } {
  const p = params as WhileParams;
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const B = interp.size;
  const cc = xs.slice(0, ncc), bc = xs.slice(ncc, ncc + nc), init = xs.slice(ncc + nc);
  const fcc = batched.slice(0, ncc), fbc = batched.slice(ncc, ncc + nc);
  const ccAv = avals.slice(0, ncc), bcAv = avals.slice(ncc, ncc + nc), kAv = avals.slice(ncc + nc);
  const bk = batched.slice(ncc + nc);
  // Save mode, masked: one more carry counting each example's steps.
  const counting = p.save;

  const lifted = (I: BatchInterpreter, vs: readonly Value[], flags: readonly boolean[], av: readonly Aval[]): Value[] => vs.map((v, i) => (flags[i] ? I.lift(v, av[i]!) : v));
  /** cond under a batching interpreter: its truth one level down (any example's, when batched). */
  const condBody = (flags: readonly boolean[], seen: { batched: boolean }): LoopBody => new LoopBody(p.cond.op, (consts, carry) => {
    const I = new BatchInterpreter(B);
    const c = runWith(I, () => runPerExample(I, p.cond, [...lifted(I, consts, fcc, ccAv), ...lifted(I, carry.slice(0, nk), flags, kAv)], [...ccAv, ...kAv])[0]!);
    if (!I.own(c)) return [c];
    seen.batched = true;
    return [greater(sum(asFloat(I, c)), 0)];
  }, ncc, false);
  const plainBody = (flags: readonly boolean[], grown: boolean[]): LoopBody => {
    let first = true;
    return new LoopBody(p.body.op, (consts, carry) => {
      const I = new BatchInterpreter(B);
      const outs = runWith(I, () => runPerExample(I, p.body, [...lifted(I, consts, fbc, bcAv), ...lifted(I, carry, flags, kAv)], [...bcAv, ...kAv]));
      const r = outs.map((o, i) => {
        if (flags[i]) return asBatch(I, o, kAv[i]!);
        if (!I.own(o)) return o;
        if (!first) throw new LoopRetrace("a branch of the body batches a carry that the first step's branch did not");
        grown[i] = true;
        return o.val;
      });
      first = false;
      return r;
    }, nc, false);
  };
  // The masked body: cond's consts, then the body's; every carry batched (and the step counts last when counting).
  const all = kAv.map(() => true);
  const maskedBody = (): LoopBody => new LoopBody(p.body.op, (consts, carry) => {
    const I = new BatchInterpreter(B);
    const ins = lifted(I, carry.slice(0, nk), all, kAv);
    const [c, outs] = runWith(I, () => [
      runPerExample(I, p.cond, [...lifted(I, consts.slice(0, ncc), fcc, ccAv), ...ins], [...ccAv, ...kAv])[0]!,
      runPerExample(I, p.body, [...lifted(I, consts.slice(ncc), fbc, bcAv), ...ins], [...bcAv, ...kAv]),
    ] as const);
    const keep = greater(broadcastTo(asFloat(I, c), [B]), 0.5);
    const next = outs.map((o, i) => keepWhere(keep, asBatch(I, o, kAv[i]!), carry[i]!));
    if (counting) next.push(add(carry[nk]!, astype(keep, "float64")));
    return next;
  }, ncc + nc, false);

  const broadcastInit = (flags: readonly boolean[]): Value[] => init.map((v, i) => (flags[i] && !batched[ncc + nc + i] ? broadcastTo(v, [B, ...kAv[i]!.shape], kAv[i]!.dtype === "number" ? undefined : storageDType(kAv[i]!)) : v));
  const plan = ((): Plan => {
    for (;;) {
      const seen = { batched: false };
      const cond = condBody(bk, seen);
      const k0 = broadcastInit(bk).map(concrete);
      cond.traceFirst(cc.map(concrete), k0);
      if (seen.batched) return { cond: condBody(all, { batched: false }), body: maskedBody(), masked: true };
      const grown = bk.map(() => false);
      const body = plainBody(bk, grown);
      body.traceFirst(bc.map(concrete), k0);
      if (grown.some(Boolean)) { grown.forEach((g, i) => { if (g) bk[i] = true; }); continue; }
      return { cond, body, masked: false };
    }
  })();

  const flags = plan.masked ? all : bk;
  const k0 = broadcastInit(flags);
  const steps: Value[] = plan.masked && counting ? [broadcastTo(0, [B])] : [];
  const carry0 = [...k0, ...steps];
  if (plan.masked) {
    plan.cond.traceFirst(cc.map(concrete), carry0.map(concrete) as Tensor[]);
    plan.body.traceFirst([...cc, ...bc].map(concrete), carry0.map(concrete) as Tensor[]);
  }
  const q: WhileParams = { ...p, cond: plan.cond, body: plan.body, nConsts: plan.masked ? ncc + nc : nc, nCarry: carry0.length };
  const r = bind(WHILE, [...cc, ...(plan.masked ? cc : []), ...bc, ...carry0], q) as unknown as Value[];
  const outs: Value[] = r.slice(0, nk), outAv: (Aval | null)[] = flags.map((f, i) => (f ? kAv[i]! : null));
  if (!p.save) return { outs, avals: outAv };
  const trip = r[carry0.length]!;
  if (steps.length > 0) {
    // The saved carries are the longest trip's: a compiled program holds this length only.
    if (trip instanceof Tracer && !equal(trip, concrete(trip) as number)) throw new Error("unreachable: the trip count differs from its own value");
    outs.push(r[nk]!);
    outAv.push(TRIP_COUNTS);
  } else {
    outs.push(trip);
    outAv.push(null);
  }
  r.slice(carry0.length + 1, carry0.length + 1 + nk).forEach((s, i) => {
    const a = kAv[i]!, T = shapeOf(s)[0]!;
    if (!flags[i]) { outs.push(s); outAv.push(null); return; }
    const nd = shapeOf(s).length;
    outs.push(transpose(s, [1, 0, ...Array.from({ length: nd - 2 }, (_, j) => j + 2)]));
    outAv.push({ shape: [T, ...a.shape], dtype: storageDType(a), js: false });
  });
  return { outs, avals: outAv };
}
