// Random-number primitives: each maps a key (an int32 array of shape [2]) to keys or numbers
// by the threefry-2x32 hash (src/array/threefry.ts). They carry no derivative (rule "none") —
// numbers are differentiated through what is built on them (loc + scale·normal) — and they
// are primitives, not plain functions, so that a key passed into a compiled function is a
// traced input and the generated code draws new numbers for each key it is given.

import { shapeStr, type Shape } from "../array/ndarray.js";
import * as T from "../array/threefry.js";
import { DTypeError, ShapeError } from "../base/errors.js";
import { KERNEL } from "../core/lowering.js";
import type { Aval, Primitive } from "../core/primitive.js";
import type { NDArray } from "../array/ndarray.js";

export interface SplitParams { readonly n: number }
export interface FoldInParams { readonly data: number }
export interface DrawParams { readonly shape: Shape; readonly dtype: "float32" | "float64" }
export interface RandintParams { readonly shape: Shape; readonly lo: number; readonly hi: number }
export interface PermutationParams { readonly n: number }

/** The shape rule of every random primitive: a key in, an array of `shape` and `dtype` out. */
function fromKey(op: string, key: Aval, shape: Shape, dtype: "float32" | "float64" | "int32"): Aval {
  if (key.dtype !== "int32" || key.shape.length !== 1 || key.shape[0] !== 2) {
    const what = key.js ? `a plain ${key.dtype === "bool" ? "boolean" : "number"}` : `a ${key.dtype} array of shape ${shapeStr(key.shape)}`;
    const err = key.dtype === "int32" || key.js ? ShapeError : DTypeError;
    throw new err(op, `the key must be an int32 array of shape [2], got ${what}; make keys with random.key(seed) and random.split(key)`);
  }
  return { shape, dtype, js: false };
}

function draw<P>(name: string, out: (p: P) => [Shape, "float32" | "float64" | "int32"], impl: (key: NDArray, p: P) => NDArray, show: (p: P) => string): Primitive<P> {
  return {
    name,
    broadcasts: false,
    infer: ([key], p) => fromKey(name, key!, ...out(p)),
    impl: ([key], p) => impl(key as NDArray, p),
    rule: { kind: "none", why: `${name} draws random numbers: they carry no derivative (differentiate what is built on them)` },
    display: { primal: ([key], p) => `${name}(${key}${show(p)})` },
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
