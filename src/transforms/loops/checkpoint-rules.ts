// The derivative rules of the checkpoint line (rematerialisation, as jax.checkpoint):
//
//   JVP   a checkpoint line over f's JVP body (scan-rules.ts's JvpBody with no carry).
//   VJP   the forward half is the line again, extended with the outputs of the lines the policy
//         keeps (the residuals); nothing else of f reaches the tape. The pullback is a checkpoint
//         line over f's VJP body: f run again on a tape from the line's operands, each kept
//         line's value taken from its residual instead of recomputed (its derivative edge stays:
//         the tape records it as a line of its operands), then swept backwards.
//
// Both bind one level down, so an enclosing transform (forward mode for a Hessian, vmap,
// compile's stager, an outer gradient) sees one checkpoint line again, and the pullback line is
// itself checkpointed under higher-order reverse mode. The recomputation evaluates the same
// list on the same values, so the gradient is bit for bit the uncheckpointed one.

import { bind, type ProgramRules } from "../../core/primitive.js";
import { evaluate, type LineHook } from "../../core/evaluate.js";
import type { WengertList } from "../../core/ir.js";
import { concrete, runWith, ZERO, type MaybeZero, type Value, type Zero } from "../../core/tracer.js";
import { asLeafOf, zerosLike } from "../args.js";
import { dense, denseOrZero } from "../chain.js";
import { Tape, type TapeNode } from "../reverse.js";
import { hasGuards, LoopBody } from "./body.js";
import { CHECKPOINT, type CheckpointParams } from "./checkpoint-prim.js";
import { differentiable, JvpBody, parts, pick, spread } from "./scan-rules.js";

function bindLine(operands: readonly Value[], p: CheckpointParams): Value[] {
  return bind(CHECKPOINT, operands, p) as unknown as Value[];
}

/** A derived body, traced now at the operands' values (so that any transform below can read its list). */
function traced(fn: (consts: readonly Value[], inputs: readonly Value[]) => Value[], nConsts: number, operands: readonly Value[]): LoopBody {
  const b = new LoopBody("checkpoint", fn, nConsts, false);
  b.traceFirst(operands.slice(0, nConsts).map(concrete), operands.slice(nConsts).map(concrete));
  return b;
}

// ---------------------------------------------------------------- JVP

function jvpRule(primals: readonly Value[], tangents: readonly MaybeZero[], p: CheckpointParams): { outs: Value[]; tangents: MaybeZero[] } {
  const nc = p.nConsts, n = primals.length - nc;
  const [cs, xs] = parts(primals, nc, n);
  const [tc, tx] = parts(tangents.map((t) => (t === ZERO ? ZERO : dense(t as Value))), nc, n);
  const nzC = tc!.map((t) => t !== ZERO), nzX = tx!.map((t, i) => t !== ZERO && differentiable(xs![i]!));
  if (!nzC.some(Boolean) && !nzX.some(Boolean)) {
    const outs = bindLine(primals, p);
    return { outs, tangents: outs.map(() => ZERO) };
  }
  const probe = new JvpBody(p.body, nc, 0, nzC, [], nzX);
  const operands = [...cs!, ...pick(tc!, nzC) as Value[], ...xs!, ...pick(tx!, nzX) as Value[]];
  const kc = nzC.filter(Boolean).length;
  probe.body.traceFirst(operands.slice(0, nc + kc).map(concrete), operands.slice(nc + kc).map(concrete));
  const r = bindLine(operands, { ...p, body: probe.body, nConsts: nc + kc });
  const ny = probe.nzY.length;
  return { outs: r.slice(0, ny), tangents: spread(r.slice(ny), probe.nzY) };
}

// ---------------------------------------------------------------- VJP

/**
 * The variables the policy keeps: outputs of its lines with one output, a derivative rule and a
 * kept primitive. None for a body with branches (another step could take another variant,
 * whose lines differ): it is recomputed whole.
 */
function residualsOf(p: CheckpointParams): { list: WengertList; ids: number[] } | null {
  if (p.body.variants.length !== 1) return null;
  const list = p.body.variants[0]!;
  if (hasGuards(list)) return null;
  const ids: number[] = [];
  for (const s of list.stmts) {
    if (s.kind !== "eqn" || s.nOut !== 1 || s.prim.outputs !== undefined) continue;
    const kind = s.prim.rule.kind;
    if (kind !== "program" && kind !== "none" && p.keep(s.prim.name)) ids.push(s.out);
  }
  return ids.length === 0 ? null : { list, ids };
}

/** f's list evaluated with the kept lines' values also output (the forward half's body). */
function withResiduals(list: WengertList, ids: readonly number[]): (consts: readonly Value[], inputs: readonly Value[]) => Value[] {
  return (consts, inputs) => {
    const kept = new Array<Value>(ids.length);
    const at = new Map(ids.map((v, j) => [v, j]));
    const hook: LineHook = (line, args) => {
      const j = at.get(line.out);
      if (j === undefined) return undefined;
      return (kept[j] = bind(line.prim, args, line.params));
    };
    const outs = evaluate(list, [...consts, ...inputs], hook) as Value[];
    return [...outs, ...kept];
  };
}

function bytesOf(vs: readonly Value[]): number {
  let b = 0;
  for (const v of vs) {
    const c = concrete(v);
    b += typeof c === "number" || typeof c === "boolean" ? 8 : c.data.byteLength;
  }
  return b;
}

function vjpRule(primals: readonly Value[], active: readonly boolean[], p: CheckpointParams) {
  const nc = p.nConsts, n = primals.length - nc;
  const res = residualsOf(p);
  const k = res === null ? 0 : res.ids.length;
  const r = bindLine(primals, res === null ? p : { ...p, body: traced(withResiduals(res.list, res.ids), nc, primals) });
  const ny = r.length - k;
  const outs = r.slice(0, ny), kept = r.slice(ny);
  const act = active.map((a, i) => a && differentiable(primals[i]!));
  const stored = { bytes: bytesOf(kept), carries: 0, recomputed: 0, checkpointed: true };
  const bodies = new Map<string, LoopBody>();
  // Accumulating (ProgramRules.accumulates): the recomputed sweep starts from the operands'
  // adjoints so far and adds f's contributions to them line by line, as the plain tape would.
  const pullback = (cts: readonly (Value | Zero)[], current?: readonly MaybeZero[]): MaybeZero[] => {
    const nz = cts.map((c) => c !== ZERO);
    if (!nz.some(Boolean)) return current === undefined ? primals.map(() => ZERO) : current.slice();
    const cur = primals.map((_, i): Value | Zero => (act[i] && current !== undefined && current[i] !== ZERO ? denseOrZero(current[i]!) : ZERO));
    const nzA = cur.map((c) => c !== ZERO);
    const operands = [...primals, ...kept, ...pick(cts, nz) as Value[], ...pick(cur, nzA) as Value[]];
    const key = `${nz.join()}|${nzA.join()}`;
    let body = bodies.get(key);
    if (body === undefined) { body = traced(vjpBody(p, res, act, nz, nzA, n), nc, operands); bodies.set(key, body); }
    stored.recomputed = 1;
    const g = bindLine(operands, { ...p, body });
    let j = 0;
    return primals.map((_, i) => (act[i] ? g[j++]! : (current?.[i] ?? ZERO)));
  };
  return { outs, pullback, stored, accumulates: true };
}

/**
 * f's VJP: (consts; arguments, residuals, the nonzero output cotangents, the nonzero adjoints of
 * the operands so far) → the active operands' adjoints. f runs again on a tape seeded with those
 * adjoints; a kept line takes its residual as its value.
 */
function vjpBody(p: CheckpointParams, res: { list: WengertList; ids: number[] } | null, act: readonly boolean[], nz: readonly boolean[], nzA: readonly boolean[], n: number) {
  const nc = p.nConsts, k = res === null ? 0 : res.ids.length, m = nz.filter(Boolean).length;
  const at = new Map((res?.ids ?? []).map((v, j) => [v, j]));
  return (consts: readonly Value[], inputs: readonly Value[]): Value[] => {
    const [xs, kept, cts, cur] = parts(inputs, n, k, m, inputs.length - n - k - m);
    const tape = new Tape();
    const ins = [...consts, ...xs!].map((v, i) => (act[i] ? tape.input(v) : v));
    const hook: LineHook = (line, args) => {
      const j = at.get(line.out);
      if (j === undefined) return undefined;
      // The kept value, recorded as this line's output so that its derivative edge stays.
      return args.some((a) => tape.own(a)) ? tape.record(line.prim, args, kept![j]!, line.params) : kept![j]!;
    };
    const outs = runWith(tape, () => (res === null ? p.body.run(ins) : (evaluate(res.list, ins, hook) as Value[])));
    const seeds: [TapeNode, Value][] = [];
    let a = 0;
    nzA.forEach((has, i) => { if (has) seeds.push([ins[i] as TapeNode, cur![a++]!]); });
    let j = 0;
    outs.forEach((o, i) => {
      if (!nz[i]) return;
      const g = cts![j++]!;
      if (tape.own(o)) seeds.push([o, g]);
    });
    const adj = tape.backward(seeds);
    const g = ins.flatMap((v, i) => {
      if (!act[i]) return [];
      const a = adj((v as TapeNode).index);
      const like = i < nc ? consts[i]! : xs![i - nc]!;
      return [a === ZERO ? zerosLike(like) : asLeafOf(a, like)];
    });
    tape.release();
    return g;
  };
}

/** The line's rules (read by the table entry at call time: the two modules import each other). */
export const CHECKPOINT_RULES: ProgramRules<CheckpointParams> = { jvp: jvpRule, vjp: vjpRule };
