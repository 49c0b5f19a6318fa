// What every transform does with its arguments before differentiating: checks the function
// and options, normalises argnums, checks the leaves, and builds zeros and ones shaped like
// a value. The types shared by the public transforms live here too.

import { NDArray, shapeStr, zeros } from "../array/ndarray.js";
import { ArgnumsError, ArgumentError, DTypeError, ShapeError } from "../base/errors.js";
import { describe, showValue, withArticle } from "../base/format.js";
import { describeStructure, flatten, leavesLike, structureString, type TreeDef } from "../core/pytree.js";
import { concrete, dtypeOf, shapeOf, type Tracer, type Value } from "../core/tracer.js";
import { broadcastTo, toScalar } from "../ops/api.js";
import { checkOptions, optionKeys } from "../base/options.js";

/** A differentiable function's scalar output. */
export type ScalarOut = number | NDArray;
export type Fn<A extends unknown[], R> = (...args: A) => R;

/** The Jacobian's structure: for each output leaf, the input's structure with blocks of shape out ++ in. */
export type JacobianOf<O, I> = O extends number
  ? I
  : O extends NDArray
    ? I extends number | NDArray ? NDArray : LeavesAs<I, NDArray>
    : { [K in keyof O]: JacobianOf<O[K], I> };
type LeavesAs<T, L> = T extends number | NDArray ? L : { [K in keyof T]: LeavesAs<T[K], L> };
type Tuple<N extends number, T extends unknown[] = []> = T["length"] extends N ? T : Tuple<N, [...T, unknown]>;
type Reverse<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? [...Reverse<R>, H] : [];
/** The type of argument N; a negative N counts from the end, as in JAX (At<[a, b, c], -1> is c). */
export type At<A extends unknown[], N> = N extends number
  ? `${N}` extends `-${infer P extends number}`
    ? number extends A["length"] ? A[number] : Reverse<A>[Tuple<P> extends [unknown, ...infer R] ? R["length"] : never]
    : A[N]
  : never;
/**
 * A gradient's type: the argument's structure with a number for each number and an NDArray for
 * each array (a traced value, typed as what it stands for, is a number). So grad(grad(sin))
 * type-checks, and a readonly argument gets an ordinary gradient.
 */
export type GradOf<T> = T extends NDArray ? NDArray
  : T extends number | boolean | Tracer ? number
  : T extends ArrayBufferView | string | null | undefined | ((...a: never[]) => unknown) ? T // typed arrays; static leaves come back as they are
  : { -readonly [K in keyof T]: GradOf<T[K]> };

/** What argnums N selects: one argument's type, or an ordinary (mutable) tuple of them. */
export type Pick<A extends unknown[], N> = N extends number ? At<A, N> : { -readonly [K in keyof N]: At<A, N[K]> };

/** Which arguments to differentiate: an index, or several (negative indices count from the end, as in JAX). */
export interface ArgnumsOption<N extends number | readonly number[]> {
  /** Which arguments to differentiate with respect to (default 0). An array gives a tuple. */
  readonly argnums?: N;
}


export function zerosLike(v: Value): Value {
  const c = concrete(v);
  if (typeof c === "number" || typeof c === "boolean") return 0;
  return zeros(c.shape, c.dtype === "float32" ? "float32" : "float64");
}

export function onesLike(v: Value): Value {
  const c = concrete(v);
  if (typeof c === "number" || typeof c === "boolean") return 1;
  const out = zeros(c.shape, c.dtype === "float32" ? "float32" : "float64");
  out.data.fill(1);
  return out;
}

/**
 * A transform's own arguments: a function and an options object. Checked up front because
 * calling a non-function (or reading argnums of null) surfaced as an internal TypeError.
 */
export function checkTransform(op: string, f: unknown, opts?: object, keys: readonly string[] = ARGNUMS_KEYS): void {
  if (typeof f !== "function") {
    throw new ArgumentError(op, `expected the function to transform, got ${describe(f)}; pass e.g. ${op}((x) => mul(x, x))`);
  }
  checkOptions(op, opts, keys);
}

/** The keys of ArgnumsOption: grad, valueAndGrad, jacfwd, jacrev, jacobian and hessian take only argnums. */
export const ARGNUMS_KEYS = optionKeys<ArgnumsOption<number>>({ argnums: true });

export function normArgnums(op: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  if (argnums !== undefined && typeof argnums !== "number" && !Array.isArray(argnums)) {
    throw new ArgnumsError(op, `argnums ${showValue(argnums)} must be an argument index or an array of them, e.g. 0 or [0, 1]`);
  }
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : [...argnums];
  if (list.length === 0) throw new ArgnumsError(op, "argnums is empty; name at least one argument, e.g. { argnums: 0 }");
  for (const k of list) {
    if (nargs === 0 && Number.isInteger(k)) throw new ArgnumsError(op, `the function ${op} returned was called with no arguments; call it with the arguments to differentiate, e.g. ${op}(f)(2)`);
    if (!Number.isInteger(k) || k < -nargs || k >= nargs) {
      const range = nargs === 0 ? "call it with the arguments to differentiate" : `use indices in [0, ${nargs - 1}], or from the end in [${-nargs}, -1]`;
      throw new ArgnumsError(op, `argnums ${showValue(argnums)} ${argnums === undefined ? "(default 0) names" : "names"} argument ${showValue(k)}, but the function was called with ${nargs} argument${nargs === 1 ? "" : "s"}; ${range}`);
    }
  }
  // A negative index counts from the end, as in JAX: -1 is the last argument.
  const norm = list.map((k) => (k < 0 ? k + nargs : k));
  if (new Set(norm).size !== norm.length) throw new ArgnumsError(op, `argnums ${showValue(argnums)} repeats an argument${list.some((k) => k < 0) ? ` (negative indices count from the end of the ${nargs} arguments)` : ""}; name each once`);
  return norm;
}

/** normArgnums for one transform's fixed argnums, validated once per argument count. */
export function argnumsCache(op: string, argnums: number | readonly number[] | undefined): (nargs: number) => number[] {
  let n = -1;
  let list: number[] = [];
  return (nargs) => {
    if (nargs !== n) {
      list = normArgnums(op, argnums, nargs);
      n = nargs;
    }
    return list;
  };
}

/** What a differentiated argument may hold, for the messages that refuse one. */
const ACCEPTED = "numbers, NDArrays, Float64Array/Float32Array, or plain arrays and plain objects of them";

/** A sentence on what to do with a value that is not data: a function (not called?), a Promise, a Map… */
function notDataHint(v: unknown): string {
  if (typeof v === "function") return `Did you mean to call it${v.name ? `, ${v.name}(…)` : ""}?`;
  if (v instanceof Promise || (typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function")) return "Await it first: transforms differentiate synchronous code.";
  if (v instanceof Map) return "Convert it to a plain object (Object.fromEntries(map)).";
  if (v instanceof Set) return "Convert it to an array ([...set]).";
  if (ArrayBuffer.isView(v)) return "Convert it with Float64Array.from(x) or array(x).";
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return "Pass its fields as a plain object ({ ...p }): class instances are not looked inside.";
  return "";
}

/** "<what>: <hint> <op> differentiates …", or "<what>; <op> differentiates …" when there is no hint. */
function refusal(op: string, what: string, v: unknown): string {
  const hint = notDataHint(v);
  return `${what}${hint ? `. ${hint} ` : "; "}${op} differentiates ${ACCEPTED}`;
}

/**
 * A container the pytree walk does not look inside (a Map, a Set, a class instance, an integer
 * typed array) within a differentiated argument: its numbers would silently get no gradient.
 */
function opaqueIn(def: TreeDef, path: string): { path: string; value: unknown } | null {
  switch (def.kind) {
    case "static": {
      const v = def.value;
      const opaque = typeof v === "object" && v !== null && !Array.isArray(v);
      return opaque ? { path, value: v } : null;
    }
    case "array": {
      for (let i = 0; i < def.children.length; i++) { const r = opaqueIn(def.children[i]!, `${path}[${i}]`); if (r) return r; }
      return null;
    }
    case "object": {
      for (let i = 0; i < def.keys.length; i++) { const r = opaqueIn(def.children[i]!, `${path}.${def.keys[i]}`); if (r) return r; }
      return null;
    }
    default: return null;
  }
}

/** A primal that is not data at all (a function, a Promise, a Map, a class instance): refused with what to do. */
export function checkNotOpaque(op: string, argIndex: number, def: TreeDef): void {
  if (def.kind === "static" && notDataHint(def.value) !== "") throw new ArgumentError(op, refusal(op, `argument ${argIndex} is ${describe(def.value)}`, def.value));
}

export function checkLeaves(op: string, argIndex: number, leaves: readonly Value[], def: TreeDef): void {
  if (def.kind === "static") throw new ArgumentError(op, refusal(op, `argument ${argIndex} is ${describe(def.value)}`, def.value));
  const opaque = opaqueIn(def, "");
  if (opaque !== null) {
    throw new ArgumentError(op, refusal(op, `argument ${argIndex} holds ${describe(opaque.value)} at ${opaque.path} (its numbers would get no derivative)`, opaque.value));
  }
  if (leaves.length === 0) {
    throw new ArgumentError(op, `argument ${argIndex} (a container) holds no number or NDArray to differentiate; pass ${ACCEPTED}`);
  }
  checkFloatLeaves(op, argIndex, leaves);
}

/**
 * Flattens what f returned, refusing what is not a result: undefined (a body in braces with no
 * `return`), a Promise (an async function), a function (not called?), and, for grad and the
 * transforms that need an output to differentiate, anything holding no number or array (a
 * boolean from a comparison, a string).
 */
export function outputTree(op: string, out: unknown, needsLeaves: boolean, E: new (op: string, msg: string) => Error = ArgumentError): { def: TreeDef; leaves: Value[] } {
  if (out === undefined) {
    throw new E(op, `the function returned undefined: a function body in braces needs a \`return\` (x => { return mul(x, x); }, or x => mul(x, x))`);
  }
  if (typeof out === "function") throw new E(op, `the function returned ${describe(out)}: did you mean to call it${out.name ? `, ${out.name}(…)` : ""}? Return numbers or NDArrays (or arrays and objects of them)`);
  if (out instanceof Promise || (typeof out === "object" && out !== null && typeof (out as { then?: unknown }).then === "function")) {
    throw new E(op, "the function returned a Promise (is it async?): transforms differentiate synchronous code; await what it needs before the transform, and return numbers or NDArrays");
  }
  const tree = flatten(out);
  if (needsLeaves && tree.leaves.length === 0) {
    const hint = typeof out === "boolean" ? " (a comparison: it carries no derivative; return the value itself, or where(cond, a, b))" : "";
    throw new E(op, `the function returned ${describe(out)}${hint}, which holds no number or NDArray to differentiate; return the value to differentiate`);
  }
  return tree;
}

/** Every array leaf is float64 or float32: int32 and bool arrays carry no derivative (grad and jvp alike refuse them). */
export function checkFloatLeaves(op: string, argIndex: number, leaves: readonly Value[]): void {
  for (const l of leaves) {
    const c = concrete(l);
    if (c instanceof NDArray && c.dtype !== "float64" && c.dtype !== "float32") {
      throw new ArgumentError(op, `argument ${argIndex} holds ${withArticle(`${c.dtype}${shapeStr(c.shape)} array`)}; only float64/float32 arrays are differentiable (convert with astype, or pass it as a closed-over constant)`);
    }
  }
}

/**
 * Refuses a differentiated output that is a bool or int32 array: its derivative is not zero
 * but undefined (it is piecewise constant, or an integer has no neighbours), and grad gave
 * zeros for it silently. JAX refuses it too ("grad requires real-valued outputs").
 */
export function checkFloatOutputs(op: string, leaves: readonly Value[]): void {
  leaves.forEach((l, i) => {
    const d = dtypeOf(l);
    if (d !== "bool" && d !== "int32") return;
    const which = leaves.length === 1 ? "the function returned" : `output ${i} of the function is`;
    const why = d === "bool" ? "a comparison carries no derivative: return the value compared, or where(cond, a, b)" : "convert with astype(y, \"float64\") where the integer stands for a real number";
    throw new DTypeError(op, `${which} ${withArticle(`${d}${shapeStr(shapeOf(l))} array`)}; only float64/float32 outputs (or numbers) can be differentiated — ${why}`);
  });
}

/**
 * The leaves of a tangent or cotangent `tree` given for values of structure `def` and leaves
 * `like`: matched by structure and keys (a mismatch is a ShapeError showing both structures),
 * each of its value's shape, a number where the value is a number and an array of the value's
 * dtype where it is an array (a plain number is weakly typed and takes that dtype; float32 and
 * float64 arrays do not mix).
 */
export function matchTree(op: string, what: string, whose: string, def: TreeDef, like: readonly Value[], tree: unknown): Value[] {
  const leaves = leavesLike(def, tree);
  if (leaves === null) {
    throw new ShapeError(op, `the ${what} has structure ${describeStructure(tree)} but the ${whose} has ${structureString(def)}; give the ${what} the ${whose}'s structure (objects match by key)`);
  }
  return leaves.map((l, i) => fitLeaf(op, leaves.length === 1 ? `the ${what}` : `${what} leaf ${i}`, l, like[i]!, whose));
}

function fitLeaf(op: string, label: string, leaf: Value, like: Value, whose: string): Value {
  const sl = shapeOf(leaf), sp = shapeOf(like);
  if (sl.length !== sp.length || sl.some((d, i) => d !== sp[i])) {
    throw new ShapeError(op, `${label} has shape ${shapeStr(sl)} but the ${whose} has ${shapeStr(sp)}; they must match`);
  }
  const dl = dtypeOf(leaf), dp = dtypeOf(like);
  if (dp === "int32" || dp === "bool") return leaf; // a value without derivative: whatever is given is ignored
  if (dl === "int32" || dl === "bool") {
    throw new DTypeError(op, `${label} is a ${dl} array; derivatives are float: pass a float64/float32 array (or a number)`);
  }
  if (dp === "number") return dl === "number" ? leaf : toScalar(leaf);
  if (dl === "number") return broadcastTo(leaf, sp, dp);
  if (dl !== dp) throw new DTypeError(op, `${label} is ${dl} but the ${whose} is ${dp}; convert it with astype(t, "${dp}")`);
  return leaf;
}

/** The leaf's structure-preserving adjoint: numbers stay numbers. */
export function asLeafOf(v: Value, like: Value): Value {
  if (typeof v !== "number" && typeof concrete(like) === "number" && typeof concrete(v) !== "number") return toScalar(v);
  return v;
}


