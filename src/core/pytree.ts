// Pytrees: numbers, arrays and traced values (the leaves) inside nested plain arrays and
// plain objects. Transforms flatten their arguments to leaves, trace the leaves, and
// rebuild the same structure for gradients and tangents.

import { NDArray } from "../array/ndarray.js";
import { Tracer, type Value } from "./tracer.js";

export type TreeDef =
  | { readonly kind: "leaf" }
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

export function flatten(tree: unknown, leaves: Value[] = []): { def: TreeDef; leaves: Value[] } {
  if (isLeaf(tree)) {
    // The common case (a number or an array), without the walk.
    leaves.push(tree);
    return { def: LEAF, leaves };
  }
  const walk = (t: unknown): TreeDef => {
    if (isLeaf(t)) {
      leaves.push(t);
      return LEAF;
    }
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
    case "leaf": return 1;
    case "static": return 0;
    default: return def.children.reduce((s, c) => s + countLeaves(c), 0);
  }
}
