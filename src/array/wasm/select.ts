// where(c, a, b) on the WebAssembly kernels (scripts/wasm/select.ts): copy the condition and the
// array operands in, select branch-free, copy the result out. The copies are memcpy speed; the
// JavaScript loop's data-dependent branch is what costs (relu's condition is close to random).

import { kernels } from "./runtime.js";
import type { TypedData } from "../ndarray.js";
import { elemOf, place, type Float } from "./stage.js";

/** Below this many elements the JavaScript loop wins (the calls and copies dominate). */
export const WASM_MIN_SELECT = 1024;

/**
 * O[i] = C[i] ? A[i] : B[i] for i < n, where A and B are arrays of O's type or scalars. Returns
 * false (and writes nothing) where the kernels are unavailable or the JavaScript loop is better.
 */
export function wasmSelect(C: TypedData, A: TypedData | number, B: TypedData | number, O: TypedData, n: number): boolean {
  if (n < WASM_MIN_SELECT || !(C instanceof Uint8Array)) return false;
  const T = elemOf(O);
  if (T === null || (typeof A !== "number" && elemOf(A) !== T) || (typeof B !== "number" && elemOf(B) !== T)) return false;
  const kr = kernels();
  if (kr === null) return false;
  const S = T === "f64" ? 8 : 4, va = typeof A !== "number", vb = typeof B !== "number";
  const at = place(kr, [n, va ? n * S : 0, vb ? n * S : 0, n * S]);
  if (at === null) return false;
  const [c, a, b, o] = at as [number, number, number, number];
  const mem: Float = T === "f64" ? kr.f64 : kr.f32;
  kr.u8.set(C.subarray(0, n), c);
  if (va) mem.set(A.subarray(0, n), a / S);
  if (vb) mem.set(B.subarray(0, n), b / S);
  kr.exports[`select_${T}_${va ? "v" : "s"}${vb ? "v" : "s"}`](c, a, b, o, n, va ? 0 : A, vb ? 0 : B);
  O.set(mem.subarray(o / S, o / S + n));
  return true;
}
