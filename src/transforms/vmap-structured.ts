// The ops that keep a structured batch (basis-rows.ts) structured: each maps the rows' entries
// directly, in O(entries). Any other op, or these on operands they do not cover (a batched
// factor, a factor that broadcasts, a traced one), returns null and the batch is made dense.

import type { Aval } from "../array/aval.js";
import { NDArray, sameShape, sizeOf, type Shape } from "../array/ndarray.js";
import type { Primitive } from "../core/primitive.js";
import { Tracer, type Value } from "../core/tracer.js";
import type { AxisParams, CastParams, PermParams, ReduceParams, ShapeParams, SliceParams, UnsliceParams } from "../ops/prims.js";
import type { IndexParams } from "../ops/element.js";
import type { BatchInterpreter, BatchTracer } from "./batch.js";
import { addRows, factorAt, permuteMap, placeMap, reduceMap, RowBatch, sameExample, sliceMap } from "./basis-rows.js";

type Operand = { rows: RowBatch } | { value: Value };

/** What a structured op gives: rows, a dense batch, or null (not covered: densify and batch as usual). */
type Result = RowBatch | Value | null;

const RULES: Record<string, (ops: readonly Operand[], params: never, out: Aval) => Result> = {
  mul: ([a, b], _p, out) => scaledBy(a!, b!, out, (f) => f) ?? scaledBy(b!, a!, out, (f) => f),
  div: ([a, b], _p, out) => scaledBy(a!, b!, out, (f) => 1 / f),
  neg: ([a]) => ("rows" in a! ? a.rows.scaled(() => -1) : null),
  add: ([a, b], _p, out) => summed(a!, b!, out, 1),
  sub: ([a, b], _p, out) => summed(a!, b!, out, -1),
  // where(c, t, 0) and where(c, 0, t): the entries the condition keeps.
  where: ([c, a, b], _p, out) => {
    if (!("value" in c!) || !(c.value instanceof NDArray || typeof c.value === "boolean")) return null;
    const pick = (t: Operand, other: Operand, keep: boolean): Result => {
      if (!("rows" in t) || !isZero(other) || !sameExample(out, t.rows.shape)) return null;
      const cond = c.value;
      if (typeof cond === "boolean") return cond === keep ? t.rows : t.rows.moved(t.rows.shape, () => -1);
      const at = factorAt(cond, t.rows.shape);
      return at === null ? null : t.rows.moved(t.rows.shape, (i) => ((at(i) !== 0) === keep ? i : -1));
    };
    return pick(a!, b!, true) ?? pick(b!, a!, false);
  },
  reshape: ([a], p: ShapeParams) => ("rows" in a! ? new RowBatch(a.rows.size, p.shape, a.rows.k, a.rows.idx, a.rows.vals) : null),
  slice: ([a], p: SliceParams) => ("rows" in a! ? a.rows.moved(p.shape, sliceMap(a.rows.shape, p.starts, p.steps, p.shape)) : null),
  unslice: ([a], p: UnsliceParams) => ("rows" in a! ? a.rows.moved(p.full, placeMap(a.rows.shape, p.starts, p.steps, p.full)) : null),
  // Each piece's entries moved to its offset along the axis; a zero piece (a constant's tangent) adds none.
  concat: (ops, p: AxisParams, out) => {
    let acc: RowBatch | null = null, offset = 0;
    for (const o of ops) {
      if ("rows" in o) {
        if (o.rows.dtype !== out.dtype) return null;
        const starts = out.shape.map((_, d) => (d === p.axis ? offset : 0));
        const moved = o.rows.moved(out.shape, placeMap(o.rows.shape, starts, out.shape.map(() => 1), out.shape));
        acc = acc === null ? moved : addRows(acc, moved, 1);
      } else if (!isZero(o)) return null;
      offset += shapeOfOperand(o)[p.axis]!;
    }
    return acc;
  },
  transpose: ([a], p: PermParams, out) => ("rows" in a! ? a.rows.moved(out.shape, permuteMap(a.rows.shape, p.perm)) : null),
  sum: ([a], p: ReduceParams, out) => ("rows" in a! ? a.rows.moved(out.shape, reduceMap(a.rows.shape, p.axes, out.shape)) : null),
  broadcastTo: ([a], p: ShapeParams) => ("rows" in a! && sizeOf(p.shape) === sizeOf(a.rows.shape) ? new RowBatch(a.rows.size, p.shape, a.rows.k, a.rows.idx, a.rows.vals) : null),
  astype: ([a], p: CastParams) => ("rows" in a! && p.dtype === a.rows.dtype ? a.rows : null),
  index: ([a], p: IndexParams, out) => {
    if (!("rows" in a!) || out.js) return null;
    const n = sizeOf(out.shape), lo = p.i * n;
    return a.rows.moved(out.shape, (i) => (i >= lo && i < lo + n ? i - lo : -1));
  },
};

function isZero(o: Operand): boolean {
  if (!("value" in o)) return false;
  const v = o.value;
  if (typeof v === "number") return v === 0 && !Object.is(v, -0);
  return v instanceof NDArray && v.data.every((x) => x === 0);
}

/** Rows `t` times an unbatched factor `c` (through `f`), when the factor reads per entry and the rows fill the output. */
function scaledBy(t: Operand, c: Operand, out: Aval, f: (x: number) => number): Result {
  if (!("rows" in t) || !("value" in c) || !sameExample(out, t.rows.shape) || out.dtype !== t.rows.dtype) return null;
  const at = factorAt(c.value, t.rows.shape);
  return at === null ? null : t.rows.scaled((i) => f(at(i)));
}

function summed(a: Operand, b: Operand, out: Aval, sign: number): Result {
  if (!sameExample(out, shapeOfOperand(a)) || out.dtype === "number") return null;
  if ("rows" in a && "rows" in b && sameShape(a.rows.shape, b.rows.shape) && a.rows.dtype === b.rows.dtype) return addRows(a.rows, b.rows, sign);
  // t ± 0 (a zero an op made dense): the rows themselves.
  if ("rows" in a && isZero(b) && sameShape(a.rows.shape, out.shape)) return a.rows;
  if ("rows" in b && isZero(a) && sameShape(b.rows.shape, out.shape)) return sign === 1 ? b.rows : b.rows.scaled(() => -1);
  return null;
}

function shapeOfOperand(o: Operand): Shape {
  return "rows" in o ? o.rows.shape : o.value instanceof NDArray ? o.value.shape : [];
}

/**
 * The op on structured operands, kept structured (rows with few entries), or dense when it is no
 * longer worth it; null when the op is not covered for these operands.
 */
export function structured(interp: BatchInterpreter, prim: Primitive<unknown>, args: readonly Value[], params: unknown): BatchTracer | null {
  const rule = RULES[prim.name];
  if (rule === undefined) return null;
  const ops: Operand[] = [];
  for (const a of args) {
    if (interp.own(a)) {
      if (a.rows === null) return null;
      ops.push({ rows: a.rows });
    } else if (a instanceof Tracer) return null; // a traced factor: the dense rules record it
    else ops.push({ value: a });
  }
  const avals = args.map((a) => (interp.own(a) ? a.aval : avalOfValue(a)));
  const out = prim.infer(avals, params);
  const r = rule(ops, params as never, out);
  if (r === null) return null;
  if (r instanceof RowBatch) return interp.lift(r.sparse ? r : r.dense(), out);
  return interp.lift(r, out);
}

function avalOfValue(v: Value): Aval {
  if (typeof v === "number") return { shape: [], dtype: "number", js: true };
  if (typeof v === "boolean") return { shape: [], dtype: "bool", js: true };
  const a = v as NDArray;
  return { shape: a.shape, dtype: a.dtype, js: false };
}
