// The derivative rules of the scan line, as in JAX: each is a scan again, over a body derived
// from the original one by running it under a transform.
//
//   JVP   a scan carrying (carry, tangent of the carry) over the body's JVP: one line.
//   VJP   the forward half is the scan saving the carries entering its steps; the pullback is
//         a scan running the other way over the body's VJP (each step re-runs the body on a
//         tape at its saved carry and sweeps it), carrying the carry's cotangent and the
//         consts' cotangents, its per-step outputs the slices' cotangents.
//
// Derived scans are bound one level down, so whatever transform lies below (compile's stager,
// an outer derivative) sees one line again: derivatives of loops to any order stay loops.
// Operands whose derivative is structurally zero are left out of the derived loops.

import { bind, type ProgramRules } from "../../core/primitive.js";
import { concrete, runWith, Tracer, ZERO, type MaybeZero, type Tensor, type Value, type Zero } from "../../core/tracer.js";
import { add, astype, dtypeOfValue } from "../../ops/api.js";
import { asLeafOf, zerosLike } from "../args.js";
import { dense } from "../chain.js";
import { ForwardInterpreter } from "../forward.js";
import { Tape, type TapeNode } from "../reverse.js";
import { LoopBody, LoopRetrace } from "./body.js";
import { SCAN, type ScanParams } from "./scan-prim.js";
import { REVERSE, type ReverseParams } from "./revolve-prim.js";
import { checkpointPlan, firstSweep, type SweepStats } from "./revolve.js";
import { sliceOf } from "./slices.js";
import { leafType, typeText } from "./carry.js";
import { carriesRead, traceInputs, withoutCarries, type VjpLayout } from "./scan-unsaved.js";
import type { Aval } from "../../array/aval.js";
import { zeros } from "../../array/ndarray.js";

/** Splits a list by consecutive counts. */
export function parts<T>(xs: readonly T[], ...counts: number[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  for (const n of counts) { out.push(xs.slice(i, i + n)); i += n; }
  return out;
}

/** The entries where `mask` is set. */
export function pick<T>(xs: readonly T[], mask: readonly boolean[]): T[] {
  return xs.filter((_, i) => mask[i]);
}

/** Does a value carry derivatives at all (floats and numbers; not bool or int32)? */
export function differentiable(v: Value): boolean {
  const c = concrete(v);
  return typeof c === "number" || (typeof c !== "boolean" && (c.dtype === "float64" || c.dtype === "float32"));
}

/** `vals` placed where `mask` is set, ZERO elsewhere. */
export function spread(vals: readonly Value[], mask: readonly boolean[]): MaybeZero[] {
  let i = 0;
  return mask.map((m) => (m ? vals[i++]! : ZERO));
}

function bindScan(operands: readonly Value[], p: ScanParams): Value[] {
  return bind(SCAN, operands, p) as unknown as Value[];
}

// ---------------------------------------------------------------- JVP

/**
 * Which carries have a tangent: those whose initial tangent is nonzero, and those the body makes
 * nonzero from other tangents (a fixpoint over traces of the JVP body at the first step).
 */
function jvpRule(primals: readonly Value[], tangents: readonly MaybeZero[], p: ScanParams): { outs: Value[]; tangents: MaybeZero[] } {
  const { nConsts: nc, nCarry: nk, nY: ny } = p;
  const nx = primals.length - nc - nk;
  const [cs, init, xs] = parts(primals, nc, nk, nx);
  const [tc, ti, tx] = parts(tangents.map((t) => (t === ZERO ? ZERO : dense(t as Value))), nc, nk, nx);
  const nzC = tc!.map((t) => t !== ZERO), nzX = tx!.map((t) => t !== ZERO);
  if (!nzC.some(Boolean) && !nzX.some(Boolean) && ti!.every((t) => t === ZERO)) {
    const outs = bindScan(primals, p);
    return { outs, tangents: outs.map(() => ZERO) };
  }
  const nzK = ti!.map((t, i) => t !== ZERO && differentiable(init![i]!));
  for (;;) {
    const probe = new JvpBody(p.body, nc, nk, nzC, nzK, nzX);
    const t0 = p.reverse ? p.length - 1 : 0;
    const x0 = xs!.map((x) => sliceOf(concrete(x) as never, t0));
    probe.body.traceFirst(
      [...cs!.map(concrete), ...pick(tc!, nzC).map((t) => concrete(t as Value))],
      [...init!.map(concrete), ...pick(ti!, nzK).map((t, i) => concrete(t === ZERO ? zerosLike(pick(init!, nzK)[i]!) : t)), ...x0, ...pick(tx!, nzX).map((t) => sliceOf(concrete(t as Value) as never, t0))],
    );
    // A carry the body makes nonzero from other tangents: carry its tangent too, and trace again.
    if (probe.grown.some(Boolean)) { probe.grown.forEach((g, i) => { if (g) nzK[i] = true; }); continue; }
    const nzY = probe.nzY;
    const operands = [
      ...cs!, ...pick(tc!, nzC) as Value[],
      ...init!, ...pick(ti!, nzK).map((t, i) => (t === ZERO ? zerosLike(pick(init!, nzK)[i]!) : t)),
      ...xs!, ...pick(tx!, nzX) as Value[],
    ];
    const kk = nzK.filter(Boolean).length, ky = nzY.filter(Boolean).length;
    const q: ScanParams = { ...p, body: probe.body, nConsts: nc + nzC.filter(Boolean).length, nCarry: nk + kk, nY: ny + ky };
    const r = bindScan(operands, q);
    const [carry, tcarry, ys, tys, saved, tsaved] = parts(r, nk, kk, ny, ky, p.save === null ? 0 : nk, p.save === null ? 0 : kk);
    return {
      outs: [...carry!, ...ys!, ...saved!],
      tangents: [...spread(tcarry!, nzK), ...spread(tys!, nzY), ...(p.save === null ? [] : spread(tsaved!, nzK))],
    };
  }
}

/** The body's JVP: (consts, their tangents; carry, its tangents; slices, theirs) → (carry, tangents; y, tangents). */
export class JvpBody {
  readonly body: LoopBody;
  /** Set by the first trace: carries whose tangent came out nonzero although not carried. */
  readonly grown: boolean[];
  /** Set by the first trace: per-step outputs with a tangent. */
  nzY: boolean[] = [];

  constructor(parent: LoopBody, nc: number, nk: number, nzC: readonly boolean[], nzK: readonly boolean[], nzX: readonly boolean[]) {
    this.grown = nzK.map(() => false);
    const kc = nzC.filter(Boolean).length, kk = nzK.filter(Boolean).length;
    let first = true;
    const fn = (consts: readonly Value[], inputs: readonly Value[]): Value[] => {
      const [c, dc] = parts(consts, nc, kc);
      const nx = inputs.length - nk - kk - nzX.filter(Boolean).length;
      const [k, dk, x, dx] = parts(inputs, nk, kk, nx, inputs.length - nk - kk - nx);
      const F = new ForwardInterpreter();
      const lift = (vals: readonly Value[], mask: readonly boolean[], ts: readonly Value[]): Value[] => {
        let i = 0;
        return vals.map((v, j) => (mask[j] ? F.lift(v, ts[i++]!) : v));
      };
      const ins = [...lift(c!, nzC, dc!), ...lift(k!, nzK, dk!), ...lift(x!, nzX, dx!)];
      const outs = runWith(F, () => parent.run(ins));
      const split = outs.map((o) => F.split(o));
      const carry = split.slice(0, nk), ys = split.slice(nk);
      if (first) this.nzY = ys.map(([, t]) => t !== ZERO);
      const tk: Value[] = [];
      carry.forEach(([p, t], i) => {
        if (nzK[i]) tk.push(t === ZERO ? zerosLike(p) : t);
        else if (t !== ZERO) {
          if (first) this.grown[i] = true;
          else throw new LoopRetrace("a branch of the body gives a carry a tangent that the first step's branch did not");
        }
      });
      const ty: Value[] = [];
      ys.forEach(([p, t], j) => {
        if (this.nzY[j]) ty.push(t === ZERO ? zerosLike(p) : t);
        else if (t !== ZERO) throw new LoopRetrace("a branch of the body gives a per-step output a tangent that the first step's branch did not");
      });
      first = false;
      return [...carry.map(([p]) => p), ...tk, ...ys.map(([p]) => p), ...ty];
    };
    this.body = new LoopBody(parent.op, fn, nc + kc, false);
  }
}

// ---------------------------------------------------------------- VJP

/** A value the checkpointed sweep may take: concrete, or staged by compile (nothing differentiates it again). */
export function plain(v: Value | Zero): boolean {
  return !(v instanceof Tracer) || v.kind === "compile";
}

function vjpRule(primals: readonly Value[], active: readonly boolean[], p: ScanParams) {
  const { nConsts: nc, nCarry: nk, nY: ny } = p;
  const nx = primals.length - nc - nk;
  const [cs0, init, xs] = parts(primals, nc, nk, nx);
  // Checkpointing: the forward half keeps only the carries the schedule's first sweep needs.
  const plan = p.checkpoints !== undefined && p.save === null && p.length > 1 && primals.every(plain) ? checkpointPlan(p.length, p.checkpoints) : null;
  const activeC = active.slice(0, nc).map((a, i) => a && differentiable(primals[i]!));
  const activeX = active.slice(nc + nk).map((a, i) => a && differentiable(primals[nc + nk + i]!));
  const layout: VjpLayout = { nc, nk, kc: activeC.filter(Boolean).length };
  const fixedTypes = typesKey([...cs0!, ...init!, ...xs!]);
  const bodyFor = (nzY: readonly boolean[], nzS: readonly boolean[], cts: readonly Value[]): LoopBody =>
    derivedVjp(p.body, nc, nk, nx, activeC, activeX, nzY, nzS, `${fixedTypes}|${typesKey(cts)}`);
  const tBack = p.reverse ? 0 : p.length - 1; // the backward scan's first step
  const consts = cs0!.map((c) => concrete(c));
  const accZero = (): Value[] => pick(cs0!, activeC).map(zerosLike);
  // No carry saved when the body's VJP (every per-step output seeded) reads none (scan-unsaved.ts).
  let unsaved = false;
  if (plan === null && p.save === null && p.length > 0 && p.body.variants.length > 0) {
    const yAv = yAvalsOf(p), nzY = yAv.map(floatAval);
    // A probe of its own: the pullback's cotangents may come typed otherwise (a 0-d array for a number).
    const probe = derivedVjp(p.body, nc, nk, nx, activeC, activeX, nzY, [], `${fixedTypes}|probe`);
    const reads = carriesRead(probe, layout, consts, traceInputs(init!, accZero(), xs!, null, null, pick(yAv, nzY).map(zeroOfAval), tBack));
    unsaved = reads !== null && !reads.some(Boolean);
  }
  const q: ScanParams = plan !== null ? { ...p, save: firstSweep(p.length, plan) } : unsaved || p.save === "all" ? p : { ...p, save: "all" };
  const r = bindScan(primals, q);
  const outs = r.slice(0, p.save === null ? nk + ny : r.length);
  const kept = r.slice(nk + ny, nk + ny + nk);
  const sweep: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  const stored = { ...storedOf(kept), recomputed: 0, checkpointed: plan !== null };
  const pullback = (cts: readonly (Value | Zero)[]): MaybeZero[] => {
    const [ck, cy, cs] = parts(cts, nk, ny, p.save === null ? 0 : nk);
    if (cts.every((c) => c === ZERO)) return primals.map(() => ZERO);
    const nzY = cy!.map((c) => c !== ZERO), nzS = cs!.map((c) => c !== ZERO);
    const carryCt = ck!.map((c, i) => (c === ZERO ? zerosLike(init![i]!) : c));
    const accCt = accZero();
    const kc = accCt.length, kx = activeX.filter(Boolean).length;
    const cyNz = pick(cy!, nzY) as Value[];
    let body = bodyFor(nzY, nzS, [...carryCt, ...cyNz, ...pick(cs!, nzS) as Value[]]);
    let res: Value[];
    if (plan !== null && cts.every(plain)) {
      const rp: ReverseParams = { body: p.body, vjp: body, length: p.length, reverse: p.reverse, plan, nConsts: nc, nCarry: nk, nAcc: kc, nX: nx, nCtX: kx, stats: sweep };
      res = bind(REVERSE, [...cs0!, ...carryCt, ...accCt, ...kept, ...xs!, ...cyNz], rp) as unknown as Value[];
      stored.recomputed = sweep.forwardSteps;
    } else {
      let saved: Value[];
      if (unsaved && carriesRead(body, layout, consts, traceInputs(init!, accCt, xs!, carryCt, cyNz, [], tBack))?.some(Boolean) === false) {
        // This pullback's VJP body reads no carry either: the backward scan goes without them.
        let bare = stripped.get(body);
        if (bare === undefined) stripped.set(body, (bare = withoutCarries(body, layout)));
        body = bare;
        saved = [];
      } else if (unsaved || plan !== null) {
        // Every carry, for the plain reversed scan, recomputed: the forward half kept none or a few.
        saved = bindScan(primals, { ...p, save: "all" }).slice(nk + ny, nk + ny + nk);
        stored.recomputed = p.length;
      } else saved = kept;
      const back: ScanParams = { body, length: p.length, reverse: !p.reverse, nConsts: nc, nCarry: nk + kc, nY: kx, save: null, checkpoints: undefined };
      res = bindScan([...cs0!, ...carryCt, ...accCt, ...saved, ...xs!, ...cyNz, ...pick(cs!, nzS) as Value[]], back);
    }
    const [ct0, ctC, ctX] = parts(res, nk, kc, kx);
    // A float32 array's slices are numbers, so the steps' cotangents stack as float64: the
    // gradient takes the scanned array's dtype, as every gradient takes its input's.
    const xsActive = pick(xs!, activeX);
    const ctXs = ctX!.map((c, j) => (dtypeOfValue(c) === dtypeOfValue(xsActive[j]!) ? c : astype(c, dtypeOfValue(xsActive[j]!))));
    return [...spread(ctC!, activeC), ...ct0!, ...spread(ctXs, activeX)];
  };
  return { outs, pullback, stored };
}

/**
 * Derived VJP bodies by the body they derive from, and by what they are traced at: a body that
 * lives on from call to call (fromJS keeps its loops' bodies, loop-cache.ts) derives each once,
 * and its variants carry over too. A body of one call is forgotten with it.
 */
const derived = new WeakMap<LoopBody, Map<string, LoopBody>>();
/** The VJP bodies without their saved-carry inputs (scan-unsaved.ts), by the body they strip. */
const stripped = new WeakMap<LoopBody, LoopBody>();
/** Derived bodies kept per body: the types of a pullback's cotangents may vary from call to call. */
const DERIVED_PER_BODY = 16;

function derivedVjp(parent: LoopBody, nc: number, nk: number, nx: number, activeC: readonly boolean[], activeX: readonly boolean[], nzY: readonly boolean[], nzS: readonly boolean[], types: string): LoopBody {
  let m = derived.get(parent);
  if (m === undefined) derived.set(parent, (m = new Map()));
  const bits = (xs: readonly boolean[]) => xs.map((b) => (b ? 1 : 0)).join("");
  const key = `${nc} ${nk} ${nx} ${bits(activeC)} ${bits(activeX)} ${bits(nzY)} ${bits(nzS)} ${types}`;
  let body = m.get(key);
  if (body === undefined) {
    if (m.size >= DERIVED_PER_BODY) m.clear();
    m.set(key, (body = vjpBody(parent, nc, nk, nx, activeC, activeX, nzY, nzS)));
  }
  return body;
}

/** The types of values (numbers, or arrays by dtype and shape), as a key. */
function typesKey(vs: readonly Value[]): string {
  return vs.map((v) => typeText(leafType(concrete(v)))).join(",");
}

/** The per-step outputs' avals (from the body's first variant). */
function yAvalsOf(p: ScanParams): Aval[] {
  const l = p.body.variants[0]!;
  return l.outs.slice(p.nCarry).map((a) => l.avalOf(a));
}

function floatAval(a: Aval): boolean {
  return a.dtype === "number" || a.dtype === "float64" || a.dtype === "float32";
}

function zeroOfAval(a: Aval): Tensor {
  return a.js ? 0 : zeros(a.shape, a.dtype === "number" ? "float64" : a.dtype);
}

export function storedOf(saved: readonly Value[]): { bytes: number; carries: number } {
  let bytes = 0, carries = 0;
  for (const s of saved) {
    const c = concrete(s);
    if (typeof c !== "number" && typeof c !== "boolean") { bytes += c.data.byteLength; carries = c.shape[0] ?? 0; }
  }
  return { bytes, carries };
}

/**
 * The body's VJP for the backward scan: (consts; carry cotangent, consts' cotangents so far;
 * the saved carry, the slices, the per-step outputs' cotangents, the saved carries' cotangents)
 * → (the cotangent of the carry entering the step, consts' cotangents; the slices' cotangents).
 */
export function vjpBody(parent: LoopBody, nc: number, nk: number, nx: number, activeC: readonly boolean[], activeX: readonly boolean[], nzY: readonly boolean[], nzS: readonly boolean[]): LoopBody {
  const kc = activeC.filter(Boolean).length, ky = nzY.filter(Boolean).length;
  const fn = (consts: readonly Value[], inputs: readonly Value[]): Value[] => {
    const [ctK, acc, carry, x, ctY, ctS] = parts(inputs, nk, kc, nk, nx, ky, inputs.length - nk - kc - nk - nx - ky);
    const tape = new Tape();
    const cIn = consts.map((c, i) => (activeC[i] ? tape.input(c) : c));
    const kIn = carry!.map((c) => tape.input(c));
    const xIn = x!.map((v, i) => (activeX[i] ? tape.input(v) : v));
    const outs = runWith(tape, () => parent.run([...cIn, ...kIn, ...xIn]));
    const seeds: [TapeNode, Value][] = [];
    outs.slice(0, nk).forEach((o, i) => { if (tape.own(o)) seeds.push([o, ctK![i]!]); });
    let j = 0;
    outs.slice(nk).forEach((o, i) => {
      if (!nzY[i]) return;
      const g = ctY![j++]!;
      if (tape.own(o)) seeds.push([o, g]);
    });
    const adj = tape.backward(seeds);
    const ctOf = (n: Value, like: Value): Value => {
      const a = tape.own(n) ? adj(n.index) : ZERO;
      return a === ZERO ? zerosLike(like) : asLeafOf(a, like);
    };
    let s = 0;
    const prev = kIn.map((n, i) => {
      const g = ctOf(n, carry![i]!);
      return nzS[i] ? add(g as number, ctS![s++]! as number) : g;
    });
    let a = 0;
    const accOut = cIn.flatMap((n, i) => (activeC[i] ? [add(acc![a++]! as number, ctOf(n, consts[i]!) as number)] : []));
    const ctX = xIn.flatMap((n, i) => (activeX[i] ? [ctOf(n, x![i]!)] : []));
    tape.release();
    return [...prev, ...accOut, ...ctX];
  };
  return new LoopBody(parent.op, fn, nc, false);
}

/** The line's rules (read by the table entry at call time: the two modules import each other). */
export const SCAN_RULES: ProgramRules<ScanParams> = { jvp: jvpRule, vjp: vjpRule };

export type { Tensor };
