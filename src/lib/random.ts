// Random numbers (the `random` namespace), in jax.random's design: explicit keys, split into
// new keys rather than advanced in place, so a program's randomness is a pure function of its
// key — reproducible, order-independent, and the same on every platform. The generator is
// threefry-2x32 (verified against Random123's known-answer vectors) and each draw follows
// jax.random's construction with jax_threefry_partitionable (JAX's default since 0.5).
//
//   const key = random.key(0);
//   const [k1, k2] = random.split(key);
//   const x = random.normal(k1, [3, 2]);               // float64 by default
//   const y = random.uniform(k2, [4], { dtype: "float32", minval: -1, maxval: 1 });


/**
 * Splittable, counter-based random numbers (threefry-2x32), as jax.random.
 *
 * @example
 * ```ts
 * const [k1, k2] = w.random.split(w.random.key(0));
 * const x = w.random.normal(k1, [3, 2]);
 * const i = w.random.randint(k2, [5], 0, 10);
 * ```
 *
 * @module
 */

import { normAxis } from "../array/broadcast.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { NDArray, shapeStr, type Shape } from "../array/ndarray.js";
import { seedKey } from "../array/threefry.js";
import { ArgumentError, DTypeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { bind, operandShape } from "../core/primitive.js";
import { shapeParam } from "../base/validate.js";
import { shapeOf, type Value } from "../core/tracer.js";
import { add, broadcastTo, dtypeOfValue, less, log, maximum, mul, neg, reshape, slice, sub, take, type Operand } from "../ops/api.js";
import { argmax } from "../ops/extra.js";
import { PRIM_TABLE } from "../ops/prims.js";

/** A key: an int32 array of shape [2] (two uint32 words), as jax.random's raw keys. */
export type Key = NDArray;
type FloatDType = "float32" | "float64";

/** A key from an integer seed (any safe integer; its high and low 32 bits, as jax.random.key). */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) throw new ArgumentError("random.key", `the seed ${showValue(seed)} must be a safe integer`);
  return seedKey(seed);
}

function dtypeArg(op: string, dtype: unknown): FloatDType {
  if (dtype === undefined) return "float64";
  if (dtype !== "float32" && dtype !== "float64") throw new DTypeError(op, `dtype ${showValue(dtype)} must be "float64" or "float32"`);
  return dtype;
}

/** `n` independent new keys (a JS array; default two). Never reuse a key once split. */
export function split(k: Value, n = 2): Key[] {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError("random.split", `the number of keys ${showValue(n)} must be a positive integer`);
  const keys = bind(PRIM_TABLE.randomSplit, [k], { n });
  return Array.from({ length: n }, (_, i) => reshape(slice(keys, [i], [i + 1]), [2]) as Key);
}

/** A new key from `k` and an integer (a step number, a worker index): jax.random.fold_in. */
export function foldIn(k: Value, data: number): Key {
  if (!Number.isInteger(data)) throw new ArgumentError("random.foldIn", `data ${showValue(data)} must be an integer`);
  return bind(PRIM_TABLE.randomFoldIn, [k], { data }) as Key;
}

/** Options of random.uniform: the dtype and the bounds. */
export interface UniformOptions {
  readonly dtype?: FloatDType;
  /** Lower bound (default 0); a number or an array broadcasting to the shape, differentiable. */
  readonly minval?: Value;
  /** Upper bound (default 1), excluded. */
  readonly maxval?: Value;
}

/** Uniform numbers in [minval, maxval) of `shape` (multiples of 2⁻⁵² in float64, 2⁻²³ in float32, before scaling). */
export function uniform(k: Value, shape: number | Shape = [], opts: UniformOptions = {}): NDArray {
  checkOptions("random.uniform", opts, optionKeys<UniformOptions>({ dtype: true, minval: true, maxval: true }));
  const dtype = dtypeArg("random.uniform", opts.dtype);
  const u = bind(PRIM_TABLE.randomUniform, [k], { shape: shapeParam("random.uniform", shape), dtype }) as NDArray;
  const lo = opts.minval ?? 0, hi = opts.maxval ?? 1;
  if (lo === 0 && hi === 1) return u;
  // As jax.random.uniform: u·(hi − lo) + lo, held at or above lo against rounding.
  return maximum(lo as Operand, add(mul(u, sub(hi as Operand, lo as Operand)), lo as Operand)) as NDArray;
}

/** Standard normal numbers of `shape`: √2·erf⁻¹(u) for u uniform on (−1, 1), as jax.random.normal. */
export function normal(k: Value, shape: number | Shape = [], opts: { dtype?: FloatDType } = {}): NDArray {
  checkOptions("random.normal", opts, ["dtype"]);
  return bind(PRIM_TABLE.randomNormal, [k], { shape: shapeParam("random.normal", shape), dtype: dtypeArg("random.normal", opts.dtype) }) as NDArray;
}

/** Standard Gumbel numbers: −log(−log u) for u uniform on (0, 1). */
export function gumbel(k: Value, shape: number | Shape = [], opts: { dtype?: FloatDType } = {}): NDArray {
  checkOptions("random.gumbel", opts, ["dtype"]);
  const dtype = dtypeArg("random.gumbel", opts.dtype);
  const tiny = dtype === "float32" ? 1.1754943508222875e-38 : 2.2250738585072014e-308;
  return neg(log(neg(log(uniform(k, shape, { dtype, minval: tiny, maxval: 1 }))))) as NDArray;
}

/** Booleans that are true with probability `p` (a number or an array; the shape defaults to p's). */
export function bernoulli(k: Value, p: Value = 0.5, shape?: number | Shape): NDArray {
  const ps = operandShape("random.bernoulli", p, 1);
  const s = shape === undefined ? ps : shapeParam("random.bernoulli", shape);
  const dtype = typeof p === "number" ? "float64" : dtypeOfValue(p) === "float32" ? "float32" : "float64";
  return less(uniform(k, s, { dtype }), p as Operand) as NDArray;
}

/**
 * Class indices drawn with probabilities softmax(logits) along `axis` (Gumbel-max, as
 * jax.random.categorical): one draw per position of the other axes, or of `shape` (which must
 * end with those axes) for several.
 */
export function categorical(k: Value, logits: Value, opts: { axis?: number; shape?: Shape } = {}): NDArray {
  checkOptions("random.categorical", opts, ["axis", "shape"]);
  const ls = operandShape("random.categorical", logits, 1);
  if (ls.length === 0) throw new ArgumentError("random.categorical", "logits must be an array with an axis of classes, e.g. of shape [n]");
  const axis = normAxis("random.categorical", opts.axis ?? -1, ls.length);
  const batch = ls.filter((_, i) => i !== axis);
  const shape = opts.shape ? shapeParam("random.categorical", opts.shape) : batch;
  const tail = shape.slice(shape.length - batch.length);
  if (shape.length < batch.length || tail.some((d, i) => d !== batch[i])) {
    throw new ArgumentError("random.categorical", `shape ${shapeStr(shape)} must end with the logits' batch shape ${shapeStr(batch)}`);
  }
  const lead = shape.length - batch.length;
  const full = [...shape.slice(0, lead + axis), ls[axis]!, ...shape.slice(lead + axis)];
  const dtype = dtypeOfValue(logits) === "float32" ? "float32" : "float64";
  const noisy = add(gumbel(k, full, { dtype }), broadcastTo(logits, full));
  return argmax(noisy, lead + axis);
}

/** Integers uniform in [minval, maxval) of `shape`, int32 (jax.random.randint's construction). */
export function randint(k: Value, shape: number | Shape, minval: number, maxval: number): NDArray {
  const ok = (v: number) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
  if (!ok(minval) || !ok(maxval)) throw new ArgumentError("random.randint", `bounds ${showValue(minval)} and ${showValue(maxval)} must be int32 integers`);
  return bind(PRIM_TABLE.randomInt, [k], { shape: shapeParam("random.randint", shape), lo: minval, hi: maxval }) as NDArray;
}

/**
 * A random permutation: of 0 … n−1 for a number n (int32), or of `x`'s slices along `axis`
 * (differentiable in x: the gather of x by a random permutation).
 */
export function permutation(k: Value, x: number): NDArray;
export function permutation(k: Value, x: Operand | Value, opts?: { axis?: number }): NDArray;
export function permutation(k: Value, x: Value, opts: { axis?: number } = {}): Value {
  opts = checkOptions("random.permutation", opts, optionKeys<{ axis?: number }>({ axis: true }));
  if (typeof x === "number") {
    if (!Number.isInteger(x) || x < 0) throw new ArgumentError("random.permutation", `n ${showValue(x)} must be a non-negative integer (or pass an array to shuffle)`);
    return bind(PRIM_TABLE.randomPermutation, [k], { n: x });
  }
  const s = operandShape("random.permutation", x, 1);
  if (s.length === 0) throw new ArgumentError("random.permutation", "cannot shuffle a 0-d value; pass an array or a count");
  const axis = normAxis("random.permutation", opts.axis ?? 0, s.length);
  return take(x, bind(PRIM_TABLE.randomPermutation, [k], { n: s[axis]! }), axis);
}
