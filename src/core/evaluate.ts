// The one program interpreter: evaluates a Wengert list by binding each line's primitive to
// its operands, so whatever transform is active sees every line as ordinary ops (this is how
// grad(compile(f)) differentiates a compiled program). Guards are checked as they come: an
// input that takes another branch than the recording did gives MISS, never a stale answer.

import { NDArray } from "../array/ndarray.js";
import type { Atom, WengertList } from "./ir.js";
import { bind } from "./primitive.js";
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

/** The list's outputs for `inputs` (one value per input variable), or MISS when a guard fails. */
export function evaluate(list: WengertList, inputs: readonly Value[]): Value[] | typeof MISS {
  const env = new Array<Value>(list.avals.length);
  for (let i = 0; i < list.nIn; i++) env[i] = inputs[i]!;
  const consts = list.consts;
  const get = (a: Atom): Value => (a >= 0 ? env[a]! : (consts.value(a) as Value));
  for (const s of list.stmts) {
    const args = s.ins.map(get);
    if (s.kind === "eqn") {
      const r = bind(s.prim, args, s.params);
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
