// vmap: f on one example, made f on a batch of examples in one pass (JAX's vmap). Arguments
// are batched along the axes `inAxes` names (null: the same value for every example), the
// function runs once on BatchTracers (batch.ts) and each output leaf gets its batch axis at
// `outAxes`.

import { NDArray, shapeStr, type Shape } from "../array/ndarray.js";
import { optionKeys } from "../base/options.js";
import { ArgumentError, ShapeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { dtypeOf, shapeOf, Tracer, type Value } from "../core/tracer.js";
import { broadcastTo, transpose } from "../ops/api.js";
import { checkTransform, outputTree } from "./args.js";
import { batchPass } from "./batch-pass.js";
import { BatchInterpreter } from "./batch.js";

/**
 * Where the batch axis is: a number (an axis; negative counts from the end) for every leaf
 * below, null for none (not batched), or a container matching the value's structure (a prefix
 * of it, as in JAX: an entry for a subtree applies to all of its leaves).
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Options of `vmap`: which axis of each argument is batched (`inAxes`) and where the batch axis goes in each output (`outAxes`). */
export interface VmapOptions {
  /** The batch axis of each argument: one spec for all, or an array of one spec per argument (default 0). */
  readonly inAxes?: number | null | readonly AxisSpec[];
  /** Where each output leaf gets the batch axis (default 0; null: the output is the same for every example). */
  readonly outAxes?: AxisSpec;
}

/** A batched value's type: each number or array leaf becomes an array with the batch axis. */
export type Batched<R> = R extends number | NDArray ? NDArray
  : R extends boolean | string | null | undefined ? R
  : { [K in keyof R]: Batched<R[K]> };
/** What the batched function takes: a batch (an array) where f takes a number. */
export type BatchedArgs<A extends unknown[]> = { [K in keyof A]: A[K] extends number ? number | NDArray : A[K] };

interface Placed {
  readonly path: string;
  readonly axis: number | null;
}

/** Walks `spec` down the structure `def`, giving each leaf its axis (or null) and its path. */
function place(op: string, what: string, def: TreeDef, spec: unknown, path: string, out: Placed[]): void {
  if (spec === null || typeof spec === "number") {
    if (spec !== null && !Number.isInteger(spec)) throw new ArgumentError(op, `${what}: the axis for ${path} is ${showValue(spec)}; use an integer axis or null`);
    const n = leafCount(def);
    for (let i = 0; i < n; i++) out.push({ path: n === 1 && (def.kind === "leaf" || def.kind === "typed") ? path : `${path}…`, axis: spec });
    return;
  }
  if (def.kind === "array" && Array.isArray(spec) && spec.length === def.children.length) {
    def.children.forEach((c, i) => place(op, what, c, spec[i], `${path}[${i}]`, out));
    return;
  }
  if (def.kind === "object" && typeof spec === "object" && !Array.isArray(spec)) {
    const s = spec as Record<string, unknown>;
    const extra = Object.keys(s).filter((k) => !def.keys.includes(k));
    if (extra.length === 0 && def.keys.every((k) => k in s)) {
      def.keys.forEach((k, i) => place(op, what, def.children[i]!, s[k], `${path}.${k}`, out));
      return;
    }
  }
  if (def.kind === "static") return;
  throw new ArgumentError(op, `${what} for ${path} is ${showValue(spec)}, which does not match its structure; give a number, null, or a container of the same shape (arrays by position, objects by key)`);
}

function leafCount(def: TreeDef): number {
  switch (def.kind) {
    case "leaf": case "typed": return 1;
    case "static": return 0;
    default: return def.children.reduce((s, c) => s + leafCount(c), 0);
  }
}

/** The structure with typed-array leaves as plain leaves: an example of a Float64Array batch is not a Float64Array. */
function plain(def: TreeDef): TreeDef {
  switch (def.kind) {
    case "typed": return { kind: "leaf" };
    case "array": return { kind: "array", children: def.children.map(plain) };
    case "object": return { kind: "object", keys: def.keys, children: def.children.map(plain) };
    default: return def;
  }
}

function moveAxis(x: Value, from: number, to: number, ndim: number): Value {
  if (from === to) return x;
  const perm = Array.from({ length: ndim }, (_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}

/**
 * vmap(f): f mapped over a batch in one pass. `inAxes` says where each argument's batch axis is
 * (null: shared by every example), `outAxes` where each output's goes. Composes with every
 * transform in either order: vmap(grad(f)) gives per-example gradients.
 *
 * @example
 * ```ts
 * const f = (x: NDArray, w: NDArray) => w.sum(w.mul(x, w));
 * w.vmap(f, { inAxes: [0, null] })(w.array([[1, 2], [3, 4]]), w.array([1, 1]));   // array([3, 7])
 * ```
 */
export function vmap<A extends unknown[], R>(f: (...args: A) => R, opts: VmapOptions = {}): (...args: BatchedArgs<A>) => Batched<R> {
  checkTransform("vmap", f, opts, optionKeys<VmapOptions>({ inAxes: true, outAxes: true }));
  const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
  const outAxes = opts.outAxes === undefined ? 0 : opts.outAxes;
  if (inAxes !== null && typeof inAxes !== "number" && !Array.isArray(inAxes)) {
    throw new ArgumentError("vmap", `inAxes must be a number, null, or an array with one entry per argument, got ${showValue(inAxes)}`);
  }
  return ((...args: unknown[]) => {
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new ArgumentError("vmap", `inAxes has ${inAxes.length} entries but the function was called with ${args.length} argument${args.length === 1 ? "" : "s"}; give one entry per argument (null: not batched)`);
    }
    const leaves: Value[] = [], placed: Placed[] = [], defs: TreeDef[] = [];
    args.forEach((a, k) => {
      const fl = flatten(a, [], "vmap");
      defs.push(plain(fl.def));
      leaves.push(...fl.leaves);
      const spec = Array.isArray(inAxes) ? inAxes[k] : inAxes;
      place("vmap", "inAxes", fl.def, spec, args.length === 1 ? "the argument" : `argument ${k}`, placed);
    });
    const sizes = placed.map((p, i) => (p.axis === null ? null : batchAxis(leaves[i]!, p)));
    const size = batchSize(placed, leaves, sizes);
    const interp = new BatchInterpreter(size);
    const callLeaves = leaves.map((l, i) => {
      const ax = sizes[i];
      if (ax === null || ax === undefined) return l;
      const s = shapeOf(l);
      const dtype = dtypeOf(l);
      return interp.lift(moveAxis(l, ax, 0, s.length), { shape: s.filter((_, d) => d !== ax), dtype: dtype === "number" ? "float64" : dtype, js: false });
    });
    let pos = 0;
    const callArgs = defs.map((d) => {
      const n = leafCount(d);
      const mine = callLeaves.slice(pos, pos + n);
      pos += n;
      return unflatten(d, mine);
    });
    const out = batchPass(interp, () => f(...(callArgs as A)), (o) => o);
    const tree = outputTree("vmap", out, false);
    const outPlaced: Placed[] = [];
    place("vmap", "outAxes", tree.def, outAxes, "the output", outPlaced);
    const outLeaves = tree.leaves.map((l, i) => unbatch(interp, l, outPlaced[i]!));
    return unflatten(tree.def, outLeaves);
  }) as (...args: BatchedArgs<A>) => Batched<R>;
}

/** The batch axis of a batched leaf, normalized; a typed error for a leaf with no such axis. */
function batchAxis(leaf: Value, p: Placed): number {
  const s = shapeOf(leaf), ax = p.axis!;
  if (typeof leaf === "number" || (leaf instanceof Tracer && dtypeOf(leaf) === "number")) {
    throw new ShapeError("vmap", `${p.path} is a number, which has no axis ${ax} to map over; pass an array of the batch (array([...])), or null in inAxes to give every example the same number`);
  }
  if (ax < -s.length || ax >= s.length) {
    throw new ShapeError("vmap", `inAxes gives axis ${ax} for ${p.path}, of shape ${shapeStr(s)}; use an axis in [${-s.length}, ${s.length - 1}] or null`);
  }
  return ax < 0 ? ax + s.length : ax;
}

function batchSize(placed: readonly Placed[], leaves: readonly Value[], axes: readonly (number | null)[]): number {
  const seen: { path: string; shape: Shape; axis: number; n: number }[] = [];
  axes.forEach((ax, i) => {
    if (ax === null) return;
    const s = shapeOf(leaves[i]!);
    seen.push({ path: placed[i]!.path, shape: s, axis: ax, n: s[ax]! });
  });
  if (seen.length === 0) {
    throw new ArgumentError("vmap", "no argument is batched (inAxes is null for every leaf); batch at least one argument, or call the function directly");
  }
  const n = seen[0]!.n;
  if (seen.some((s) => s.n !== n)) {
    const list = seen.map((s) => `${s.path} (shape ${shapeStr(s.shape)}, axis ${s.axis}): ${s.n}`).join("; ");
    throw new ShapeError("vmap", `the batched arguments disagree on the batch size: ${list}; every batched axis must have the same length`);
  }
  return n;
}

/** An output leaf with its batch axis at `p.axis` (an unbatched one broadcast to the batch). */
function unbatch(interp: BatchInterpreter, l: Value, p: Placed): Value {
  const mine = interp.own(l);
  if (p.axis === null) {
    if (mine) throw new ShapeError("vmap", `outAxes is null for ${p.path}, but it differs between examples (it is batched); give it an axis`);
    return l;
  }
  const val = mine ? l.val : broadcastTo(l, [interp.size, ...shapeOf(l)]);
  const nd = shapeOf(val).length;
  if (p.axis < -nd || p.axis >= nd) throw new ShapeError("vmap", `outAxes gives axis ${p.axis} for ${p.path}, whose batch has shape ${shapeStr(shapeOf(val))}; use an axis in [${-nd}, ${nd - 1}]`);
  return moveAxis(val, 0, p.axis < 0 ? p.axis + nd : p.axis, nd);
}
