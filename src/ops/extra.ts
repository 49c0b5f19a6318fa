// The public ops of the primitives in prims-extra.ts. Like api.ts, plain numbers take a fast
// path where the op is elementwise, and every primitive is looked up on first use (prims.ts
// imports this module's table before it exists).

import { normAxis } from "../array/broadcast.js";
import { checkOptions } from "../base/options.js";
import { NDArray, shapeStr, type Shape } from "../array/ndarray.js";
import { erfcScalar, erfScalar } from "../array/special.js";
import { ArgumentError, ShapeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { shapeParam } from "../base/validate.js";
import { bind, bind2, checkOperand, operandShape } from "../core/primitive.js";
import { shapeOf, Tracer, type Value } from "../core/tracer.js";
import { reshape, type Operand, type R1 } from "./api.js";
import { PRIM_TABLE } from "./prims.js";


/** The error function erf(x) = (2/√π)∫₀ˣ e^(−t²) dt (relative error < 1.2e-15 in float64). */
export function erf<A extends Value>(x: A): R1<A>;
export function erf(x: Value): Value {
  return typeof x === "number" ? erfScalar(x) : bind2(PRIM_TABLE.erf, x, undefined, undefined);
}

/** The complementary error function 1 − erf(x), accurate in the tail (erfc(10) ≈ 2.088e-45). */
export function erfc<A extends Value>(x: A): R1<A>;
export function erfc(x: Value): Value {
  return typeof x === "number" ? erfcScalar(x) : bind2(PRIM_TABLE.erfc, x, undefined, undefined);
}

/** Elementwise x is NaN (a boolean for a number, a bool array for an array). No derivative. */
export function isnan(x: number): boolean;
export function isnan(x: Value): NDArray;
export function isnan(x: Value): boolean | Value {
  return typeof x === "number" ? x !== x : bind(PRIM_TABLE.isnan, [x], undefined);
}

/** Elementwise x is neither NaN nor ±∞. No derivative. */
export function isfinite(x: number): boolean;
export function isfinite(x: Value): NDArray;
export function isfinite(x: Value): boolean | Value {
  return typeof x === "number" ? Number.isFinite(x) : bind(PRIM_TABLE.isfinite, [x], undefined);
}

/** `x` and the axis to work on: with no axis given, the flattened array and axis 0 (as NumPy). */
export function onAxis(op: string, x: Value, axis: number | undefined): [Value, number] {
  const shape = operandShape(op, x);
  if (axis === undefined) return [shape.length === 1 ? x : reshape(x, [-1]), 0];
  if (shape.length === 0) throw new ShapeError(op, `got a 0-d value with axis ${showValue(axis)}; a 0-d value has no axes (omit the axis)`);
  return [x, normAxis(op, axis, shape.length)];
}

function argReduce(prim: typeof PRIM_TABLE.argmax, x: Value, axis: number | undefined, keepdims: boolean): NDArray {
  const [v, ax] = onAxis(prim.name, x, axis);
  const keep = keepdims && axis !== undefined;
  const out = bind(prim, [v], { axis: ax, keepdims: keep });
  return (keepdims && axis === undefined ? reshape(out, shapeOf(x).map(() => 1)) : out) as NDArray;
}

/** Index of the first maximum along `axis` (of the flattened array by default), as int32; a NaN counts as the maximum. */
export function argmax(x: Value, axis?: number, keepdims = false): NDArray {
  return argReduce(PRIM_TABLE.argmax, x, axis, keepdims);
}

/** Index of the first minimum along `axis` (of the flattened array by default), as int32; a NaN counts as the minimum. */
export function argmin(x: Value, axis?: number, keepdims = false): NDArray {
  return argReduce(PRIM_TABLE.argmin, x, axis, keepdims);
}

export function bindCumsum(x: Value, axis: number, reverse: boolean): Value {
  return bind(PRIM_TABLE.cumsum, [x], { axis, reverse });
}

/** Running sums along `axis` (of the flattened array by default); `reverse` sums from the end. */
export function cumsum(x: Operand, axis?: number, opts?: { reverse?: boolean }): NDArray;
export function cumsum(x: Value, axis?: number, opts?: { reverse?: boolean }): Value;
export function cumsum(x: Value, axis?: number, opts: { reverse?: boolean } = {}): Value {
  checkOptions("cumsum", opts, ["reverse"]);
  const [v, ax] = onAxis("cumsum", x, axis);
  return bindCumsum(v, ax, opts.reverse === true);
}

/** The stable sorting permutation along `axis` (default the last), as int32. NaNs sort last (first when descending). */
export function argsort(x: Value, axis = -1, opts: { descending?: boolean } = {}): NDArray {
  checkOptions("argsort", opts, ["descending"]);
  const [v, ax] = onAxis("argsort", x, axis);
  return bind(PRIM_TABLE.argsort, [v], { axis: ax, descending: opts.descending === true }) as NDArray;
}

function indexArg(op: string, idx: unknown): Value {
  if (idx instanceof NDArray || idx instanceof Tracer) return idx;
  throw new ArgumentError(op, `indices must be an int32 NDArray (from argsort, argmax, or array([...], { dtype: "int32" })), got ${showValue(idx)}`);
}

/** `x[…, indices[…, j, …], …]` along `axis` (numpy.take_along_axis): indices of x's rank, equal to it off that axis. */
export function takeAlongAxis(x: Operand, indices: NDArray, axis: number): NDArray;
export function takeAlongAxis(x: Value, indices: Value, axis: number): Value;
export function takeAlongAxis(x: Value, indices: Value, axis: number): Value {
  const shape = operandShape("takeAlongAxis", x);
  if (shape.length === 0) throw new ShapeError("takeAlongAxis", `got a 0-d value of shape ${shapeStr(shape)}; it has no axis to index`);
  return bind(PRIM_TABLE.takeAlongAxis, [x, indexArg("takeAlongAxis", indices)], { axis: normAxis("takeAlongAxis", axis, shape.length) });
}

/** The transpose of takeAlongAxis: zeros of `shape` with `values` added at `indices` along `axis`. */
export function scatterAlongAxis(values: Value, indices: Value, axis: number, shape: Shape): Value {
  const s = shapeParam("scatterAlongAxis", shape);
  return bind(PRIM_TABLE.scatterAlongAxis, [values, indexArg("scatterAlongAxis", indices)], { axis: normAxis("scatterAlongAxis", axis, s.length), shape: s });
}
