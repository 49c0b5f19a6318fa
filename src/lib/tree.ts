// Tree utilities (the `tree` namespace): work on pytrees — numbers, arrays and traced values
// inside nested plain arrays and objects — leaf by leaf, as jax.tree_util does. They are the
// transforms' own flatten/unflatten (src/core/pytree.ts), so a tree means the same thing to
// grad, compile and the optimizers. Arithmetic uses the library's ops, so every function here
// is differentiable and compiles.


/**
 * Tree utilities over pytrees (numbers and arrays in nested plain arrays and objects), as jax.tree_util.
 *
 * @example
 * ```ts
 * const params = { w: w.ones([2, 2]), b: [0, 1] };
 * w.tree.map((l) => w.mul(l, 2), params);   // { w: array([[2, 2], [2, 2]]), b: [0, 2] }
 * w.tree.norm(params);                       // √5
 * ```
 *
 * @module
 */

import { ArgumentError, ShapeError } from "../base/errors.js";
import { fnArg } from "../base/validate.js";
import { showValue } from "../base/format.js";
import { countLeaves, flatten as flattenTree, structureString as showStructure, unflatten as unflattenTree, type TreeDef } from "../core/pytree.js";
import { concrete, shapeOf, type Value } from "../core/tracer.js";
import { full } from "../array/ndarray.js";
import { add as addOp, dtypeOfValue, greater, mul, sqrt, sub as subOp, sum, toScalar, where } from "../ops/api.js";

export type { TreeDef };
/** A readable form of a structure, e.g. `{w: *, b: [*, *]}` (leaves are `*`). */
export function structureString(def: TreeDef): string {
  return showStructure(defArg("tree.structureString", def));
}

/** The leaves of `tree` in order (object keys in insertion order, arrays by index). */
export function leaves(tree: unknown): Value[] {
  return flattenTree(tree).leaves;
}

/** The leaves and the structure that `unflatten` rebuilds `tree` from. */
export function flatten(tree: unknown): [Value[], TreeDef] {
  const { def, leaves: ls } = flattenTree(tree);
  return [ls, def];
}

/** A structure argument: what tree.structure or tree.flatten returned (checked at its root; the rest is walked as it is used). */
function defArg(op: string, d: unknown): TreeDef {
  const kind = (d as { kind?: unknown } | null)?.kind;
  const ok = typeof d === "object" && d !== null && (kind === "leaf" || kind === "static" || kind === "typed" ||
    ((kind === "array" || kind === "object") && Array.isArray((d as { children?: unknown }).children)));
  if (!ok) throw new ArgumentError(op, `expected a structure (what tree.structure(x) returns), got ${showValue(d)}`);
  return d as TreeDef;
}

/** `tree` rebuilt from its structure and (new) leaves, in the order `flatten` gave them. */
export function unflatten<T = unknown>(def: TreeDef, newLeaves: readonly unknown[]): T {
  defArg("tree.unflatten", def);
  const n = countLeaves(def);
  if (!Array.isArray(newLeaves) || newLeaves.length !== n) {
    throw new ShapeError("tree.unflatten", `the structure has ${n} leaves but ${Array.isArray(newLeaves) ? newLeaves.length : showValue(newLeaves)} were given; pass one value per leaf`);
  }
  return unflattenTree(def, newLeaves) as T;
}

/** The structure of `tree` without its leaves. */
export function structure(tree: unknown): TreeDef {
  return flattenTree(tree).def;
}

/** Each leaf's path in `def`, in leaf order: object keys and array indices joined by "." ("" for a bare leaf). */
export function paths(def: TreeDef): string[] {
  defArg("tree.paths", def);
  const out: string[] = [];
  const walk = (d: TreeDef, at: string): void => {
    const join = (k: string | number) => (at === "" ? String(k) : `${at}.${k}`);
    if (d.kind === "leaf" || d.kind === "typed") out.push(at);
    else if (d.kind === "array") d.children.forEach((c, i) => walk(c, join(i)));
    else if (d.kind === "object") d.children.forEach((c, i) => walk(c, join(d.keys[i]!)));
  };
  walk(def, "");
  return out;
}

/** Whether two structures are the same (static parts compared with Object.is). */
export function sameStructure(a: TreeDef, b: TreeDef): boolean {
  defArg("tree.sameStructure", a);
  defArg("tree.sameStructure", b);
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "leaf": return true;
    case "typed": return b.kind === "typed" && a.dtype === b.dtype && a.length === b.length;
    case "static": return b.kind === "static" && Object.is(a.value, b.value);
    case "array": return b.kind === "array" && a.children.length === b.children.length && a.children.every((c, i) => sameStructure(c, b.children[i]!));
    case "object": return b.kind === "object" && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i] && sameStructure(a.children[i]!, b.children[i]!));
  }
}

/** The leaves of `others`, each checked to have the structure `def` of the first tree. */
function zipLeaves(op: string, def: TreeDef, others: readonly unknown[]): Value[][] {
  return others.map((t, i) => {
    const f = flattenTree(t);
    if (!sameStructure(def, f.def)) {
      throw new ShapeError(op, `tree ${i + 2} has structure ${showStructure(f.def)} but the first tree has ${showStructure(def)}; pass trees of the same structure (same keys, lengths and nesting)`);
    }
    return f.leaves;
  });
}

/**
 * `f` applied to each leaf of `tree` (and the matching leaves of `rest`, which must have the
 * same structure), rebuilt in that structure.
 */
export function map<T>(f: (leaf: Value, ...rest: Value[]) => unknown, tree: T, ...rest: readonly unknown[]): T {
  fnArg("tree.map", f);
  const { def, leaves: ls } = flattenTree(tree);
  const others = zipLeaves("tree.map", def, rest);
  return unflattenTree(def, ls.map((l, i) => f(l, ...others.map((o) => o[i]!)))) as T;
}

/** a + b, leaf by leaf. */
export function add<T>(a: T, b: T): T {
  return map((x, y) => addOp(x, y!), a, b);
}

/** a − b, leaf by leaf. */
export function sub<T>(a: T, b: T): T {
  return map((x, y) => subOp(x, y!), a, b);
}

/** s · t, leaf by leaf (s a number or a traced scalar). */
export function scale<T>(s: Value, t: T): T {
  return map((x) => mul(s, x), t);
}

/**
 * Σ over all leaves of Σ aᵢ·bᵢ: the inner product of two trees as vectors, as a number (or a
 * traced one). Each leaf's sum is taken to a number first, so float32 and float64 leaves mix
 * and the result scales a number leaf without making it an array.
 */
export function dot(a: unknown, b: unknown): Value {
  const { def, leaves: la } = flattenTree(a);
  const [lb] = zipLeaves("tree.dot", def, [b]);
  let total: Value = 0;
  la.forEach((x, i) => {
    const p = mul(x, lb![i]!);
    total = addOp(total, typeof concrete(p) === "number" ? p : toScalar(sum(p)));
  });
  return total;
}

/** The Euclidean norm of all leaves together, √dot(t, t); its gradient at 0 is the subgradient 0. */
export function norm(t: unknown): Value {
  const s = dot(t, t);
  const pos = greater(s, 0);
  return where(pos, sqrt(where(pos, s, 1)), 0);
}

/** A tree of `t`'s structure with every leaf zero (numbers stay numbers, arrays keep shape and dtype). */
export function zerosLike<T>(t: T): T {
  return map((x) => (typeof x === "number" ? 0 : full(shapeOf(x), 0, dtypeOfValue(x))), t);
}

/** A tree of `t`'s structure with every leaf `value`. */
export function fullLike<T>(t: T, value: number): T {
  return map((x) => (typeof x === "number" ? value : full(shapeOf(x), value, dtypeOfValue(x))), t);
}

/** The number of leaves, and of elements over all leaves. */
export function size(t: unknown): { leaves: number; elements: number } {
  const ls = leaves(t);
  return { leaves: ls.length, elements: ls.reduce<number>((s, l) => s + shapeOf(l).reduce((p, d) => p * d, 1), 0) };
}
