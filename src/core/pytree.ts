// Pytrees: numbers, arrays and traced values (the leaves) inside nested plain arrays and
// plain objects. Transforms flatten their arguments to leaves, trace the leaves, and
// rebuild the same structure for gradients and tangents.
//
// A Float64Array or Float32Array is one leaf: it is flattened to a 1-d NDArray over the same
// buffer (no copy), and a concrete 1-d result of its length and dtype is rebuilt as the same
// kind of typed array, so `grad(f)(new Float64Array(n))` returns a Float64Array.

import { NDArray } from "../array/ndarray.js";
import { ArgumentError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { Tracer, type Value } from "./tracer.js";

/** The structure of a pytree (nested arrays and plain objects) without its leaves: what `tree.structure` returns and `tree.unflatten` rebuilds from. */
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

/**
 * The deepest container nesting a pytree may have. Deeper trees (and cyclic ones, which are
 * infinitely deep) are refused with a typed error instead of overflowing the stack in every
 * walk over them (flatten, unflatten, compile's cache key, structure printing).
 */
export const MAX_DEPTH = 1000;

function tooDeep(op: string): never {
  throw new ArgumentError(op, `the argument is nested more than ${MAX_DEPTH} containers deep (or contains itself); pytrees are plain arrays and objects of numbers and NDArrays a few levels deep`);
}

/** The leaves of `tree` (in order: arrays by index, objects by key in insertion order) and its structure. `op` names the refusing op. */
export function flatten(tree: unknown, leaves: Value[] = [], op = "flatten"): { def: TreeDef; leaves: Value[] } {
  if (isLeaf(tree)) {
    // The common case (a number or an array), without the walk.
    leaves.push(tree);
    return { def: leafDef(tree), leaves };
  }
  const walk = (t: unknown, depth: number): TreeDef => {
    if (isLeaf(t)) {
      leaves.push(t);
      return leafDef(t);
    }
    if (isTypedLeaf(t)) return typedLeaf(t, leaves);
    if (depth > MAX_DEPTH && (Array.isArray(t) || isPlainObject(t))) tooDeep(op);
    if (Array.isArray(t)) return { kind: "array", children: t.map((c) => walk(c, depth + 1)) };
    if (isPlainObject(t)) {
      const keys = Object.keys(t);
      return { kind: "object", keys, children: keys.map((k) => walk(t[k], depth + 1)) };
    }
    return { kind: "static", value: t };
  };
  return { def: walk(tree, 1), leaves };
}

/**
 * The leaves of `tree` in the order of `def`'s leaves, matching containers by structure and
 * objects by key (as JAX's tree_util does: {a, b} and {b, a} are one structure), or null where
 * the structures differ. A static position takes any value that is neither a leaf nor a container.
 */
export function leavesLike(def: TreeDef, tree: unknown): Value[] | null {
  const out: Value[] = [];
  const walk = (d: TreeDef, t: unknown): boolean => {
    switch (d.kind) {
      case "leaf":
        if (!isLeaf(t)) return false;
        out.push(t);
        return true;
      case "typed":
        if (isTypedLeaf(t)) out.push(new NDArray(t, [t.length]));
        else if (isLeaf(t)) out.push(t);
        else return false;
        return true;
      case "array":
        return Array.isArray(t) && t.length === d.children.length && d.children.every((c, i) => walk(c, t[i]));
      case "object": {
        if (!isPlainObject(t) || Object.keys(t).length !== d.keys.length) return false;
        return d.keys.every((k, i) => Object.prototype.hasOwnProperty.call(t, k) && walk(d.children[i]!, t[k]));
      }
      case "static":
        return !isLeaf(t) && !isTypedLeaf(t) && !Array.isArray(t) && !isPlainObject(t);
    }
  };
  return walk(def, tree) ? out : null;
}

/** Containers of more children than this print the first ones and a count. */
const SHOWN = 8;

/** A readable form of a structure, e.g. `{w: *, b: [*, *]}` (leaves are `*`, long containers abridged). */
export function structureString(def: TreeDef): string {
  const more = (n: number): string => (n > SHOWN ? `, … ${n - SHOWN} more` : "");
  switch (def.kind) {
    case "leaf": return "*";
    case "typed": return `${def.dtype === "float64" ? "Float64Array" : "Float32Array"}(${def.length})`;
    case "array": return `[${def.children.slice(0, SHOWN).map(structureString).join(", ")}${more(def.children.length)}]`;
    case "object": return `{${def.keys.slice(0, SHOWN).map((k, i) => `${k}: ${structureString(def.children[i]!)}`).join(", ")}${more(def.keys.length)}}`;
    case "static": return showValue(def.value);
  }
}

/** The structure of any value, for an error message (a tree too deep to flatten says so). */
export function describeStructure(tree: unknown): string {
  try {
    return structureString(flatten(tree).def);
  } catch {
    return `a tree nested more than ${MAX_DEPTH} deep`;
  }
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
