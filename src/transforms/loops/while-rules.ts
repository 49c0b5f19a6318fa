// The derivative rules of the while line.
//
//   JVP   a while over (carry, tangent of the carry): cond reads the primal carry only, the
//         body is the body's JVP (loops/scan-rules.ts's JvpBody). One line again.
//   VJP   the forward half is the while saving its trip count T and the carries entering its
//         steps; once T is known, the pullback is exactly a scan's: a reversed scan of T steps
//         over the body's VJP from the saved carries. In a compiled program the saved carries
//         have the length of the trip traced, so the trip count is guarded (another trip count
//         misses the variant, and compile traces again).
//         Under vmap with a batched cond, the trip count is each example's (vmap-while.ts) and
//         the saved carries the longest trip's: the reversed scan runs the longest trip, and an
//         example's steps past its own trip count pass its cotangent through unchanged.

import { bind, type ProgramRules } from "../../core/primitive.js";
import { concrete, shapeOf, Tracer, ZERO, type MaybeZero, type Value, type Zero } from "../../core/tracer.js";
import { arange } from "../../array/ndarray.js";
import { add, equal, less, reshape, where } from "../../ops/api.js";
import { zerosLike } from "../args.js";
import { dense } from "../chain.js";
import { LoopBody } from "./body.js";
import { SCAN, type ScanParams } from "./scan-prim.js";
import { differentiable, JvpBody, parts, pick, plain, spread, storedOf, vjpBody } from "./scan-rules.js";
import type { SweepStats } from "./revolve.js";
import { WHILE_REVERSE, WHILE_SNAPSHOTS, type WhileReverseParams } from "./while-online.js";
import { WHILE, type WhileParams } from "./while-prim.js";

function bindWhile(operands: readonly Value[], p: WhileParams): Value[] {
  return bind(WHILE, operands, p) as unknown as Value[];
}

/** cond over the first nk of its declared inputs (the primal carry), the tangents ignored. */
function primalCond(parent: LoopBody, nk: number): LoopBody {
  return new LoopBody(parent.op, (consts, inputs) => parent.run([...consts, ...inputs.slice(0, nk)]), parent.consts, false);
}

function jvpRule(primals: readonly Value[], tangents: readonly MaybeZero[], p: WhileParams): { outs: Value[]; tangents: MaybeZero[] } {
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const [cc, bc, init] = parts(primals, ncc, nc, nk);
  const [, tb, ti] = parts(tangents.map((t) => (t === ZERO ? ZERO : dense(t as Value))), ncc, nc, nk);
  const nzC = tb!.map((t) => t !== ZERO);
  const nzK = ti!.map((t, i) => t !== ZERO && differentiable(init![i]!));
  if (!nzC.some(Boolean) && !nzK.some(Boolean)) {
    const outs = bindWhile(primals, p);
    return { outs, tangents: outs.map(() => ZERO) };
  }
  const tangentOf = (i: number): Value => (ti![i] === ZERO ? zerosLike(init![i]!) : (ti![i] as Value));
  for (;;) {
    const probe = new JvpBody(p.body, nc, nk, nzC, nzK, []);
    const kIdx = nzK.flatMap((m, i) => (m ? [i] : []));
    probe.body.traceFirst(
      [...bc!.map(concrete), ...pick(tb!, nzC).map((t) => concrete(t as Value))],
      [...init!.map(concrete), ...kIdx.map((i) => concrete(tangentOf(i)))],
    );
    // A carry the body makes nonzero from other tangents: carry its tangent too, and trace again.
    if (probe.grown.some(Boolean)) { probe.grown.forEach((g, i) => { if (g) nzK[i] = true; }); continue; }
    const kc = nzC.filter(Boolean).length, kk = kIdx.length;
    const q: WhileParams = { ...p, cond: primalCond(p.cond, nk), body: probe.body, nConsts: nc + kc, nCarry: nk + kk };
    const r = bindWhile([...cc!, ...bc!, ...pick(tb!, nzC) as Value[], ...init!, ...kIdx.map(tangentOf)], q);
    const [carry, tcarry, trip, saved, tsaved] = parts(r, nk, kk, p.save ? 1 : 0, p.save ? nk : 0, p.save ? kk : 0);
    return {
      outs: [...carry!, ...trip!, ...saved!],
      tangents: [...spread(tcarry!, nzK), ...(p.save ? [ZERO as MaybeZero, ...spread(tsaved!, nzK)] : [])],
    };
  }
}

function vjpRule(primals: readonly Value[], active: readonly boolean[], p: WhileParams) {
  // Online checkpointing, when nothing differentiates the backward sweep again (as for scan).
  if (p.checkpoints !== undefined && !p.save && primals.every(plain)) return onlineVjp(primals, active, p);
  return savingVjp(primals, active, p);
}

/** The forward half saves every carry entering a step; the pullback is a reversed scan over them. */
function savingVjp(primals: readonly Value[], active: readonly boolean[], p: WhileParams) {
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const r = bindWhile(primals, p.save ? p : { ...p, save: true });
  const outs = p.save ? r : r.slice(0, nk);
  const trip = r[nk]!, saved = r.slice(nk + 1, nk + 1 + nk);
  const perExample = batchedTrip(trip);
  const T = perExample ? shapeOf(saved[0]!)[0]! : (concrete(trip) as number);
  // A compiled program holds saved carries of this length: it is valid for this trip count only.
  if (!perExample && trip instanceof Tracer && !equal(trip, T)) throw new Error("unreachable: the trip count differs from its own value");
  const [, bc, init] = parts(primals, ncc, nc, nk);
  const activeC = active.slice(ncc, ncc + nc).map((a, i) => a && differentiable(bc![i]!));
  const bodies = new Map<string, LoopBody>();
  const pullback = (cts: readonly (Value | Zero)[]): MaybeZero[] => {
    const [ck, , cs] = parts(cts, nk, p.save ? 1 : 0, p.save ? nk : 0);
    const none = primals.slice(0, ncc + nc).map((): MaybeZero => ZERO);
    if (ck!.every((c) => c === ZERO) && cs!.every((c) => c === ZERO)) return [...none, ...init!.map((): MaybeZero => ZERO)];
    if (T === 0) return [...none, ...(ck! as MaybeZero[])];
    const nzS = cs!.map((c) => c !== ZERO);
    const key = nzS.join();
    let body = bodies.get(key);
    const kc = activeC.filter(Boolean).length;
    if (body === undefined) {
      body = vjpBody(p.body, nc, nk, 0, activeC, [], [], nzS);
      if (perExample) body = maskedSteps(body, nc, nk, kc, nzS);
      bodies.set(key, body);
    }
    const carryCt = ck!.map((c, i) => (c === ZERO ? zerosLike(init![i]!) : c));
    const accCt = pick(bc!, activeC).map(zerosLike);
    const consts = perExample ? [...bc!, trip] : bc!;
    const xs = [...saved, ...(perExample ? [arange(T)] : []), ...pick(cs!, nzS) as Value[]];
    const back: ScanParams = { body, length: T, reverse: true, nConsts: consts.length, nCarry: nk + kc, nY: 0, save: null, checkpoints: undefined };
    const res = bind(SCAN, [...consts, ...carryCt, ...accCt, ...xs], back) as unknown as Value[];
    const [ct0, ctC] = parts(res, nk, kc);
    return [...primals.slice(0, ncc).map((): MaybeZero => ZERO), ...spread(ctC!, activeC), ...ct0!];
  };
  return { outs, pullback, stored: storedOf(saved) };
}

/** A trip count that is each example's under vmap (a batched cond), not one number. */
function batchedTrip(trip: Value): boolean {
  for (let v: Value = trip; v instanceof Tracer; v = v.primal) if (v.kind === "vmap") return true;
  return false;
}

/**
 * `vjp` (vjpBody's step: consts, then carry cotangents, accumulators, the saved carry and the
 * saved carries' cotangents) with the trip count as one more const and the step's index as one
 * more input: a step at or past the trip count leaves the cotangents as they are (the carry
 * entering it is the one leaving it, so its own cotangent adds straight on).
 */
function maskedSteps(vjp: LoopBody, nc: number, nk: number, kc: number, nzS: readonly boolean[]): LoopBody {
  return new LoopBody(vjp.op, (consts, inputs) => {
    const [bc, [trip]] = parts(consts, nc, 1);
    const [ctK, acc, carry, [step], ctS] = parts(inputs, nk, kc, nk, 1, inputs.length - 2 * nk - kc - 1);
    const r = vjp.run([...bc!, ...ctK!, ...acc!, ...carry!, ...ctS!]);
    // A 0-d comparison is a JS boolean (for if); one of shape [1], reshaped, is a 0-d bool array.
    const taken = reshape(less(reshape(step!, [1]), reshape(trip!, [1])), []);
    let s = 0;
    const still = ctK!.map((c, i) => (nzS[i] ? add(c, ctS![s++]!) : c));
    return [...still, ...acc!].map((kept, i) => where(taken, r[i]!, kept));
  }, nc + 1, false);
}

/**
 * The forward half keeps at most `checkpoints` snapshots (while-online.ts); the pullback reverses
 * the trip from them, recomputing the steps between.
 */
function onlineVjp(primals: readonly Value[], active: readonly boolean[], p: WhileParams) {
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const r = bind(WHILE_SNAPSHOTS, primals, p) as unknown as Value[];
  const outs = r.slice(0, nk), trip = r[nk]!, positions = r[nk + 1]!, snaps = r.slice(nk + 2, nk + 2 + nk);
  const T = concrete(trip) as number;
  // A compiled program holds snapshots of this trip count's schedule: it is valid for this trip count only.
  if (trip instanceof Tracer && !equal(trip, T)) throw new Error("unreachable: the trip count differs from its own value");
  const [, bc, init] = parts(primals, ncc, nc, nk);
  const activeC = active.slice(ncc, ncc + nc).map((a, i) => a && differentiable(bc![i]!));
  const stats: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  const stored = { ...storedOf(snaps), recomputed: 0, checkpointed: true };
  let body: LoopBody | undefined;
  let saving: ReturnType<typeof savingVjp> | undefined;
  const pullback = (cts: readonly (Value | Zero)[]): MaybeZero[] => {
    const none = primals.slice(0, ncc + nc).map((): MaybeZero => ZERO);
    if (cts.every((c) => c === ZERO)) return [...none, ...init!.map((): MaybeZero => ZERO)];
    if (T === 0) return [...none, ...(cts as MaybeZero[])];
    if (!cts.every(plain)) {
      // Cotangents traced by another transform (jacrev's batch of them): the snapshot sweep has
      // no rule there, so the trip runs again saving every carry, and a reversed scan takes them.
      saving ??= savingVjp(primals, active, p);
      stored.recomputed += T;
      return saving.pullback(cts);
    }
    body ??= vjpBody(p.body, nc, nk, 0, activeC, [], [], init!.map(() => false));
    const carryCt = cts.map((c, i) => (c === ZERO ? zerosLike(init![i]!) : c));
    const accCt = pick(bc!, activeC).map(zerosLike);
    const kc = accCt.length;
    const rp: WhileReverseParams = { body: p.body, vjp: body, length: T, capacity: p.checkpoints!, nConsts: nc, nCarry: nk, nAcc: kc, stats };
    const res = bind(WHILE_REVERSE, [...bc!, ...carryCt, ...accCt, positions, ...snaps], rp) as unknown as Value[];
    stored.recomputed = stats.forwardSteps;
    const [ct0, ctC] = parts(res, nk, kc);
    return [...primals.slice(0, ncc).map((): MaybeZero => ZERO), ...spread(ctC!, activeC), ...ct0!];
  };
  return { outs, pullback, stored };
}

/** The line's rules (read by the table entry at call time: the two modules import each other). */
export const WHILE_RULES: ProgramRules<WhileParams> = { jvp: jvpRule, vjp: vjpRule };
