// What a scan reads and writes per step: `xs` is sliced along its leading axis (a slice of a
// 1-D array is a number, or a boolean for a bool array; of an n-D array an (n−1)-D array), and
// the per-step outputs `y` are stacked along a new leading axis, as in JAX's lax.scan.

import { allocate, NDArray, shapeStr, sizeOf, type DType, type Shape } from "../../array/ndarray.js";
import { ArgumentError, ShapeError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import { flatten, unflatten, type TreeDef } from "../../core/pytree.js";
import { dtypeOf, shapeOf, Tracer, type Tensor, type Value } from "../../core/tracer.js";
import { reshape, slice, stack, toScalar, value } from "../../ops/api.js";
import { leafPaths, leafType, sameDef, structureText, typeText, type LeafType } from "./carry.js";

/** The scanned operands: their structure, leaves and the type of one step's slice of each. */
export interface Scanned {
  readonly T: number;
  readonly def: TreeDef;
  readonly leaves: readonly Value[];
  readonly slices: readonly LeafType[];
}

function isLength(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0;
}

/** Checks xs (a pytree of arrays sharing a leading axis, or null) against `length`, giving the trip count. */
export function scanned(op: string, xs: unknown, length: unknown): Scanned {
  if (length !== undefined && !isLength(length)) throw new ArgumentError(op, `length ${showValue(length)} must be a non-negative integer`);
  const { def, leaves } = xs === null || xs === undefined ? { def: flatten(null).def, leaves: [] } : flatten(xs);
  const paths = leafPaths(def, "xs");
  let T = length as number | undefined;
  const slices = leaves.map((l, i) => {
    const shape = shapeOf(l);
    if (shape.length === 0) {
      throw new ShapeError(op, `${paths[i]} is ${typeText(leafType(l))}, which has no leading axis to scan over; pass arrays whose first axis is the step`);
    }
    if (T === undefined) T = shape[0]!;
    else if (shape[0] !== T) {
      throw new ShapeError(op, `${paths[i]} has shape ${shapeStr(shape)}, so ${shape[0]} steps, but ${length !== undefined ? `length is ${T}` : `${paths[0]} has ${T}`}; every scanned array needs the same leading axis`);
    }
    const rest = shape.slice(1), d = dtypeOf(l) as DType;
    return rest.length === 0 && d !== "bool" ? ({ js: true } as const) : ({ js: false, dtype: d, shape: rest } as const);
  });
  if (T === undefined) throw new ArgumentError(op, "xs is null, so the number of steps is unknown; pass { length: n }");
  return { T, def, leaves, slices };
}

/** The tree of slices at step t. Concrete arrays give views (no copy); traced ones slicing ops. */
export function sliceAt(s: Scanned, t: number): unknown {
  if (s.leaves.length === 0) return unflatten(s.def, []);
  return unflatten(s.def, s.leaves.map((l) => sliceLeaf(l, t)));
}

/** Slice t of a concrete array along its leading axis: a number (a boolean) for a 1-D array, else a view. */
export function sliceOf(c: NDArray, t: number): Tensor {
  if (c.shape.length === 1) return c.dtype === "bool" ? c.data[t] !== 0 : c.data[t]!; // every step of a scan: no shape to copy
  const rest = c.shape.slice(1);
  const inner = sizeOf(rest);
  return new NDArray(c.data.subarray(t * inner, (t + 1) * inner), rest);
}

export function sliceLeaf(l: Value, t: number): Value {
  if (!(l instanceof Tracer)) return sliceOf(l as NDArray, t);
  const rest = shapeOf(l).slice(1);
  const one = slice(l, [t], [t + 1]);
  if (rest.length > 0) return reshape(one, rest);
  if (dtypeOf(l) === "bool") {
    // A traced bool slice is read as a JS boolean (under compile, a value guard).
    const b = value(one);
    return b instanceof NDArray ? b.data[0] !== 0 : Boolean(b);
  }
  return toScalar(one);
}

/** A zero slice of each scanned operand (the probe a scan of no steps runs its body on). */
export function zeroSlices(s: Scanned): unknown {
  return unflatten(s.def, s.slices.map((t) => (t.js ? 0 : new NDArray(allocate(t.dtype, sizeOf(t.shape)), t.shape))));
}

/** A per-step output's leaves, booleans included (a comparison's result stacks into a bool array). */
export function yLeaves(tree: unknown): { def: TreeDef; leaves: (Value | boolean)[] } {
  const { def, leaves } = flatten(tree);
  const out: (Value | boolean)[] = [];
  let k = 0;
  const walk = (d: TreeDef): TreeDef => {
    switch (d.kind) {
      case "leaf": case "typed": out.push(leaves[k++]!); return d;
      case "static":
        if (typeof d.value === "boolean") { out.push(d.value); return BOOL_LEAF; }
        if (d.value === null || d.value === undefined) return d;
        throw new ArgumentError("scan", `a per-step output holds ${showValue(d.value)}; per-step outputs are numbers, booleans, arrays, pytrees of them, or null`);
      case "array": return { kind: "array", children: d.children.map(walk) };
      case "object": return { kind: "object", keys: d.keys, children: d.children.map(walk) };
    }
  };
  return { def: walk(def), leaves: out };
}
/** Marks a boolean per-step output in a y structure (a static node, compared by identity). */
const BOOL_MARK = Symbol("wengert.scan.bool");
const BOOL_LEAF: TreeDef = { kind: "static", value: BOOL_MARK };

/** Collects the per-step outputs of a scan and stacks them along a new leading axis. */
export class Stacker {
  private def: TreeDef | null = null;
  private types: LeafType[] = [];
  private paths: string[] = [];
  private parts: (Value | boolean)[][] = [];

  constructor(private readonly op: string, private readonly T: number) {}

  /** Step k (in execution order) produced y for slice t. */
  push(k: number, t: number, y: unknown): void {
    const { def, leaves } = yLeaves(y);
    if (this.def === null) {
      this.def = def;
      this.types = leaves.map((l) => (typeof l === "boolean" ? ({ js: false, dtype: "bool", shape: [] } as const) : leafType(l)));
      this.paths = leafPaths(boolsAsLeaves(def), "y");
      this.parts = leaves.map(() => new Array<Value | boolean>(this.T));
    } else if (!sameDef(def, this.def)) {
      throw new ArgumentError(this.op, `step ${k}: the per-step output has another structure (${structureText(def)}) than at the first step (${structureText(this.def)}); y keeps its structure from step to step`);
    }
    leaves.forEach((l, i) => {
      const want = this.types[i]!;
      const got: LeafType = typeof l === "boolean" ? { js: false, dtype: "bool", shape: [] } : leafType(l);
      if (!sameType(want, got)) {
        throw new ShapeError(this.op, `step ${k}: the body returned ${this.paths[i]} as ${typeText(got)}, but as ${typeText(want)} at the first step; per-step outputs keep their shapes and dtypes`);
      }
      this.parts[i]![t] = l;
    });
  }

  /** The stacked outputs (the per-step structure with each leaf stacked on a new leading axis). */
  result(): unknown {
    if (this.def === null) return null;
    return unflattenY(this.def, this.parts.map((ps, i) => stackLeaf(ps, this.types[i]!, this.T)));
  }
}

/** A per-step structure `def` (of yLeaves) rebuilt from its leaves (one step's values, or their stacks): booleans were leaves too. */
export function unflattenY(def: TreeDef, stacked: readonly Value[]): unknown {
  const leaves: Value[] = [];
  let k = 0;
  const rebuild = (d: TreeDef): TreeDef => {
    switch (d.kind) {
      case "static":
        if (d.value !== BOOL_MARK) return d;
        leaves.push(stacked[k++]!);
        return { kind: "leaf" };
      case "leaf": case "typed": leaves.push(stacked[k++]!); return { kind: "leaf" };
      case "array": return { kind: "array", children: d.children.map(rebuild) };
      case "object": return { kind: "object", keys: d.keys, children: d.children.map(rebuild) };
    }
  };
  return unflatten(rebuild(def), leaves);
}

function boolsAsLeaves(def: TreeDef): TreeDef {
  switch (def.kind) {
    case "static": return def.value === BOOL_MARK ? { kind: "leaf" } : def;
    case "array": return { kind: "array", children: def.children.map(boolsAsLeaves) };
    case "object": return { kind: "object", keys: def.keys, children: def.children.map(boolsAsLeaves) };
    default: return def;
  }
}

function sameType(a: LeafType, b: LeafType): boolean {
  const shape = (t: LeafType): Shape => (t.js ? [] : t.shape);
  const dtype = (t: LeafType): DType => (t.js ? "float64" : t.dtype);
  const sa = shape(a), sb = shape(b);
  return dtype(a) === dtype(b) && sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/** T values of one type stacked along a new leading axis: a fresh array when all are concrete, `stack` otherwise. */
function stackLeaf(parts: readonly (Value | boolean)[], type: LeafType, T: number): Value {
  const shape: Shape = type.js ? [] : type.shape;
  const dtype: DType = type.js ? "float64" : type.dtype;
  if (parts.every((p) => !(p instanceof Tracer))) {
    const inner = sizeOf(shape), data = allocate(dtype, T * inner);
    for (let t = 0; t < T; t++) {
      const p = parts[t] as number | boolean | NDArray;
      if (p instanceof NDArray) data.set(p.data, t * inner);
      else data[t] = +p;
    }
    return new NDArray(data, [T, ...shape]);
  }
  return stack(parts.map((p) => (typeof p === "boolean" ? new NDArray(Uint8Array.of(+p), []) : p)), 0);
}
