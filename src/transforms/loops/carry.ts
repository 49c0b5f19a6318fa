// The type of a loop's carry: its pytree structure and, per leaf, a JS number or an array's
// dtype and shape. Every step must hand back a carry of the same type, as JAX's scan demands;
// a number and a 0-d float64 array count as the same type (sum(x) gives a 0-d array where
// the initial carry was a number), and the step's value is converted to the initial kind.
// Anything else is a typed error naming the loop, the step, the leaf and both types.

import { sameShape, shapeStr, type DType, type Shape } from "../../array/ndarray.js";
import { ArgumentError, DTypeError, ShapeError } from "../../base/errors.js";
import { describe, showValue } from "../../base/format.js";
import { flatten, type TreeDef } from "../../core/pytree.js";
import { dtypeOf, shapeOf, Tracer, type Value } from "../../core/tracer.js";
import { reshape, toScalar } from "../../ops/api.js";

/** One leaf's type: a JS number, or an array of a dtype and shape. */
export type LeafType = { readonly js: true } | { readonly js: false; readonly dtype: DType; readonly shape: Shape };

export interface TreeType {
  readonly def: TreeDef;
  readonly leaves: readonly LeafType[];
  /** Each leaf's path for messages: "carry", "carry[1]", "carry.w". */
  readonly paths: readonly string[];
}

/**
 * The type alone, for a loop body's step function to keep: a body outlives its trace (a compiled
 * program holds it), and the values a trace started from would live as long.
 */
export function typeOnly(t: TreeType): TreeType {
  return { def: t.def, leaves: t.leaves, paths: t.paths };
}

export const NUMBER: LeafType = Object.freeze({ js: true });

export function leafType(v: Value): LeafType {
  const d = dtypeOf(v);
  return d === "number" ? NUMBER : { js: false, dtype: d, shape: shapeOf(v) };
}

export function typeText(t: LeafType): string {
  return t.js ? "a number" : `a ${t.dtype} array of shape ${shapeStr(t.shape)}`;
}

/** The path of every leaf of `def`, rooted at `root`. */
export function leafPaths(def: TreeDef, root: string): string[] {
  const out: string[] = [];
  const walk = (d: TreeDef, p: string): void => {
    switch (d.kind) {
      case "leaf": case "typed": out.push(p); return;
      case "static": return;
      case "array": d.children.forEach((c, i) => walk(c, `${p}[${i}]`)); return;
      case "object": d.keys.forEach((k, i) => walk(d.children[i]!, /^[A-Za-z_$][\w$]*$/.test(k) ? `${p}.${k}` : `${p}[${JSON.stringify(k)}]`)); return;
    }
  };
  walk(def, root);
  return out;
}

/** Flattens a tree of loop values, refusing leaves no loop can carry (strings, functions, plain arrays of junk). */
export function treeType(op: string, what: string, tree: unknown): TreeType & { readonly values: Value[] } {
  const { def, leaves } = flatten(tree);
  checkStatics(op, what, def, what);
  return { def, leaves: leaves.map(leafType), paths: leafPaths(def, what), values: leaves };
}

/** Static parts of a carry (null, undefined, booleans) are allowed; anything else is a mistake worth naming. */
function checkStatics(op: string, what: string, def: TreeDef, path: string): void {
  switch (def.kind) {
    case "static": {
      const v = def.value;
      if (v === null || v === undefined || typeof v === "boolean") return;
      throw new ArgumentError(op, `${path} is ${describe(v)}; a ${what} holds numbers, NDArrays, and arrays or objects of them (null marks an empty slot)`);
    }
    case "array": def.children.forEach((c, i) => checkStatics(op, what, c, `${path}[${i}]`)); return;
    case "object": def.keys.forEach((k, i) => checkStatics(op, what, def.children[i]!, `${path}.${k}`)); return;
    default: return;
  }
}

/** Same pytree structure (leaf kinds, array lengths, object keys, static values). */
export function sameDef(a: TreeDef, b: TreeDef): boolean {
  if (a.kind === "leaf" || a.kind === "typed") return b.kind === "leaf" || b.kind === "typed";
  if (a.kind !== b.kind) return false;
  if (a.kind === "static") return Object.is(a.value, (b as typeof a).value);
  const bc = (b as typeof a).children;
  if (a.children.length !== bc.length) return false;
  if (a.kind === "object" && a.keys.join("\u0000") !== (b as typeof a).keys.join("\u0000")) return false;
  return a.children.every((c, i) => sameDef(c, bc[i]!));
}

/**
 * The leaves of a step's carry, checked against the loop's carry type and converted where a
 * number and a 0-d float64 array stand for each other. `where` says which step, for messages.
 */
export function checkCarry(op: string, where: string, type: TreeType, tree: unknown): Value[] {
  const { def, leaves } = flatten(tree);
  if (!sameDef(def, type.def)) {
    throw new ArgumentError(op, `${where} the body returned a carry of another structure (${structureText(def)}) than the initial carry (${structureText(type.def)}); a loop's carry keeps its structure from step to step`);
  }
  return leaves.map((v, i) => fitLeaf(op, where, type.paths[i]!, type.leaves[i]!, v));
}

function fitLeaf(op: string, where: string, path: string, want: LeafType, v: Value): Value {
  const got = leafType(v);
  if (want.js && got.js) return v;
  if (!want.js && !got.js && want.dtype === got.dtype && sameShape(want.shape, got.shape)) return v;
  // A number and a 0-d float64 array are the same type: convert to the initial kind.
  if (want.js && !got.js && got.dtype === "float64" && got.shape.length === 0) return toScalar(v);
  if (!want.js && got.js && want.dtype === "float64" && want.shape.length === 0) return reshape(v, []);
  const msg = `${where} the body returned ${path} as ${typeText(got)}, but the initial value of ${path} is ${typeText(want)}; a loop's carry keeps its shapes and dtypes from step to step`;
  throw sameRank0OrShape(want, got) ? new DTypeError(op, msg) : new ShapeError(op, msg);
}

/** The types differ in dtype alone: equal shapes (a number counting as shape []). */
function sameRank0OrShape(a: LeafType, b: LeafType): boolean {
  return sameShape(a.js ? [] : a.shape, b.js ? [] : b.shape);
}

/** A short description of a pytree's structure for messages: number, [number, array], {w, b}. */
export function structureText(def: TreeDef): string {
  switch (def.kind) {
    case "leaf": case "typed": return "leaf";
    case "static": return showValue(def.value);
    case "array": return `[${def.children.map(structureText).join(", ")}]`;
    case "object": return `{${def.keys.join(", ")}}`;
  }
}

/** True when v is a tracer (of any transform) or a tree holding one. */
export function hasTracer(leaves: readonly Value[]): boolean {
  for (const l of leaves) if (l instanceof Tracer) return true;
  return false;
}

