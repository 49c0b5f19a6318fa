// A whileLoop's cond for each example of a batch. cond's list holds its comparisons of numbers
// and 0-d arrays as guards (a JS boolean: loops/body.ts keeps one variant per branch outcome),
// not as data; one guard cannot hold a batch of outcomes. So each variant is evaluated with its
// guards on batched values read as masks — the examples for which the variant holds — and each
// example takes the output of the first variant that holds for it. An example no variant holds
// for has cond traced again at its own values (a new variant), and a guard in the list this runs
// in checks that every example is covered, so that a later step whose examples meet another
// branch traces again there too.

import { NDArray, sizeOf } from "../array/ndarray.js";
import type { Aval } from "../array/aval.js";
import { sameTensor } from "../core/evaluate.js";
import type { WengertList } from "../core/ir.js";
import { bind } from "../core/primitive.js";
import { concrete, Tracer, type Tensor, type Value } from "../core/tracer.js";
import { astype, equal, max, mul, reshape, sub, toScalar, add } from "../ops/api.js";
import type { BatchInterpreter } from "./batch.js";
import type { LoopBody } from "./loops/body.js";

/** A batch's per-example truth: a JS boolean for all, or a float64 vector [B] of 0 and 1 (one level down). */
export type Truth = { readonly batched: false; readonly value: Value } | { readonly batched: true; readonly keep: Value };

/** 0/1 per example of a cond output (under `I`): a number for a shared one, a float vector [B] for a batched one. */
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
      } else if ((typeof r === "boolean" ? r : concrete(r) as boolean) !== s.expect) return { match: false, outs: [] };
    } else {
      // A traced value read as a constant: an error for a batched one (onConcrete), else compared.
      for (let v: Value = args[0]!; v instanceof Tracer; v = v.primal) v.interp.onConcrete?.(v);
      if (!sameTensor(concrete(args[0]!), s.value)) return { match: false, outs: [] };
    }
  }
  return { match, outs: list.outs.map(get) };
}

/**
 * cond on `inputs` (its consts then the carry, values of `I`, `avals` their example types): its
 * truth per example. Runs under `I` with batched comparisons allowed (I.predicates).
 */
export function condTruth(I: BatchInterpreter, cond: LoopBody, inputs: readonly Value[], avals: readonly Aval[]): Truth {
  const was = I.predicates;
  I.predicates = true;
  try {
    for (;;) {
      let rest: Value | number = 1, truth: Value | number = 0;
      for (const v of cond.variants) {
        const { match, outs } = holds(I, v, inputs);
        if (match === false) continue;
        const o = outs[0]!;
        // A variant that holds for every example not yet matched, when none was batched: cond is shared.
        if (match === true && rest === 1 && !I.own(o)) return { batched: false, value: o };
        const take: Value | number = match === true ? rest : mul(rest, match as Value);
        truth = add(truth, mul(take, asFloat(I, o)));
        rest = match === true ? 0 : mul(rest, sub(1, match as Value));
        if (match === true) break;
      }
      if (typeof rest === "number" && rest === 0) return { batched: true, keep: truth };
      const left = concrete(rest as Value) as NDArray | number;
      const b = typeof left === "number" ? (left > 0 ? 0 : -1) : left.data.findIndex((x) => x > 0);
      if (b < 0) {
        // Covered now; a step whose examples leave the variants met fails this guard and traces again.
        void equal(toScalar(max(rest as Value)), 0);
        return { batched: true, keep: truth };
      }
      // Example b takes a branch no variant has: trace cond at its values (a new variant), and again.
      const n = cond.variants.length;
      cond.run(inputs.map((x, i) => (I.own(x) ? exampleAt(concrete(x.val), avals[i]!, b) : concrete(x))));
      if (cond.variants.length === n) throw new Error("unreachable: cond traced no variant for an example none held for");
    }
  } finally {
    I.predicates = was;
  }
}
