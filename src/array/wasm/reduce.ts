// Sums, maxima and minima along the middle axis of an (outer, r, inner) block on the WebAssembly
// kernels (scripts/wasm/reduce.ts): copy in, reduce with SIMD lanes, copy out. The JavaScript
// sum is one serial chain of additions (latency-bound); four SIMD partial sums are several
// times faster, with the same float64 accumulation.

import type { ReduceKind } from "../kernels.js";
import { kernels } from "./runtime.js";
import type { TypedData } from "../ndarray.js";
import { elemOf, place, type Float } from "./stage.js";

/** Below this many elements the JavaScript loop wins. */
export const WASM_MIN_REDUCE = 1024;

/**
 * out[o·inner + i] = reduce_k src[(o·r + k)·inner + i] for a float `src` and an `out` of the
 * same type. Returns false (and writes nothing) where the kernels are unavailable or the
 * JavaScript loop is better.
 */
export function wasmReduce(kind: ReduceKind, src: TypedData, outer: number, r: number, inner: number, out: TypedData): boolean {
  const n = outer * r * inner;
  if (n < WASM_MIN_REDUCE) return false;
  const T = elemOf(out);
  if (T === null || elemOf(src) !== T) return false;
  const kr = kernels();
  if (kr === null) return false;
  const S = T === "f64" ? 8 : 4, m = outer * inner;
  const at = place(kr, [n * S, m * S, inner * 8]);
  if (at === null) return false;
  const [s, d, acc] = at as [number, number, number];
  const mem: Float = T === "f64" ? kr.f64 : kr.f32;
  mem.set(src.subarray(0, n), s / S);
  kr.exports[`${kind}_${T}`](s, outer, r, inner, d, acc);
  out.set(mem.subarray(d / S, d / S + m));
  return true;
}
