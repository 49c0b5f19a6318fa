// Sparsity rules: which inputs each output element of a primitive may depend on, given the
// index sets of its arguments' elements (index-sets.ts). One entry per primitive of the table,
// typed so that a primitive added to src/ops/prims.ts without one is a compile error. Every
// rule is conservative (it may add a dependency, never drop one). Kinds:
//   elementwise  the union of the arguments' elements it reads, broadcast; an argument whose
//                partial is null in the primitive's own rule (where's condition) is left out;
//   none         no dependence (comparisons, rounding, integer results, random draws);
//   gather       each output element is one argument element or a fill (reshape, slice, take,
//                concat, pad, …): the primitive's own kernel, run on element codes, says which;
//   scatter      each element of the first argument lands in one output element (sum,
//                scatterAdd): the transposed gather, run on output codes, says where;
//   rule         the rest, written out (matmul, cumsum, where's selection, linear algebra).

import { NDArray, sizeOf, type Shape } from "../array/ndarray.js";
import { evalConcrete, type Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tracer.js";
import type { MatmulParams, PRIM_TABLE, PrimName } from "../ops/prims.js";
import { PRIM_TABLE as PRIMS } from "../ops/prims.js";
import { reducedShape } from "../ops/builders.js";
import { IndexSets, SetBuilder, Stamps } from "./index-sets.js";

/** What a rule knows of an argument: its concrete value, its index sets (null: a constant), and whether it varies with the inputs at all. */
export interface ArgInfo {
  readonly value: Tensor;
  readonly sets: IndexSets | null;
  readonly varying: boolean;
}

export type ParamsOf<K extends PrimName> = (typeof PRIM_TABLE)[K] extends Primitive<infer Q> ? Q : never;

export type SparsityRule<Q> =
  | { readonly kind: "elementwise" }
  | { readonly kind: "none" }
  | { readonly kind: "gather"; readonly params?: (p: Q) => Q }
  | { readonly kind: "scatter"; readonly map: (outCodes: NDArray, args: readonly Tensor[], params: Q) => Tensor }
  | { readonly kind: "rule"; readonly apply: (args: readonly ArgInfo[], out: Tensor, params: Q, stamps: Stamps) => IndexSets };

const ELEMENTWISE = { kind: "elementwise" } as const;
const NONE = { kind: "none" } as const;
const GATHER = { kind: "gather" } as const;

export function sizeOfTensor(v: Tensor): number {
  return v instanceof NDArray ? v.size : 1;
}

export function shapeOfTensor(v: Tensor): Shape {
  return v instanceof NDArray ? v.shape : [];
}

/** Codes 1 … m (element e is e + 1; 0 is "no element") in the shape of `like`. */
export function codes(like: Tensor, offset = 0): Tensor {
  if (!(like instanceof NDArray)) return offset + 1;
  const d = new Float64Array(like.size);
  for (let e = 0; e < d.length; e++) d[e] = offset + e + 1;
  return new NDArray(d, like.shape);
}

function codeData(v: Tensor): ArrayLike<number> {
  return v instanceof NDArray ? v.data : [Number(v)];
}

/** Every output element depends on every element of every argument with sets (the conservative answer). */
export function allOf(args: readonly ArgInfo[], mOut: number, stamps: Stamps): IndexSets {
  const b = new SetBuilder(1, stamps);
  for (const a of args) if (a.sets !== null) b.addAll(a.sets);
  b.end();
  const one = b.done();
  const ptr = new Int32Array(mOut + 1), n = one.idx.length;
  const idx = new Int32Array(n * mOut);
  for (let o = 0; o < mOut; o++) { idx.set(one.idx, o * n); ptr[o + 1] = (o + 1) * n; }
  return new IndexSets(ptr, idx);
}

/** where(c, a, b): a concrete condition picks one side per element; a varying one may pick either. */
const whereRule: SparsityRule<undefined> = {
  kind: "rule",
  apply: ([c, a, b], out, _p, stamps) => {
    const m = sizeOfTensor(out), shape = shapeOfTensor(out);
    const pick = c!.varying ? null : codeData(out instanceof NDArray ? evalConcrete(PRIMS.broadcastTo, [c!.value], { shape }) : c!.value);
    const sides = [a!, b!].map((s) => (s.sets === null ? null : { sets: s.sets, map: broadcastMap(s.value, shape) }));
    const builder = new SetBuilder(m, stamps);
    for (let o = 0; o < m; o++) {
      for (let k = 0; k < 2; k++) {
        const s = sides[k];
        if (s === null || s === undefined) continue;
        if (pick !== null && (pick[o]! !== 0) !== (k === 0)) continue;
        builder.add(s.sets, s.map === null ? o : s.map[o]!);
      }
      builder.end();
    }
    return builder.done();
  },
};

/** The element of `v` each element of an output of `shape` reads under broadcasting (null: the same element). */
export function broadcastMap(v: Tensor, shape: Shape): Int32Array | null {
  const vs = shapeOfTensor(v);
  if (vs.length === shape.length && vs.every((d, i) => d === shape[i])) return null;
  const m = sizeOf(shape);
  if (!(v instanceof NDArray) || v.size === 1) return new Int32Array(m);
  const c = codeData(evalConcrete(PRIMS.broadcastTo, [codes(v)], { shape }));
  const map = new Int32Array(m);
  for (let o = 0; o < m; o++) map[o] = c[o]! - 1;
  return map;
}

/** Running unions along an axis (cumsum): element j depends on elements ≤ j (≥ j reversed) of its line. */
const cumsumRule: SparsityRule<{ readonly axis: number; readonly reverse: boolean }> = {
  kind: "rule",
  apply: ([a], out, p, stamps) => {
    const shape = shapeOfTensor(out), m = sizeOf(shape), n = shape[p.axis]!;
    let inner = 1;
    for (let i = p.axis + 1; i < shape.length; i++) inner *= shape[i]!;
    const outer = m / Math.max(n * inner, 1);
    // Build in line order (so that addBuilt reads finished rows), then place rows by element.
    const order = new Int32Array(m);
    let r = 0;
    for (let u = 0; u < outer; u++) for (let q = 0; q < inner; q++) for (let k = 0; k < n; k++) order[r++] = u * n * inner + (p.reverse ? n - 1 - k : k) * inner + q;
    const b = new SetBuilder(m, stamps, a!.sets!.idx.length);
    for (let r2 = 0; r2 < m; r2++) {
      if (r2 % n !== 0) b.addBuilt(r2 - 1);
      b.add(a!.sets!, order[r2]!);
      b.end();
    }
    const built = b.done();
    const inv = new Int32Array(m);
    for (let k = 0; k < m; k++) inv[order[k]!] = k;
    return permuteRows(built, inv, stamps);
  },
};

/** Row o of the result is row perm[o] of s. */
function permuteRows(s: IndexSets, perm: Int32Array, stamps: Stamps): IndexSets {
  const b = new SetBuilder(perm.length, stamps, s.idx.length);
  for (let o = 0; o < perm.length; o++) { b.add(s, perm[o]!); b.end(); }
  return b.done();
}

/**
 * op(A) @ op(B) over broadcast batch axes: C[b, i, j] may depend on row i of op(A[b]) and
 * column j of op(B[b]) (every k, conservatively).
 */
const matmulRule: SparsityRule<MatmulParams | undefined> = {
  kind: "rule",
  apply: ([a, b], out, p, stamps) => {
    const oshape = shapeOfTensor(out), nd = oshape.length;
    const M = oshape[nd - 2]!, N = oshape[nd - 1]!, batch = oshape.slice(0, -2), nb = sizeOf(batch);
    // Per (batch of the operand, row of op(A)) and (batch of the operand, column of op(B)): the union over k.
    const lines = (x: ArgInfo, rowsOfOp: boolean, t: boolean): { sets: IndexSets | null; bmap: Int32Array | null; per: number } => {
      const s = shapeOfTensor(x.value), r = s[s.length - 2]!, c = s[s.length - 1]!;
      // A line of op(X): a row (for A) or a column (for B) of op(X); op transposes when t.
      const byRow = rowsOfOp !== t;
      const per = byRow ? r : c;
      const bshape = s.slice(0, -2);
      const bmap = broadcastMap(bshape.length === 0 ? 0 : new NDArray(new Float64Array(sizeOf(bshape)), bshape), batch);
      if (x.sets === null) return { sets: null, bmap, per };
      const nbx = sizeOf(bshape), b2 = new SetBuilder(nbx * per, stamps, x.sets.idx.length);
      for (let q = 0; q < nbx; q++) {
        for (let l = 0; l < per; l++) {
          for (let k = 0; k < (byRow ? c : r); k++) b2.add(x.sets, q * r * c + (byRow ? l * c + k : k * c + l));
          b2.end();
        }
      }
      return { sets: b2.done(), bmap, per };
    };
    const A = lines(a!, true, p?.ta === true), B = lines(b!, false, p?.tb === true);
    const res = new SetBuilder(nb * M * N, stamps);
    for (let q = 0; q < nb; q++) {
      const qa = A.bmap === null ? q : A.bmap[q]!, qb = B.bmap === null ? q : B.bmap[q]!;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          if (A.sets !== null) res.add(A.sets, qa * A.per + i);
          if (B.sets !== null) res.add(B.sets, qb * B.per + j);
          res.end();
        }
      }
    }
    return res.done();
  },
};

/** Linear algebra on the last two axes: each output element of a matrix of the batch may depend on every input element of that matrix. */
const batchedDense: SparsityRule<unknown> = {
  kind: "rule",
  apply: (args, out, _p, stamps) => {
    const s0 = shapeOfTensor(args[0]!.value), nb = sizeOf(s0.slice(0, -2));
    const m = sizeOfTensor(out), perOut = m / Math.max(nb, 1);
    const b = new SetBuilder(m, stamps);
    for (let o = 0; o < m; o++) {
      const q = Math.floor(o / perOut);
      for (const a of args) {
        if (a.sets === null) continue;
        const per = a.sets.size / nb;
        for (let e = q * per; e < (q + 1) * per; e++) b.add(a.sets, e);
      }
      b.end();
    }
    return b.done();
  },
};

/** astype: to a float dtype the value is carried over (a derivative flows); to an integer or bool it is not. */
const astypeRule: SparsityRule<{ readonly dtype: string }> = {
  kind: "rule",
  apply: ([a], out, p) => (p.dtype === "float32" || p.dtype === "float64" ? a!.sets! : IndexSets.empty(sizeOfTensor(out))),
};

/** sum/max/min over axes: each input element lands in the output element its axes reduce to. */
const reduceMap = (outCodes: NDArray, [x]: readonly Tensor[], p: { readonly axes: readonly number[] }): Tensor => {
  const inShape = shapeOfTensor(x!);
  const kept = evalConcrete(PRIMS.reshape, [outCodes], { shape: reducedShape(inShape, p.axes, true) });
  return evalConcrete(PRIMS.broadcastTo, [kept], { shape: inShape });
};

type SparsityTable = { readonly [K in PrimName]: SparsityRule<ParamsOf<K>> };

export const SPARSITY: SparsityTable = {
  randomSplit: NONE, randomFoldIn: NONE, randomUniform: NONE, randomNormal: NONE, randomInt: NONE, randomPermutation: NONE,
  isnan: NONE, isfinite: NONE, argmax: NONE, argmin: NONE, argsort: NONE, sign: NONE, stopGradient: NONE,
  greater: NONE, greaterEqual: NONE, less: NONE, lessEqual: NONE, equal: NONE, notEqual: NONE,
  floor: NONE, ceil: NONE, round: NONE, trunc: NONE,

  add: ELEMENTWISE, sub: ELEMENTWISE, mul: ELEMENTWISE, div: ELEMENTWISE, pow: ELEMENTWISE, atan2: ELEMENTWISE, maximum: ELEMENTWISE, minimum: ELEMENTWISE,
  neg: ELEMENTWISE, square: ELEMENTWISE, exp: ELEMENTWISE, log: ELEMENTWISE, log1p: ELEMENTWISE, expm1: ELEMENTWISE, sin: ELEMENTWISE, cos: ELEMENTWISE,
  tan: ELEMENTWISE, asin: ELEMENTWISE, acos: ELEMENTWISE, atan: ELEMENTWISE, sinh: ELEMENTWISE, cosh: ELEMENTWISE, tanh: ELEMENTWISE, sqrt: ELEMENTWISE,
  abs: ELEMENTWISE, erf: ELEMENTWISE, erfc: ELEMENTWISE, remainder: ELEMENTWISE,
  where: whereRule,

  toScalar: GATHER, reshape: GATHER, transpose: GATHER, broadcastTo: GATHER, slice: GATHER, unslice: GATHER, concat: GATHER,
  take: GATHER, takeAlongAxis: GATHER, index: GATHER,
  // A traced index could be any position: every element (conservative, so never a missed entry).
  dynamicIndex: { kind: "rule", apply: (args, out, _p, stamps) => allOf(args, sizeOfTensor(out), stamps) },
  addAt: { kind: "rule", apply: (args, out, _p, stamps) => allOf(args, sizeOfTensor(out), stamps) },
  pad: { kind: "gather", params: (p) => ({ ...p, value: 0 }) },

  sum: { kind: "scatter", map: reduceMap }, max: { kind: "scatter", map: reduceMap }, min: { kind: "scatter", map: reduceMap },
  scatterAdd: { kind: "scatter", map: (outCodes, [, idx], p) => evalConcrete(PRIMS.take, [outCodes, idx!], { axis: p.axis }) },
  scatterAlongAxis: { kind: "scatter", map: (outCodes, [, idx], p) => evalConcrete(PRIMS.takeAlongAxis, [outCodes, idx!], { axis: p.axis }) },

  astype: astypeRule,
  cumsum: cumsumRule,
  matmul: matmulRule,
  solve: batchedDense, triangularSolve: batchedDense, cholesky: batchedDense, qr: batchedDense, eigh: batchedDense, det: batchedDense, slogdet: batchedDense,
};
