// Pytrees: numbers, arrays and traced values (the leaves) inside nested plain arrays and
// plain objects. Transforms flatten their arguments to leaves, trace the leaves, and
// rebuild the same structure for gradients and tangents.
//
// A Float64Array or Float32Array is one leaf: it is flattened to a 1-d NDArray over the same
// buffer (no copy), and a concrete 1-d result of its length and dtype is rebuilt as the same
// kind of typed array, so `grad(f)(new Float64Array(n))` returns a Float64Array.

import { NDArray } from "../array/ndarray.js";
import { Tracer, type Value } from "./tracer.js";

export type TreeDef =
  | { readonly kind: "leaf" }
  /** A Float64Array/Float32Array of `length` elements, flattened to one NDArray leaf. */
  | { readonly kind: "typed"; readonly dtype: "float64" | "float32"; readonly length: number }
  | { readonly kind: "array"; readonly children: readonly TreeDef[] }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly children: readonly TreeDef[] }
  /** Anything else (strings, booleans, functions, null): carried through unchanged, never differentiated. */
  | { readonly kind: "static"; readonly value: unknown };

export const LEAF: TreeDef = { kind: "leaf" };

export function isLeaf(v: unknown): v is number | NDArray | Tracer {
  return typeof v === "number" || v instanceof NDArray || v instanceof Tracer;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function isTypedLeaf(v: unknown): v is Float64Array | Float32Array {
  return v instanceof Float64Array || v instanceof Float32Array;
}

function typedLeaf(t: Float64Array | Float32Array, leaves: Value[]): TreeDef {
  leaves.push(new NDArray(t, [t.length]));
  return { kind: "typed", dtype: t instanceof Float64Array ? "float64" : "float32", length: t.length };
}

type TypedDef = Extract<TreeDef, { kind: "typed" }>;

/**
 * Tracers rebuilt where a typed array was. A transform's output that is such a tracer (the
 * gradient inside compile(grad(f)) or hvp's jvp(grad(f))) flattens as a typed array again, so
 * the outer transform also returns a Float64Array.
 */
const typedTracers = new WeakMap<Tracer, TypedDef>();

/** A value rebuilt where a typed array was: a concrete 1-d array of its length and dtype becomes its data; anything else (a tracer, a Jacobian block) is kept. */
export function typedOf(d: TypedDef, v: unknown): unknown {
  if (v instanceof NDArray && v.dtype === d.dtype && v.shape.length === 1 && v.shape[0] === d.length) return v.data;
  if (v instanceof Tracer) typedTracers.set(v, d);
  return v;
}

function leafDef(t: number | NDArray | Tracer): TreeDef {
  return t instanceof Tracer ? (typedTracers.get(t) ?? LEAF) : LEAF;
}

export function flatten(tree: unknown, leaves: Value[] = []): { def: TreeDef; leaves: Value[] } {
  if (isLeaf(tree)) {
    // The common case (a number or an array), without the walk.
    leaves.push(tree);
    return { def: leafDef(tree), leaves };
  }
  const walk = (t: unknown): TreeDef => {
    if (isLeaf(t)) {
      leaves.push(t);
      return leafDef(t);
    }
    if (isTypedLeaf(t)) return typedLeaf(t, leaves);
    if (Array.isArray(t)) return { kind: "array", children: t.map(walk) };
    if (isPlainObject(t)) {
      const keys = Object.keys(t);
      return { kind: "object", keys, children: keys.map((k) => walk(t[k])) };
    }
    return { kind: "static", value: t };
  };
  return { def: walk(tree), leaves };
}

export function unflatten(def: TreeDef, leaves: readonly unknown[]): unknown {
  let pos = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf": return leaves[pos++];
      case "typed": return typedOf(d, leaves[pos++]);
      case "array": return d.children.map(build);
      case "object": {
        const out: Record<string, unknown> = {};
        d.keys.forEach((k, i) => (out[k] = build(d.children[i]!)));
        return out;
      }
      case "static": return d.value;
    }
  };
  return build(def);
}

export function countLeaves(def: TreeDef): number {
  switch (def.kind) {
    case "leaf": case "typed": return 1;
    case "static": return 0;
    default: return def.children.reduce((s, c) => s + countLeaves(c), 0);
  }
}
