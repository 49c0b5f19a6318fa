// Every primitive's derivative rule, on random inputs in its domain (fixed seed):
//  - JVP against central differences,
//  - VJP against JVP by the dot-product test ⟨ȳ, J·ẋ⟩ = ⟨Jᵀ·ȳ, ẋ⟩,
//  - second derivatives (four nestings, hvp, hessian, grad∘grad) against differences of the gradient,
// on plain numbers and on NDArrays, including broadcasting (so the unbroadcast path is exercised).
// The table below is keyed by primitive name; the last test fails when a primitive is added to
// src/ops/prims.ts without cases here.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import * as o from "../src/ops/api.js";
import { index } from "../src/ops/element.js";
import { addAt, dynamicIndex } from "../src/ops/dynamic-index.js";
import { PRIM_TABLE, type PrimName } from "../src/ops/prims.js";
import { checkAll, property, randArray, type AnyFn, type CheckOpts, type Rng, type Tree } from "./helpers/check.js";
import { EXTRA_NONE_OPS, EXTRA_RULE_CASES } from "./cases/extra.js";

interface Generated {
  readonly f: AnyFn;
  readonly args: Tree[];
  readonly opts?: CheckOpts & { second?: boolean; ref?: AnyFn };
}
interface Case {
  readonly name: string;
  readonly gen: (r: Rng) => Generated;
}

type Dist = (r: Rng) => number;
const any: Dist = (r) => r.uniform(-2, 2);
const pos: Dist = (r) => r.uniform(0.5, 3);
/** |x| ≥ 0.3: away from kinks and poles at 0. */
const nonzero: Dist = (r) => r.sign() * r.uniform(0.3, 2);
/** Two interleaved grids: a value of `gridA` and one of `gridB` always differ by ≥ 0.1 (no ties). */
const gridA: Dist = (r) => r.int(-2, 2) + 0.5 + r.uniform(-0.2, 0.2);
const gridB: Dist = (r) => r.int(-2, 2) + r.uniform(-0.2, 0.2);

const arr = (r: Rng, shape: number[], d: Dist): NDArray => randArray(shape, () => d(r));
/** Distinct values (pairwise ≥ 0.1 apart) in random order: max/min without ties. */
function distinct(r: Rng, shape: number[]): NDArray {
  let n = 1;
  for (const d of shape) n *= d;
  const vals = Array.from({ length: n }, (_, i) => 0.5 * i - n / 4 + r.uniform(-0.2, 0.2));
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i);
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return w.array(vals, { shape });
}
const int32 = (xs: readonly number[] | readonly (readonly number[])[]): NDArray => w.array(xs as number[], { dtype: "int32" });

function unaryCases(op: AnyFn, d: Dist): Case[] {
  return [
    { name: "number", gen: (r) => ({ f: op, args: [d(r)] }) },
    { name: "[2,3] array", gen: (r) => ({ f: op, args: [arr(r, [2, 3], d)] }) },
    { name: "0-d array", gen: (r) => ({ f: op, args: [arr(r, [], d)] }) },
  ];
}

/** Numbers, equal shapes, and the broadcasting combinations (each side broadcast, both, number with array). */
function binaryCases(op: AnyFn, da: Dist, db: Dist): Case[] {
  const pair = (sa: number[] | null, sb: number[] | null) => (r: Rng): Generated => ({
    f: op,
    args: [sa === null ? da(r) : arr(r, sa, da), sb === null ? db(r) : arr(r, sb, db)],
  });
  return [
    { name: "number, number", gen: pair(null, null) },
    { name: "[4], [4]", gen: pair([4], [4]) },
    { name: "[3,1], [4] (both broadcast)", gen: pair([3, 1], [4]) },
    { name: "[2,3], [3] (second broadcast)", gen: pair([2, 3], [3]) },
    { name: "[1,3], [2,3] (first broadcast)", gen: pair([1, 3], [2, 3]) },
    { name: "[2,3], number", gen: pair([2, 3], null) },
    { name: "number, [2,3]", gen: pair(null, [2, 3]) },
    { name: "0-d, [2]", gen: pair([], [2]) },
  ];
}

const c = (name: string, gen: (r: Rng) => Generated): Case => ({ name, gen });
const one = (f: AnyFn, args: (r: Rng) => Tree[], opts?: Generated["opts"]) => (r: Rng): Generated => ({ f, args: args(r), opts });

/** k + u with u in (0.1, 0.9): at least 0.1 from every integer (floor, ceil, trunc and % jump there). */
const offInt: Dist = (r) => r.int(-3, 3) + r.uniform(0.1, 0.9);
/** A rounding op alone (derivative 0), and feeding a product (x·floor x has derivative floor x). */
function roundingCases(op: AnyFn, d: Dist): Case[] {
  return [
    ...unaryCases(op, d),
    c("x · op(x), [5]", one((x: NDArray) => w.mul(x, op(x)), (r) => [arr(r, [5], d)])),
    c("op(x) · sin x, number", one((x: number) => w.mul(op(x), w.sin(x)), (r) => [d(r)])),
  ];
}

/** Tolerances of a float32 case: a large step (float32 has ~7 digits), float32 tolerances. */
const F32 = { h: 1e-2, rtol: 1e-3, dotTol: 1e-6 };

const CASES: Record<PrimName, readonly Case[]> = {
  // The tables spread into prims.ts keep their cases beside them.
  ...EXTRA_RULE_CASES,

  add: binaryCases(w.add, any, any),
  sub: binaryCases(w.sub, any, any),
  mul: binaryCases(w.mul, any, any),
  // The chain rule's zero-absorbing product (internal): a product away from zero.
  div: binaryCases(w.div, any, nonzero),
  pow: [
    ...binaryCases(w.pow, pos, any),
    // Constant exponents take the exact integer paths (0, 1, 2) or the general one; negative bases with integer powers.
    ...[0, 1, 2, 3, -1, 0.5, -2.5].map((k) => c(`x^${k} (constant exponent), array`, one((x: NDArray) => w.pow(x, k), (r) => [arr(r, [5], k % 1 === 0 ? nonzero : pos)]))),
    ...[0, 1, 2, 3, -2].map((k) => c(`x^${k} (constant exponent), number`, one((x: number) => w.pow(x, k), (r) => [nonzero(r)]))),
    c("b^x (constant base)", one((x: NDArray) => w.pow(2.5, x), (r) => [arr(r, [4], any)])),
    c("x^x", one((x: number) => w.pow(x, x), (r) => [pos(r)])),
  ],
  atan2: binaryCases(w.atan2, nonzero, nonzero),
  maximum: [...binaryCases(w.maximum, gridA, gridB), ...binaryCases(w.maximum, gridB, gridA).slice(0, 3)],
  minimum: [...binaryCases(w.minimum, gridA, gridB), ...binaryCases(w.minimum, gridB, gridA).slice(0, 3)],

  neg: unaryCases(w.neg, any),
  square: unaryCases(w.square, any),
  exp: unaryCases(w.exp, any),
  log: unaryCases(w.log, pos),
  log1p: unaryCases(w.log1p, (r) => r.uniform(-0.6, 3)),
  expm1: unaryCases(w.expm1, any),
  sin: unaryCases(w.sin, (r) => r.uniform(-4, 4)),
  cos: unaryCases(w.cos, (r) => r.uniform(-4, 4)),
  tan: unaryCases(w.tan, (r) => r.uniform(-1.2, 1.2)),
  asin: unaryCases(w.asin, (r) => r.uniform(-0.85, 0.85)),
  acos: unaryCases(w.acos, (r) => r.uniform(-0.85, 0.85)),
  atan: unaryCases(w.atan, (r) => r.uniform(-3, 3)),
  sinh: unaryCases(w.sinh, any),
  cosh: unaryCases(w.cosh, any),
  tanh: unaryCases(w.tanh, any),
  sqrt: unaryCases(w.sqrt, pos),
  abs: unaryCases(w.abs, nonzero),
  // Piecewise constant: away from 0 its derivative (zero) matches finite differences.
  sign: [...unaryCases(w.sign, nonzero), c("x·sign(x)", one((x: NDArray) => w.mul(x, w.sign(x)), (r) => [arr(r, [5], nonzero)]))],

  // Comparisons carry no derivative; used for control they must not disturb the branches' derivatives.
  greater: [
    c("where(a > b, a·b, a − b), numbers", one((a: number, b: number) => w.where(w.greater(a, b), w.mul(a, b), w.sub(a, b)), (r) => [gridA(r), gridB(r)])),
    c("where(a > b, a·b, a − b), [3,1] vs [4]", one((a: NDArray, b: NDArray) => w.where(w.greater(a, b), w.mul(a, b), w.sub(a, b)), (r) => [arr(r, [3, 1], gridA), arr(r, [4], gridB)])),
  ],
  greaterEqual: [c("where(a ≥ b, sin a, cos b), [4]", one((a: NDArray, b: NDArray) => w.where(w.greaterEqual(a, b), w.sin(a), w.cos(b)), (r) => [arr(r, [4], gridA), arr(r, [4], gridB)]))],
  less: [c("native if on less(x, 0)", one((x: number) => (w.less(x, 0) ? w.mul(x, x) : w.sin(x)), (r) => [nonzero(r)]))],
  lessEqual: [c("where(x ≤ 0, x², x³), [5]", one((x: NDArray) => w.where(w.lessEqual(x, 0), w.mul(x, x), w.pow(x, 3)), (r) => [arr(r, [5], nonzero)]))],
  equal: [c("where(a == a, a·b, 0)", one((a: NDArray, b: NDArray) => w.where(w.equal(a, a), w.mul(a, b), 0), (r) => [arr(r, [3], any), arr(r, [3], any)]))],
  notEqual: [c("where(a != b, a·b, 0)", one((a: NDArray, b: NDArray) => w.where(w.notEqual(a, b), w.mul(a, b), 0), (r) => [arr(r, [3], gridA), arr(r, [3], gridB)]))],

  where: [
    c("array condition, a [3,4], b [4]", (r) => {
      const cond = w.array(Array.from({ length: 12 }, () => r.bool()), { shape: [3, 4] });
      return { f: (a: NDArray, b: NDArray) => w.where(cond, a, b), args: [arr(r, [3, 4], any), arr(r, [4], any)] };
    }),
    c("array condition [3,1], numbers a and b", (r) => {
      const cond = w.array([[true], [false], [r.bool()]]);
      return { f: (a: number, b: number) => w.where(cond, w.mul(a, a), w.sin(b)), args: [any(r), any(r)] };
    }),
    c("array condition [2], number a, array b [3,2]", (r) => {
      const cond = w.array([r.bool(), r.bool()]);
      return { f: (a: number, b: NDArray) => w.where(cond, a, b), args: [any(r), arr(r, [3, 2], any)] };
    }),
    c("JS boolean condition, numbers", (r) => {
      const cond = r.bool();
      return { f: (a: number, b: number) => w.where(cond, w.exp(a), w.mul(b, a)), args: [any(r), any(r)] };
    }),
    c("JS boolean condition, arrays", (r) => {
      const cond = r.bool();
      return { f: (a: NDArray, b: NDArray) => w.where(cond, a, b), args: [arr(r, [2, 3], any), arr(r, [3], any)] };
    }),
  ],

  // The derivative of stopGradient(x)·sin x is x₀·cos x: differences of x₀·sin x (x₀ frozen).
  stopGradient: [
    c("stopGradient(x)·sin x, number", (r) => {
      const x0 = any(r);
      return { f: (x: number) => w.mul(w.stopGradient(x), w.sin(x)), args: [x0], opts: { ref: (x: number) => w.mul(x0, w.sin(x)), second: false } };
    }),
    c("stopGradient(x)·sin x, array", (r) => {
      const x0 = arr(r, [2, 2], any);
      return { f: (x: NDArray) => w.mul(w.stopGradient(x), w.sin(x)), args: [x0], opts: { ref: (x: NDArray) => w.mul(x0, w.sin(x)), second: false } };
    }),
  ],

  toScalar: [
    c("[1] → number", one((x: NDArray) => w.toScalar(x), (r) => [arr(r, [1], any)])),
    c("[1,1] → number", one((x: NDArray) => w.toScalar(x), (r) => [arr(r, [1, 1], any)])),
    c("0-d → number", one((x: NDArray) => w.toScalar(x), (r) => [arr(r, [], any)])),
    c("toScalar(sum(x)) · y", one((x: NDArray, y: NDArray) => w.mul(w.toScalar(w.sum(x)), y), (r) => [arr(r, [3], any), arr(r, [2], any)])),
  ],

  astype: [
    c("number → float64 0-d", one((x: number) => w.astype(x, "float64"), (r) => [any(r)])),
    // Through float32: linear, so a large step has no truncation error; float32 tolerances.
    c("float64 → float32 → float64", one((x: NDArray) => w.astype(w.astype(x, "float32"), "float64"), (r) => [arr(r, [2, 3], any)], { h: 1e-2, rtol: 1e-4, dotTol: 1e-6 })),
    // Casting to int32 carries no derivative: x + float(int(x)) has derivative 1 away from integers.
    c("x + float64(int32(x))", one((x: NDArray) => w.add(x, w.astype(w.astype(x, "int32"), "float64")), (r) => [arr(r, [4], (rr) => rr.int(-3, 3) + rr.uniform(0.2, 0.8))])),
  ],

  sum: [
    c("number", one((x: number) => w.sum(x), (r) => [any(r)])),
    ...([undefined, 0, 1, 2, -1, [0, 2], [1, 2]] as const).flatMap((axes) =>
      [false, true].map((keep) => c(`[2,3,4] over ${JSON.stringify(axes) ?? "all"}${keep ? ", keepdims" : ""}`, one((x: NDArray) => w.sum(x, axes, keep), (r) => [arr(r, [2, 3, 4], any)])))),
    c("mean over all", one((x: NDArray) => w.mean(x), (r) => [arr(r, [3, 4], any)])),
    c("mean over axis 1, keepdims", one((x: NDArray) => w.mean(x, 1, true), (r) => [arr(r, [3, 4], any)])),
    c("mean over [0, 2]", one((x: NDArray) => w.mean(x, [0, 2]), (r) => [arr(r, [2, 3, 2], any)])),
  ],
  max: [
    c("[6] over all", one((x: NDArray) => w.max(x), (r) => [distinct(r, [6])])),
    c("[3,4] over axis 0", one((x: NDArray) => w.max(x, 0), (r) => [distinct(r, [3, 4])])),
    c("[3,4] over axis -1, keepdims", one((x: NDArray) => w.max(x, -1, true), (r) => [distinct(r, [3, 4])])),
    c("[2,3,2] over [0,2]", one((x: NDArray) => w.max(x, [0, 2]), (r) => [distinct(r, [2, 3, 2])])),
  ],
  min: [
    c("[6] over all", one((x: NDArray) => w.min(x), (r) => [distinct(r, [6])])),
    c("[3,4] over axis 1", one((x: NDArray) => w.min(x, 1), (r) => [distinct(r, [3, 4])])),
    c("[2,3,2] over [0,1], keepdims", one((x: NDArray) => w.min(x, [0, 1], true), (r) => [distinct(r, [2, 3, 2])])),
  ],

  reshape: [
    c("[2,3] → [3,2]", one((x: NDArray) => w.reshape(x, [3, 2]), (r) => [arr(r, [2, 3], any)])),
    c("[6] → [2,-1]", one((x: NDArray) => w.reshape(x, [2, -1]), (r) => [arr(r, [6], any)])),
    c("number → [1,1]", one((x: number) => w.reshape(x, [1, 1]), (r) => [any(r)])),
    c("[1] → 0-d", one((x: NDArray) => w.reshape(x, []), (r) => [arr(r, [1], any)])),
  ],
  transpose: [
    c("[2,3] default", one((x: NDArray) => w.transpose(x), (r) => [arr(r, [2, 3], any)])),
    c("[2,3,4] perm [1,0,2]", one((x: NDArray) => w.transpose(x, [1, 0, 2]), (r) => [arr(r, [2, 3, 4], any)])),
    c("[2,3,4] perm [2,0,1]", one((x: NDArray) => w.transpose(x, [2, 0, 1]), (r) => [arr(r, [2, 3, 4], any)])),
    c("[2,3,4] perm [-1,0,1]", one((x: NDArray) => w.transpose(x, [-1, 0, 1]), (r) => [arr(r, [2, 3, 4], any)])),
    c("x.T fluent", one((x: NDArray) => x.T, (r) => [arr(r, [3, 2], any)])),
  ],
  broadcastTo: [
    c("[3,1] → [2,3,4]", one((x: NDArray) => w.broadcastTo(x, [2, 3, 4]), (r) => [arr(r, [3, 1], any)])),
    c("[4] → [3,4]", one((x: NDArray) => w.broadcastTo(x, [3, 4]), (r) => [arr(r, [4], any)])),
    c("number → [2,2]", one((x: number) => w.broadcastTo(x, [2, 2]), (r) => [any(r)])),
    c("0-d → [3]", one((x: NDArray) => w.broadcastTo(x, [3]), (r) => [arr(r, [], any)])),
  ],
  slice: [
    c("[5] [1:4]", one((x: NDArray) => w.slice(x, [1], [4]), (r) => [arr(r, [5], any)])),
    c("[4,5] [1:3, ::2]", one((x: NDArray) => w.slice(x, [1, 0], [3, undefined], [1, 2]), (r) => [arr(r, [4, 5], any)])),
    c("[6] [-3:]", one((x: NDArray) => w.slice(x, [-3]), (r) => [arr(r, [6], any)])),
    c("[3,4,2] [:, 1:, 1:]", one((x: NDArray) => w.slice(x, [0, 1, 1]), (r) => [arr(r, [3, 4, 2], any)])),
    c("[7] [1::3]", one((x: NDArray) => w.slice(x, [1], [], [3]), (r) => [arr(r, [7], any)])),
  ],
  unslice: [
    c("[2] into [5] at 1 step 2", one((x: NDArray) => o.unslice(x, { starts: [1], steps: [2], full: [5] }), (r) => [arr(r, [2], any)])),
    c("[2,2] into [3,4] at [1,1]", one((x: NDArray) => o.unslice(x, { starts: [1, 1], steps: [1, 1], full: [3, 4] }), (r) => [arr(r, [2, 2], any)])),
  ],
  concat: [
    c("[2] + [3], axis 0", one((a: NDArray, b: NDArray) => w.concat([a, b]), (r) => [arr(r, [2], any), arr(r, [3], any)])),
    c("[2,3] + [2,1] + [2,2], axis 1", one((a: NDArray, b: NDArray, d: NDArray) => w.concat([a, b, d], 1), (r) => [arr(r, [2, 3], any), arr(r, [2, 1], any), arr(r, [2, 2], any)])),
    c("same argument twice, axis -1", one((a: NDArray) => w.concat([a, w.sin(a)], -1), (r) => [arr(r, [2, 2], any)])),
    c("stack of numbers", one((a: number, b: number, d: number) => w.stack([a, w.mul(a, b), d]), (r) => [any(r), any(r), any(r)])),
    c("stack of [3] arrays on axis 1", one((a: NDArray, b: NDArray) => w.stack([a, b], 1), (r) => [arr(r, [3], any), arr(r, [3], any)])),
  ],
  pad: [
    c("[3] widths [[1,2]]", one((x: NDArray) => w.pad(x, [[1, 2]]), (r) => [arr(r, [3], any)])),
    c("[2,3] widths [[1,0],[0,2]] value 1.5", one((x: NDArray) => w.pad(x, [[1, 0], [0, 2]], 1.5), (r) => [arr(r, [2, 3], any)])),
  ],
  take: [
    c("[5] at [0,4,4,1] (repeated indices)", one((x: NDArray) => w.take(x, [0, 4, 4, 1]), (r) => [arr(r, [5], any)])),
    c("[3,4] at [3,0,3] on axis 1", one((x: NDArray) => w.take(x, int32([3, 0, 3]), 1), (r) => [arr(r, [3, 4], any)])),
    c("[3,2] at [[0,1],[2,2]] on axis 0", one((x: NDArray) => w.take(x, int32([[0, 1], [2, 2]])), (r) => [arr(r, [3, 2], any)])),
    c("gather on axis -1", one((x: NDArray) => w.gather(x, [1, 1], -1), (r) => [arr(r, [2, 3], any)])),
  ],
  scatterAdd: [
    c("[4] into [3] at [0,2,2,1]", one((g: NDArray) => o.scatterAdd(g, int32([0, 2, 2, 1]), 0, [3]), (r) => [arr(r, [4], any)])),
    c("[2,3] into [2,4] at [3,3,0] on axis 1", one((g: NDArray) => o.scatterAdd(g, int32([3, 3, 0]), 1, [2, 4]), (r) => [arr(r, [2, 3], any)])),
  ],
  // JS % and Math.floor/ceil/round/trunc (src/ops/rounding.ts), away from their jumps.
  remainder: [
    c("number % number", one(w.remainder, (r) => { const b = nonzero(r); return [b * offInt(r), b]; })),
    c("[5] % number", (r) => { const b = nonzero(r); return { f: w.remainder, args: [randArray([5], () => b * offInt(r)), b] }; }),
    c("number % [4] (b in (0.55, 0.95): 1/b off the integers)", one(w.remainder, (r) => [1, arr(r, [4], (rr) => rr.uniform(0.55, 0.95))])),
    c("[2,3] % [2,3], signs mixed", (r) => {
      const b = arr(r, [2, 3], nonzero);
      return { f: w.remainder, args: [w.array(Array.from(b.data, (v) => v * offInt(r)), { shape: [2, 3] }), b] };
    }),
    c("x % 1.5 · x (the value feeds on)", one((x: NDArray) => w.mul(w.remainder(x, 1.5), x), (r) => [arr(r, [4], (rr) => 1.5 * offInt(rr))])),
  ],
  floor: roundingCases(w.floor, offInt),
  ceil: roundingCases(w.ceil, offInt),
  trunc: roundingCases(w.trunc, offInt),
  // Math.round jumps at the half-integers.
  round: roundingCases(w.round, (r) => r.int(-3, 3) + r.uniform(-0.4, 0.4)),
  index: [
    c("[5][3] → number", one((x: NDArray) => index(x, 3), (r) => [arr(r, [5], any)])),
    c("[3,4][1] → row [4]", one((x: NDArray) => index(x, 1), (r) => [arr(r, [3, 4], any)])),
    c("x[0]·x[2] + sin x[1] (one array, several reads)", one((x: NDArray) => w.add(w.mul(index(x, 0), index(x, 2)), w.sin(index(x, 1))), (r) => [arr(r, [3], any)])),
    c("[2,2,3][1][0][2] → number", one((x: NDArray) => index(index(index(x, 1), 0), 2), (r) => [arr(r, [2, 2, 3], any)])),
  ],
  // float32 values: differences with a large step (the ops are linear in them), float32 tolerances.
  // The index a traced value (floor of y, derivative 0): y off the integers, inside [0, 5).
  dynamicIndex: [
    c("[5][2] (a plain index)", one((x: NDArray) => dynamicIndex(x, 2), (r) => [arr(r, [5], any)])),
    c("[5][⌊y⌋] · y (a traced index)", one((x: NDArray, y: number) => w.mul(dynamicIndex(x, w.floor(y)), y), (r) => [arr(r, [5], any), r.int(0, 4) + r.uniform(0.1, 0.9)])),
    c("x[⌊y⌋] · sin x[⌊y⌋+1] (two reads of one array)", one((x: NDArray, y: number) => w.mul(dynamicIndex(x, w.floor(y)), w.sin(dynamicIndex(x, w.add(w.floor(y), 1)))), (r) => [arr(r, [5], any), r.int(0, 3) + r.uniform(0.1, 0.9)])),
    c("float32 x", one((x: NDArray, y: number) => w.mul(dynamicIndex(w.astype(x, "float32"), w.floor(y)), y), (r) => [arr(r, [4], any), r.int(0, 3) + r.uniform(0.1, 0.9)], F32)),
  ],
  addAt: [
    c("a + v at [1]", one((a: NDArray, v: number) => addAt(a, 1, v), (r) => [arr(r, [4], any), any(r)])),
    c("sin(a + v·y at [⌊y⌋]) (a traced index)", one((a: NDArray, v: number, y: number) => w.sin(addAt(a, w.floor(y), w.mul(v, y))), (r) => [arr(r, [4], any), any(r), r.int(0, 3) + r.uniform(0.1, 0.9)])),
    c("float32 a", one((a: NDArray, v: number) => w.mul(addAt(w.astype(a, "float32"), 2, v), 3), (r) => [arr(r, [4], any), any(r)], F32)),
  ],
  matmul: [
    c("[2,3] @ [3,4]", one(w.matmul, (r) => [arr(r, [2, 3], any), arr(r, [3, 4], any)])),
    c("[3] @ [3,4]", one(w.matmul, (r) => [arr(r, [3], any), arr(r, [3, 4], any)])),
    c("[2,3] @ [3]", one(w.matmul, (r) => [arr(r, [2, 3], any), arr(r, [3], any)])),
    c("[3] @ [3] (dot)", one(w.dot, (r) => [arr(r, [3], any), arr(r, [3], any)])),
    c("[2,2,3] @ [3,4] (batch)", one(w.matmul, (r) => [arr(r, [2, 2, 3], any), arr(r, [3, 4], any)])),
    c("[2,1,2,3] @ [3,3,2] (batch broadcast)", one(w.matmul, (r) => [arr(r, [2, 1, 2, 3], any), arr(r, [3, 3, 2], any)])),
    c("x @ x (same argument)", one((x: NDArray) => w.matmul(x, x), (r) => [arr(r, [3, 3], any)])),
  ],
};

for (const name of Object.keys(CASES) as PrimName[]) {
  describe(`rule: ${name}`, () => {
    for (const cs of CASES[name]) {
      test(cs.name, () => {
        property((r) => {
          const { f, args, opts } = cs.gen(r);
          checkAll(f, args, r, opts);
        });
      });
    }
  });
}

test("every primitive in the table has rule tests", () => {
  const table = Object.keys(PRIM_TABLE);
  const missing = table.filter((k) => !(k in CASES) || CASES[k as PrimName].length === 0);
  assert.deepEqual(missing, [], `primitives without rule tests: ${missing.join(", ")}`);
  assert.deepEqual(Object.keys(CASES).filter((k) => !table.includes(k)), [], "cases for primitives that no longer exist");
});

// Comparisons, sign and stopGradient have rule kind "none": under every transform their output is a
// plain concrete value (native `if` works on it) and nothing flows through them.
test("rule kind none: outputs are concrete and carry no derivative under every transform", () => {
  const none = (Object.keys(PRIM_TABLE) as PrimName[]).filter((k) => PRIM_TABLE[k].rule.kind === "none");
  assert.deepEqual(none.sort(), ["ceil", "equal", "floor", "greater", "greaterEqual", "less", "lessEqual", "notEqual", "round", "sign", "stopGradient", "trunc", ...Object.keys(EXTRA_NONE_OPS)].sort());
  const x = w.array([-1.5, 0.5, 2]);
  const ops: Record<string, (v: w.Value) => w.Value | boolean> = {
    greater: (v) => w.greater(v, 0), greaterEqual: (v) => w.greaterEqual(v, 0), less: (v) => w.less(v, 0),
    lessEqual: (v) => w.lessEqual(v, 0), equal: (v) => w.equal(v, 0.5), notEqual: (v) => w.notEqual(v, 0.5),
    sign: (v) => w.sign(v), stopGradient: (v) => w.stopGradient(v),
    floor: (v) => w.floor(v), ceil: (v) => w.ceil(v), round: (v) => w.round(v), trunc: (v) => w.trunc(v), ...EXTRA_NONE_OPS,
  };
  for (const k of none) {
    const op = ops[k]!;
    // Forward mode: the result is not a tracer.
    w.jvp((v: NDArray) => {
      const out = op(v);
      assert.ok(!(out instanceof w.Tracer), `${k} under jvp returned a tracer`);
      return v;
    }, [x], [x]);
    // Reverse mode: the result is not a tracer either, and grad through it (via a mask) is zero.
    w.grad((v: NDArray) => {
      const out = op(v);
      assert.ok(!(out instanceof w.Tracer), `${k} under grad returned a tracer`);
      return w.sum(v);
    })(x);
  }
  // stopGradient blocks both modes.
  assert.equal(w.grad((v: number) => w.mul(w.stopGradient(v), 3))(2), 0);
  assert.deepEqual(w.jvp((v: number) => w.stopGradient(w.mul(v, v)), [2], [1]), [4, 0]);
});
