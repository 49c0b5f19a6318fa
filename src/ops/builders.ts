// Builders and small helpers shared by the primitive tables (prims.ts and the tables it
// spreads in): elementwise entries from a scalar function and its partials, and the shape
// helpers every table uses.

import { elementwiseAval } from "../array/broadcast.js";
import * as K from "../array/kernels.js";
import { NDArray, shapeStr, type DType, type Shape } from "../array/ndarray.js";
import { DTypeError } from "../base/errors.js";
import type { Elementary } from "../core/algebra.js";
import type { Lowering, Rewrite } from "../core/lowering.js";
import type { Aval, Display, PartialFn, Primitive, Rule } from "../core/primitive.js";
import type { Tensor } from "../core/tracer.js";
import { displayPartials, tracedPartials } from "./partials.js";

export type { KernelOperand } from "../array/kernels.js";
import type { KernelOperand } from "../array/kernels.js";

export function outDType(out: Aval): DType {
  return out.dtype === "number" ? "float64" : out.dtype;
}

// ---------------------------------------------------------------- elementwise builders

/**
 * What compile may know of an elementwise entry beyond its scalar function: its JavaScript
 * expression (`js`; without one, compiled lines call the scalar function) and its exact
 * algebraic identities (`rewrite`). See core/lowering.ts.
 */
export interface ElementwiseLowering {
  readonly js?: (a: readonly string[]) => string;
  readonly lower?: Lowering<undefined>;
  readonly rewrite?: Rewrite<undefined>;
}

function loweringOf(x: ElementwiseLowering): Lowering<undefined> {
  return x.lower ?? (x.js === undefined ? {} : { js: x.js });
}

/**
 * The rule and display of an elementwise entry. An elementary function (an Elementary: its
 * partials written once over core/algebra.ts's Algebra) gets both from that one statement, and
 * keeps it for symbolic differentiation; other entries give their AD partials directly.
 */
function derivative(d: readonly PartialFn<undefined>[] | Elementary, display: Display<undefined>): { rule: Rule<undefined>; display: Display<undefined>; elementary?: Elementary } {
  if (!("partials" in d)) return { rule: { kind: "partials", partials: d }, display };
  return { rule: { kind: "partials", partials: tracedPartials(d) }, display: { primal: display.primal, partials: displayPartials(d) }, elementary: d };
}

export function unary(
  name: string,
  f: (a: number) => number,
  partial: PartialFn<undefined> | Elementary,
  display: Display<undefined>,
  lowering: ElementwiseLowering = {},
): Primitive<undefined> {
  const kernel = K.makeUnary(name, f);
  return {
    name,
    scalar: f,
    broadcasts: true,
    infer: (avals) => elementwiseAval(name, avals),
    impl: (args, _p, out) => kernel(args[0] as KernelOperand, outDType(out)),
    ...derivative(typeof partial === "function" ? [partial] : partial, display),
    lower: loweringOf(lowering),
    ...(lowering.rewrite === undefined ? {} : { rewrite: lowering.rewrite }),
  };
}

export function binary(
  name: string,
  f: (a: number, b: number) => number,
  partials: readonly [PartialFn<undefined>, PartialFn<undefined>] | Elementary,
  display: Display<undefined>,
  lowering: ElementwiseLowering = {},
): Primitive<undefined> {
  const kernel = K.makeBinary(name, f);
  return {
    name,
    scalar: f,
    broadcasts: true,
    infer: (avals) => elementwiseAval(name, avals),
    impl: (args, _p, out) => kernel(args[0] as KernelOperand, args[1] as KernelOperand, out.shape, outDType(out)),
    ...derivative(partials, display),
    lower: loweringOf(lowering),
    ...(lowering.rewrite === undefined ? {} : { rewrite: lowering.rewrite }),
  };
}

/** x·1 → x and 1·x → x (exact for every x), when x has the line's own type. */
export const ONE_IS_IDENTITY: Rewrite<undefined> = ([a, b], c) => {
  if (c.constantOf(a!) === 1 && c.fits(b!)) return b!;
  if (c.constantOf(b!) === 1 && c.fits(a!)) return a!;
  return null;
};

/** A line whose result equals its operand when the operand already has the line's type (a no-op reshape, cast, broadcast). */
export const NOOP_WHEN_FITS: Rewrite<unknown> = ([a], c) => (c.fits(a!) ? a! : null);

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
