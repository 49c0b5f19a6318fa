// The one program interpreter: evaluates a Wengert list by binding each line's primitive to
// its operands, so whatever transform is active sees every line as ordinary ops (this is how
// grad(compile(f)) differentiates a compiled program). Guards are checked as they come: an
// input that takes another branch than the recording did gives MISS, never a stale answer.

import { NDArray } from "../array/ndarray.js";
import type { Aval } from "../array/aval.js";
import type { Atom, Eqn, WengertList } from "./ir.js";
import { avalOf, bind } from "./primitive.js";
import { concrete, Tracer, type Tensor, type Value } from "./tracer.js";

/** Returned when a guard fails: the list does not describe f for these inputs. */
export const MISS: unique symbol = Symbol("wengert.miss");

/** Exactly the same value (Object.is per element; shapes and dtypes too). */
export function sameTensor(a: Tensor, b: Tensor): boolean {
  if (!(b instanceof NDArray)) return Object.is(a, b);
  if (!(a instanceof NDArray) || a.dtype !== b.dtype || a.size !== b.size) return false;
  for (let i = 0; i < a.size; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/**
 * What an interpreter may do with an equation instead of binding it (checkpoint's backward
 * sweep takes a value the forward half kept): a value, or undefined to bind the line as usual.
 */
export type LineHook = (line: Eqn, args: readonly Value[]) => Value | undefined;

/** The list's outputs for `inputs` (one value per input variable), or MISS when a guard fails. */
export function evaluate(list: WengertList, inputs: readonly Value[], hook?: LineHook): Value[] | typeof MISS {
  const env = new Array<Value>(list.avals.length);
  for (let i = 0; i < list.nIn; i++) env[i] = inputs[i]!;
  const consts = list.consts;
  const get = (a: Atom): Value => (a >= 0 ? env[a]! : (consts.value(a) as Value));
  for (const s of list.stmts) {
    const args = s.ins.map(get);
    if (s.kind === "eqn") {
      const r = hook?.(s, args) ?? bind(s.prim, args, s.params);
      if (s.nOut === 1 && s.prim.outputs === undefined) env[s.out] = r;
      else for (let j = 0; j < s.nOut; j++) env[s.out + j] = (r as unknown as readonly Value[])[j]!;
    } else if (s.kind === "guard") {
      if (bind(s.prim, args, s.params) !== s.expect) return MISS;
    } else {
      // A recorder evaluating this list (a derived loop body, a staged replay) must depend on
      // the value as the list does: tell the interpreters, as value() would.
      for (let v: Value = args[0]!; v instanceof Tracer; v = v.primal) v.interp.onConcrete?.(v);
      if (!sameTensor(concrete(args[0]!), s.value)) return MISS;
    }
  }
  return list.outs.map(get);
}

/** Per list: each line's output type as its primitive's shape rule gives it for the list's input types (evaluateConcrete's memo). */
const inferred = new WeakMap<WengertList, { stmts: WengertList["stmts"]; avals: (Aval | undefined)[] }>();

/** Whether concrete v has type a (numbers and booleans as JS values, arrays by dtype and shape). */
function fits(a: Aval, v: Value): boolean {
  if (typeof v === "number") return a.js && a.dtype === "number";
  if (typeof v === "boolean") return a.js && a.dtype === "bool";
  if (!(v instanceof NDArray) || a.js || a.dtype !== v.dtype || a.shape.length !== v.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) if (a.shape[i] !== v.shape[i]) return false;
  return true;
}

/**
 * evaluate on concrete values, for a list run many times on inputs of its own types (a loop
 * body, once per step): each line's shape rule runs once per list, not once per step, and the
 * primitive's kernel is called directly. Inputs of other types take evaluate's path.
 */
export function evaluateConcrete(list: WengertList, inputs: readonly Tensor[]): Tensor[] | typeof MISS {
  for (let i = 0; i < list.nIn; i++) if (!fits(list.avals[i]!, inputs[i]!)) return evaluate(list, inputs) as Tensor[] | typeof MISS;
  let m = inferred.get(list);
  // (A pass that rewrites the list's lines gives it a new array of them: the memo starts again.)
  if (m === undefined || m.stmts !== list.stmts) inferred.set(list, (m = { stmts: list.stmts, avals: [] }));
  const memo = m.avals;
  const env = new Array<Tensor>(list.avals.length);
  for (let i = 0; i < list.nIn; i++) env[i] = inputs[i]!;
  const consts = list.consts;
  const stmts = list.stmts;
  for (let k = 0; k < stmts.length; k++) {
    const s = stmts[k]!;
    const ins = s.ins, n = ins.length;
    if (s.kind === "eqn" && s.nOut === 1 && (n === 1 || n === 2) && s.prim.scalar !== undefined && s.prim.outputs === undefined) {
      // A scalar line on numbers (most of a scalar loop body): its kernel, with no argument array.
      const i0 = ins[0]!, a0 = i0 >= 0 ? env[i0]! : (consts.value(i0) as Tensor);
      const i1 = n === 2 ? ins[1]! : 0, a1 = n === 2 ? (i1 >= 0 ? env[i1]! : (consts.value(i1) as Tensor)) : undefined;
      if (typeof a0 === "number" && (n === 1 || typeof a1 === "number")) { env[s.out] = s.prim.scalar(a0, a1 as number); continue; }
    }
    const args = new Array<Tensor>(n);
    for (let i = 0; i < n; i++) { const a = ins[i]!; args[i] = a >= 0 ? env[a]! : (consts.value(a) as Tensor); }
    if (s.kind === "eqn") {
      const prim = s.prim;
      if (s.nOut !== 1 || prim.outputs !== undefined) {
        const r = bind(prim, args, s.params) as unknown as readonly Tensor[];
        for (let j = 0; j < s.nOut; j++) env[s.out + j] = r[j]!;
        continue;
      }
      const f = prim.scalar;
      if (f !== undefined && typeof args[0] === "number" && (n === 1 || (n === 2 && typeof args[1] === "number"))) {
        env[s.out] = f(args[0], args[1] as number);
        continue;
      }
      let out = memo[k];
      if (out === undefined) memo[k] = out = prim.infer(args.map(avalOf), s.params);
      env[s.out] = prim.impl(args, s.params, out);
    } else if (s.kind === "guard") {
      if (bind(s.prim, args, s.params) !== s.expect) return MISS;
    } else if (!sameTensor(args[0]!, s.value)) return MISS;
  }
  const outs = list.outs, r = new Array<Tensor>(outs.length);
  for (let j = 0; j < outs.length; j++) { const a = outs[j]!; r[j] = a >= 0 ? env[a]! : (consts.value(a) as Tensor); }
  return r;
}
