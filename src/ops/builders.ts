// Builders and small helpers shared by the primitive tables (prims.ts and the tables it
// spreads in): elementwise entries from a scalar function and its partials, and the shape
// helpers every table uses.

import { elementwiseAval } from "../array/broadcast.js";
import * as K from "../array/kernels.js";
import { NDArray, shapeStr, type DType, type Shape } from "../array/ndarray.js";
import { DTypeError } from "../base/errors.js";
import type { Aval, Display, PartialFn, Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tracer.js";

export type Operand = number | boolean | NDArray;

export function outDType(out: Aval): DType {
  return out.dtype === "number" ? "float64" : out.dtype;
}

// ---------------------------------------------------------------- elementwise builders

export function unary(
  name: string,
  f: (a: number) => number,
  partial: PartialFn<undefined>,
  display: Display<undefined>,
): Primitive<undefined> {
  const kernel = K.makeUnary(name, f);
  return {
    name,
    scalar: f,
    broadcasts: true,
    infer: (avals) => elementwiseAval(name, avals),
    impl: (args, _p, out) => kernel(args[0] as Operand, outDType(out)),
    rule: { kind: "partials", partials: [partial] },
    display,
  };
}

export function binary(
  name: string,
  f: (a: number, b: number) => number,
  partials: readonly [PartialFn<undefined>, PartialFn<undefined>],
  display: Display<undefined>,
): Primitive<undefined> {
  const kernel = K.makeBinary(name, f);
  return {
    name,
    scalar: f,
    broadcasts: true,
    infer: (avals) => elementwiseAval(name, avals),
    impl: (args, _p, out) => kernel(args[0] as Operand, args[1] as Operand, out.shape, outDType(out)),
    rule: { kind: "partials", partials },
    display,
  };
}

export function arrayOf(v: Tensor): NDArray {
  if (v instanceof NDArray) return v;
  return new NDArray(Float64Array.of(typeof v === "boolean" ? (v ? 1 : 0) : v), []);
}

export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) { if (keepdims) out.push(1); } else out.push(shape[i]!);
  }
  return out;
}

export function floatAval(op: string, a: Aval): Aval {
  if (a.dtype === "bool") throw new DTypeError(op, `got a bool array of shape ${shapeStr(a.shape)}; convert it with astype(x, "float64")`);
  return a;
}
