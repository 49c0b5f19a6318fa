// NDArray: an immutable, row-major, contiguous n-d array on a TypedArray.
// Arrays live on the JS heap, so the garbage collector frees them: no dispose, no tidy.

import { ArgumentError, DTypeError, ShapeError, operatorMisuse } from "../base/errors.js";
import { checkOptions } from "../base/options.js";
import { describe, showValue } from "../base/format.js";
import { allocating, checkSize, intArg, MAX_ELEMENTS, numberArg, shapeParam } from "../base/validate.js";
import { allocateZeroed } from "./pool.js";

export { allocateFull } from "./pool.js";
import { formatArray, type ArrayPrintOptions } from "./print.js";

/**
 * Set on the prototype of traced values (core/tracer.ts): how array-level code recognises one
 * (to name it in an error) without importing the layer above.
 */
export const TRACED_VALUE: unique symbol = Symbol("wengert.traced");

/** Whether v is a traced value (a Tracer of some transform). */
export function isTracedValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && TRACED_VALUE in v;
}

/** Element types: float64 (the default), float32, int32 (indices) and bool (comparisons). */
export type DType = "float64" | "float32" | "int32" | "bool";
/** The dtypes that carry derivatives. */
export type FloatDType = "float64" | "float32";
/** Axis lengths, outermost first; `[]` is a 0-d array. */
export type Shape = readonly number[];
export type TypedData = Float64Array | Float32Array | Int32Array | Uint8Array;

/** Nested plain arrays of numbers (or booleans), as accepted by `array()` and returned by `toArray()`. */
export type NestedNumbers = number | boolean | readonly NestedNumbers[];

/** An element in JSON: a number, a boolean, or "NaN" / "Infinity" / "-Infinity" (which JSON cannot hold as numbers). */
export type JSONElement = number | boolean | "NaN" | "Infinity" | "-Infinity";
/** Nested JSON arrays of elements, as in `ArrayJSON.data`. */
export type NestedJSON = JSONElement | readonly NestedJSON[];

/** What `a.toJSON()` returns and `array()` accepts back: JSON.stringify → JSON.parse → array() is exact (but for −0). */
export interface ArrayJSON {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: NestedJSON;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** A zeroed buffer (from the buffer pool when one of the size is free: see pool.ts). */
export function allocate(dtype: DType, size: number): TypedData {
  return allocateZeroed(dtype, size);
}

export function dtypeOfData(data: TypedData): DType {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  return "bool";
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides of a contiguous array. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * An immutable n-d array of float64, float32, int32 or bool elements, freed by the garbage collector
 * (no dispose). Every op accepts it and returns new arrays; inside a transform the same code
 * receives traced arrays with the same fluent methods (`x.mul(y).sum()`).
 *
 * @example
 * ```ts
 * const a = array([[1, 2], [3, 4]], "float32");
 * console.log(a.shape, a.T.toArray()); // [2, 2] [[1, 3], [2, 4]]
 * ```
 */
export class NDArray {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Row-major storage. Treat it as read-only: arrays are values, shared freely. */
  readonly data: TypedData;

  /** Wraps `data` without copying; prefer the `array`, `zeros`, `ones` factories. */
  constructor(data: TypedData, shape: Shape) {
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError("NDArray", `data has ${data.length} elements but shape ${shapeStr(shape)} needs ${sizeOf(shape)}; pass a shape whose product is the data length`);
    }
    this.data = data;
    this.shape = shape;
    this.dtype = dtypeOfData(data);
  }

  get ndim(): number { return this.shape.length; }
  get size(): number { return this.data.length; }

  /** The single element of a size-1 array as a number. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError("item", `array of shape ${shapeStr(this.shape)} has ${this.data.length} elements, not 1; index or reduce it first (e.g. sum(x))`);
    }
    return this.data[0]!;
  }

  /** Nested plain arrays (a number for a 0-d array). Bool arrays give booleans. */
  toArray(): NestedNumbers {
    const d = this.data, shape = this.shape, isBool = this.dtype === "bool";
    if (shape.length === 0) return isBool ? d[0] !== 0 : d[0]!;
    let pos = 0;
    const build = (axis: number): NestedNumbers[] => {
      const n = shape[axis]!;
      const out = new Array<NestedNumbers>(n);
      if (axis === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = isBool ? d[pos++] !== 0 : d[pos++]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1);
      }
      return out;
    };
    return build(0);
  }

  /** A copy of the elements as a Float64Array (safe to mutate). */
  toFloat64Array(): Float64Array {
    return Float64Array.from(this.data);
  }

  /**
   * NumPy's repr: `array([[1, 2], [3, 4]], dtype=float32)`, summarised with "..." past
   * `threshold` elements; options as setPrintOptions takes them (precision, threshold, …).
   * `${a}` and String(a) give it too.
   */
  toString(opts?: Partial<ArrayPrintOptions>): string {
    return formatArray(this, opts);
  }

  /** How console.log and util.inspect show the array (Node). */
  [INSPECT](): string {
    return formatArray(this);
  }

  /**
   * Only the "string" hint converts: `a + b`, `a * 2`, `a > 0` on arrays would be string
   * concatenation or NaN in JavaScript, so they throw, as they do on traced values.
   */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === "string") return this.toString();
    throw operatorMisuse("an NDArray", "a");
  }

  /** { dtype, shape, data } with nested data; non-finite elements as "NaN", "Infinity", "-Infinity". array() reads it back. */
  toJSON(): ArrayJSON {
    const d = this.data, isBool = this.dtype === "bool";
    let needsText = false;
    if (!isBool) for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) { needsText = true; break; }
    const data = this.toArray();
    const text = (v: NestedNumbers): NestedJSON => (Array.isArray(v) ? (v as readonly NestedNumbers[]).map(text) : typeof v === "number" && !Number.isFinite(v) ? (String(v) as JSONElement) : (v as JSONElement));
    return { dtype: this.dtype, shape: [...this.shape], data: needsText ? text(data) : data };
  }
}

function isArrayJSON(v: unknown): v is ArrayJSON {
  if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof NDArray || isTracedValue(v)) return false;
  const o = v as Record<string, unknown>;
  return "data" in o && "shape" in o;
}

/** The element of a JSON form back as a number ("NaN", "Infinity", "-Infinity"; null, as other tools write NaN). */
function fromJSONElement(v: unknown): unknown {
  if (v === "NaN" || v === null) return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return v;
}

function fromJSONData(v: unknown): unknown {
  return Array.isArray(v) ? v.map(fromJSONData) : fromJSONElement(v);
}

/**
 * The error for an element array() cannot hold. An NDArray or a traced value among the elements
 * (array([x, y]) inside a transform) is the common case: stack joins them, and is differentiable.
 */
function notAnElement(op: string, v: unknown, i?: number): ArgumentError {
  const at = i === undefined ? "an element" : `element ${i}`;
  if (v instanceof NDArray) return new ArgumentError(op, `${at} is an NDArray; array() takes plain numbers: join arrays with stack([a, b]) (a new axis) or concat([a, b])`);
  if (isTracedValue(v)) {
    return new ArgumentError(op, `${at} is a traced value: array() copies plain numbers and would drop its derivative; build the array with stack([x, y, …]) (and reshape), which is differentiable`);
  }
  return new ArgumentError(op, `${at} is ${describe(v)}${typeof v === "function" ? " (did you mean to call it?)" : ""}; pass numbers (or booleans) in nested arrays`);
}

function inferShape(value: NestedNumbers, op: string): number[] {
  const shape: number[] = [];
  let v: NestedNumbers = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (shape.length > 64) throw new ShapeError(op, "the nested arrays are more than 64 levels deep; an array has at most 64 axes");
    if (v.length === 0) break;
    v = (v as readonly NestedNumbers[])[0]!;
  }
  if (!Array.isArray(v) && typeof v !== "number" && typeof v !== "boolean" && !(shape.length > 0 && shape[shape.length - 1] === 0)) throw notAnElement(op, v);
  return shape;
}

/**
 * Builds an NDArray from nested arrays, a flat array or TypedArray plus a shape, or a number.
 * The dtype defaults to float64 (bool when every element is a boolean; booleans among numbers
 * are promoted to 1 and 0, as in NumPy: `array([true, 2])` is float64 [1, 2]).
 */
export function array(
  value: NestedNumbers | ArrayLike<number> | TypedData | NDArray | ArrayJSON,
  opts: { dtype?: DType; shape?: Shape } = {},
): NDArray {
  if (isArrayJSON(value)) {
    // a.toJSON(), or its JSON.parse'd text: the stored dtype and shape unless opts override them.
    return array(fromJSONData(value.data) as NestedNumbers, { dtype: value.dtype, shape: value.shape, ...opts });
  }
  // Bad options are the caller's error, not an internal TypeError (null.dtype, allocate → undefined).
  checkOptions("array", opts, ["dtype", "shape"]);
  const { dtype: dt, shape: sh } = opts;
  if (dt !== undefined && dt !== "float64" && dt !== "float32" && dt !== "int32" && dt !== "bool") {
    throw new DTypeError("array", `unknown dtype ${typeof dt === "string" ? JSON.stringify(dt) : typeof dt}; use "float64", "float32", "int32" or "bool"`);
  }
  if (sh !== undefined && !(Array.isArray(sh) && sh.every((d) => Number.isInteger(d) && d >= 0))) {
    throw new ShapeError("array", `shape must be an array of non-negative integers such as [2, 3], got ${Array.isArray(sh) ? `[${sh.map((d) => typeof d === "number" ? d : typeof d).join(",")}]` : typeof sh}`);
  }
  if (value instanceof NDArray) {
    const dtype = opts.dtype ?? value.dtype;
    const data = allocate(dtype, value.size);
    data.set(value.data);
    return new NDArray(data, opts.shape ?? value.shape);
  }
  const isTyped = ArrayBuffer.isView(value);
  let flat: ArrayLike<number | boolean>;
  let shape: number[];
  let dtype = opts.dtype;
  if (isTyped) {
    flat = value as TypedData;
    shape = opts.shape ? [...opts.shape] : [flat.length];
    dtype ??= value instanceof Float32Array ? "float32" : value instanceof Int32Array ? "int32" : value instanceof Uint8Array ? "bool" : "float64";
  } else {
    const nested = value as NestedNumbers;
    const inferred = inferShape(nested, "array");
    const out: (number | boolean)[] = [];
    const walk = (v: NestedNumbers, axis: number): void => {
      if (axis === inferred.length) {
        if (typeof v !== "number" && typeof v !== "boolean") {
          throw new ShapeError("array", `ragged nesting: expected a number at depth ${axis}, got ${Array.isArray(v) ? "an array" : typeof v}; every row must have the same length`);
        }
        out.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== inferred[axis]) {
        throw new ShapeError("array", `ragged nesting at depth ${axis}: expected ${inferred[axis]} elements, got ${Array.isArray(v) ? v.length : typeof v}; every row must have the same length`);
      }
      for (const e of v as readonly NestedNumbers[]) walk(e, axis + 1);
    };
    walk(nested, 0);
    flat = out;
    if (opts.shape) {
      if (sizeOf(opts.shape) !== out.length) {
        throw new ShapeError("array", `shape ${shapeStr(opts.shape)} needs ${sizeOf(opts.shape)} elements but ${out.length} were given`);
      }
      shape = [...opts.shape];
    } else shape = inferred;
    // bool only when every element is one: booleans among numbers are promoted to 1 and 0, as
    // NumPy does (array([true, 2]) read the first element and gave [true, true]).
    dtype ??= out.length > 0 && out.every((e) => typeof e === "boolean") ? "bool" : "float64";
  }
  const data = allocate(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const e = flat[i]!;
    if (typeof e !== "number" && typeof e !== "boolean") throw notAnElement("array", e, i);
    data[i] = +e;
  }
  return new NDArray(data, shape);
}

/** An array of `shape` filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = "float64"): NDArray {
  const s = shapeParam("full", shape);
  if (typeof value !== "number" && typeof value !== "boolean") throw new ArgumentError("full", `the fill value must be a number (or a boolean), got ${describe(value)}`);
  return filled("full", s, value, dtypeParam("full", dtype));
}

function filled(op: string, shape: number[], value: number, dtype: DType): NDArray {
  const n = sizeOf(shape);
  const data = allocating(op, n, BYTES[dtype], () => allocate(dtype, n));
  if (value !== 0) data.fill(+value);
  return new NDArray(data, shape);
}

const BYTES: Readonly<Record<DType, number>> = { float64: 8, float32: 4, int32: 4, bool: 1 };

/** A dtype argument: one of the four, by name. */
export function dtypeParam(op: string, dtype: unknown): DType {
  if (dtype !== "float64" && dtype !== "float32" && dtype !== "int32" && dtype !== "bool") {
    throw new DTypeError(op, `unknown dtype ${showValue(dtype)}; use "float64", "float32", "int32" or "bool"`);
  }
  return dtype;
}

/** An array of `shape` filled with 0. */
export function zeros(shape: Shape, dtype: DType = "float64"): NDArray {
  return filled("zeros", shapeParam("zeros", shape), 0, dtypeParam("zeros", dtype));
}

/** An array of `shape` filled with 1. */
export function ones(shape: Shape, dtype: DType = "float64"): NDArray {
  return filled("ones", shapeParam("ones", shape), 1, dtypeParam("ones", dtype));
}

/** 0, 1, …, n−1 (or start…stop by step). */
export function arange(startOrStop: number, stop?: number, step = 1, dtype: DType = "float64"): NDArray {
  numberArg("arange", stop === undefined ? "stop" : "start", startOrStop);
  if (stop !== undefined) numberArg("arange", "stop", stop);
  numberArg("arange", "step", step);
  if (step === 0) throw new ArgumentError("arange", "step must not be 0 (the range would never end)");
  const dt = dtypeParam("arange", dtype);
  const start = stop === undefined ? 0 : startOrStop;
  const end = stop === undefined ? startOrStop : stop;
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkSize("arange", [n]);
  const data = allocating("arange", n, BYTES[dt], () => allocate(dt, n));
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new NDArray(data, [n]);
}

/** `num` evenly spaced values from `start` to `stop`, both included (numpy.linspace). */
export function linspace(start: number, stop: number, num: number, dtype: DType = "float64"): NDArray {
  numberArg("linspace", "start", start);
  numberArg("linspace", "stop", stop);
  intArg("linspace", "num (the number of values)", num, 0, MAX_ELEMENTS);
  dtype = dtypeParam("linspace", dtype);
  const data = allocating("linspace", num, BYTES[dtype], () => allocate(dtype, num));
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  return new NDArray(data, [num]);
}
