// The public math ops. Each binds one primitive of the table; plain numbers take a fast path
// straight to Math (no transform active: `sin(2) === Math.sin(2)`).

import { normAxes, normAxis } from "../array/broadcast.js";
import { array, NDArray, shapeStr, sizeOf, type DType, type Shape } from "../array/ndarray.js";
import { ArgumentError, DTypeError, ShapeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { bind, bind2, checkOperand, operandShape, type Primitive } from "../core/primitive.js";
import { concrete, dtypeOf, shapeOf, Tracer, type Tensor, type Value } from "../core/tracer.js";
import { PRIM_TABLE, type MatmulParams, type PrimName, type SliceParams, type UnsliceParams } from "./prims.js";

export { concrete, shapeOf };

// Ops that read an argument's shape (or a shape/axes/widths parameter) before binding validate
// it first: junk input must be an ArgumentError/ShapeError naming the op, never a TypeError
// from inside (shapeOf(undefined), "abc".map …), which is what these ops used to throw.


function intList(v: unknown): v is readonly number[] {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d));
}

/** A value an op accepts: a number, an NDArray, or (inside a transform) a traced one of them. */
export type Operand = number | NDArray;
type Cond = boolean | NDArray | Tracer;
/**
 * Result types: arrays stay arrays, and everything else is a number: plain numbers stay
 * numbers, and a traced value is typed as the number it stands for (as user code types it:
 * `grad((x: number) => sin(x))`). That keeps every op's result inside `number | NDArray`, so an
 * op passed straight to a transform type-checks: `grad(tanh)`, `jvp(exp, [x], [1])`.
 */
export type R1<A> = A extends NDArray ? NDArray : number;
export type R2<A, B> = A extends NDArray ? NDArray : B extends NDArray ? NDArray : number;

type Un = <A extends Value>(a: A) => R1<A>;
type Bin = <A extends Value, B extends Value>(a: A, b: B) => R2<A, B>;
type Cmp = <A extends Value, B extends Value>(a: A, b: B) => A extends number ? (B extends number ? boolean : NDArray | boolean) : NDArray | boolean;

// ---------------------------------------------------------------- arithmetic

/**
 * bind2 reads `b === undefined` as "unary", so a binary op's missing second argument was
 * silently dropped (add(1, undefined) gave NaN): report it as the ArgumentError it is.
 */
function bindBinary<P>(prim: Primitive<P>, a: Value, b: Value): Value {
  if (b === undefined) checkOperand(prim.name, 1, b);
  return bind2(prim, a, b, undefined as P);
}

/** Elementwise a + b, with NumPy broadcasting (plain numbers give a plain number). */
export const add: Bin = ((a: Value, b: Value) => (typeof a === "number" && typeof b === "number" ? a + b : bindBinary(PRIM_TABLE.add, a, b))) as Bin;
/** Elementwise a − b, with broadcasting. */
export const sub: Bin = ((a: Value, b: Value) => (typeof a === "number" && typeof b === "number" ? a - b : bindBinary(PRIM_TABLE.sub, a, b))) as Bin;
/** Elementwise a · b, with broadcasting. */
export const mul: Bin = ((a: Value, b: Value) => (typeof a === "number" && typeof b === "number" ? a * b : bindBinary(PRIM_TABLE.mul, a, b))) as Bin;
/** Elementwise a / b, with broadcasting. */
export const div: Bin = ((a: Value, b: Value) => (typeof a === "number" && typeof b === "number" ? a / b : bindBinary(PRIM_TABLE.div, a, b))) as Bin;
/** Elementwise a^b, with broadcasting; ∂/∂a is 0 where the exponent is 0, also at a = 0 (as JAX and PyTorch do). */
export const pow: Bin = ((a: Value, b: Value) => (typeof a === "number" && typeof b === "number" ? Math.pow(a, b) : bindBinary(PRIM_TABLE.pow, a, b))) as Bin;
/** Elementwise atan2(a, b): the angle of the point (b, a). */
export const atan2: Bin = ((a: Value, b: Value) => (typeof a === "number" && typeof b === "number" ? Math.atan2(a, b) : bindBinary(PRIM_TABLE.atan2, a, b))) as Bin;
/** Elementwise maximum; at ties the derivative is split evenly between the arguments. */
export const maximum: Bin = ((a: Value, b: Value) => bindBinary(PRIM_TABLE.maximum, a, b)) as Bin;
/** Elementwise minimum; at ties the derivative is split evenly between the arguments. */
export const minimum: Bin = ((a: Value, b: Value) => bindBinary(PRIM_TABLE.minimum, a, b)) as Bin;

// The primitive is looked up on first use, not when this module loads: prims.ts imports this
// module for its rules, so PRIM_TABLE may not exist yet when these ops are defined.
function unary(name: PrimName, f: (x: number) => number): Un {
  let prim: typeof PRIM_TABLE.neg | undefined;
  return ((a: Value) => (typeof a === "number" ? f(a) : bind2((prim ??= PRIM_TABLE[name] as typeof PRIM_TABLE.neg), a, undefined, undefined))) as Un;
}
/** Elementwise −x. */
export const neg = unary("neg", (x) => -x);
/** Elementwise e^x. */
export const exp = unary("exp", Math.exp);
/** Elementwise natural logarithm. */
export const log = unary("log", Math.log);
/** Natural logarithm (alias of log, as the survey writes it). */
export const ln = log;
/** Elementwise ln(1 + x), accurate near 0. */
export const log1p = unary("log1p", Math.log1p);
/** Elementwise e^x − 1, accurate near 0. */
export const expm1 = unary("expm1", Math.expm1);
/** Elementwise sine. */
export const sin = unary("sin", Math.sin);
/** Elementwise cosine. */
export const cos = unary("cos", Math.cos);
/** Elementwise tangent. */
export const tan = unary("tan", Math.tan);
/** Elementwise arcsine. */
export const asin = unary("asin", Math.asin);
/** Elementwise arccosine. */
export const acos = unary("acos", Math.acos);
/** Elementwise arctangent. */
export const atan = unary("atan", Math.atan);
/** Elementwise hyperbolic sine. */
export const sinh = unary("sinh", Math.sinh);
/** Elementwise hyperbolic cosine. */
export const cosh = unary("cosh", Math.cosh);
/** Elementwise hyperbolic tangent. */
export const tanh = unary("tanh", Math.tanh);
/** Elementwise square root. */
export const sqrt = unary("sqrt", Math.sqrt);
/** |x|, with subgradient 0 at x = 0. */
export const abs = unary("abs", Math.abs);
/** Elementwise sign (−1, 0 or 1; NaN stays NaN), with zero derivative. */
export const sign = unary("sign", (x) => (x > 0 ? 1 : x < 0 ? -1 : x));

/** x² (exact, and one pass less than mul(x, x) in reverse mode). */
export const square = unary("square", (x) => x * x);

// ---------------------------------------------------------------- comparisons and selection

/** True for a 0-d NDArray or a traced one (not a JS number or boolean, plain or traced), unless batched by vmap. */
function zeroDim(v: Value): boolean {
  let p: Value = v;
  for (; p instanceof Tracer; p = p.primal) if (p.interp.batched === true) return false;
  return p instanceof NDArray && p.shape.length === 0;
}
const rank0 = (v: Value): boolean => typeof v === "number" || typeof v === "boolean" || shapeOf(v).length === 0;

/** A 0-d array as the JS number it holds (a bool one as 0 or 1), differentiably and recorded. */
function asNumber(v: Value): Value {
  return zeroDim(v) ? toScalar(dtypeOf(v) === "bool" ? astype(v, "float64") : v) : v;
}

function comparison(name: PrimName): Cmp {
  let prim: typeof PRIM_TABLE.greater | undefined;
  return ((a: Value, b: Value) => {
    // A comparison of 0-d arrays is one of the numbers they hold: a JS boolean, which native
    // `if` reads as it reads a comparison of numbers, and which compile records as a guard. A
    // 0-d bool NDArray is an object, and every object is truthy: `if` took the true branch always.
    checkOperand(name, 0, a);
    checkOperand(name, 1, b);
    if ((zeroDim(a) || zeroDim(b)) && rank0(a) && rank0(b)) { a = asNumber(a); b = asNumber(b); }
    return bindBinary((prim ??= PRIM_TABLE[name] as typeof PRIM_TABLE.greater), a, b);
  }) as Cmp;
}
/**
 * Comparisons return concrete booleans (or bool arrays) even for traced inputs: they carry no
 * derivative, so native `if` works. Comparisons of numbers and 0-d arrays give a JS boolean
 * (recorded as a guard under compile); an operand of rank 1 or more gives a bool array.
 */
export const greater = comparison("greater");
/** a ≥ b (see greater). */
export const greaterEqual = comparison("greaterEqual");
/** a < b (see greater). */
export const less = comparison("less");
/** a ≤ b (see greater). */
export const lessEqual = comparison("lessEqual");
/** a === b elementwise (see greater). */
export const equal = comparison("equal");
/** a !== b elementwise (see greater). */
export const notEqual = comparison("notEqual");

/** Elementwise selection: `cond ? a : b`. Only the selected branch receives a derivative. */
export function where<C extends Cond | Value, A extends Value, B extends Value>(cond: C, a: A, b: B): C extends NDArray ? NDArray : R2<A, B>;
export function where(cond: Value, a: Value, b: Value): Value {
  return bind(PRIM_TABLE.where, [cond, a, b], undefined);
}

/** The value itself, with no derivative flowing through it. */
export function stopGradient<A extends Value>(a: A): R1<A>;
export function stopGradient(a: Value): Value {
  return bind(PRIM_TABLE.stopGradient, [a], undefined);
}

/** The concrete value under all transforms: a constant copy, for control flow or logging. */
export function value<A extends Value>(a: A): A extends number ? number : A extends NDArray ? NDArray : A extends boolean ? boolean : Tensor;
export function value(a: Value): Tensor {
  // Interpreters that must know a traced value was read as a constant (compile's guards).
  for (let v: Value = a; v instanceof Tracer; v = v.primal) v.interp.onConcrete?.(v);
  return concrete(a);
}

/** A size-1 array as a plain number (differentiable). */
export function toScalar(a: Operand): number;
export function toScalar(a: Value): Value;
export function toScalar(a: Value): Value {
  return typeof a === "number" ? a : bind(PRIM_TABLE.toScalar, [a], undefined);
}

/** The value converted to `dtype`. */
export function astype(a: Operand, dtype: DType): NDArray;
export function astype(a: Value, dtype: DType): Value;
export function astype(a: Value, dtype: DType): Value {
  if (dtype !== "float64" && dtype !== "float32" && dtype !== "int32" && dtype !== "bool") {
    throw new DTypeError("astype", `unknown dtype ${showValue(dtype)}; use "float64", "float32", "int32" or "bool"`);
  }
  if (a instanceof NDArray && a.dtype === dtype) return a;
  return bind(PRIM_TABLE.astype, [a], { dtype });
}

export function dtypeOfValue(a: Value): DType {
  const d = dtypeOf(a);
  return d === "number" ? "float64" : d;
}

// ---------------------------------------------------------------- reductions

type Axes = number | readonly number[];

function reduceWith(prim: typeof PRIM_TABLE.sum, a: Value, axis: Axes | undefined, keepdims: boolean): Value {
  const nd = operandShape(prim.name, a).length;
  return bind(prim, [a], { axes: normAxes(prim.name, axis, nd), keepdims });
}

/** Sum over `axis` (all axes by default). A full reduction gives a 0-d array. */
export function sum(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function sum(a: Value, axis?: Axes, keepdims?: boolean): Value;
export function sum(a: Value, axis?: Axes, keepdims = false): Value {
  return reduceWith(PRIM_TABLE.sum, a, axis, keepdims);
}

/** Mean over `axis` (all axes by default). */
export function mean(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function mean(a: Value, axis?: Axes, keepdims?: boolean): Value;
export function mean(a: Value, axis?: Axes, keepdims = false): Value {
  const shape = operandShape("mean", a);
  const axes = normAxes("mean", axis, shape.length);
  let n = 1;
  for (const ax of axes) n *= shape[ax]!;
  if (n === 0) throw new ShapeError("mean", `mean over an empty axis of shape ${shapeStr(shape)} is undefined`);
  return div(bind(PRIM_TABLE.sum, [a], { axes, keepdims }) as NDArray, n);
}

/** Maximum over `axis`; the derivative is shared evenly among tied maxima. */
export function max(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function max(a: Value, axis?: Axes, keepdims?: boolean): Value;
export function max(a: Value, axis?: Axes, keepdims = false): Value {
  return reduceWith(PRIM_TABLE.max, a, axis, keepdims);
}

/** Minimum over `axis`; the derivative is shared evenly among tied minima. */
export function min(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function min(a: Value, axis?: Axes, keepdims?: boolean): Value;
export function min(a: Value, axis?: Axes, keepdims = false): Value {
  return reduceWith(PRIM_TABLE.min, a, axis, keepdims);
}

// ---------------------------------------------------------------- structure

/** Reshape (one axis may be -1, inferred). */
export function reshape(a: Operand, shape: Shape): NDArray;
export function reshape(a: Value, shape: Shape): Value;
export function reshape(a: Value, shape: Shape): Value {
  const from = operandShape("reshape", a);
  if (!Array.isArray(shape)) throw new ShapeError("reshape", `target shape ${showValue(shape)} must be an array of integers, e.g. [2, 3] or [-1]`);
  const holes = shape.filter((d) => d === -1).length;
  let target: Shape = shape;
  if (holes > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError("reshape", `target shape ${showValue(shape)} must hold non-negative integers and at most one -1`);
  }
  if (holes === 1) {
    const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
    const n = sizeOf(from);
    if (known === 0 || n % known !== 0) throw new ShapeError("reshape", `cannot infer the -1 axis of ${shapeStr(shape)} for ${n} elements (shape ${shapeStr(from)})`);
    target = shape.map((d) => (d === -1 ? n / known : d));
  }
  if (a instanceof NDArray && from.length === target.length && from.every((d, i) => d === target[i])) return a;
  return bind(PRIM_TABLE.reshape, [a], { shape: [...target] });
}

/** Permutes axes (reverses them by default; `x.T` for matrices). */
export function transpose(a: Operand, perm?: readonly number[]): NDArray;
export function transpose(a: Value, perm?: readonly number[]): Value;
export function transpose(a: Value, perm?: readonly number[]): Value {
  const nd = operandShape("transpose", a).length;
  if (perm !== undefined && !Array.isArray(perm)) throw new ShapeError("transpose", `perm ${showValue(perm)} must be an array of axes, e.g. [1, 0]`);
  const p = perm ? perm.map((ax) => normAxis("transpose", ax, nd)) : Array.from({ length: nd }, (_, i) => nd - 1 - i);
  return bind(PRIM_TABLE.transpose, [a], { perm: p });
}

/** The value broadcast to `shape` (NumPy rules); its derivative sums back (unbroadcast). */
export function broadcastTo(a: Operand, shape: Shape): NDArray;
export function broadcastTo(a: Value, shape: Shape, dtype?: DType): Value;
export function broadcastTo(a: Value, shape: Shape, dtype?: DType): Value {
  const from = operandShape("broadcastTo", a);
  if (!intList(shape) || shape.some((d) => d < 0)) throw new ShapeError("broadcastTo", `target shape ${showValue(shape)} must be an array of non-negative integers, e.g. [2, 3]`);
  if (!(a instanceof Tracer) && typeof a !== "boolean" && from.length === shape.length && from.every((d, i) => d === shape[i])) {
    return typeof a === "number" ? array([a], { shape: [], dtype: dtype ?? "float64" }) : a;
  }
  // A number (plain or traced) becomes an array of `dtype`: a float32 tangent or cotangent that
  // is a traced number (toScalar's VJP, a fitted tangent) used to come back float64.
  let v = a;
  if (dtype !== undefined && dtype !== "float64" && dtypeOf(a) === "number") {
    v = typeof a === "number" ? array([a], { shape: [], dtype }) : astype(a, dtype);
    if (shape.length === 0) return v;
  }
  return bind(PRIM_TABLE.broadcastTo, [v], { shape: [...shape] });
}

/** Sums `g` down to the shape of `like` (the transpose of broadcasting); a plain number for a number. */
export function unbroadcast(g: Value, like: Value): Value {
  const target = shapeOf(like);
  const isNumber = typeof concrete(like) === "number";
  const gs = shapeOf(g);
  const lead = gs.length - target.length;
  const axes: number[] = [];
  for (let i = 0; i < gs.length; i++) if (i < lead || (target[i - lead] === 1 && gs[i] !== 1)) axes.push(i);
  let r = g;
  if (axes.length > 0) r = bind(PRIM_TABLE.sum, [r], { axes, keepdims: false });
  if (isNumber) return toScalar(r);
  if (shapeOf(r).length !== target.length) r = reshape(r, target);
  return r;
}

/** `a[starts[i] : ends[i] : steps[i]]` on each axis (ends default to the axis size; negatives count from the end). */
export function slice(a: Operand, starts: readonly number[], ends?: readonly (number | undefined)[], steps?: readonly number[]): NDArray;
export function slice(a: Value, starts: readonly number[], ends?: readonly (number | undefined)[], steps?: readonly number[]): Value;
export function slice(a: Value, starts: readonly number[], ends: readonly (number | undefined)[] = [], steps: readonly number[] = []): Value {
  const shape = operandShape("slice", a);
  if (!intList(starts) || !Array.isArray(ends) || !ends.every((e) => e === undefined || Number.isInteger(e)) || !Array.isArray(steps)) {
    throw new ShapeError("slice", `starts ${showValue(starts)}, ends ${showValue(ends)} and steps ${showValue(steps)} must be arrays of integers (an end may be undefined), one per axis of ${shapeStr(shape)}`);
  }
  if (starts.length > shape.length) throw new ShapeError("slice", `${starts.length} start indices for shape ${shapeStr(shape)}; give at most one per axis`);
  const st: number[] = [], sp: number[] = [], out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i]!;
    const step = steps[i] ?? 1;
    if (!Number.isInteger(step) || step < 1) throw new ShapeError("slice", `step ${showValue(step)} on axis ${i} must be a positive integer`);
    const norm = (v: number): number => Math.min(n, Math.max(0, v < 0 ? v + n : v));
    const s = norm(starts[i] ?? 0);
    const e = norm(ends[i] ?? n);
    st.push(s);
    sp.push(step);
    out.push(Math.max(0, Math.ceil((e - s) / step)));
  }
  return bindSlice(a, { starts: st, steps: sp, shape: out });
}

export function bindSlice(a: Value, p: SliceParams): Value {
  return bind(PRIM_TABLE.slice, [a], p);
}

export function unslice(a: Value, p: UnsliceParams): Value {
  return bind(PRIM_TABLE.unslice, [a], p);
}

/** Joins values along an existing `axis`. */
export function concat(parts: readonly Operand[], axis?: number): NDArray;
export function concat(parts: readonly Value[], axis?: number): Value;
export function concat(parts: readonly Value[], axis = 0): Value {
  if (!Array.isArray(parts)) throw new ArgumentError("concat", `expected an array of arrays, got ${typeof parts}; pass e.g. concat([a, b])`);
  if (parts.length === 0) throw new ArgumentError("concat", "got no arrays; pass at least one");
  const nd = operandShape("concat", parts[0]).length;
  if (nd === 0) throw new ShapeError("concat", "cannot concatenate 0-d values; reshape them to [1] first");
  return bind(PRIM_TABLE.concat, parts.slice(), { axis: normAxis("concat", axis, nd) });
}

/** Stacks equal-shaped values along a new axis. */
export function stack(parts: readonly Operand[], axis?: number): NDArray;
export function stack(parts: readonly Value[], axis?: number): Value;
export function stack(parts: readonly Value[], axis = 0): Value {
  if (!Array.isArray(parts)) throw new ArgumentError("stack", `expected an array of values, got ${typeof parts}; pass e.g. stack([a, b])`);
  if (parts.length === 0) throw new ArgumentError("stack", "got no values; pass at least one");
  const shape = operandShape("stack", parts[0]);
  const ax = normAxis("stack", axis, shape.length + 1);
  const expanded = [...shape.slice(0, ax), 1, ...shape.slice(ax)];
  return bind(PRIM_TABLE.concat, parts.map((p) => reshape(p, expanded)), { axis: ax });
}

/** Constant padding; `widths[i] = [before, after]` for axis i. */
export function pad(a: Operand, widths: readonly (readonly [number, number])[], value?: number): NDArray;
export function pad(a: Value, widths: readonly (readonly [number, number])[], value?: number): Value;
export function pad(a: Value, widths: readonly (readonly [number, number])[], value = 0): Value {
  checkOperand("pad", 0, a);
  // Negative widths used to produce a wrongly placed result silently.
  if (!Array.isArray(widths) || !widths.every((p) => intList(p) && p.length === 2 && p[0]! >= 0 && p[1]! >= 0)) {
    throw new ShapeError("pad", `widths ${showValue(widths)} must hold one [before, after] pair of non-negative integers per axis of ${shapeStr(shapeOf(a))}, e.g. [[1, 1]]`);
  }
  if (typeof value !== "number") throw new ArgumentError("pad", `the fill value must be a number, got ${typeof value}`);
  return bind(PRIM_TABLE.pad, [a], { widths, value });
}

function toIndices(indices: NDArray | Tracer | readonly number[]): Value {
  if (indices instanceof NDArray || indices instanceof Tracer) return indices;
  // Plain indices must be integers: int32 conversion would silently truncate 0.5 to 0.
  if (!flatInts(indices)) throw new ArgumentError("take", `indices ${showValue(indices)} must be integers, (nested) arrays of integers, or an int32 NDArray`);
  return array(indices as number[], { dtype: "int32" });
}

/** Integers, or nested arrays of them (at most 64 deep: an array has at most 64 axes). */
function flatInts(v: unknown, depth = 0): boolean {
  return Number.isInteger(v) || (depth < 64 && Array.isArray(v) && v.every((e) => flatInts(e, depth + 1)));
}

/** Gathers `indices` along `axis` (numpy.take). Indices carry no derivative. */
export function take(a: Operand, indices: NDArray | readonly number[], axis?: number): NDArray;
export function take(a: Value, indices: Value | readonly number[], axis?: number): Value;
export function take(a: Value, indices: Value | readonly number[], axis = 0): Value {
  return bind(PRIM_TABLE.take, [a, toIndices(indices as NDArray)], { axis: normAxis("take", axis, operandShape("take", a).length) });
}
/** Alias of take. */
export const gather = take;

/** Adds the slices of `g` into zeros of `shape` at `indices` along `axis` (the transpose of take). */
export function scatterAdd(g: Value, indices: Value, axis: number, shape: Shape): Value {
  return bind(PRIM_TABLE.scatterAdd, [g, indices], { axis, shape: [...shape] });
}

/** Matrix product with NumPy semantics: vectors are lifted to matrices and the lifted axes dropped. */
export function matmul(a: Operand, b: Operand): NDArray;
export function matmul(a: Value, b: Value): Value;
export function matmul(a: Value, b: Value): Value {
  const sa = operandShape("matmul", a, 0), sb = operandShape("matmul", b, 1);
  if (sa.length === 0 || sb.length === 0) {
    throw new ShapeError("matmul", `operands ${shapeStr(sa)} and ${shapeStr(sb)} include a scalar; use mul for scaling`);
  }
  const a2 = sa.length === 1 ? reshape(a, [1, sa[0]!]) : a;
  const b2 = sb.length === 1 ? reshape(b, [sb[0]!, 1]) : b;
  let out = bind(PRIM_TABLE.matmul, [a2, b2], undefined);
  if (sa.length === 1 || sb.length === 1) {
    const so = shapeOf(out);
    const keep = so.filter((_, i) => !((sa.length === 1 && i === so.length - 2) || (sb.length === 1 && i === so.length - 1)));
    out = reshape(out, keep);
  }
  return out;
}

/** op(a) @ op(b) on operands of rank ≥ 2, op transposing the last two axes where asked (derivative rules use it). */
export function bindMatmul(a: Value, b: Value, p: MatmulParams | undefined): Value {
  return bind(PRIM_TABLE.matmul, [a, b], p);
}

/** Inner product of vectors, or matmul. */
export const dot = matmul;

// The fluent methods (x.mul(y)) are these ops, installed on arrays and tracers by ./fluent.ts.
import "./fluent.js";
