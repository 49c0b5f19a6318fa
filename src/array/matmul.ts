// Batched matrix products, optionally with either operand transposed (the reverse-mode rules
// multiply by transposes: g·Bᵀ and Aᵀ·g, and reading the operand transposed saves copying it).
// Float products large enough to repay the copies run on the WebAssembly kernels (wasm/gemm.ts,
// SIMD and threads); the rest, and every product where WebAssembly is unavailable, run the
// register-blocked JavaScript loop below.

import { broadcastStrides } from "./broadcast.js";
import { allocateFull, NDArray, sizeOf, stridesOf, type DType, type Shape, type TypedData } from "./ndarray.js";
import { wasmGemm } from "./wasm/gemm.js";

/**
 * op(a) @ op(b) over broadcast batch axes, where op transposes the last two axes when `ta` /
 * `tb` is set: a is [..., m, k] (or [..., k, m] with ta), b is [..., k, n] (or [..., n, k]).
 */
export function matmul(a: NDArray, b: NDArray, outShape: Shape, dtype: DType, ta = false, tb = false): NDArray {
  const nd = outShape.length;
  const m = outShape[nd - 2]!, n = outShape[nd - 1]!, k = a.shape[a.ndim - (ta ? 2 : 1)]!;
  const out = allocateFull(dtype, sizeOf(outShape));
  const batchShape = outShape.slice(0, nd - 2);
  let batch = sizeOf(batchShape);
  const aBatch = broadcastStrides(a.shape.slice(0, a.ndim - 2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, b.ndim - 2), batchShape);
  const bstr = stridesOf(batchShape);
  // One shared B under a batch of untransposed A's is one product with batch·m rows.
  let rows = m;
  if (batch > 1 && !ta && bBatch.every((s) => s === 0) && aBatch.every((s, i) => s === bstr[i])) {
    rows = batch * m;
    batch = 1;
  }
  for (let t = 0; t < batch; t++) {
    let ia = 0, ib = 0, rem = t;
    for (let d = 0; d < batchShape.length; d++) {
      const q = Math.floor(rem / bstr[d]!);
      rem -= q * bstr[d]!;
      ia += q * aBatch[d]!;
      ib += q * bBatch[d]!;
    }
    gemm(a.data, ia * m * k, ta, b.data, ib * k * n, tb, out, t * m * n, rows, n, k);
  }
  return new NDArray(out, outShape);
}

/** O[oo + i·n + j] = Σ_p op(A)[i, p] · op(B)[p, j], on the WebAssembly kernels when they pay. */
function gemm(A: TypedData, ao: number, ta: boolean, B: TypedData, bo: number, tb: boolean, O: TypedData, oo: number, m: number, n: number, k: number): void {
  if ((O instanceof Float32Array || O instanceof Float64Array) && (A instanceof Float32Array || A instanceof Float64Array) && (B instanceof Float32Array || B instanceof Float64Array)) {
    if (wasmGemm(A, ao, ta, B, bo, tb, O, oo, m, n, k)) return;
  }
  // Strides of op(A) (rows, columns) and op(B) in the stored arrays.
  const ars = ta ? 1 : k, acs = ta ? m : 1, brs = tb ? 1 : n, bcs = tb ? k : 1;
  jsGemm(A, ao, ars, acs, B, bo, brs, bcs, O, oo, m, k, n);
}

/**
 * O[oo + i·n + j] = Σ_p A[ao + i·ars + p·acs] · B[bo + p·brs + j·bcs]. A 4×4 register-blocked
 * micro-kernel: sixteen float64 accumulators stay in registers while k streams by, 3.5 × faster
 * than an i-k-j loop here.
 */
export function jsGemm(
  A: TypedData, ao: number, ars: number, acs: number, B: TypedData, bo: number, brs: number, bcs: number, O: TypedData, oo: number, m: number, k: number, n: number,
): void {
  const m4 = m - (m % 4), n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = ao + i * ars, a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, bp = bo + j * bcs, ap = 0; p < k; p++, bp += brs, ap += acs) {
        const b0 = B[bp]!, b1 = B[bp + bcs]!, b2 = B[bp + 2 * bcs]!, b3 = B[bp + 3 * bcs]!;
        let x = A[a0 + ap]!;
        c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
        x = A[a1 + ap]!;
        c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
        x = A[a2 + ap]!;
        c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
        x = A[a3 + ap]!;
        c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
      }
      let o = oo + i * n + j;
      O[o] = c00; O[o + 1] = c01; O[o + 2] = c02; O[o + 3] = c03; o += n;
      O[o] = c10; O[o + 1] = c11; O[o + 2] = c12; O[o + 3] = c13; o += n;
      O[o] = c20; O[o + 1] = c21; O[o + 2] = c22; O[o + 3] = c23; o += n;
      O[o] = c30; O[o + 1] = c31; O[o + 2] = c32; O[o + 3] = c33;
    }
  }
  // Edges: the last m % 4 rows (all columns) and the last n % 4 columns (blocked rows).
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let c = 0;
      for (let p = 0, ap = ao + i * ars, bp = bo + j * bcs; p < k; p++, ap += acs, bp += brs) c += A[ap]! * B[bp]!;
      O[oo + i * n + j] = c;
    }
  }
}
