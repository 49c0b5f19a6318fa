// Matrix products on the WebAssembly kernels: copy the operands into the kernels' memory, pack
// B once, run the product as chunks of C on the calling thread and the worker pool, copy C out.
// The copies cost O(mk + kn + mn) against the product's O(mnk); products too small to repay
// them stay in JavaScript (`wasmMinMacs`).

import type { TypedData } from "../ndarray.js";
import { BLOCKING } from "./binary.generated.js";
import { CTRL, GEMM_FIELDS, TASK, W } from "./layout.js";
import { kernelOptions, kernels, type Kernels } from "./runtime.js";
import { ensureWorkers, runTask } from "./threads.js";

/** Below this many multiply-adds (m·n·k) the JavaScript kernel wins (copies and calls dominate). */
export const WASM_MIN_MACS = 4096;

type Float = Float32Array | Float64Array;

/** A row-major matrix operand: element (r, c) of the stored matrix is data[off + r·ld + c]. */
interface Stored { readonly data: Float; readonly off: number; readonly ld: number }

const align = (x: number): number => Math.ceil(x / 64) * 64;
const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/**
 * O[oOff + i·n + j] = Σ_p op(A)[i, p] · op(B)[p, j] for an m×k op(A) and a k×n op(B), where
 * op(X) is X or its transpose (`ta`, `tb`: the stored A is k×m, the stored B n×k). Returns
 * false when the kernels are unavailable or the product is better left to JavaScript.
 */
export function wasmGemm(
  A: Float, aOff: number, ta: boolean, B: Float, bOff: number, tb: boolean, O: Float, oOff: number, m: number, n: number, k: number,
): boolean {
  if (m === 0 || n === 0 || k === 0 || m * n * k < WASM_MIN_MACS) return false;
  const kr = kernels();
  if (kr === null) return false;
  const f64 = O instanceof Float64Array;
  if ((A instanceof Float64Array) !== f64 || (B instanceof Float64Array) !== f64) return false;
  const opts = kernelOptions();
  const threads = m * n * k >= opts.parallelThreshold ? opts.threads : 1;
  if (threads > 1) ensureWorkers(kr, threads);
  const a: Stored = { data: A, off: aOff, ld: ta ? m : k };
  const b: Stored = { data: B, off: bOff, ld: tb ? k : n };
  const blk = f64 ? BLOCKING.f64 : BLOCKING.f32;
  const S = f64 ? 8 : 4;
  // Tiles of C that fit the memory (one tile unless the operands are very large).
  const room = (kr.bytes - kr.heap) / S - 4 * 64;
  const need = (mb: number, nb: number): number => mb * k + k * nb + k * roundUp(nb, blk.nr) + mb * nb;
  let mb = m, nb = n;
  while (need(mb, nb) > room) {
    if (nb > blk.nr && nb >= mb) nb = roundUp(Math.ceil(nb / 2), blk.nr);
    else if (mb > blk.mr) mb = roundUp(Math.ceil(mb / 2), blk.mr);
    else return false;
  }
  for (let i0 = 0; i0 < m; i0 += mb) {
    for (let j0 = 0; j0 < n; j0 += nb) {
      tile(kr, f64, a, ta, b, tb, O, oOff, n, k, i0, Math.min(m, i0 + mb), j0, Math.min(n, j0 + nb), threads);
    }
  }
  return true;
}

/** Copies rows × cols of a stored matrix (from row r0, column c0) to `dst` at element `at`, densely. */
function copyIn(dst: Float, at: number, s: Stored, r0: number, rows: number, c0: number, cols: number): void {
  const src = s.data;
  if (cols === s.ld) {
    const from = s.off + r0 * s.ld;
    dst.set(src.subarray(from, from + rows * cols), at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const from = s.off + (r0 + r) * s.ld + c0;
    dst.set(src.subarray(from, from + cols), at + r * cols);
  }
}

function tile(
  kr: Kernels, f64: boolean, a: Stored, ta: boolean, b: Stored, tb: boolean, O: Float, oOff: number, ldo: number, k: number,
  i0: number, i1: number, j0: number, j1: number, threads: number,
): void {
  const blk = f64 ? BLOCKING.f64 : BLOCKING.f32;
  const S = f64 ? 8 : 4;
  const mem: Float = f64 ? kr.f64 : kr.f32;
  const mb = i1 - i0, nb = j1 - j0, np = Math.ceil(nb / blk.nr);
  // Operands, each 64-byte aligned: A's rows i0…i1 of op(A), B's columns j0…j1 of op(B).
  const aAt = align(kr.heap), bAt = align(aAt + mb * k * S), bpAt = align(bAt + k * nb * S), cAt = align(bpAt + k * np * blk.nr * S);
  // op(A) block: stored A rows (no transpose) or stored columns (transpose), kept dense.
  if (ta) copyIn(mem, aAt / S, a, 0, k, i0, mb);
  else copyIn(mem, aAt / S, a, i0, mb, 0, k);
  if (tb) copyIn(mem, bAt / S, b, j0, nb, 0, k);
  else copyIn(mem, bAt / S, b, 0, k, j0, nb);
  const ex = kr.exports;
  // Strides (rows, columns) of op(A) and op(B) as they now lie in memory.
  const [ars, acs] = ta ? [1, mb] : [k, 1];
  const [brs, bcs] = tb ? [1, k] : [nb, 1];
  (f64 ? ex.pack_b_f64 : ex.pack_b_f32)(bAt, brs, bcs, k, nb, bpAt);
  // The chunk grid: about two chunks per thread, over rows first (each chunk packs its own A).
  const want = threads === 1 ? 1 : 2 * threads;
  const mcRows = roundUp(Math.ceil(mb / want), blk.mr);
  const mChunks = Math.ceil(mb / mcRows);
  let ncPanels = np;
  if (mChunks < want) ncPanels = Math.ceil(np / Math.min(np, Math.ceil(want / mChunks)));
  const nChunks = Math.ceil(np / ncPanels);
  const total = mChunks * nChunks; // at most about 4 × threads (MAX_CHUNKS is the limit)
  const I = kr.i32, d = (CTRL >> 2) + W.DESC;
  I[d] = f64 ? TASK.GEMM_F64 : TASK.GEMM_F32;
  const fields: Record<(typeof GEMM_FIELDS)[number], number> = {
    a: aAt, rs: ars, cs: acs, bp: bpAt, np, c: cAt, ldc: nb, m: mb, n: nb, k, mChunks, mcRows, ncPanels,
  };
  for (let f = 0; f < GEMM_FIELDS.length; f++) I[d + 1 + f] = fields[GEMM_FIELDS[f]!];
  runTask(kr, total, threads > 1);
  // C block out, row by row unless it spans whole rows of the output.
  const c0 = cAt / S;
  if (nb === ldo) O.set(mem.subarray(c0, c0 + mb * nb), oOff + i0 * ldo);
  else for (let r = 0; r < mb; r++) O.set(mem.subarray(c0 + r * nb, c0 + (r + 1) * nb), oOff + (i0 + r) * ldo + j0);
}
