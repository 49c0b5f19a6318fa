// The array ops users expect from NumPy, composed from primitives so their derivatives (of
// every order, in both modes) come from the primitives' rules. Where the composition is the
// derivative's whole point it says so: prod and cumprod multiply in trees, never divide, so
// zeros in the input give exact derivatives rather than 0/0.

import { normAxes, normAxis } from "../array/broadcast.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { arange, array, full, NDArray, shapeStr, type DType, type NestedNumbers, type Shape } from "../array/ndarray.js";
import { ArgumentError, ShapeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { checkOperand, operandShape } from "../core/primitive.js";
import { shapeOf, type Value } from "../core/tracer.js";
import {
  abs, add, astype, broadcastTo, div, equal, exp, greater, less, log, maximum, mean, mul, pad, reshape, slice, sqrt,
  square, stopGradient, sub, sum, take, tanh, transpose, where, dtypeOfValue, type Operand, type R1, type R2,
} from "../ops/api.js";
import { argsort, erfc, onAxis, takeAlongAxis } from "../ops/extra.js";
import { checkSize } from "../base/validate.js";

type Axes = number | readonly number[];


/** Starts, ends and steps that select `[from, to)` with `step` on `axis` and everything elsewhere. */
function axisRange(nd: number, axis: number, from: number, to: number, step = 1): [number[], (number | undefined)[], number[]] {
  const starts = new Array<number>(nd).fill(0), ends = new Array<number | undefined>(nd).fill(undefined), steps = new Array<number>(nd).fill(1);
  starts[axis] = from;
  ends[axis] = to;
  steps[axis] = step;
  return [starts, ends, steps];
}

/** [before, after] padding widths: `before`/`after` on `axis`, none elsewhere. */
function axisPad(nd: number, axis: number, before: number, after: number): [number, number][] {
  return Array.from({ length: nd }, (_, i): [number, number] => (i === axis ? [before, after] : [0, 0]));
}

/**
 * `x` limited to [lo, hi] (either bound may be omitted with undefined). The derivative is 1
 * where lo ≤ x ≤ hi, bounds included (as PyTorch's clamp), and flows to a bound where it is the
 * result. NaN stays NaN.
 */
export function clip<A extends Value>(x: A, lo?: Value, hi?: Value): R1<A>;
export function clip(x: Value, lo?: Value, hi?: Value): Value {
  checkOperand("clip", 0, x);
  let y = x;
  if (lo !== undefined) y = where(less(y, lo), lo, y);
  if (hi !== undefined) y = where(greater(y, hi), hi, y);
  return y;
}

/**
 * The product over `axis` (all axes by default), multiplied pairwise in a tree: exact
 * derivatives where elements are zero (no division by x), log₂ n passes.
 */
export function prod(x: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function prod(x: Value, axis?: Axes, keepdims?: boolean): Value;
export function prod(x: Value, axis?: Axes, keepdims = false): Value {
  const shape = operandShape("prod", x);
  const axes = normAxes("prod", axis, shape.length);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
  let n = axes.reduce((p, i) => p * shape[i]!, 1);
  if (n === 0) return full(outShape, 1, dtypeOfValue(x) === "float32" ? "float32" : "float64");
  const moved = axes.every((a, i) => a === kept.length + i) ? x : transpose(x, [...kept, ...axes]);
  let y = reshape(moved, [...kept.map((i) => shape[i]!), n]);
  const nd = kept.length + 1, last = nd - 1;
  while (n > 1) {
    if (n % 2 === 1) { y = pad(y, axisPad(nd, last, 0, 1), 1); n++; }
    y = mul(slice(y, ...axisRange(nd, last, 0, n, 2)), slice(y, ...axisRange(nd, last, 1, n, 2)));
    n /= 2;
  }
  return reshape(y, outShape);
}

/**
 * Running products along `axis` (of the flattened array by default), by a Hillis–Steele scan:
 * log₂ n elementwise products, each of the values so far with themselves shifted. No division,
 * so zeros in the input give exact derivatives.
 */
export function cumprod(x: Operand, axis?: number): NDArray;
export function cumprod(x: Value, axis?: number): Value;
export function cumprod(x: Value, axis?: number): Value {
  const [v, ax] = onAxis("cumprod", x, axis);
  const shape = shapeOf(v), n = shape[ax]!, nd = shape.length;
  let y = v;
  for (let s = 1; s < n; s *= 2) y = mul(y, pad(slice(y, ...axisRange(nd, ax, 0, n - s)), axisPad(nd, ax, s, 0), 1));
  return y;
}

/** Options of var/variance and std. */
export interface VarOptions {
  /** Delta degrees of freedom: divide by n − ddof (default 0; 1 for the unbiased estimate). */
  readonly ddof?: number;
  readonly keepdims?: boolean;
}

const VAR_KEYS = optionKeys<VarOptions>({ ddof: true, keepdims: true });

/** The variance over `axis` (all axes by default): mean((x − mean x)²)·n/(n − ddof), in two passes. */
export function variance(x: Operand, axis?: Axes, opts?: VarOptions): NDArray;
export function variance(x: Value, axis?: Axes, opts?: VarOptions): Value;
export function variance(x: Value, axis?: Axes, opts: VarOptions = {}): Value {
  checkOptions("var", opts, VAR_KEYS);
  const shape = operandShape("var", x);
  const axes = normAxes("var", axis, shape.length);
  const n = axes.reduce((p, i) => p * shape[i]!, 1);
  const ddof = opts.ddof ?? 0;
  if (!Number.isInteger(ddof) || ddof < 0 || n - ddof <= 0) {
    throw new ArgumentError("var", `ddof ${showValue(ddof)} leaves no degrees of freedom for ${n} elements (shape ${shapeStr(shape)}); use a non-negative integer ddof < ${n}`);
  }
  const d = sub(x as NDArray, mean(x, axes, true));
  return div(sum(square(d), axes, opts.keepdims === true), n - ddof);
}

/** The standard deviation √var over `axis`; its derivative at zero spread is the subgradient 0, not NaN. */
export function std(x: Operand, axis?: Axes, opts?: VarOptions): NDArray;
export function std(x: Value, axis?: Axes, opts?: VarOptions): Value;
export function std(x: Value, axis?: Axes, opts: VarOptions = {}): Value {
  opts = checkOptions("std", opts, VAR_KEYS);
  const v = variance(x, axis, opts);
  const pos = greater(v, 0);
  return where(pos, sqrt(where(pos, v, 1)), 0);
}

/** The n × m matrix with ones on diagonal k (0: the main one, k > 0 above it, k < 0 below). */
export function eye(n: number, m = n, opts: { k?: number; dtype?: DType } = {}): NDArray {
  checkOptions("eye", opts, ["k", "dtype"]);
  const k = opts.k ?? 0;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0 || !Number.isInteger(k)) {
    throw new ArgumentError("eye", `sizes ${showValue(n)} × ${showValue(m)} and diagonal ${showValue(k)} must be integers (sizes ≥ 0)`);
  }
  const out = full([n, m], 0, opts.dtype ?? "float64");
  for (let i = Math.max(0, -k); i < n && i + k < m; i++) out.data[i * m + i + k] = 1;
  return out;
}

/** Inserts axes of size 1 at `axis` (positions in the result, negatives from its end). */
export function expandDims(x: Operand, axis: Axes): NDArray;
export function expandDims(x: Value, axis: Axes): Value;
export function expandDims(x: Value, axis: Axes): Value {
  const shape = operandShape("expandDims", x);
  const list = typeof axis === "number" ? [axis] : axis;
  const nd = shape.length + (Array.isArray(list) ? list.length : 0);
  const at = normAxes("expandDims", axis, nd);
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < nd; i++) out.push(at.includes(i) ? 1 : shape[k++]!);
  return reshape(x, out);
}

/** Removes axes of size 1: those named (each must have size 1), or all of them. */
export function squeeze(x: Operand, axis?: Axes): NDArray;
export function squeeze(x: Value, axis?: Axes): Value;
export function squeeze(x: Value, axis?: Axes): Value {
  const shape = operandShape("squeeze", x);
  const axes = axis === undefined ? shape.map((_, i) => i).filter((i) => shape[i] === 1) : normAxes("squeeze", axis, shape.length);
  for (const a of axes) {
    if (shape[a] !== 1) throw new ShapeError("squeeze", `axis ${a} of shape ${shapeStr(shape)} has size ${shape[a]}, not 1; squeeze only removes axes of size 1 (use sum or slice for others)`);
  }
  return reshape(x, shape.filter((_, i) => !axes.includes(i)));
}

/** The elements as a 1-d array (row-major). */
export function flatten(x: Operand): NDArray;
export function flatten(x: Value): Value;
export function flatten(x: Value): Value {
  operandShape("flatten", x);
  return reshape(x, [-1]);
}

/**
 * Splits `x` along `axis` into `sections` equal parts, or at the given indices (as numpy.split):
 * split(x, [2, 5]) gives x[:2], x[2:5], x[5:]. Returns a JS array of parts.
 */
export function split(x: Operand, sections: number | readonly number[], axis?: number): NDArray[];
export function split(x: Value, sections: number | readonly number[], axis?: number): Value[];
export function split(x: Value, sections: number | readonly number[], axis = 0): Value[] {
  const shape = operandShape("split", x);
  if (shape.length === 0) throw new ShapeError("split", "cannot split a 0-d value; reshape it to [1] first");
  const ax = normAxis("split", axis, shape.length), n = shape[ax]!;
  let cuts: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections < 1 || n % sections !== 0) {
      throw new ShapeError("split", `axis ${ax} of shape ${shapeStr(shape)} has size ${n}, which ${showValue(sections)} equal sections do not divide; pass a divisor of ${n}, or split indices such as [${Math.ceil(n / 2)}]`);
    }
    cuts = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else if (Array.isArray(sections) && sections.every((s) => Number.isInteger(s))) {
    cuts = sections.map((s) => Math.min(n, Math.max(0, s < 0 ? s + n : s)));
  } else {
    throw new ArgumentError("split", `sections ${showValue(sections)} must be a positive integer or an array of integer indices`);
  }
  const bounds = [0, ...cuts, n];
  return bounds.slice(1).map((end, i) => slice(x, ...axisRange(shape.length, ax, bounds[i]!, Math.max(bounds[i]!, end))));
}

function intsArg(op: string, what: string, v: unknown): number[] {
  const list = typeof v === "number" ? [v] : v;
  if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ArgumentError(op, `${what} ${showValue(v)} must be a non-negative integer or an array of them`);
  }
  return list as number[];
}

/** `x` repeated `reps[i]` times along axis i (numpy.tile; reps may be longer than x's rank). */
export function tile(x: Operand, reps: number | readonly number[]): NDArray;
export function tile(x: Value, reps: number | readonly number[]): Value;
export function tile(x: Value, reps: number | readonly number[]): Value {
  const shape = operandShape("tile", x);
  const r = intsArg("tile", "reps", reps);
  const nd = Math.max(shape.length, r.length);
  const xs = [...new Array<number>(nd - shape.length).fill(1), ...shape], rs = [...new Array<number>(nd - r.length).fill(1), ...r];
  checkSize("tile", xs.map((d, i) => d * rs[i]!));
  const y = broadcastTo(reshape(x, xs.flatMap((d) => [1, d])), xs.flatMap((d, i) => [rs[i]!, d]));
  return reshape(y, xs.map((d, i) => d * rs[i]!));
}

/**
 * Each element repeated along `axis` (of the flattened array by default), numpy.repeat: `repeats`
 * times, or repeats[i] times for element i.
 */
export function repeat(x: Operand, repeats: number | readonly number[], axis?: number): NDArray;
export function repeat(x: Value, repeats: number | readonly number[], axis?: number): Value;
export function repeat(x: Value, repeats: number | readonly number[], axis?: number): Value {
  const [v, ax] = onAxis("repeat", x, axis);
  const shape = shapeOf(v), n = shape[ax]!;
  const counts = intsArg("repeat", "repeats", repeats);
  if (typeof repeats === "number") {
    const inserted = [...shape.slice(0, ax + 1), 1, ...shape.slice(ax + 1)];
    const wide = [...shape.slice(0, ax + 1), repeats, ...shape.slice(ax + 1)];
    return reshape(broadcastTo(reshape(v, inserted), wide), shape.map((d, i) => (i === ax ? d * repeats : d)));
  }
  if (counts.length !== n) throw new ShapeError("repeat", `got ${counts.length} repeat counts for axis ${ax} of size ${n} (shape ${shapeStr(shape)}); give one count per element, or one number`);
  return take(v, counts.flatMap((k, i) => new Array<number>(k).fill(i)), ax);
}

/** Sorted along `axis` (default the last), stably; the derivative follows each element to its place. */
export function sort(x: Operand, axis?: number, opts?: { descending?: boolean }): NDArray;
export function sort(x: Value, axis?: number, opts?: { descending?: boolean }): Value;
export function sort(x: Value, axis = -1, opts: { descending?: boolean } = {}): Value {
  checkOptions("sort", opts, ["descending"]);
  return takeAlongAxis(x, argsort(x, axis, opts), axis);
}

const SQRT1_2 = Math.SQRT1_2, SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit x·Φ(x), as ½·x·erfc(−x/√2) (accurate in the left tail, where
 * 1 + erf loses every digit); `approximate: true` gives the tanh form of Hendrycks & Gimpel.
 */
export function gelu<A extends Value>(x: A, opts?: { approximate?: boolean }): R1<A>;
export function gelu(x: Value, opts: { approximate?: boolean } = {}): Value {
  checkOptions("gelu", opts, ["approximate"]);
  checkOperand("gelu", 0, x);
  if (opts.approximate) {
    const inner = mul(SQRT_2_OVER_PI, add(x, mul(0.044715, mul(x, square(x)))));
    return mul(mul(0.5, x), add(1, tanh(inner)));
  }
  return mul(mul(0.5, x), erfc(mul(-SQRT1_2, x)));
}

/**
 * log(eᵃ + eᵇ) without overflow: m + log(e^(a−m) + e^(b−m)) with m = max(a, b) held constant,
 * so derivatives of every order are those of the smooth formula (½ each at a = b).
 */
export function logaddexp<A extends Value, B extends Value>(a: A, b: B): R2<A, B>;
export function logaddexp(a: Value, b: Value): Value {
  checkOperand("logaddexp", 0, a);
  checkOperand("logaddexp", 1, b);
  const m0 = stopGradient(maximum(a, b));
  const m = where(greater(abs(m0), Number.MAX_VALUE), 0, m0);
  return add(m, log(add(exp(sub(a, m)), exp(sub(b, m)))));
}

/**
 * One-hot rows: out[…, j] = 1 where indices[…] = j, for j < n (an index outside [0, n) gives a
 * row of zeros, as JAX). Indices: an int32 array, a number, or (nested) arrays of integers.
 */
export function oneHot(indices: Value | readonly number[] | readonly (readonly number[])[], n: number, opts: { dtype?: DType } = {}): NDArray {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError("oneHot", `the number of classes ${showValue(n)} must be a non-negative integer`);
  const idx = Array.isArray(indices) ? (arrayOfInts(indices) as Value) : (indices as Value);
  checkOperand("oneHot", 0, idx);
  const hit = equal(expandDims(idx, -1), arange(n));
  return astype(hit, opts.dtype ?? "float64") as NDArray;
}

function arrayOfInts(v: readonly unknown[]): NDArray {
  if (!(v as unknown[]).flat(Infinity).every((k) => Number.isInteger(k))) throw new ArgumentError("oneHot", `indices ${showValue(v)} must be integers`);
  return array(v as NestedNumbers, { dtype: "int32" });
}
