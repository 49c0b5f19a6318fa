// Random-number primitives: each maps a key (an int32 array of shape [2]) to keys or numbers
// by the threefry-2x32 hash (src/array/threefry.ts). They carry no derivative (rule "none") —
// numbers are differentiated through what is built on them (loc + scale·normal) — and they
// are primitives, not plain functions, so that a key passed into a compiled function is a
// traced input and the generated code draws new numbers for each key it is given.
//
// `batch` (params, set only by vmap's batching rule) is a number of leading key axes: keys of
// shape [...batch, 2] draw [...batch, ...out] in one application, each key's numbers those it
// draws alone, so a vmap over keys is one line, not one per example.

import { allocate, NDArray, shapeStr, sizeOf, type Shape } from "../array/ndarray.js";
import * as T from "../array/threefry.js";
import { DTypeError, ShapeError } from "../base/errors.js";
import { KERNEL } from "../core/lowering.js";
import type { Aval, Primitive } from "../core/primitive.js";

/** Leading key axes (vmap's batch): keys [...batch, 2] in, one draw per key out. */
interface Batched { readonly batch?: number }
export interface SplitParams extends Batched { readonly n: number }
export interface FoldInParams extends Batched { readonly data: number }
export interface DrawParams extends Batched { readonly shape: Shape; readonly dtype: "float32" | "float64" }
export interface RandintParams extends Batched { readonly shape: Shape; readonly lo: number; readonly hi: number }
export interface PermutationParams extends Batched { readonly n: number }

/** The shape rule of every random primitive: a key in (`batch` leading axes of keys), an array of `shape` and `dtype` per key out. */
function fromKey(op: string, key: Aval, batch: number, shape: Shape, dtype: "float32" | "float64" | "int32"): Aval {
  const ks = key.shape, nd = ks.length;
  if (key.dtype !== "int32" || nd !== batch + 1 || ks[nd - 1] !== 2) {
    const what = key.js ? `a plain ${key.dtype === "bool" ? "boolean" : "number"}` : `a ${key.dtype} array of shape ${shapeStr(key.shape)}`;
    const err = key.dtype === "int32" || key.js ? ShapeError : DTypeError;
    throw new err(op, `the key must be an int32 array of shape [2], got ${what}; make keys with random.key(seed) and random.split(key)`);
  }
  return { shape: [...ks.slice(0, batch), ...shape], dtype, js: false };
}

/** `one` on each key of a batch of keys (`batch` leading axes), each result of `shape` and `dtype`, laid out in order. */
function eachKey(keys: NDArray, batch: number, shape: Shape, dtype: "float32" | "float64" | "int32", one: (key: NDArray) => NDArray): NDArray {
  if (batch === 0) return one(keys);
  const lead = keys.shape.slice(0, batch), n = sizeOf(lead), size = sizeOf(shape);
  const data = allocate(dtype, n * size);
  for (let i = 0; i < n; i++) data.set(one(new NDArray(keys.data.subarray(2 * i, 2 * i + 2), [2])).data, i * size);
  return new NDArray(data, [...lead, ...shape]);
}

function draw<P extends Batched>(name: string, out: (p: P) => [Shape, "float32" | "float64" | "int32"], impl: (key: NDArray, p: P) => NDArray, show: (p: P) => string): Primitive<P> {
  return {
    name,
    broadcasts: false,
    infer: ([key], p) => fromKey(name, key!, p.batch ?? 0, ...out(p)),
    impl: ([key], p) => eachKey(key as NDArray, p.batch ?? 0, ...out(p), (k) => impl(k, p)),
    rule: { kind: "none", why: `${name} draws random numbers: they carry no derivative (differentiate what is built on them)` },
    display: { primal: ([key], p) => `${name}(${key}${show(p)}${p.batch ? `; ${p.batch} key axes` : ""})` },
    lower: KERNEL,
  };
}

export const RANDOM = {
  randomSplit: draw<SplitParams>("randomSplit", (p) => [[p.n, 2], "int32"], (k, p) => T.split(k, p.n), (p) => `, ${p.n}`),
  randomFoldIn: draw<FoldInParams>("randomFoldIn", () => [[2], "int32"], (k, p) => T.foldIn(k, p.data), (p) => `, ${p.data}`),
  randomUniform: draw<DrawParams>("randomUniform", (p) => [p.shape, p.dtype], (k, p) => T.uniform01(k, p.shape, p.dtype), (p) => `, ${shapeStr(p.shape)}, ${p.dtype}`),
  randomNormal: draw<DrawParams>("randomNormal", (p) => [p.shape, p.dtype], (k, p) => T.normal(k, p.shape, p.dtype), (p) => `, ${shapeStr(p.shape)}, ${p.dtype}`),
  randomInt: draw<RandintParams>("randomInt", (p) => [p.shape, "int32"], (k, p) => T.randint(k, p.shape, p.lo, p.hi), (p) => `, ${shapeStr(p.shape)}, [${p.lo}, ${p.hi})`),
  randomPermutation: draw<PermutationParams>("randomPermutation", (p) => [[p.n], "int32"], (k, p) => T.permutation(k, p.n), (p) => `, ${p.n}`),
};
