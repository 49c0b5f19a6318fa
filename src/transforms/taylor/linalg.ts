// Taylor rules of the linear-algebra primitives. Each output series solves the defining identity
// order by order, so one order costs one solve with the primal matrix (the same as one JVP),
// and the whole series O(K²) matrix products:
//
//   solve       A X = B:    X_k = A₀⁻¹ (B_k − Σ_{j=1..k} A_j X_{k−j})
//   triangular  op(T) X = B: the same with each T_j masked to T's triangle, op(T_j) for trans
//   cholesky    L Lᵀ = A:   L₀L_kᵀ + L_kL₀ᵀ = A_k − Σ_{j=1..k−1} L_j L_{k−j}ᵀ, solved for a lower L_k
//                           by cholesky's own JVP rule (the right side is its tangent)
//   det         d' = d·g with g = tr(W), A W = A': k·d_k = Σ_{m<k} g_m d_{k−1−m}
//   slogdet     log|d|' = g: ℓ_k = g_{k−1}/k; the sign's series is zero (slogdet's JVP rule)
//   eigh        V = V₀U, Ã_j = V₀ᵀ sym(A_j) V₀, ÃU = UΛ, UᵀU = I, distinct eigenvalues:
//               R_k = Ã_k + Σ_{j=1..k−1} (Ã_j U_{k−j} − U_j Λ_{k−j}); λ_k = diag R_k;
//               U_k = F∘R_k off the diagonal (F_il = 1/(λ_l − λ_i)), −½ diag Σ_{j=1..k−1} U_jᵀU_{k−j} on it
//               (k = 1 is eigh's JVP rule; a real eigenvector is unique up to its sign, so the path is too)
//   qr          A = QR, QᵀQ = I, R upper (m ≥ n): M_k = A_k − Σ_{j=1..k−1} Q_j R_{k−j}, S_k = Σ_{j=1..k−1} Q_jᵀQ_{k−j},
//               Y = M_k R₀⁻¹, C = Q₀ᵀY; Q₀ᵀQ_k + Q_kᵀQ₀ = −S_k makes U = R_k R₀⁻¹ (upper) =
//               triu(C + Cᵀ + S_k, 1) + diag(C + S_k/2); R_k = U R₀, Q_k = Y − Q₀U (k = 1 is qr's JVP rule)
//
// (Coefficients are normalized, c_k = x⁽ᵏ⁾/k!, as in series.ts; ZERO terms are skipped.)

import type { TriangularParams } from "../../ops/prims-linalg.js";
import { eighParts, gapInverse, qrParts, triangleOf } from "../../ops/prims-linalg.js";
import { diagEmbed, diagonal, mT, pack, solveBind, sym, trace, triu, upperSolve } from "../../ops/linalg-ops.js";
import * as o from "../../ops/api.js";
import { PRIM_TABLE } from "../../ops/prims.js";
import type { Primitive } from "../../core/primitive.js";
import { shapeOf, ZERO, type Value } from "../../core/tracer.js";
import { dense, jvpTerm } from "../chain.js";
import { addC, convolve, derivative, scaleC, subC, type Coef, type Series } from "./series.js";

/** Argument i's JVP term of prim at the primals, as a coefficient. */
function tangent(prim: Primitive<unknown>, i: number, t: Value, primals: readonly Value[], out: Value, params: unknown): Coef {
  const r = jvpTerm(prim, i, t, primals, out, params);
  return r === ZERO ? ZERO : dense(r);
}

const mm = (x: Coef, y: Coef): Coef => (x === ZERO || y === ZERO ? ZERO : o.matmul(x, y));

/**
 * The terms X_m, m < n, of A(t)·X(t) = R(t), and the right-hand sides R_m − Σ_{j=1..m} op(A_j) X_{m−j}
 * that `solve0` (a solve with A₀) took them from; x0 when it is known.
 */
function solveSeries(a: Series, r: readonly Coef[], n: number, solve0: (rhs: Value) => Value, op: (aj: Value) => Value = (aj) => aj, x0?: Value): { x: Coef[]; rhs: Coef[] } {
  const x: Coef[] = [], rhs: Coef[] = [];
  for (let m = 0; m < n; m++) {
    let c: Coef = r[m]!;
    for (let j = 1; j <= m; j++) c = subC(c, mm(a[j] === ZERO ? ZERO : op(a[j] as Value), x[m - j]!));
    rhs.push(c);
    x.push(m === 0 && x0 !== undefined ? x0 : c === ZERO ? ZERO : solve0(c));
  }
  return { x, rhs };
}

export function solveSeriesRule([a, b]: readonly Series[], out: Value, K: number): Series {
  return solveSeries(a!, b!, K + 1, (rhs) => solveBind(a![0] as Value, rhs), undefined, out).x;
}

export function triangularSeriesRule([t, b]: readonly Series[], out: Value, p: TriangularParams, K: number): Series {
  const prim = PRIM_TABLE.triangularSolve as Primitive<unknown>, primals = [t![0] as Value, b![0] as Value];
  // A solve with T₀ as the params read it: the rule's own tangent for B.
  const solve0 = (rhs: Value) => tangent(prim, 1, rhs, primals, out, p) as Value;
  const op = (tj: Value) => (p.trans ? mT(triangleOf(tj, p)) : triangleOf(tj, p));
  return solveSeries(t!, b!, K + 1, solve0, op, out).x;
}

export function choleskySeriesRule([a]: readonly Series[], out: Value, K: number): Series {
  const prim = PRIM_TABLE.cholesky as Primitive<unknown>, a0 = a![0] as Value;
  const l: Series = [out];
  for (let k = 1; k <= K; k++) {
    // M_k = A_k − Σ L_j L_{k−j}ᵀ: the sum is symmetric, so the JVP's symmetrisation of M_k is sym(A_k) − Σ.
    let m: Coef = a![k]!;
    for (let j = 1; j < k; j++) m = subC(m, mm(l[j]!, l[k - j] === ZERO ? ZERO : mT(l[k - j] as Value)));
    l.push(m === ZERO ? ZERO : tangent(prim, 0, m, [a0], out, undefined));
  }
  return l;
}

/** W_m (m < K) with A W = A', and their right-hand sides: tr W is the rate of log|det A|. */
const logdetRate = (a: Series, K: number) => solveSeries(a, derivative(a, K), K, (rhs) => solveBind(a[0] as Value, rhs));

export function detSeriesRule([a]: readonly Series[], out: Value, K: number): Series {
  const g = logdetRate(a!, K).x.map((w) => (w === ZERO ? ZERO : trace(w))) as Series;
  const d: Series = [out];
  for (let k = 1; k <= K; k++) d.push(scaleC(convolve(g, d, k - 1), 1 / k));
  return d;
}

export function slogdetSeriesRule([a]: readonly Series[], out: Value, K: number): Series {
  // ℓ_k = tr(W_{k−1})/k = tr(A₀⁻¹ R_{k−1})/k: slogdet's JVP applied to R_{k−1}/k (its sign term zero).
  const prim = PRIM_TABLE.slogdet as Primitive<unknown>, a0 = a![0] as Value;
  const { rhs } = logdetRate(a!, K);
  return [out, ...rhs.map((r, m) => (r === ZERO ? ZERO : tangent(prim, 0, scaleC(r, 1 / (m + 1)) as Value, [a0], out, undefined)))];
}

export function eighSeriesRule([a]: readonly Series[], out: Value, K: number): Series {
  const a0 = a![0] as Value, [w0, v0] = eighParts(a0, out) as [Value, Value];
  const batch = shapeOf(a0).slice(0, -2), n = shapeOf(w0)[shapeOf(w0).length - 1]!;
  const f = gapInverse(w0);
  const rotate = (x: Coef): Coef => (x === ZERO ? ZERO : o.matmul(mT(v0), o.matmul(sym(x), v0)));
  const atil = a!.map((x, j) => (j === 0 ? ZERO : rotate(x)));
  /** U_j Λ_m: column l scaled by λ_m,l. */
  const byEigen = (u: Coef, lam: Coef): Coef => (u === ZERO || lam === ZERO ? ZERO : o.mul(u, o.reshape(lam, [...batch, 1, n])));
  const u: Coef[] = [ZERO], lam: Coef[] = [w0];
  const s: Series = [out];
  for (let k = 1; k <= K; k++) {
    let r: Coef = atil[k]!, gram: Coef = ZERO;
    for (let j = 1; j < k; j++) {
      r = subC(addC(r, mm(atil[j]!, u[k - j]!)), byEigen(u[j]!, lam[k - j]!));
      gram = addC(gram, mm(u[j] === ZERO ? ZERO : mT(u[j] as Value), u[k - j]!));
    }
    const lk: Coef = r === ZERO ? ZERO : diagonal(r);
    const off: Coef = r === ZERO ? ZERO : o.mul(f, r);
    const uk = gram === ZERO ? off : addC(off, diagEmbed(o.mul(-0.5, diagonal(gram))));
    u.push(uk);
    lam.push(lk);
    s.push(uk === ZERO && lk === ZERO ? ZERO : pack([lk === ZERO ? o.mul(w0, 0) : lk, uk === ZERO ? o.mul(v0, 0) : o.matmul(v0, uk)], batch));
  }
  return s;
}

export function qrSeriesRule([a]: readonly Series[], out: Value, K: number): Series {
  const a0 = a![0] as Value, [q0, r0] = qrParts(a0, out) as [Value, Value];
  const batch = shapeOf(a0).slice(0, -2);
  const q: Value[] = [q0], r: Value[] = [r0];
  const s: Series = [out];
  for (let k = 1; k <= K; k++) {
    let m: Value = a![k] === ZERO ? o.mul(a0, 0) : (a![k] as Value), gram: Value = o.mul(r0, 0);
    for (let j = 1; j < k; j++) {
      m = o.sub(m, o.matmul(q[j]!, r[k - j]!));
      gram = o.add(gram, o.matmul(mT(q[j]!), q[k - j]!));
    }
    const y = mT(upperSolve(r0, mT(m), true)), c = o.matmul(mT(q0), y);
    const u = o.add(triu(o.add(o.add(c, mT(c)), gram), 1), diagEmbed(o.add(diagonal(c), o.mul(0.5, diagonal(gram)))));
    q.push(o.sub(y, o.matmul(q0, u)));
    r.push(o.matmul(u, r0));
    s.push(pack([q[k]!, r[k]!], batch));
  }
  return s;
}
