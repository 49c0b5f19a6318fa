// Linear algebra (the `linalg` namespace), NumPy's and SciPy's functions with derivatives of
// every order from the matrix-calculus rules of src/ops/prims-linalg.ts. Every function works
// on the last two axes of its arguments and maps over the leading (batch) axes, which
// broadcast between the arguments of solve and triangularSolve.


/**
 * Linear algebra with derivatives from the matrix-calculus rules, batched over leading axes.
 *
 * @example
 * ```ts
 * const A = w.array([[4, 1], [1, 3]]);
 * w.linalg.solve(A, w.array([1, 2]));                          // array([0.0909…, 0.6363…])
 * w.grad((a: NDArray) => w.linalg.slogdet(a)[1])(A);            // A⁻ᵀ
 * ```
 *
 * @module
 */

import { broadcastShapes } from "../array/broadcast.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { NDArray, shapeStr, type Shape } from "../array/ndarray.js";
import { ArgumentError, ShapeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import { bind, checkOperand, operandShape } from "../core/primitive.js";
import { shapeOf, type Value } from "../core/tracer.js";
import { abs, broadcastTo, concat, greater, matmul, max, min, pow, reshape, slice, sqrt, sum, where, type Operand } from "../ops/api.js";
import { diagonal as diagonalOf, invOf, mT, trace as traceOf, tril as trilOf, triu as triuOf, unpack } from "../ops/linalg-ops.js";
import { PRIM_TABLE } from "../ops/prims.js";
import { norm as vectorNorm } from "./functions.js";
import { intArg } from "../base/validate.js";

function matrixArg(op: string, a: unknown, i = 0): Shape {
  const s = operandShape(op, a, i);
  if (s.length < 2) throw new ShapeError(op, `argument ${i + 1} has shape ${shapeStr(s)}; it needs at least two axes (a matrix, or a batch of them)`);
  return s;
}

function squareArg(op: string, a: unknown): number {
  const s = matrixArg(op, a);
  if (s[s.length - 1] !== s[s.length - 2]) throw new ShapeError(op, `needs square matrices in the last two axes, got shape ${shapeStr(s)}`);
  return s[s.length - 1]!;
}

/** The matrix and right-hand side broadcast to common batch axes; a 1-d b (a vector) is a one-column matrix. */
function solveArgs(op: string, a: Value, b: Value): [Value, Value, boolean] {
  const n = squareArg(op, a);
  checkOperand(op, 1, b);
  const sb = shapeOf(b), vector = sb.length === 1;
  if (sb.length === 0) throw new ShapeError(op, "the right-hand side is 0-d; pass a vector of length n or a matrix [n, k]");
  const b2 = vector ? reshape(b, [sb[0]!, 1]) : b;
  const s2 = shapeOf(b2);
  if (s2[s2.length - 2] !== n) throw new ShapeError(op, `the right-hand side of shape ${shapeStr(sb)} has ${s2[s2.length - 2]} rows but the matrices are ${n} × ${n}`);
  const batch = broadcastShapes(op, [shapeOf(a).slice(0, -2), s2.slice(0, -2)]);
  const fit = (v: Value, s: Shape) => (s.slice(0, -2).length === batch.length && s.slice(0, -2).every((d, i) => d === batch[i]) ? v : broadcastTo(v, [...batch, ...s.slice(-2)]));
  return [fit(a, shapeOf(a)), fit(b2, s2), vector];
}

const asVector = (x: Value, vector: boolean): Value => (vector ? reshape(x, shapeOf(x).slice(0, -1)) : x);

/** The solution x of a·x = b for square a (b a vector [n] or matrices [..., n, k]); singular a is a LinAlgError. */
export function solve(a: Operand, b: Operand): NDArray;
export function solve(a: Value, b: Value): Value;
export function solve(a: Value, b: Value): Value {
  const [aa, bb, vector] = solveArgs("linalg.solve", a, b);
  return asVector(bind(PRIM_TABLE.solve, [aa, bb], undefined), vector);
}

/** Options of linalg.triangularSolve (scipy.linalg.solve_triangular's). */
export interface TriangularOptions {
  /** The matrix is in the lower triangle (default false: upper, as scipy.linalg.solve_triangular). */
  readonly lower?: boolean;
  /** Solve aᵀ·x = b instead. */
  readonly transpose?: boolean;
  /** Take the diagonal as ones (it is not read). */
  readonly unitDiagonal?: boolean;
}

/** The solution of a·x = b (or aᵀ·x = b) for triangular a, reading only its triangle (scipy.linalg.solve_triangular). */
export function triangularSolve(a: Operand, b: Operand, opts?: TriangularOptions): NDArray;
export function triangularSolve(a: Value, b: Value, opts?: TriangularOptions): Value;
export function triangularSolve(a: Value, b: Value, opts: TriangularOptions = {}): Value {
  checkOptions("linalg.triangularSolve", opts, optionKeys<TriangularOptions>({ lower: true, transpose: true, unitDiagonal: true }));
  const [aa, bb, vector] = solveArgs("linalg.triangularSolve", a, b);
  return asVector(bind(PRIM_TABLE.triangularSolve, [aa, bb], { lower: opts.lower === true, trans: opts.transpose === true, unit: opts.unitDiagonal === true }), vector);
}

/** The inverse a⁻¹ (as a solve against the identity); singular a is a LinAlgError. */
export function inv(a: Operand): NDArray;
export function inv(a: Value): Value;
export function inv(a: Value): Value {
  squareArg("linalg.inv", a);
  return invOf(a);
}

/** The lower Cholesky factor L of a = L·Lᵀ (of a's symmetric part); a matrix that is not positive definite is a LinAlgError. */
export function cholesky(a: Operand): NDArray;
export function cholesky(a: Value): Value;
export function cholesky(a: Value): Value {
  squareArg("linalg.cholesky", a);
  return bind(PRIM_TABLE.cholesky, [a], undefined);
}

/** The determinant. Its derivative d·A⁻ᵀ needs an invertible matrix. */
export function det(a: Operand): NDArray;
export function det(a: Value): Value;
export function det(a: Value): Value {
  squareArg("linalg.det", a);
  return bind(PRIM_TABLE.det, [a], undefined);
}

/** [sign, log|det a|] (NumPy's slogdet): the determinant without overflow; sign 0 and −∞ for a singular matrix. */
export function slogdet(a: Operand): [NDArray, NDArray];
export function slogdet(a: Value): [Value, Value];
export function slogdet(a: Value): [Value, Value] {
  const s = operandShape("linalg.slogdet", a);
  squareArg("linalg.slogdet", a);
  const [sign, logabs] = unpack(bind(PRIM_TABLE.slogdet, [a], undefined), s.slice(0, -2), [[], []]);
  return [sign!, logabs!];
}

/**
 * The reduced QR decomposition [Q, R]: a = Q·R, Q [..., m, k] with orthonormal columns, R
 * [..., k, n] upper triangular with a non-negative diagonal, k = min(m, n). For wide a
 * (m < n), a = [X | Y] with X square: Q, U = qr(X) and R = [U | QᵀY].
 */
export function qr(a: Operand): [NDArray, NDArray];
export function qr(a: Value): [Value, Value];
export function qr(a: Value): [Value, Value] {
  const s = matrixArg("linalg.qr", a), m = s[s.length - 2]!, n = s[s.length - 1]!;
  if (m < n) {
    const lead = s.slice(0, -2).map(() => 0);
    const x = slice(a, [...lead, 0, 0], [...lead.map(() => undefined), m, m]);
    const y = slice(a, [...lead, 0, m]);
    const [q, u] = qr(x);
    return [q, concat([u, matmul(mT(q), y)], s.length - 1)];
  }
  const [q, r] = unpack(bind(PRIM_TABLE.qr, [a], undefined), s.slice(0, -2), [[m, n], [n, n]]);
  return [q!, r!];
}

/**
 * Eigenvalues (ascending) and eigenvectors (the columns of V) of symmetric matrices, [w, V]:
 * a = V·diag(w)·Vᵀ, read from a's symmetric part. Each eigenvector's largest component is
 * positive. Derivatives need distinct eigenvalues (they divide by their gaps).
 */
export function eigh(a: Operand): [NDArray, NDArray];
export function eigh(a: Value): [Value, Value];
export function eigh(a: Value): [Value, Value] {
  const s = operandShape("linalg.eigh", a), n = squareArg("linalg.eigh", a);
  const [w, v] = unpack(bind(PRIM_TABLE.eigh, [a], undefined), s.slice(0, -2), [[n], [n, n]]);
  return [w!, v!];
}

/** The eigenvalues of symmetric matrices, ascending. */
export function eigvalsh(a: Operand): NDArray;
export function eigvalsh(a: Value): Value;
export function eigvalsh(a: Value): Value {
  return eigh(a)[0];
}

/** The lower triangle of the last two axes, on and below diagonal k (numpy.tril). */
export function tril(a: Operand, k?: number): NDArray;
export function tril(a: Value, k?: number): Value;
export function tril(a: Value, k = 0): Value {
  matrixArg("linalg.tril", a);
  return trilOf(a, intArg("linalg.tril", "the diagonal offset k", k, -Number.MAX_SAFE_INTEGER));
}

/** The upper triangle of the last two axes, on and above diagonal k (numpy.triu). */
export function triu(a: Operand, k?: number): NDArray;
export function triu(a: Value, k?: number): Value;
export function triu(a: Value, k = 0): Value {
  matrixArg("linalg.triu", a);
  return triuOf(a, intArg("linalg.triu", "the diagonal offset k", k, -Number.MAX_SAFE_INTEGER));
}

/** The main diagonal of square matrices, [..., n]. */
export function diagonal(a: Operand): NDArray;
export function diagonal(a: Value): Value;
export function diagonal(a: Value): Value {
  squareArg("linalg.diagonal", a);
  return diagonalOf(a);
}

/** The trace of square matrices. */
export function trace(a: Operand): NDArray;
export function trace(a: Value): Value;
export function trace(a: Value): Value {
  squareArg("linalg.trace", a);
  return traceOf(a);
}

/** The matrix transpose: the last two axes swapped. */
export function matrixTranspose(a: Operand): NDArray;
export function matrixTranspose(a: Value): Value;
export function matrixTranspose(a: Value): Value {
  matrixArg("linalg.matrixTranspose", a);
  return mT(a);
}

/** The order of a norm (numpy.linalg.norm's ord). */
export type NormOrd = number | "fro" | "nuc";

/** Options of linalg.norm. */
export interface NormOptions {
  /**
   * Vectors: 2 (default), 1, Infinity, −Infinity, 0 (the count of non-zeros) or any p. Matrices
   * (a pair of axes, or a 2-d array with ord given): "fro" (default), "nuc", 1, −1, 2, −2,
   * Infinity, −Infinity, as numpy.linalg.norm.
   */
  readonly ord?: NormOrd;
  /** An axis (vector norms along it) or a pair of axes (matrix norms); default all of a 1-d array, or the last two with a matrix ord. */
  readonly axis?: number | readonly [number, number];
  readonly keepdims?: boolean;
}

/**
 * Vector and matrix norms (numpy.linalg.norm). With no ord and no axis, the 2-norm of all the
 * elements. The 2-norm's gradient at 0 is the subgradient 0; matrix 2-norms come from eigh of
 * aᵀa, so they need a simple largest (smallest) singular value to be differentiable.
 */
export function norm(x: Operand, opts?: NormOptions): NDArray;
export function norm(x: Value, opts?: NormOptions): Value;
export function norm(x: Value, opts: NormOptions = {}): Value {
  checkOptions("linalg.norm", opts, optionKeys<NormOptions>({ ord: true, axis: true, keepdims: true }));
  const s = operandShape("linalg.norm", x), ord = opts.ord, keep = opts.keepdims === true;
  const matrix = Array.isArray(opts.axis) || (opts.axis === undefined && ord !== undefined && s.length === 2) || typeof ord === "string";
  if (!matrix) {
    const axis = opts.axis as number | undefined;
    if (ord === undefined || ord === 2) return vectorNorm(x as NDArray, axis, keep);
    const ax = abs(x);
    if (ord === Infinity) return max(ax, axis, keep);
    if (ord === -Infinity) return min(ax, axis, keep);
    if (ord === 1) return sum(ax, axis, keep);
    if (ord === 0) return sum(where(greater(ax, 0), 1, 0), axis, keep);
    if (typeof ord !== "number" || Number.isNaN(ord)) throw new ArgumentError("linalg.norm", `ord ${showValue(ord)} is not a vector norm; use a number, Infinity or −Infinity`);
    return pow(sum(pow(ax, ord), axis, keep), 1 / ord);
  }
  const axes = (opts.axis ?? [-2, -1]) as readonly number[];
  const nd = s.length;
  const [r, c] = axes.map((a) => (a < 0 ? a + nd : a)) as [number, number];
  if (nd < 2 || r === c || r === undefined || c === undefined || r < 0 || c < 0 || r >= nd || c >= nd) {
    throw new ShapeError("linalg.norm", `matrix norms need two distinct axes of an array of rank ≥ 2, got axes ${showValue(opts.axis)} for shape ${shapeStr(s)}`);
  }
  const o = ord ?? "fro";
  const keepShape = (v: Value): Value => (keep ? reshape(v, s.map((d, i) => (i === r || i === c ? 1 : d))) : v);
  if (o === "fro") return keepShape(vectorNorm(x as NDArray, [r, c]));
  // 1: the largest column sum of |a| (sum down the rows, then over columns); ∞: the largest row sum.
  const extreme = (inner: number, outer: number, f: typeof max): Value => keepShape(reshape(f(sum(abs(x), inner, true), outer, true), s.filter((_, i) => i !== r && i !== c)));
  if (o === 1 || o === -1) return extreme(r, c, o === 1 ? max : min);
  if (o === Infinity || o === -Infinity) return extreme(c, r, o === Infinity ? max : min);
  if (o === 2 || o === -2 || o === "nuc") {
    // Singular values as √eig of the smaller Gram matrix (aᵀa or aaᵀ), the two axes moved last.
    const rest = s.map((_, i) => i).filter((i) => i !== r && i !== c);
    const m = bind(PRIM_TABLE.transpose, [x], { perm: [...rest, r, c] });
    const gram = s[r]! < s[c]! ? matmul(m, mT(m)) : matmul(mT(m), m);
    const w = eigh(gram)[0];
    const sv = sqrt(where(greater(w, 0), w, 0));
    const k = shapeOf(w).length - 1;
    const v = o === "nuc" ? sum(sv, k) : o === 2 ? max(sv, k) : min(sv, k);
    return keepShape(v);
  }
  throw new ArgumentError("linalg.norm", `ord ${showValue(ord)} is not a matrix norm; use "fro", "nuc", 1, −1, 2, −2, Infinity or −Infinity`);
}
