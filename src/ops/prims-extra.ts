// More primitives, in the shape of src/ops/prims.ts (which spreads this table into its own):
// the error function, NaN/infinity tests, arg-reductions, cumulative sums, sorting and the
// gather/scatter of one index per position that sort's derivative needs. The other ops users
// expect (prod, cumprod, var, clip, gelu, …) are compositions of these in src/lib/array-ops.ts.

import { describeAvals } from "../array/broadcast.js";
import * as A from "../array/axis-kernels.js";
import * as K from "../array/kernels.js";
import { NDArray, shapeStr, type Shape } from "../array/ndarray.js";
import { erfcScalar, erfScalar } from "../array/special.js";
import { DTypeError, ShapeError } from "../base/errors.js";
import { KERNEL } from "../core/lowering.js";
import type { Aval, Primitive } from "../core/primitive.js";
import type { Value } from "../core/tracer.js";
import * as o from "./api.js";
import { arrayOf, floatAval, outDType, reducedShape, unary, type KernelOperand } from "./builders.js";
import * as e from "./extra.js";
import { LINALG } from "./prims-linalg.js";
import { RANDOM } from "./prims-random.js";

export interface ArgReduceParams { readonly axis: number; readonly keepdims: boolean }
export interface CumulativeParams { readonly axis: number; readonly reverse: boolean }
export interface SortParams { readonly axis: number; readonly descending: boolean }
export interface AlongParams { readonly axis: number }
export interface ScatterAlongParams { readonly axis: number; readonly shape: Shape }

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** (2/√π)·e^(−x²), the derivative of erf. */
const erfPartial = (x: Value, sign: number): Value => o.mul(sign * TWO_OVER_SQRT_PI, o.exp(o.neg(o.square(x))));

/** An elementwise test with a boolean result (it carries no derivative). */
function predicate(name: string, f: (a: number) => boolean): Primitive<undefined> {
  const kernel = K.makeUnary(name, f);
  return {
    name,
    scalar: f,
    broadcasts: true,
    infer: ([a]) => ({ ...floatAval(name, a!), dtype: "bool" }),
    impl: ([a]) => kernel(a as KernelOperand, "bool"),
    rule: { kind: "none", why: `${name} is piecewise constant: its output carries no derivative` },
    display: { primal: ([a]) => `${name}(${a})` },
    lower: KERNEL,
  };
}

function argReduction(name: "argmax" | "argmin"): Primitive<ArgReduceParams> {
  return {
    name,
    broadcasts: false,
    infer: ([a], p) => {
      floatAval(name, a!);
      if (a!.shape[p.axis] === 0) throw new ShapeError(name, `cannot take the ${name} over axis ${p.axis} of size 0 in shape ${shapeStr(a!.shape)}`);
      return { shape: reducedShape(a!.shape, [p.axis], p.keepdims), dtype: "int32", js: false };
    },
    impl: ([a], p, out) => A.argExtremum(arrayOf(a!), p.axis, out.shape, name === "argmax"),
    rule: { kind: "none", why: `${name} returns integer positions: they carry no derivative` },
    display: { primal: ([a], p) => `${name}(${a}, axis=${p.axis})` },
    lower: KERNEL,
  };
}

/** Shape rule shared by takeAlongAxis and scatterAlongAxis: int32 indices of the data's rank, equal off `axis`. */
function alongAval(op: string, data: Shape, idx: Aval, axis: number): void {
  if (idx.dtype !== "int32") throw new DTypeError(op, `indices must be an int32 array, got ${describeAvals([idx])}; argsort and argmax give them`);
  const same = idx.shape.length === data.length && idx.shape.every((d, i) => i === axis || d === data[i]);
  if (!same) throw new ShapeError(op, `indices of shape ${shapeStr(idx.shape)} do not fit data of shape ${shapeStr(data)} along axis ${axis}: the ranks and every other axis must match`);
}

function checkIndexRange(op: string, idx: NDArray, n: number, axis: number): void {
  const d = idx.data;
  for (let i = 0; i < d.length; i++) {
    const k = d[i]!;
    if (k < 0 || k >= n) throw new ShapeError(op, `index ${k} is out of range for axis ${axis} of size ${n}; use indices in [0, ${n - 1}]`);
  }
}

export const EXTRA = {
  // Random numbers and linear algebra: tables of their own, spread in here.
  ...RANDOM,
  ...LINALG,

  erf: unary("erf", erfScalar, ([a]) => erfPartial(a!, 1), { primal: ([a]) => `erf ${a}`, partials: [([a]) => `2/√π·exp(−${a}²)`] }),
  erfc: unary("erfc", erfcScalar, ([a]) => erfPartial(a!, -1), { primal: ([a]) => `erfc ${a}`, partials: [([a]) => `−2/√π·exp(−${a}²)`] }),
  isnan: predicate("isnan", (a) => a !== a),
  isfinite: predicate("isfinite", (a) => a - a === 0),

  argmax: argReduction("argmax"),
  argmin: argReduction("argmin"),

  // Running sums: linear, so the tangent is the cumsum of the tangent and the cotangent the
  // cumsum of the cotangent taken from the other end.
  cumsum: {
    name: "cumsum",
    broadcasts: false,
    infer: ([a]) => {
      floatAval("cumsum", a!);
      return { shape: a!.shape, dtype: a!.dtype === "number" ? "float64" : a!.dtype, js: false };
    },
    impl: ([a], p, out) => A.cumsum(arrayOf(a!), p.axis, p.reverse, outDType(out)),
    rule: {
      kind: "linear",
      jvp: [(t, _a, _o, p) => e.bindCumsum(t, p.axis, p.reverse)],
      vjp: [(g, _a, _o, p) => e.bindCumsum(g, p.axis, !p.reverse)],
    },
    display: { primal: ([a], p) => `cumsum(${a}, axis=${p.axis}${p.reverse ? ", reverse" : ""})` },
    lower: KERNEL,
  } satisfies Primitive<CumulativeParams>,

  argsort: {
    name: "argsort",
    broadcasts: false,
    infer: ([a]) => ({ shape: floatAval("argsort", a!).shape, dtype: "int32", js: false }),
    impl: ([a], p) => A.argsort(arrayOf(a!), p.axis, p.descending),
    rule: { kind: "none", why: "argsort returns integer positions: they carry no derivative" },
    display: { primal: ([a], p) => `argsort(${a}, axis=${p.axis}${p.descending ? ", descending" : ""})` },
    lower: KERNEL,
  } satisfies Primitive<SortParams>,

  // out[…, j, …] = x[…, idx[…, j, …], …]: linear in x, its transpose adds back at the indices.
  takeAlongAxis: {
    name: "takeAlongAxis",
    broadcasts: false,
    infer: ([a, idx], p) => {
      alongAval("takeAlongAxis", a!.shape, idx!, p.axis);
      return { shape: idx!.shape, dtype: a!.dtype === "number" ? "float64" : a!.dtype, js: false };
    },
    impl: ([a, idx], p) => {
      const arr = arrayOf(a!);
      checkIndexRange("takeAlongAxis", idx as NDArray, arr.shape[p.axis]!, p.axis);
      return A.takeAlong(arr, idx as NDArray, p.axis);
    },
    rule: {
      kind: "linear",
      jvp: [(t, [, idx], _o, p) => e.takeAlongAxis(t, idx!, p.axis), null],
      vjp: [(g, [a, idx], _o, p) => e.scatterAlongAxis(g, idx!, p.axis, o.shapeOf(a!)), null],
    },
    display: { primal: ([a, i], p) => `takeAlongAxis(${a}, ${i}, axis=${p.axis})` },
    lower: KERNEL,
  } satisfies Primitive<AlongParams>,

  scatterAlongAxis: {
    name: "scatterAlongAxis",
    broadcasts: false,
    infer: ([g, idx], p) => {
      alongAval("scatterAlongAxis", g!.shape, idx!, p.axis);
      if (g!.shape.length !== p.shape.length || g!.shape.some((d, i) => i !== p.axis && d !== p.shape[i])) {
        throw new ShapeError("scatterAlongAxis", `values of shape ${shapeStr(g!.shape)} do not fit the target shape ${shapeStr(p.shape)} off axis ${p.axis}`);
      }
      return { shape: p.shape, dtype: g!.dtype === "number" ? "float64" : g!.dtype, js: false };
    },
    impl: ([g, idx], p, out) => {
      checkIndexRange("scatterAlongAxis", idx as NDArray, p.shape[p.axis]!, p.axis);
      return A.scatterAlong(arrayOf(g!), idx as NDArray, p.axis, p.shape, outDType(out));
    },
    rule: {
      kind: "linear",
      jvp: [(t, [, idx], _o, p) => e.scatterAlongAxis(t, idx!, p.axis, p.shape), null],
      vjp: [(g, [, idx], _o, p) => e.takeAlongAxis(g, idx!, p.axis), null],
    },
    display: { primal: ([g, i], p) => `scatterAlongAxis(${g}, ${i}, axis=${p.axis})` },
    lower: KERNEL,
  } satisfies Primitive<ScatterAlongParams>,
};
