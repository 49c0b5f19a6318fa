// Operands of one call in the kernels' heap: byte ranges laid out one after another from the
// heap's start, each 64-byte aligned. Only one call uses the heap at a time (the calling
// thread runs one op at once; workers touch only their chunk of a product).

import type { Kernels } from "./runtime.js";

/** Byte addresses for ranges of the given byte sizes, or null where they do not all fit. */
export function place(kr: Kernels, sizes: readonly number[]): number[] | null {
  const out: number[] = [];
  let at = kr.heap;
  for (const s of sizes) {
    at = Math.ceil(at / 64) * 64;
    out.push(at);
    at += s;
  }
  return at <= kr.bytes ? out : null;
}

export type Float = Float32Array | Float64Array;

/** The kernels' element type for `a` ("f32", "f64"), or null for integer and bool data. */
export function elemOf(a: unknown): "f32" | "f64" | null {
  return a instanceof Float64Array ? "f64" : a instanceof Float32Array ? "f32" : null;
}
