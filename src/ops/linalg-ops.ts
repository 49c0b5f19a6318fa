// The binds of the linear-algebra primitives (prims-linalg.ts) and the matrix helpers their
// derivative rules are written with: transposes of the last two axes, triangles, the
// symmetric part, diagonals and traces, and the packing of several results into one array
// (a primitive has one output; qr, eigh and slogdet pack theirs and unpack with slices).

import { full, NDArray, type DType, type Shape } from "../array/ndarray.js";
import { bind } from "../core/primitive.js";
import { shapeOf, type Value } from "../core/tracer.js";
import { add, broadcastTo, concat, dtypeOfValue, mul, reshape, slice, sub, sum, transpose, where } from "./api.js";
import { PRIM_TABLE } from "./prims.js";
import type { TriangularParams } from "./prims-linalg.js";

/** The matrix transpose: the last two axes swapped. */
export function mT(x: Value): Value {
  const nd = shapeOf(x).length;
  const perm = Array.from({ length: nd }, (_, i) => i);
  perm[nd - 1] = nd - 2;
  perm[nd - 2] = nd - 1;
  return transpose(x, perm);
}

function floatDType(x: Value): DType {
  return dtypeOfValue(x) === "float32" ? "float32" : "float64";
}

/** The n × n identity in x's float dtype. */
export function identityLike(x: Value, n: number): NDArray {
  const id = full([n, n], 0, floatDType(x));
  for (let i = 0; i < n; i++) id.data[i * n + i] = 1;
  return id;
}

/** A constant bool mask of the m × n positions with j − i ≥ k (upper) or ≤ k (lower). */
function triangleMask(m: number, n: number, k: number, upper: boolean): NDArray {
  const d = new Uint8Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  return new NDArray(d, [m, n]);
}

function lastTwo(x: Value): [number, number] {
  const s = shapeOf(x);
  return [s[s.length - 2]!, s[s.length - 1]!];
}

/** The lower triangle of the last two axes, on and below diagonal k (numpy.tril). */
export function tril(x: Value, k = 0): Value {
  return where(triangleMask(...lastTwo(x), k, false), x, 0);
}

/** The upper triangle of the last two axes, on and above diagonal k (numpy.triu). */
export function triu(x: Value, k = 0): Value {
  return where(triangleMask(...lastTwo(x), k, true), x, 0);
}

/** (X + Xᵀ)/2. */
export function sym(x: Value): Value {
  return mul(0.5, add(x, mT(x)));
}

/** The main diagonal of the last two (square) axes, as a [..., n] array. */
export function diagonal(x: Value): Value {
  return sum(mul(x, identityLike(x, lastTwo(x)[1])), -1);
}

/** A [..., n, n] matrix with v [..., n] on its diagonal. */
export function diagEmbed(v: Value): Value {
  const s = shapeOf(v), n = s[s.length - 1]!;
  return mul(reshape(v, [...s, 1]), identityLike(v, n));
}

/** The trace of the last two (square) axes. */
export function trace(x: Value): Value {
  return sum(diagonal(x), -1);
}

/** Results of shapes [...batch, ...shape_i] flattened and concatenated along one last axis. */
export function pack(parts: readonly Value[], batch: Shape): Value {
  return concat(parts.map((p) => reshape(p, [...batch, -1])), batch.length);
}

/** The inverse of pack: the parts, each reshaped to [...batch, ...shapes[i]]. */
export function unpack(packed: Value, batch: Shape, shapes: readonly Shape[]): Value[] {
  let at = 0;
  return shapes.map((sh) => {
    const n = sh.reduce((p, d) => p * d, 1);
    const starts = [...batch.map(() => 0), at], ends = [...batch.map(() => undefined), at + n];
    at += n;
    return reshape(slice(packed, starts, ends), [...batch, ...sh]);
  });
}

export function solveBind(a: Value, b: Value): Value {
  return bind(PRIM_TABLE.solve, [a, b], undefined);
}

export function triangularBind(a: Value, b: Value, p: TriangularParams): Value {
  return bind(PRIM_TABLE.triangularSolve, [a, b], p);
}

/** Lower-triangular L⁻¹X. */
export const lowerSolve = (l: Value, x: Value, trans = false): Value => triangularBind(l, x, { lower: true, trans, unit: false });
/** Upper-triangular R⁻¹X (or R⁻ᵀX). */
export const upperSolve = (r: Value, x: Value, trans = false): Value => triangularBind(r, x, { lower: false, trans, unit: false });

/** A⁻¹ by solving against the identity (broadcast to A's batch). */
export function invOf(a: Value): Value {
  const s = shapeOf(a);
  return solveBind(a, broadcastTo(identityLike(a, s[s.length - 1]!), s));
}

/** x − y as a broadcast difference of a [..., n] vector: out[..., i, j] = v_j − v_i. */
export function pairwiseGaps(v: Value): Value {
  const s = shapeOf(v);
  return sub(reshape(v, [...s.slice(0, -1), 1, s[s.length - 1]!]), reshape(v, [...s, 1]));
}
