// A loop body's list run on a batch, example by example in one pass. A body's list holds its
// comparisons of numbers and 0-d arrays as guards (JS booleans: loops/body.ts keeps one variant
// per branch outcome met), not as data, and one guard cannot hold a batch of outcomes. So each
// variant is evaluated with its guards on batched values read as masks — the examples it holds
// for — and each example takes the outputs of the first variant that holds for it (where()).
// An example no variant holds for has the body traced at its own values (a new variant); and a
// guard in the list this runs in (the batched loop's own body) checks that every example is
// covered, so that a later step whose examples meet another branch traces there too. A body
// without batched guards is simply its variant, evaluated on the batch.

import { NDArray, sizeOf } from "../array/ndarray.js";
import type { Aval } from "../array/aval.js";
import { sameTensor } from "../core/evaluate.js";
import type { WengertList } from "../core/ir.js";
import { bind } from "../core/primitive.js";
import { concrete, Tracer, type Tensor, type Value } from "../core/tracer.js";
import { astype, broadcastTo, equal, greater, max, mul, reshape, sub, toScalar, where } from "../ops/api.js";
import type { BatchInterpreter } from "./batch.js";
import type { LoopBody } from "./loops/body.js";
import { storageDType } from "./loops/scan-prim.js";

/** 0/1 per example of a boolean (under `I`): a number for a shared one, a float vector [B] for a batched one. */
export function asFloat(I: BatchInterpreter, v: Value): Value {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (I.own(v)) return astype(reshape(v.val, [I.size]), "float64");
  return astype(reshape(v, []), "float64");
}

/** Example b of a concrete batch (batch along axis 0) with example type `a`. */
function exampleAt(batch: Tensor, a: Aval, b: number): Tensor {
  const c = batch as NDArray, n = sizeOf(a.shape);
  if (a.js) return a.dtype === "bool" ? c.data[b * n] !== 0 : c.data[b * n]!;
  return new NDArray(c.data.subarray(b * n, (b + 1) * n), a.shape);
}

/** A variant on batched inputs: where it holds (true, false, or a float mask [B]) and its outputs. */
function holds(I: BatchInterpreter, list: WengertList, inputs: readonly Value[]): { match: boolean | Value; outs: Value[] } {
  const env = new Array<Value>(list.avals.length);
  for (let i = 0; i < list.nIn; i++) env[i] = inputs[i]!;
  const get = (a: number): Value => (a >= 0 ? env[a]! : (list.consts.value(a) as Value));
  let match: boolean | Value = true;
  for (const s of list.stmts) {
    const args = s.ins.map(get);
    if (s.kind === "eqn") {
      const r = bind(s.prim, args, s.params);
      if (s.nOut === 1 && s.prim.outputs === undefined) env[s.out] = r;
      else for (let j = 0; j < s.nOut; j++) env[s.out + j] = (r as unknown as readonly Value[])[j]!;
    } else if (s.kind === "guard") {
      const r = bind(s.prim, args, s.params);
      if (I.own(r)) {
        const m = asFloat(I, r), want = s.expect ? m : sub(1, m);
        match = match === true ? want : mul(match as Value, want);
      } else if ((typeof r === "boolean" ? r : (concrete(r) as boolean)) !== s.expect) return { match: false, outs: [] };
    } else {
      // A traced value read as a constant: an error for a batched one (onConcrete), else compared.
      for (let v: Value = args[0]!; v instanceof Tracer; v = v.primal) v.interp.onConcrete?.(v);
      if (!sameTensor(concrete(args[0]!), s.value)) return { match: false, outs: [] };
    }
  }
  return { match, outs: list.outs.map(get) };
}

/** `o` (under `I`, example type `a`) as a batch one level down, bool and int32 as float64 (for where). */
function asFloatBatch(I: BatchInterpreter, o: Value, a: Aval): Value {
  const v = I.own(o) ? o.val : broadcastTo(typeof o === "boolean" ? (o ? 1 : 0) : o, [I.size, ...a.shape], a.dtype === "number" || a.dtype === "bool" ? undefined : storageDType(a));
  const d = storageDType(a);
  return d === "float64" || d === "float32" ? v : astype(v, "float64");
}

/** A float batch back in the example type's storage (bools by > ½). */
function fromFloatBatch(v: Value, a: Aval): Value {
  const d = storageDType(a);
  if (d === "bool") return greater(v, 0.5);
  return d === "int32" ? astype(v, "int32") : v;
}

/**
 * The outputs of `lb`'s list on `inputs` (its inputs' values under `I`, `avals` their example
 * types), each example's from the first variant that holds for it; values of `I`.
 */
export function runPerExample(I: BatchInterpreter, lb: LoopBody, inputs: readonly Value[], avals: readonly Aval[]): Value[] {
  const was = I.predicates;
  I.predicates = true;
  try {
    for (;;) {
      let rest: Value | number = 1;
      let acc: Value[] | null = null, types: Aval[] = [];
      for (const v of lb.variants) {
        const { match, outs } = holds(I, v, inputs);
        if (match === false) continue;
        // No batched guard before it: this variant is every example's.
        if (match === true && rest === 1) return outs;
        types = v.outs.map((o) => v.avalOf(o));
        const take = greater(broadcastTo(match === true ? rest : mul(rest, match as Value), [I.size]), 0.5);
        const prev: Value[] | null = acc;
        acc = outs.map((o, j): Value => {
          const x = asFloatBatch(I, o, types[j]!);
          if (prev === null) return x;
          return where(reshape(take, [I.size, ...types[j]!.shape.map(() => 1)]), x, prev[j]!);
        });
        rest = match === true ? 0 : mul(rest, sub(1, match as Value));
        if (match === true) break;
      }
      const lifted = (): Value[] => acc!.map((x, j) => I.lift(fromFloatBatch(x, types[j]!), types[j]!));
      if (typeof rest === "number" && rest === 0) return lifted();
      const left = concrete(rest as Value) as NDArray | number;
      const b = typeof left === "number" ? (left > 0 ? 0 : -1) : left.data.findIndex((x) => x > 0);
      if (b < 0) {
        // Covered now; a step whose examples leave the variants met fails this guard and traces again.
        void equal(toScalar(max(rest as Value)), 0);
        return lifted();
      }
      // Example b takes a branch no variant has: trace the body at its values (a new variant), and again.
      const n = lb.variants.length;
      lb.run(inputs.map((x, i) => (I.own(x) ? exampleAt(concrete(x.val), avals[i]!, b) : concrete(x))));
      if (lb.variants.length === n) throw new Error("unreachable: no new variant for an example no variant held for");
    }
  } finally {
    I.predicates = was;
  }
}
