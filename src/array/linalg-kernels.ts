// Dense linear-algebra kernels on row-major float64 matrices: LU with partial pivoting,
// Cholesky, triangular solves, Householder QR and the cyclic Jacobi eigenvalue method. They
// compute in float64 whatever the array's dtype (a float32 result is the rounded float64
// one). Each works on one matrix; `eachMatrix` maps one over the leading (batch) axes.

import { allocate, NDArray, sizeOf, type DType, type Shape } from "./ndarray.js";

/**
 * Applies `f` to each matrix of the inputs' trailing two axes (all inputs share the batch axes),
 * writing `outSize` elements per matrix into an array of `outShape`.
 */
export function eachMatrix(inputs: readonly NDArray[], outShape: Shape, outSize: number, dtype: DType, f: (mats: Float64Array[], out: Float64Array, index: number) => void): NDArray {
  const first = inputs[0]!;
  const batch = sizeOf(first.shape.slice(0, -2));
  const out = allocate(dtype, sizeOf(outShape));
  const sizes = inputs.map((a) => a.shape[a.shape.length - 2]! * a.shape[a.shape.length - 1]!);
  const scratch = new Float64Array(outSize);
  for (let b = 0; b < batch; b++) {
    const mats = inputs.map((a, i) => Float64Array.from(a.data.subarray(b * sizes[i]!, (b + 1) * sizes[i]!)));
    scratch.fill(0);
    f(mats, scratch, b);
    out.set(scratch, b * outSize);
  }
  return new NDArray(out, outShape);
}

export interface LU {
  /** L (unit lower, below the diagonal) and U (on and above it), in place of A. */
  readonly lu: Float64Array;
  /** Row i of PA is row perm[i] of A. */
  readonly perm: Int32Array;
  /** The permutation's sign (±1), or 0 when a pivot is exactly zero (A singular). */
  readonly sign: number;
}

/** PA = LU with partial pivoting (the largest remaining pivot in each column). */
export function luFactor(a: Float64Array, n: number): LU {
  const lu = a.slice(), perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k, big = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > big) { big = v; p = i; }
    }
    if (big === 0) { sign = 0; continue; }
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = lu[k * n + j]!; lu[k * n + j] = lu[p * n + j]!; lu[p * n + j] = t; }
      const t = perm[k]!; perm[k] = perm[p]!; perm[p] = t;
      sign = -sign;
    }
    const pivot = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const l = (lu[i * n + k]! /= pivot);
      if (l !== 0) for (let j = k + 1; j < n; j++) lu[i * n + j]! -= l * lu[k * n + j]!;
    }
  }
  return { lu, perm, sign };
}

/** X = A⁻¹B for B of n × k, from A's LU factors. */
export function luSolve(f: LU, n: number, b: Float64Array, k: number, x: Float64Array): void {
  const { lu, perm } = f;
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) x[i * k + j] = b[perm[i]! * k + j]!;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      const l = lu[i * n + p]!;
      if (l !== 0) for (let j = 0; j < k; j++) x[i * k + j]! -= l * x[p * k + j]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const u = lu[i * n + p]!;
      if (u !== 0) for (let j = 0; j < k; j++) x[i * k + j]! -= u * x[p * k + j]!;
    }
    const d = lu[i * n + i]!;
    for (let j = 0; j < k; j++) x[i * k + j]! /= d;
  }
}

/** log|det A| from LU factors (−∞ when singular). */
export function luLogAbsDet(f: LU, n: number): number {
  if (f.sign === 0) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(Math.abs(f.lu[i * n + i]!));
  return s;
}

/** The sign of det A from LU factors (0 when singular). */
export function luDetSign(f: LU, n: number): number {
  if (f.sign === 0) return 0;
  let s = f.sign;
  for (let i = 0; i < n; i++) if (f.lu[i * n + i]! < 0) s = -s;
  return s;
}

/** det A from LU factors, as the product of U's diagonal. */
export function luDet(f: LU, n: number): number {
  if (f.sign === 0) return 0;
  let d = f.sign;
  for (let i = 0; i < n; i++) d *= f.lu[i * n + i]!;
  return d;
}

/** L with A = LLᵀ for the symmetric part of A; false when it is not positive definite. */
export function cholesky(a: Float64Array, n: number, l: Float64Array): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= l[j * n + p]! * l[j * n + p]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      for (let p = 0; p < j; p++) s -= l[i * n + p]! * l[j * n + p]!;
      l[i * n + j] = s / ljj;
    }
  }
  return true;
}

/**
 * X = op(T)⁻¹B for T n × n triangular (lower or upper; only that triangle is read, and with
 * `unit` not even its diagonal), op(T) = T or Tᵀ, B n × k. A zero on the diagonal gives ±∞/NaN.
 */
export function triSolve(t: Float64Array, n: number, b: Float64Array, k: number, x: Float64Array, lower: boolean, trans: boolean, unit: boolean): void {
  x.set(b.subarray(0, n * k));
  // op(T) is lower triangular when exactly one of lower / trans holds.
  const forward = lower !== trans;
  const at = (i: number, j: number) => (trans ? t[j * n + i]! : t[i * n + j]!);
  for (let s = 0; s < n; s++) {
    const i = forward ? s : n - 1 - s;
    for (let q = 0; q < s; q++) {
      const p = forward ? q : n - 1 - q;
      const c = at(i, p);
      if (c !== 0) for (let j = 0; j < k; j++) x[i * k + j]! -= c * x[p * k + j]!;
    }
    if (!unit) {
      const d = at(i, i);
      for (let j = 0; j < k; j++) x[i * k + j]! /= d;
    }
  }
}

/**
 * The reduced QR decomposition A = QR of an m × n matrix, m ≥ n, by Householder reflections:
 * Q m × n with orthonormal columns, R n × n upper triangular with a non-negative diagonal
 * (which makes the factorisation unique, and smooth, for A of full rank).
 */
export function qr(a: Float64Array, m: number, n: number, q: Float64Array, r: Float64Array): void {
  const w = a.slice(), vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, w[i * n + k]!);
    const v = new Float64Array(m);
    if (norm > 0) {
      const alpha = w[k * n + k]! > 0 ? -norm : norm;
      for (let i = k; i < m; i++) v[i] = w[i * n + k]!;
      v[k]! -= alpha;
      let vn = 0;
      for (let i = k; i < m; i++) vn += v[i]! * v[i]!;
      if (vn > 0) {
        for (let j = k; j < n; j++) {
          let s = 0;
          for (let i = k; i < m; i++) s += v[i]! * w[i * n + j]!;
          s = (2 * s) / vn;
          for (let i = k; i < m; i++) w[i * n + j]! -= s * v[i]!;
        }
        const vl = Math.sqrt(vn);
        for (let i = k; i < m; i++) v[i]! /= vl;
      }
    }
    vs.push(v);
  }
  // Q = H₀ H₁ … applied to the first n columns of the identity, last reflection first.
  q.fill(0);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i]! * q[i * n + j]!;
      if (s !== 0) for (let i = k; i < m; i++) q[i * n + j]! -= 2 * s * v[i]!;
    }
  }
  r.fill(0);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = w[i * n + j]!;
  for (let i = 0; i < n; i++) {
    if (r[i * n + i]! < 0) {
      for (let j = i; j < n; j++) r[i * n + j] = -r[i * n + j]!;
      for (let p = 0; p < m; p++) q[p * n + i] = -q[p * n + i]!;
    }
  }
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (the columns of V) of the symmetric part
 * of A, by cyclic Jacobi rotations — slower than tridiagonal QR for large n but accurate to
 * working precision for every eigenvalue. Each eigenvector's largest component is positive,
 * so the vectors are a smooth function of A wherever its eigenvalues are distinct.
 */
export function eigh(a: Float64Array, n: number, w: Float64Array, v: Float64Array): void {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  const vv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vv[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += s[i * n + i]! * s[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += s[i * n + j]! * s[i * n + j]!;
    }
    if (off === 0 || off <= 1e-36 * diag) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q]!;
        if (apq === 0) continue;
        const app = s[p * n + p]!, aqq = s[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), sn = t * c;
        for (let k = 0; k < n; k++) {
          const skp = s[k * n + p]!, skq = s[k * n + q]!;
          s[k * n + p] = c * skp - sn * skq;
          s[k * n + q] = sn * skp + c * skq;
        }
        for (let k = 0; k < n; k++) {
          const spk = s[p * n + k]!, sqk = s[q * n + k]!;
          s[p * n + k] = c * spk - sn * sqk;
          s[q * n + k] = sn * spk + c * sqk;
        }
        s[p * n + q] = 0;
        s[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = vv[k * n + p]!, vkq = vv[k * n + q]!;
          vv[k * n + p] = c * vkp - sn * vkq;
          vv[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => s[x * n + x]! - s[y * n + y]!);
  order.forEach((src, dst) => {
    w[dst] = s[src * n + src]!;
    let big = 0, sign = 1;
    for (let k = 0; k < n; k++) {
      const e = vv[k * n + src]!;
      if (Math.abs(e) > big) { big = Math.abs(e); sign = e < 0 ? -1 : 1; }
    }
    for (let k = 0; k < n; k++) v[k * n + dst] = sign * vv[k * n + src]!;
  });
}
