// add, sub, mul and div of large float operands on the WebAssembly kernels (scripts/wasm/binary.ts).
// The JavaScript loop is scalar, about 2 ns an element on the bench machine; the SIMD lanes take
// a fraction of that and the copies in and out run at memcpy speed. A block of rows at a time is
// staged, so the heap's share stays in cache and any size fits: a batched Jacobian's tangents
// ([1000, 1000] float64, 8 MB each) scaled by a primal row ([1000], read at row stride 0) are
// the case this was written for.

import { broadcastStrides, mergeAxes } from "../broadcast.js";
import type { Shape, TypedData } from "../ndarray.js";
import { streamKernels, type Kernels } from "./runtime.js";
import { elemOf, place, type Float } from "./stage.js";

/** The ops with a WebAssembly loop: IEEE arithmetic, so the lanes give the JavaScript loop's bits. */
export const WASM_BINARY_OPS: ReadonlySet<string> = new Set(["add", "sub", "mul", "div"]);
type Op = "add" | "sub" | "mul" | "div";

/** Below this many output elements the JavaScript loop wins (the calls and copies dominate). */
export const WASM_MIN_BINARY = 1024;
/** Elements of each operand staged at once (3 × 64 KiB of float64: within a core's L2). */
const BLOCK = 8192;

/** One operand as the kernel walks it: rows `row` elements apart, `along` 1 (a vector) or 0 (a splat). */
interface Side {
  readonly data: TypedData;
  readonly row: number;
  readonly along: number;
}

/**
 * O = A op B over `shape` (row-major, contiguous), A and B broadcast to it from their shapes
 * (a number: a scalar). Returns false (and writes nothing) where the kernels are unavailable,
 * the operands are not floats of O's type, the broadcast is not rows (at most two axes once
 * merged), or the JavaScript loop is better.
 */
export function wasmBinary(op: string, A: TypedData | number, aShape: Shape, B: TypedData | number, bShape: Shape, O: TypedData, shape: Shape): boolean {
  const n = O.length;
  if (n < WASM_MIN_BINARY || !WASM_BINARY_OPS.has(op)) return false;
  const T = elemOf(O);
  if (T === null || !fits(A, T) || !fits(B, T)) return false;
  const { dims, as, bs } = mergeAxes(shape, broadcastStrides(typeof A === "number" ? [] : aShape, shape), broadcastStrides(typeof B === "number" ? [] : bShape, shape));
  if (dims.length === 0 || dims.length > 2) return false;
  const two = dims.length === 2;
  const rows = two ? dims[0]! : 1, inner = dims[dims.length - 1]!;
  const a = side(A, T, two ? as[0]! : 0, as[as.length - 1]!, inner), b = side(B, T, two ? bs[0]! : 0, bs[bs.length - 1]!, inner);
  if (a === null || b === null || (a.along === 0 && b.along === 0)) return false;
  const kr = streamKernels();
  const S = T === "f64" ? 8 : 4;
  const at = kr === null ? null : place(kr, [BLOCK * S, BLOCK * S, BLOCK * S]);
  if (kr === null || at === null) return false;
  run(kr, op as Op, T, a, b, O, rows, inner, at as [number, number, number]);
  return true;
}

/** Whether an operand can be staged as elements of type T: an array of T, or a number T holds exactly. */
function fits(x: TypedData | number, T: "f32" | "f64"): boolean {
  if (typeof x === "number") return T === "f64" || Object.is(Math.fround(x), x);
  return elemOf(x) === T;
}

/**
 * An operand's walk, or null when its rows are not contiguous in its data (only a vector
 * operand's rows may follow one another, a splat operand's elements, or every row be the same).
 */
function side(x: TypedData | number, T: "f32" | "f64", row: number, along: number, inner: number): Side | null {
  const data = typeof x === "number" ? (T === "f64" ? Float64Array.of(x) : Float32Array.of(x)) : x;
  if (row !== 0 && row !== (along === 1 ? inner : 1)) return null;
  return { data, row, along };
}

/** Elements of an operand that rows r0 … r0 + nr − 1, columns i0 … i0 + len − 1 read, from where. */
function span(s: Side, r0: number, nr: number, i0: number, len: number): [number, number] {
  const cols = s.along === 1 ? len : 1;
  return [r0 * s.row + i0 * s.along, s.row === 0 ? cols : (nr - 1) * s.row + cols];
}

/** Runs the op a block at a time: whole rows while they fit a block, else segments of one row. */
function run(kr: Kernels, op: Op, T: "f32" | "f64", a: Side, b: Side, O: TypedData, rows: number, inner: number, [pa, pb, po]: [number, number, number]): void {
  const S = T === "f64" ? 8 : 4;
  const perBlock = inner >= BLOCK ? 1 : Math.floor(BLOCK / inner), seg = Math.min(inner, BLOCK);
  const mem: Float = T === "f64" ? kr.f64 : kr.f32;
  const fn = kr.exports[`${op}_${T}_${a.along === 1 ? "v" : "s"}${b.along === 1 ? "v" : "s"}` as `${Op}_${"f32" | "f64"}_${"vv" | "vs" | "sv"}`];
  // A row every block reads (stride 0) is staged once, when blocks are whole rows.
  const once = (s: Side) => s.row === 0 && seg === inner;
  const stage = (s: Side, at: number, r0: number, nr: number, i0: number, len: number) => {
    const [from, count] = span(s, r0, nr, i0, len);
    mem.set(s.data.subarray(from, from + count), at / S);
  };
  if (once(a)) stage(a, pa, 0, 1, 0, inner);
  if (once(b)) stage(b, pb, 0, 1, 0, inner);
  for (let r0 = 0; r0 < rows; r0 += perBlock) {
    const nr = Math.min(perBlock, rows - r0);
    for (let i0 = 0; i0 < inner; i0 += seg) {
      const len = Math.min(seg, inner - i0);
      if (!once(a)) stage(a, pa, r0, nr, i0, len);
      if (!once(b)) stage(b, pb, r0, nr, i0, len);
      fn(pa, pb, po, nr, len, a.row * S, b.row * S);
      O.set(mem.subarray(po / S, po / S + nr * len), r0 * inner + i0);
    }
  }
}
