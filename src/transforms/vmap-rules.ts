// The batching rules: one per primitive of the table, in one object typed by primitive name, so
// a primitive added without a rule is a compile error. Each rewrites one primitive on examples
// into primitives on batches (batch along axis 0). Most are an axis shift: the primitive's
// own implementation already maps over leading axes (elementwise ops by broadcasting, matmul
// and the linear-algebra ops over their batch axes), so the batch becomes one more of them.

import type { Aval } from "../array/aval.js";
import { bind, type Primitive } from "../core/primitive.js";
import type { Value } from "../core/tracer.js";
import { zeros } from "../array/ndarray.js";
import { astype, broadcastTo, reshape, stack } from "../ops/api.js";
import { indexOp } from "../ops/element.js";
import { PRIM_TABLE, type PrimName } from "../ops/prims.js";
import { alignRank, type BatchCall, type BatchRule } from "./batch.js";
import { batchScatterAdd, batchTake } from "./vmap-gather.js";

type ParamsOf<K extends PrimName> = (typeof PRIM_TABLE)[K] extends Primitive<infer Q> ? Q : never;
type Table = { readonly [K in PrimName]: BatchRule<ParamsOf<K>> };

const maxRank = (avals: readonly Aval[]): number => avals.reduce((r, a) => Math.max(r, a.shape.length), 0);

/** Every operand batched: the unbatched ones broadcast to the batch (for ops whose operands must agree on leading axes). */
function batchAll(xs: readonly Value[], batched: readonly boolean[], c: BatchCall): Value[] {
  return xs.map((x, i) => (batched[i] ? x : broadcastTo(x, [c.size, ...c.avals[i]!.shape])));
}

/**
 * Elementwise with NumPy broadcasting: batched operands get size-1 axes after the batch axis so
 * that every example's axes line up from the right; unbatched ones broadcast as they are. A
 * batched plain number (a float64 batch) takes the dtype of float32 operands, as the number
 * itself would have.
 */
const elementwise: BatchRule<unknown> = (xs, batched, params, c) => {
  const r = maxRank(c.avals), f32 = c.out.dtype === "float32";
  const args = xs.map((x, i) => {
    if (!batched[i]) return x;
    const a = c.avals[i]!;
    const v = alignRank(x, a, r, c.size);
    return f32 && a.dtype === "number" ? astype(v, "float32") : v;
  });
  return bind(c.prim, args, params);
};

/** The same primitive and params on the batch: ops that map over any leading axes. */
const leading: BatchRule<unknown> = (xs, _b, params, c) => bind(c.prim, xs, params);

/** Leading, with every operand batched (the linear-algebra solves want equal batch axes). */
const leadingAll: BatchRule<unknown> = (xs, b, params, c) => bind(c.prim, batchAll(xs, b, c), params);

/** A draw from a batch of keys: the same primitive with one more leading key axis (prims-random.ts), each key's numbers its own. */
const keyBatch: BatchRule<unknown> = ([k], _b, params, c) => bind(c.prim, [k!], { ...(params as object), batch: ((params as { batch?: number }).batch ?? 0) + 1 });

/**
 * One example at a time, stacked: dynamicIndex and addAt (x[i] at a traced index, from fromJS's
 * structured loops), so each example keeps its own range check (a ShapeError naming its index).
 */
const eachExample: BatchRule<unknown> = (xs, batched, params, c) => {
  if (c.size === 0) return zeros([0, ...c.out.shape], c.out.dtype === "number" ? "float64" : c.out.dtype);
  const parts: Value[] = [];
  for (let b = 0; b < c.size; b++) parts.push(bind(c.prim, xs.map((x, i) => (batched[i] ? indexOp(x, b) : x)), params));
  return stack(parts, 0);
};

function names<const N extends readonly PrimName[]>(list: N, rule: BatchRule<unknown>): { [K in N[number]]: BatchRule<unknown> } {
  return Object.fromEntries(list.map((n) => [n, rule])) as { [K in N[number]]: BatchRule<unknown> };
}

const shifted = (axis: number): number => axis + 1;
const lead = <T>(first: T, rest: readonly T[]): T[] => [first, ...rest];

export const BATCH_RULES = {
  ...names(["add", "sub", "mul", "div", "pow", "atan2", "maximum", "minimum", "remainder", "where"], elementwise),
  ...names(["neg", "square", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sqrt", "abs", "sign", "erf", "erfc"], elementwise),
  ...names(["floor", "ceil", "round", "trunc", "isnan", "isfinite", "greater", "greaterEqual", "less", "lessEqual", "equal", "notEqual"], elementwise),
  ...names(["stopGradient", "astype", "cholesky", "qr", "eigh", "det", "slogdet"], leading),
  ...names(["solve", "triangularSolve"], leadingAll),
  ...names(["randomSplit", "randomFoldIn", "randomUniform", "randomNormal", "randomInt", "randomPermutation"], keyBatch),
  ...names(["dynamicIndex", "addAt"], eachExample),

  sum: ([x], _b, p) => bind(PRIM_TABLE.sum, [x!], { axes: p.axes.map(shifted), keepdims: p.keepdims }),
  max: ([x], _b, p) => bind(PRIM_TABLE.max, [x!], { axes: p.axes.map(shifted), keepdims: p.keepdims }),
  min: ([x], _b, p) => bind(PRIM_TABLE.min, [x!], { axes: p.axes.map(shifted), keepdims: p.keepdims }),
  argmax: ([x], _b, p) => bind(PRIM_TABLE.argmax, [x!], { axis: p.axis + 1, keepdims: p.keepdims }),
  argmin: ([x], _b, p) => bind(PRIM_TABLE.argmin, [x!], { axis: p.axis + 1, keepdims: p.keepdims }),
  cumsum: ([x], _b, p) => bind(PRIM_TABLE.cumsum, [x!], { axis: p.axis + 1, reverse: p.reverse }),
  argsort: ([x], _b, p) => bind(PRIM_TABLE.argsort, [x!], { axis: p.axis + 1, descending: p.descending }),
  takeAlongAxis: (xs, b, p, c) => bind(PRIM_TABLE.takeAlongAxis, batchAll(xs, b, c), { axis: p.axis + 1 }),
  scatterAlongAxis: (xs, b, p, c) => bind(PRIM_TABLE.scatterAlongAxis, batchAll(xs, b, c), { axis: p.axis + 1, shape: lead(c.size, p.shape) }),
  take: (xs, b, p, c) => (b[1] ? batchTake(xs, b, p, c) : bind(PRIM_TABLE.take, xs, { axis: p.axis + 1 })),
  scatterAdd: (xs, b, p, c) => (b[1] ? batchScatterAdd(xs, b, p, c) : bind(PRIM_TABLE.scatterAdd, xs, { axis: p.axis + 1, shape: lead(c.size, p.shape) })),
  concat: (xs, b, p, c) => bind(PRIM_TABLE.concat, batchAll(xs, b, c), { axis: p.axis + 1 }),

  reshape: ([x], _b, p, c) => bind(PRIM_TABLE.reshape, [x!], { shape: lead(c.size, p.shape) }),
  transpose: ([x], _b, p) => bind(PRIM_TABLE.transpose, [x!], { perm: lead(0, p.perm.map(shifted)) }),
  broadcastTo: ([x], _b, p, c) => bind(PRIM_TABLE.broadcastTo, [alignRank(x!, c.avals[0]!, p.shape.length, c.size)], { shape: lead(c.size, p.shape) }),
  slice: ([x], _b, p, c) => bind(PRIM_TABLE.slice, [x!], { starts: lead(0, p.starts), steps: lead(1, p.steps), shape: lead(c.size, p.shape) }),
  unslice: ([x], _b, p, c) => bind(PRIM_TABLE.unslice, [x!], { starts: lead(0, p.starts), steps: lead(1, p.steps), full: lead(c.size, p.full) }),
  pad: ([x], _b, p) => bind(PRIM_TABLE.pad, [x!], { widths: lead([0, 0] as const, p.widths), value: p.value }),
  matmul: (xs, b, p, c) => {
    const r = maxRank(c.avals);
    return bind(PRIM_TABLE.matmul, xs.map((x, i) => (b[i] ? alignRank(x, c.avals[i]!, r, c.size) : x)), p);
  },

  // A size-1 example as a plain number: the batch as a vector.
  toScalar: ([x], _b, _p, c) => reshape(x!, [c.size]),
  // Row i of each example: a slice along axis 1, that axis then dropped.
  index: ([x], _b, p, c) => {
    const s = c.avals[0]!.shape;
    const row = bind(PRIM_TABLE.slice, [x!], { starts: [0, p.i, ...s.slice(1).map(() => 0)], steps: s.map(() => 1).concat(1), shape: [c.size, 1, ...s.slice(1)] });
    return reshape(row, [c.size, ...s.slice(1)]);
  },
} satisfies Table;

