// linalg: known values (NumPy 1.24 / SciPy 1.10, computed once and kept here), the
// factorisations' defining identities on random batches, float32, derivatives at the corners
// the rules must get right, and typed errors. The derivative rules themselves run in the
// whole-table suites (rules.test.ts: finite differences, the dot-product test and second order
// for every primitive; compile.test.ts) through test/cases/extra.ts.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, checkAll, property, randArray, type Rng } from "./helpers/check.js";
import { spd, wellConditioned } from "./cases/extra.js";

const L = w.linalg;
const A = w.array([[4, 1, 2], [1, 5, 3], [2, 3, 6]]);
const B = w.array([[1, 2], [0, 1], [3, -1]]);
const M = w.array([[2, -1, 0.5], [1, 3, -2], [0, 1, 1]]);
const T = w.array([[3, 1, 2], [4, 5, 6], [7, 8, 9]]);
const W = w.array([[1, 2, 3, 4], [0, -1, 2, 1], [2, 0, 1, -3]]);
const TOL = { rtol: 1e-14 };

describe("known values (NumPy / SciPy)", () => {
  test("solve, inv, det, slogdet", () => {
    assertClose(L.solve(M, B), [[0.5652173913043479, 0.9565217391304348], [1.0869565217391306, -0.391304347826087], [1.9130434782608696, -0.6086956521739131]], TOL);
    assertClose(L.inv(M), [[0.4347826086956522, 0.13043478260869565, 0.043478260869565216], [-0.08695652173913043, 0.17391304347826086, 0.391304347826087], [0.08695652173913043, -0.17391304347826086, 0.6086956521739131]], TOL);
    assertClose(L.det(M), 11.5, TOL);
    const [sign, logabs] = L.slogdet(w.array([[0, 2], [3, 1]]));
    assert.equal(sign.item(), -1);
    assertClose(logabs, 1.791759469228055, TOL);
    const [s0, l0] = L.slogdet(w.array([[1, 2], [2, 4]]));
    assert.deepEqual([s0.item(), l0.item()], [0, -Infinity]);
    assert.equal(L.det(w.array([[1, 2], [2, 4]])).item(), 0);
  });
  test("cholesky, eigh, triangularSolve, qr", () => {
    assertClose(L.cholesky(A), [[2, 0, 0], [0.5, 2.179449471770337, 0], [1, 1.1470786693528088, 1.9194297398747862]], TOL);
    assertClose(L.eigh(A)[0], [2.194397167422409, 3.3867701566075485, 9.418832675970037], TOL);
    assertClose(L.triangularSolve(T, B, { lower: true }), [[0.3333333333333333, 0.6666666666666666], [-0.26666666666666666, -0.3333333333333333], [0.3111111111111111, -0.33333333333333326]], TOL);
    assertClose(L.triangularSolve(T, B, { transpose: true }), [[0.3333333333333333, 0.6666666666666666], [-0.06666666666666667, 0.06666666666666668], [0.3037037037037037, -0.3037037037037037]], TOL);
    assertClose(L.diagonal(L.qr(L.matrixTranspose(W))[1]), [5.477225575051661, 1.9663841605003503, 3.4888986504487987], TOL);
  });
  test("norm, matching numpy.linalg.norm's ords", () => {
    const mat: [w.linalg.NormOrd, number][] = [["fro", 7.0710678118654755], ["nuc", 11.185558356351848], [1, 8], [-1, 3], [2, 5.897251080866971], [-2, 1.856964724825029], [Infinity, 10], [-Infinity, 4]];
    for (const [ord, e] of mat) assertClose(L.norm(W, { ord }), e, { rtol: 1e-13 }, `matrix ord ${ord}`);
    const v = w.array([1, 2, 3, 4]);
    const vec: [number, number][] = [[2, 5.477225575051661], [1, 10], [Infinity, 4], [-Infinity, 1], [0, 4], [3, 4.641588833612778]];
    for (const [ord, e] of vec) assertClose(L.norm(v, { ord }), e, TOL, `vector ord ${ord}`);
    assertClose(L.norm(W), 7.0710678118654755, TOL);
    assertClose(L.norm(W, { axis: 1 }), [5.477225575051661, 2.449489742783178, 3.7416573867739413], TOL);
    assert.deepEqual([...L.norm(W, { axis: [0, 1], keepdims: true }).shape], [1, 1]);
  });
});

describe("defining identities on random batches", () => {
  const id = (n: number) => w.eye(n);
  test("solve, inv, det over a batch with broadcasting", () => property((r) => {
    const a = wellConditioned(r, [2, 3, 3]), b = randArray([3, 2], () => r.normal());
    const x = L.solve(a, b);
    assertClose(w.matmul(a, x), w.broadcastTo(b, [2, 3, 2]), { rtol: 1e-13 });
    assertClose(w.matmul(a, L.inv(a)), w.broadcastTo(id(3), [2, 3, 3]), { rtol: 1e-13, atol: 1e-14 });
    const [s, l] = L.slogdet(a);
    assertClose(w.mul(s, w.exp(l)), L.det(a), { rtol: 1e-13 });
  }, 5));
  test("cholesky, qr, eigh reconstruct their argument", () => property((r: Rng) => {
    const a = spd(r, [2, 4, 4]);
    const l = L.cholesky(a);
    assertClose(w.matmul(l, L.matrixTranspose(l)), a, { rtol: 1e-13 });
    assertClose(L.triu(l, 1), w.zeros([2, 4, 4]), { atol: 0 });
    const [wv, v] = L.eigh(a);
    assertClose(w.matmul(v, w.mul(w.expandDims(wv, -1), L.matrixTranspose(v))), a, { rtol: 1e-13 });
    assertClose(w.matmul(L.matrixTranspose(v), v), w.broadcastTo(id(4), [2, 4, 4]), { rtol: 1e-13, atol: 1e-14 });
    for (const sh of [[5, 3], [3, 3], [2, 4], [2, 3, 2]]) {
      const m = randArray(sh, () => r.normal());
      const [q, rr] = L.qr(m);
      assertClose(w.matmul(q, rr), m, { rtol: 1e-13, atol: 1e-14 }, `qr ${sh}`);
      const k = Math.min(sh[sh.length - 2]!, sh[sh.length - 1]!);
      assertClose(w.matmul(L.matrixTranspose(q), q), w.broadcastTo(id(k), [...sh.slice(0, -2), k, k]), { rtol: 1e-13, atol: 1e-14 });
      assert.ok(L.diagonal(w.slice(rr, sh.slice(0, -2).map(() => 0), [...sh.slice(0, -2).map(() => undefined), k, k]) as NDArray).data.every((d) => d >= 0), "R's diagonal is non-negative");
    }
  }, 5));
});

describe("float32", () => {
  test("every op stays float32 and agrees with float64, values and gradients", () => property((r) => {
    const a64 = w.astype(w.astype(spd(r, [3, 3]), "float32"), "float64"), a32 = w.astype(a64, "float32");
    const b32 = randArray([3, 2], () => r.normal(), "float32"), b64 = w.astype(b32, "float64");
    const fns: Record<string, (a: NDArray, b: NDArray) => w.Value> = {
      solve: (a, b) => L.solve(a, b), inv: (a) => L.inv(a), det: (a) => L.det(a), slogdet: (a) => L.slogdet(a)[1],
      cholesky: (a) => L.cholesky(a), triangularSolve: (a, b) => L.triangularSolve(a, b, { lower: true }),
      qr: (a) => L.qr(a)[0], eigh: (a) => L.eigh(a)[1], eigvalsh: (a) => L.eigvalsh(a), norm2: (a) => L.norm(a, { ord: 2 }),
    };
    for (const [name, f] of Object.entries(fns)) {
      const y32 = f(a32, b32) as NDArray;
      assert.equal(y32.dtype, "float32", `${name}: dtype`);
      assertClose(y32, f(a64, b64), { rtol: 1e-5 }, `${name}: value`);
      const loss = (a: NDArray, b: NDArray) => w.sum(w.square(f(a, b) as NDArray));
      const [ga32, gb32] = w.grad(loss, { argnums: [0, 1] })(a32, b32);
      const [ga64, gb64] = w.grad(loss, { argnums: [0, 1] })(a64, b64);
      assert.equal(ga32.dtype, "float32", `${name}: gradient dtype`);
      assertClose([ga32, gb32], [ga64, gb64], { rtol: 2e-4 }, `${name}: gradient`);
    }
  }, 3));
});

describe("derivatives", () => {
  test("d det = det·tr(A⁻¹dA); d log|det| = A⁻ᵀ; hessian of log det is −A⁻¹ ⊗ A⁻¹", () => {
    assertClose(w.grad((a: NDArray) => L.det(a) as unknown as number)(M), w.mul(11.5, L.matrixTranspose(L.inv(M))), { rtol: 1e-13 });
    assertClose(w.grad((a: NDArray) => L.slogdet(a)[1] as unknown as number)(M), L.matrixTranspose(L.inv(M)), { rtol: 1e-13 });
    const h = w.hessian((a: NDArray) => L.slogdet(a)[1] as unknown as number)(A) as NDArray;
    const inv = L.inv(A).toArray() as number[][], hv = h.toArray() as number[][][][];
    for (const [i, j, k, l] of [[0, 1, 2, 0], [1, 1, 1, 1], [2, 0, 0, 2]] as const) {
      assertClose(hv[i]![j]![k]![l]!, -inv[j]![k]! * inv[l]![i]!, { rtol: 1e-12 });
    }
  });
  test("eigenvalue gradients are vvᵀ; the symmetric part only", () => {
    const [, v] = L.eigh(A);
    const g = w.grad((a: NDArray) => w.toScalar(w.slice(L.eigvalsh(a), [2], [3])))(A);
    const top = w.slice(v, [0, 2], [3, 3]);
    assertClose(g, w.matmul(top, L.matrixTranspose(top)), { rtol: 1e-12 });
    const ga = w.grad((a: NDArray) => w.sum(L.cholesky(a)))(w.array([[4, 10], [-8, 5]]));
    assertClose(ga, L.matrixTranspose(ga), { rtol: 1e-15 }, "cholesky reads (A + Aᵀ)/2, so its gradient is symmetric");
  });
  test("Newton steps with linalg.solve and hessian agree with a whole-matrix derivative check", () => property((r) => {
    checkAll((a: NDArray, b: NDArray) => L.solve(w.add(a, L.matrixTranspose(a)), b), [wellConditioned(r, [3, 3]), randArray([3], () => r.normal())], r);
  }, 5));
});

describe("bad input gets a typed error naming the op and the fix", () => {
  test("errors", () => {
    assertThrowsWith(() => L.solve(w.array([[1, 2], [2, 4]]), w.array([1, 1])), w.LinAlgError, ["linalg.solve", "singular"]);
    assertThrowsWith(() => L.inv(w.zeros([2, 2, 2])), w.LinAlgError, ["singular", "matrix 0 of the batch"]);
    assertThrowsWith(() => L.cholesky(w.array([[1, 2], [2, 1]])), w.LinAlgError, ["linalg.cholesky", "not positive definite"]);
    assertThrowsWith(() => L.solve(w.zeros([2, 3]), w.zeros([2])), w.ShapeError, ["linalg.solve", "square"]);
    assertThrowsWith(() => L.solve(w.eye(2), w.zeros([3])), w.ShapeError, ["linalg.solve", "3 rows"]);
    assertThrowsWith(() => L.det(w.zeros([3])), w.ShapeError, ["linalg.det", "two axes"]);
    assertThrowsWith(() => L.solve(w.eye(2), "x" as unknown as NDArray), w.ArgumentError, ["linalg.solve", "argument 2"]);
    assertThrowsWith(() => L.solve(w.eye(2), w.array([true, false])), w.DTypeError, ["linalg.solve", "bool"]);
    assertThrowsWith(() => L.solve(w.eye(2, 2, { dtype: "float32" }), w.ones([2])), w.DTypeError, ["float32", "float64"]);
    assertThrowsWith(() => L.norm(W, { ord: "max" as "fro" }), w.ArgumentError, ["linalg.norm", "matrix norm"]);
    assertThrowsWith(() => L.norm(w.zeros([3]), { axis: [0, 0] }), w.ShapeError, ["linalg.norm", "two distinct axes"]);
  });
});
