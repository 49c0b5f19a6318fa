// Test cases for the primitives of src/ops/prims-extra.ts, merged into the whole-table suites
// (rules.test.ts: derivative rules; compile.test.ts: generated code against eager mode).

import * as w from "../../src/index.js";
import { NDArray } from "../../src/index.js";
import type { EXTRA } from "../../src/ops/prims-extra.js";
import { randArray, type AnyFn, type CheckOpts, type Rng, type Tree } from "../helpers/check.js";

type ExtraName = keyof typeof EXTRA;
type Dist = (r: Rng) => number;
interface RuleCase { readonly name: string; readonly gen: (r: Rng) => { f: AnyFn; args: Tree[]; opts?: CheckOpts & { second?: boolean } } }
interface CompileCase { readonly f: AnyFn; readonly args: (r: Rng) => Tree[] }

const any: Dist = (r) => r.uniform(-2, 2);
const wide: Dist = (r) => r.uniform(-3.5, 3.5);
const arr = (r: Rng, shape: number[], d: Dist): NDArray => randArray(shape, () => d(r));
const i32 = (xs: readonly number[] | readonly (readonly number[])[]): NDArray => w.array(xs as number[], { dtype: "int32" });

/** Values at least 0.3 apart, in random order (no ties for argmax or sort). */
export function spread(r: Rng, shape: number[]): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const keyed = Array.from({ length: n }, (_, i) => ({ v: 0.4 * (i - n / 2) + r.uniform(-0.05, 0.05), k: r.next() }));
  keyed.sort((a, b) => a.k - b.k);
  return w.array(keyed.map((e) => e.v), { shape });
}

const c = (name: string, f: AnyFn, args: (r: Rng) => Tree[], opts?: CheckOpts & { second?: boolean }): RuleCase => ({ name, gen: (r) => ({ f, args: args(r), opts }) });
const elementwise = (op: AnyFn, d: Dist): RuleCase[] => [
  c("number", op, (r) => [d(r)]),
  c("[2,3] array", op, (r) => [arr(r, [2, 3], d)]),
  c("0-d array", op, (r) => [arr(r, [], d)]),
];
const sortAlong = (axis: number, descending = false) => (x: NDArray) => w.takeAlongAxis(x, w.argsort(x, axis, { descending }), axis);

const KEY = w.random.key(7);

/** Well-conditioned square matrices: random entries plus n on the diagonal. */
export function wellConditioned(r: Rng, shape: number[]): NDArray {
  const n = shape[shape.length - 1]!;
  return w.add(arr(r, shape, any), w.mul(n, w.eye(n))) as NDArray;
}
/** Symmetric positive definite matrices M·Mᵀ + I (distinct eigenvalues, almost surely). */
export function spd(r: Rng, shape: number[]): NDArray {
  const m = arr(r, shape, any), n = shape[shape.length - 1]!;
  return w.add(w.matmul(m, w.linalg.matrixTranspose(m)), w.eye(n)) as NDArray;
}
/** Lower-triangular matrices with diagonal entries in ±[1, 2]. */
function lowerTriangular(r: Rng, shape: number[]): NDArray {
  const n = shape[shape.length - 1]!;
  const d = randArray([n], () => r.sign() * r.uniform(1, 2));
  return w.add(w.linalg.tril(arr(r, shape, any), -1), w.mul(d, w.eye(n))) as NDArray;
}
const L = w.linalg;

export const EXTRA_RULE_CASES: Record<ExtraName, readonly RuleCase[]> = {
  // Linear algebra: each rule against differences, the dot-product test and second order.
  solve: [
    c("[3,3] \\ [3,2]", (a: NDArray, b: NDArray) => L.solve(a, b), (r) => [wellConditioned(r, [3, 3]), arr(r, [3, 2], any)]),
    c("[3,3] \\ vector [3]", (a: NDArray, b: NDArray) => L.solve(a, b), (r) => [wellConditioned(r, [3, 3]), arr(r, [3], any)]),
    c("batch [2,3,3] \\ broadcast [3,1]", (a: NDArray, b: NDArray) => L.solve(a, b), (r) => [wellConditioned(r, [2, 3, 3]), arr(r, [3, 1], any)]),
    c("inv", (a: NDArray) => L.inv(a), (r) => [wellConditioned(r, [3, 3])]),
  ],
  triangularSolve: [
    c("lower [3,3] \\ [3,2]", (a: NDArray, b: NDArray) => L.triangularSolve(a, b, { lower: true }), (r) => [lowerTriangular(r, [3, 3]), arr(r, [3, 2], any)]),
    c("upper, transposed, batch [2,3,3]", (a: NDArray, b: NDArray) => L.triangularSolve(a, b, { transpose: true }), (r) => [w.linalg.matrixTranspose(lowerTriangular(r, [2, 3, 3])), arr(r, [2, 3, 2], any)]),
    c("unit lower, only the strict triangle read", (a: NDArray, b: NDArray) => L.triangularSolve(a, b, { lower: true, unitDiagonal: true }), (r) => [arr(r, [3, 3], any), arr(r, [3], any)]),
  ],
  cholesky: [
    c("[3,3]", (a: NDArray) => L.cholesky(a), (r) => [spd(r, [3, 3])]),
    c("batch [2,2,2]", (a: NDArray) => L.cholesky(a), (r) => [spd(r, [2, 2, 2])]),
  ],
  qr: [
    c("tall [4,3]", (a: NDArray) => L.qr(a), (r) => [arr(r, [4, 3], any)]),
    c("square batch [2,3,3]", (a: NDArray) => L.qr(a), (r) => [wellConditioned(r, [2, 3, 3])]),
    c("wide [2,3] (square QR and a product)", (a: NDArray) => L.qr(a), (r) => [w.concat([wellConditioned(r, [2, 2]), arr(r, [2, 1], any)], 1)]),
  ],
  eigh: [
    c("[3,3]", (a: NDArray) => L.eigh(a), (r) => [spd(r, [3, 3])]),
    c("batch [2,2,2], eigenvalues only", (a: NDArray) => L.eigvalsh(a), (r) => [spd(r, [2, 2, 2])]),
  ],
  det: [
    c("[3,3]", (a: NDArray) => L.det(a), (r) => [wellConditioned(r, [3, 3])]),
    c("batch [2,2,2]", (a: NDArray) => L.det(a), (r) => [arr(r, [2, 2, 2], any)]),
  ],
  slogdet: [
    c("[3,3]", (a: NDArray) => L.slogdet(a)[1], (r) => [arr(r, [3, 3], any)]),
    c("batch [2,3,3], sign · logabsdet", (a: NDArray) => w.mul(L.slogdet(a)[0], L.slogdet(a)[1]), (r) => [wellConditioned(r, [2, 3, 3])]),
  ],
  // Random draws carry no derivative: what is built on them differentiates in its other inputs.
  randomSplit: [c("loc + uniform(split(key)[1])", (m: NDArray) => w.add(m, w.random.uniform(w.random.split(KEY, 3)[1]!, [3])), (r) => [arr(r, [3], any)])],
  randomFoldIn: [c("loc · uniform(foldIn(key, 5))", (m: NDArray) => w.mul(m, w.random.uniform(w.random.foldIn(KEY, 5), [2])), (r) => [arr(r, [2], any)])],
  randomUniform: [c("uniform with traced bounds", (lo: NDArray, hi: number) => w.random.uniform(KEY, [2, 3], { minval: lo, maxval: w.add(hi, 3) }), (r) => [arr(r, [3], any), any(r)])],
  randomNormal: [c("loc + scale·normal (reparameterization)", (m: NDArray, s: number) => w.add(m, w.mul(w.exp(s), w.random.normal(KEY, [4]))), (r) => [arr(r, [4], any), any(r)])],
  randomInt: [c("x · randint", (m: NDArray) => w.mul(m, w.astype(w.random.randint(KEY, [3], -2, 5), "float64")), (r) => [arr(r, [3], any)])],
  randomPermutation: [c("permutation of x's rows", (m: NDArray) => w.random.permutation(KEY, w.sin(m)), (r) => [arr(r, [4, 2], any)])],
  erf: [...elementwise(w.erf, wide), c("erf(x)·x, [5]", (x: NDArray) => w.mul(w.erf(x), x), (r) => [arr(r, [5], any)])],
  erfc: [...elementwise(w.erfc, wide), c("erfc in the tail, [4]", (x: NDArray) => w.mul(w.erfc(x), 1e3), (r) => [arr(r, [4], (rr) => rr.uniform(2, 3))])],
  isnan: [
    c("where(isnan(x), 0, sin x), [4]", (x: NDArray) => w.where(w.isnan(x), 0, w.sin(x)), (r) => [arr(r, [4], any)]),
    c("native if on isnan(number)", (x: number) => (w.isnan(x) ? 0 : w.mul(x, x)), (r) => [any(r)]),
  ],
  isfinite: [c("where(isfinite(x), x², 0), [2,2]", (x: NDArray) => w.where(w.isfinite(x), w.square(x), 0), (r) => [arr(r, [2, 2], any)])],
  argmax: [
    c("the maximum gathered by argmax, axis 1", (x: NDArray) => w.takeAlongAxis(x, w.argmax(x, 1, true), 1), (r) => [spread(r, [3, 4])]),
    c("the flat maximum by take", (x: NDArray) => w.mul(w.take(w.reshape(x, [-1]), w.reshape(w.argmax(x), [1])), 2), (r) => [spread(r, [2, 3])]),
  ],
  argmin: [c("the minimum gathered by argmin, axis 0", (x: NDArray) => w.takeAlongAxis(x, w.argmin(x, 0, true), 0), (r) => [spread(r, [3, 2])])],
  cumsum: [
    c("[5], flattened", (x: NDArray) => w.cumsum(x), (r) => [arr(r, [5], any)]),
    c("[3,4] along axis 0", (x: NDArray) => w.cumsum(x, 0), (r) => [arr(r, [3, 4], any)]),
    c("[3,4] along axis 1, reverse", (x: NDArray) => w.cumsum(x, 1, { reverse: true }), (r) => [arr(r, [3, 4], any)]),
    c("[2,3,2] along axis -2, squared", (x: NDArray) => w.square(w.cumsum(x, -2)), (r) => [arr(r, [2, 3, 2], any)]),
  ],
  argsort: [
    c("sort of [6]", sortAlong(0), (r) => [spread(r, [6])]),
    c("sort of [3,4] along axis 1, descending, times x", (x: NDArray) => w.mul(sortAlong(1, true)(x), x), (r) => [spread(r, [3, 4])]),
    c("sort of [4,3] along axis 0", sortAlong(0), (r) => [spread(r, [4, 3])]),
  ],
  takeAlongAxis: [
    c("[3,4] at repeated indices along axis 1", (x: NDArray) => w.takeAlongAxis(x, i32([[0, 0], [3, 1], [2, 2]]), 1), (r) => [arr(r, [3, 4], any)]),
    c("[3,2] along axis 0, more rows than x", (x: NDArray) => w.takeAlongAxis(w.sin(x), i32([[2, 0], [0, 0], [1, 2], [2, 1]]), 0), (r) => [arr(r, [3, 2], any)]),
  ],
  scatterAlongAxis: [
    c("[3,2] into [3,4] along axis 1", (g: NDArray) => w.scatterAlongAxis(g, i32([[0, 0], [3, 1], [2, 2]]), 1, [3, 4]), (r) => [arr(r, [3, 2], any)]),
  ],
};

/** Ops whose primitive has rule kind "none", for the suite that checks their outputs stay concrete. */
export const EXTRA_NONE_OPS: Record<string, (v: w.Value) => w.Value | boolean> = {
  randomSplit: () => w.random.split(KEY)[0]!, randomFoldIn: () => w.random.foldIn(KEY, 1), randomUniform: () => w.random.uniform(KEY),
  randomNormal: () => w.random.normal(KEY), randomInt: () => w.random.randint(KEY, [2], 0, 3), randomPermutation: () => w.random.permutation(KEY, 3),
  isnan: (v) => w.isnan(v), isfinite: (v) => w.isfinite(v), argmax: (v) => w.argmax(v), argmin: (v) => w.argmin(v), argsort: (v) => w.argsort(v),
};

export const EXTRA_COMPILE_CASES: Record<ExtraName, CompileCase[]> = {
  solve: [{ f: (a: w.Value, b: w.Value) => L.solve(a, b), args: (r) => [wellConditioned(r, [3, 3]), arr(r, [3], any)] }],
  triangularSolve: [{ f: (a: w.Value, b: w.Value) => L.triangularSolve(a, b, { lower: true }), args: (r) => [lowerTriangular(r, [3, 3]), arr(r, [3, 2], any)] }],
  cholesky: [{ f: (a: w.Value) => L.cholesky(a), args: (r) => [spd(r, [3, 3])] }],
  qr: [{ f: (a: w.Value) => w.add(L.qr(a)[0], w.sum(L.qr(a)[1])), args: (r) => [arr(r, [3, 2], any)] }],
  eigh: [{ f: (a: w.Value) => w.mul(L.eigh(a)[1], L.eigh(a)[0]), args: (r) => [spd(r, [3, 3])] }],
  det: [{ f: (a: w.Value) => L.det(a), args: (r) => [wellConditioned(r, [2, 3, 3])] }],
  slogdet: [{ f: (a: w.Value) => L.slogdet(a)[1], args: (r) => [wellConditioned(r, [3, 3])] }],
  // (The whole-table suite differentiates every argument, so the key is a constant here;
  // random.test.ts compiles functions that take their key as an argument.)
  randomSplit: [{ f: (x: w.Value) => w.mul(x, w.random.uniform(w.random.split(KEY)[1]!, [3])), args: (r) => [arr(r, [3], any)] }],
  randomFoldIn: [{ f: (x: w.Value) => w.mul(x, w.random.normal(w.random.foldIn(KEY, 3), [2])), args: (r) => [arr(r, [2], any)] }],
  randomUniform: [{ f: (x: w.Value) => w.sin(w.mul(x, w.random.uniform(KEY, [2, 2], { minval: -1, maxval: 2 }))), args: (r) => [arr(r, [2, 2], any)] }],
  randomNormal: [{ f: (x: w.Value) => w.add(x, w.random.normal(KEY, [3])), args: (r) => [arr(r, [3], any)] }],
  randomInt: [{ f: (x: w.Value) => w.mul(x, w.astype(w.random.randint(KEY, [3], 0, 10), "float64")), args: (r) => [arr(r, [3], any)] }],
  randomPermutation: [{ f: (x: w.Value) => w.square(w.random.permutation(KEY, x)), args: (r) => [arr(r, [5], any)] }],
  erf: [{ f: (x: w.Value) => w.erf(x), args: (r) => [wide(r)] }, { f: (x: w.Value) => w.erf(x), args: (r) => [arr(r, [2, 3], wide)] }],
  erfc: [{ f: (x: w.Value) => w.mul(w.erfc(x), x), args: (r) => [arr(r, [5], wide)] }],
  isnan: [{ f: (x: w.Value) => w.where(w.isnan(x), 0, w.exp(x)), args: (r) => [arr(r, [4], any)] }],
  isfinite: [{ f: (x: w.Value) => w.where(w.isfinite(w.div(1, x)), w.sin(x), 0), args: (r) => [arr(r, [4], any)] }],
  argmax: [{ f: (x: w.Value) => w.takeAlongAxis(w.square(x), w.argmax(x, 0, true), 0), args: (r) => [spread(r, [3, 2])] }],
  argmin: [{ f: (x: w.Value) => w.mul(w.takeAlongAxis(x, w.argmin(x, -1, true), -1), x), args: (r) => [spread(r, [2, 3])] }],
  cumsum: [{ f: (x: w.Value) => w.sin(w.cumsum(x, 1, { reverse: true })), args: (r) => [arr(r, [2, 3], any)] }],
  argsort: [{ f: (x: w.Value) => w.mul(w.takeAlongAxis(x, w.argsort(x), -1), w.arange(5)), args: (r) => [spread(r, [5])] }],
  takeAlongAxis: [{ f: (x: w.Value) => w.square(w.takeAlongAxis(x, i32([[1, 0, 1]]), 0)), args: (r) => [arr(r, [2, 3], any)] }],
  scatterAlongAxis: [{ f: (x: w.Value) => w.exp(w.scatterAlongAxis(x, i32([[1], [0]]), 1, [2, 3])), args: (r) => [arr(r, [2, 1], any)] }],
};
