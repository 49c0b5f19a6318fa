// Array kernels: plain JS loops over TypedArrays, none of them made at run time.
//
// Elementwise kernels run each primitive's own literal loops (loops.generated.ts, written by
// scripts/gen-loops.ts from the scalar functions in the primitive table), so V8 inlines the
// scalar function in each; a broadcast is walked row by row, each row one such loop.

import { broadcastStrides, mergeAxes } from "./broadcast.js";
import { BINARY, UNARY } from "./loops.generated.js";
import { genericBinary, genericUnary, type BinaryLoops, type BinaryScalar, type UnaryScalar } from "./loops.js";
import { wasmBinary, WASM_BINARY_OPS } from "./wasm/binary.js";
import { wasmReduce } from "./wasm/reduce.js";
import { wasmSelect } from "./wasm/select.js";
import { allocate, allocateFull, NDArray, sizeOf, stridesOf, type DType, type Shape, type TypedData } from "./ndarray.js";

export type { BinaryScalar, UnaryScalar };
export { matmul } from "./matmul.js";

type Scalar = number | boolean;
/** What a kernel takes and gives: a JS number or boolean (a scalar), or an array. */
export type KernelOperand = Scalar | NDArray;

function toScalar(v: Scalar): number {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

/** An elementwise unary op on a number, a boolean or an array; `name` picks its generated loop. */
export function makeUnary(name: string, f: UnaryScalar): (a: KernelOperand, dtype: DType) => KernelOperand {
  const loop = UNARY[name] ?? genericUnary(f);
  return (a, dtype) => {
    if (!(a instanceof NDArray)) return f(toScalar(a));
    const out = allocateFull(dtype, a.size);
    loop(a.data, out, a.size);
    return new NDArray(out, a.shape);
  };
}

/**
 * O = f(A, B) over `shape`, reading A and B at broadcast strides `sa`, `sb`: one generated row
 * loop per innermost row, after merging the axes both operands traverse contiguously (so
 * [n, m] + [n, m] is one row, and [128, 256] + [256] is 128 rows of 256).
 */
function broadcastRows(loops: BinaryLoops, A: TypedData, B: TypedData, O: TypedData, shape: Shape, sa: readonly number[], sb: readonly number[]): void {
  if (O.length === 0) return;
  const { dims, as, bs } = mergeAxes(shape, sa, sb);
  const nd = dims.length;
  if (nd === 0) { loops.vv(A, 0, B, 0, O, 0, 1); return; }
  const inner = dims[nd - 1]!, ia = as[nd - 1]!, ib = bs[nd - 1]!;
  const idx = new Int32Array(nd);
  let pa = 0, pb = 0, po = 0;
  for (;;) {
    // Along the last axis an operand is contiguous (stride 1) or broadcast (stride 0).
    if (ia === ib) loops.vv(A, pa, B, pb, O, po, inner);
    else if (ib === 0) loops.vs(A, pa, B[pb]!, O, po, inner);
    else loops.sv(A[pa]!, B, pb, O, po, inner);
    po += inner;
    let d = nd - 2;
    for (; d >= 0; d--) {
      pa += as[d]!; pb += bs[d]!;
      if (++idx[d]! < dims[d]!) break;
      pa -= as[d]! * dims[d]!; pb -= bs[d]! * dims[d]!; idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** An elementwise binary op with NumPy broadcasting; `shape`/`dtype` come from the shape rule. */
export function makeBinary(name: string, f: BinaryScalar): (a: KernelOperand, b: KernelOperand, shape: Shape, dtype: DType) => KernelOperand {
  const loops = BINARY[name] ?? genericBinary(f);
  const wasm = WASM_BINARY_OPS.has(name);
  return (a, b, shape, dtype) => {
    const aArr = a instanceof NDArray, bArr = b instanceof NDArray;
    if (!aArr && !bArr) return f(toScalar(a), toScalar(b));
    const n = sizeOf(shape);
    const out = allocateFull(dtype, n);
    if (wasm && wasmBinary(name, aArr ? a.data : toScalar(a as Scalar), aArr ? a.shape : [], bArr ? b.data : toScalar(b as Scalar), bArr ? b.shape : [], out, shape)) return new NDArray(out, shape);
    if (aArr && bArr) {
      if (a.size === n && b.size === n) loops.vv(a.data, 0, b.data, 0, out, 0, n);
      else if (b.size === 1 && a.size === n) loops.vs(a.data, 0, b.data[0]!, out, 0, n);
      else if (a.size === 1 && b.size === n) loops.sv(a.data[0]!, b.data, 0, out, 0, n);
      else broadcastRows(loops, a.data, b.data, out, shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
    } else if (aArr) {
      const bs = toScalar(b as Scalar);
      if (a.size === n) loops.vs(a.data, 0, bs, out, 0, n);
      else broadcastRows(loops, a.data, Float64Array.of(bs), out, shape, broadcastStrides(a.shape, shape), broadcastStrides([], shape));
    } else {
      const as = toScalar(a as Scalar);
      const bb = b as NDArray;
      if (bb.size === n) loops.sv(as, bb.data, 0, out, 0, n);
      else broadcastRows(loops, Float64Array.of(as), bb.data, out, shape, broadcastStrides([], shape), broadcastStrides(bb.shape, shape));
    }
    return new NDArray(out, shape);
  };
}

function dataOf(v: KernelOperand): TypedData {
  return v instanceof NDArray ? v.data : Float64Array.of(toScalar(v));
}
function shapeOfOperand(v: KernelOperand): Shape {
  return v instanceof NDArray ? v.shape : [];
}

/** Materializes `a` broadcast to `shape`. */
export function broadcastTo(a: KernelOperand, shape: Shape, dtype: DType): NDArray {
  const n = sizeOf(shape);
  const out = allocateFull(dtype, n);
  const src = dataOf(a);
  if (src.length === 1) out.fill(src[0]!);
  else if (src.length === n) out.set(src);
  else {
    const s = broadcastStrides(shapeOfOperand(a), shape);
    strided(src, out, shape, s);
  }
  return new NDArray(out, shape);
}

/**
 * Visits the rows of a strided view over `shape` (all axes but the last, odometer order):
 * `visit(p, o)` gets the row's first position in the strided buffer and in a contiguous one.
 * The one walker behind strided reads (gather) and strided writes (scatter).
 */
function eachRow(shape: Shape, strides: readonly number[], base: number, visit: (p: number, o: number) => void): void {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  if (nd === 0) { visit(base, 0); return; }
  const inner = shape[nd - 1]!;
  const idx = new Int32Array(nd);
  let p = base, o = 0;
  for (;;) {
    visit(p, o);
    o += inner;
    let d = nd - 2;
    for (; d >= 0; d--) {
      p += strides[d]!;
      if (++idx[d]! < shape[d]!) break;
      p -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Rows at least this long are copied as blocks (a subarray view costs about what 64 elements do). */
const BLOCK_ROW = 64;

/** Copies `src` read at `strides` (over `shape`, offsets folded in `base`) into contiguous `out`. */
function strided(src: TypedData, out: TypedData, shape: Shape, strides: readonly number[], base = 0): void {
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1]!, is = shape.length === 0 ? 0 : strides[strides.length - 1]!;
  if (is === 1 && inner >= BLOCK_ROW) {
    // Rows contiguous in the source (a slice's rows, a broadcast's repeated rows): a block copy
    // each. The element loop reads every typed-array type through one site, which is slow.
    eachRow(shape, strides, base, (p, o) => out.set(src.subarray(p, p + inner), o));
    return;
  }
  eachRow(shape, strides, base, (p, o) => {
    for (let j = 0; j < inner; j++) out[o + j] = src[p + j * is]!;
  });
}

/**
 * where(cond, a, b) elementwise with broadcasting. Operands already of the output's size, and
 * scalars, are read in place (relu's where(x > 0, x, 0) and its cotangent where(c, g, 0) make
 * no copies); only a partial broadcast is materialized first.
 */
export function where(c: KernelOperand, a: KernelOperand, b: KernelOperand, shape: Shape, dtype: DType): NDArray {
  const n = sizeOf(shape);
  const out = allocateFull(dtype, n);
  const C = inPlace(c, n, shape, "bool"), A = inPlace(a, n, shape, dtype), B = inPlace(b, n, shape, dtype);
  if (typeof C === "number") {
    const src = C !== 0 ? A : B;
    if (typeof src === "number") out.fill(src);
    else out.set(src);
  } else if (wasmSelect(C, A, B, out, n)) {
    // done on the WebAssembly kernels (float operands of the result's type only)
  } else if (typeof A === "number") {
    if (typeof B === "number") selectSS(C, A, B, out, n);
    else selectSV(C, A, B, out, n);
  } else if (typeof B === "number") selectVS(C, A, B, out, n);
  else selectVV(C, A, B, out, n);
  return new NDArray(out, shape);
}

/** An operand of an n-element result as a number (scalars, size-1 arrays) or n elements. */
function inPlace(v: KernelOperand, n: number, shape: Shape, dtype: DType): TypedData | number {
  if (!(v instanceof NDArray)) return toScalar(v);
  if (v.size === n) return v.data;
  return v.size === 1 ? v.data[0]! : broadcastTo(v, shape, dtype).data;
}

// One small loop per operand mix, so that each stays monomorphic in what it reads.
function selectVV(C: TypedData, A: TypedData, B: TypedData, O: TypedData, n: number): void {
  for (let i = 0; i < n; i++) O[i] = C[i] ? A[i]! : B[i]!;
}
function selectVS(C: TypedData, A: TypedData, b: number, O: TypedData, n: number): void {
  for (let i = 0; i < n; i++) O[i] = C[i] ? A[i]! : b;
}
function selectSV(C: TypedData, a: number, B: TypedData, O: TypedData, n: number): void {
  for (let i = 0; i < n; i++) O[i] = C[i] ? a : B[i]!;
}
function selectSS(C: TypedData, a: number, b: number, O: TypedData, n: number): void {
  for (let i = 0; i < n; i++) O[i] = C[i] ? a : b;
}

export function cast(a: KernelOperand, dtype: DType): NDArray {
  const src = dataOf(a);
  const out = allocateFull(dtype, src.length);
  if (dtype === "bool") for (let i = 0; i < src.length; i++) out[i] = src[i] ? 1 : 0;
  else out.set(src);
  return new NDArray(out, shapeOfOperand(a));
}

export type ReduceKind = "sum" | "max" | "min";

/**
 * Reduces `a` over sorted `axes`; the result has shape `outShape` (axes removed or kept as 1).
 * Contiguous axis blocks reduce in place as (outer, r, inner); others are transposed first.
 */
export function reduce(kind: ReduceKind, a: NDArray, axes: readonly number[], outShape: Shape, dtype: DType): NDArray {
  const shape = a.shape;
  let src = a;
  let contiguous = true;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1]! + 1) contiguous = false;
  let first = axes[0] ?? 0, last = axes.length ? axes[axes.length - 1]! : -1;
  if (!contiguous) {
    const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    src = transpose(a, [...keep, ...axes]);
    first = keep.length;
    last = shape.length - 1;
  }
  const sh = src.shape;
  let outer = 1, r = 1, inner = 1;
  for (let i = 0; i < sh.length; i++) {
    if (i < first) outer *= sh[i]!;
    else if (i <= last) r *= sh[i]!;
    else inner *= sh[i]!;
  }
  const out = allocateFull(dtype, outer * inner);
  const d = src.data;
  if (axes.length === 0) { out.set(d); return new NDArray(out, outShape); }
  if (wasmReduce(kind, d, outer, r, inner, out)) return new NDArray(out, outShape);
  if (kind === "sum") {
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        let s = 0;
        const base = o * r;
        for (let k = 0; k < r; k++) s += d[base + k]!;
        out[o] = s;
      }
    } else {
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        acc.fill(0);
        for (let k = 0; k < r; k++) {
          const base = (o * r + k) * inner;
          for (let i = 0; i < inner; i++) acc[i]! += d[base + i]!;
        }
        out.set(acc, o * inner);
      }
    }
  } else {
    const isMax = kind === "max";
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let m = isMax ? -Infinity : Infinity;
        let nan = false;
        for (let k = 0; k < r; k++) {
          const v = d[(o * r + k) * inner + i]!;
          if (v !== v) nan = true;
          else if (isMax ? v > m : v < m) m = v;
        }
        out[o * inner + i] = nan ? NaN : m;
      }
    }
  }
  return new NDArray(out, outShape);
}

export function transpose(a: NDArray, perm: readonly number[]): NDArray {
  const shape = a.shape;
  const outShape = perm.map((p) => shape[p]!);
  const st = stridesOf(shape);
  const out = allocateFull(a.dtype, a.size);
  if (shape.length === 2 && perm[0] === 1) {
    // The common case, blocked for cache locality.
    const R = shape[0]!, C = shape[1]!, d = a.data, B = 32;
    for (let i0 = 0; i0 < R; i0 += B) {
      for (let j0 = 0; j0 < C; j0 += B) {
        const iMax = Math.min(R, i0 + B), jMax = Math.min(C, j0 + B);
        for (let i = i0; i < iMax; i++) for (let j = j0; j < jMax; j++) out[j * R + i] = d[i * C + j]!;
      }
    }
  } else {
    strided(a.data, out, outShape, perm.map((p) => st[p]!));
  }
  return new NDArray(out, outShape);
}

/** Strided slice: starts/steps per axis, output shape given. A leading-axis unit-step slice is a zero-copy view. */
export function slice(a: NDArray, starts: readonly number[], steps: readonly number[], outShape: Shape): NDArray {
  const st = stridesOf(a.shape);
  let base = 0;
  for (let i = 0; i < starts.length; i++) base += starts[i]! * st[i]!;
  const n = sizeOf(outShape);
  let viewable = true;
  for (let i = 1; i < outShape.length; i++) if (outShape[i] !== a.shape[i] || steps[i] !== 1) viewable = false;
  if (viewable && (outShape.length === 0 || steps[0] === 1)) {
    // Contiguous in memory: share the buffer (arrays are immutable, so sharing is safe).
    return new NDArray(a.data.subarray(base, base + n), outShape);
  }
  const out = allocateFull(a.dtype, n);
  strided(a.data, out, outShape, st.map((s, i) => s * steps[i]!), base);
  return new NDArray(out, outShape);
}

/** Writes `src` into a zero array of `shape` at `starts` with `steps` (the transpose of slice). */
export function sliceUpdate(src: NDArray, shape: Shape, starts: readonly number[], steps: readonly number[], dtype: DType): NDArray {
  const out = allocate(dtype, sizeOf(shape));
  const st = stridesOf(shape);
  let base = 0;
  for (let i = 0; i < shape.length; i++) base += starts[i]! * st[i]!;
  const ss = src.shape, d = src.data, nd = shape.length;
  let contiguous = nd === 0 || steps[0] === 1;
  for (let i = 1; i < nd; i++) if (ss[i] !== shape[i] || steps[i] !== 1) contiguous = false;
  if (contiguous) {
    // The slice was one block of memory (a leading-axis range): one copy.
    out.set(d, base);
    return new NDArray(out, shape);
  }
  const strides = st.map((s, i) => s * steps[i]!);
  const inner = ss[nd - 1]!, is = strides[nd - 1]!;
  eachRow(ss, strides, base, (p, o) => {
    for (let j = 0; j < inner; j++) out[p + j * is] = d[o + j]!;
  });
  return new NDArray(out, shape);
}

export function concat(parts: readonly NDArray[], axis: number, outShape: Shape, dtype: DType): NDArray {
  const out = allocateFull(dtype, sizeOf(outShape));
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= outShape[i]!;
  let innerOut = 1;
  for (let i = axis; i < outShape.length; i++) innerOut *= outShape[i]!;
  let offset = 0;
  for (const p of parts) {
    const block = p.size / Math.max(outer, 1);
    for (let o = 0; o < outer; o++) out.set(p.data.subarray(o * block, (o + 1) * block), o * innerOut + offset);
    offset += block;
  }
  return new NDArray(out, outShape);
}

/** Takes `indices` (int32) along `axis`: out shape = a.shape[:axis] + indices.shape + a.shape[axis+1:]. */
export function take(a: NDArray, indices: NDArray, axis: number, outShape: Shape): NDArray {
  const out = allocateFull(a.dtype, sizeOf(outShape));
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= a.shape[i]!;
  for (let i = axis + 1; i < a.shape.length; i++) inner *= a.shape[i]!;
  const n = a.shape[axis]!, m = indices.size, idx = indices.data, d = a.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < m; k++) {
      const src = (o * n + idx[k]!) * inner, dst = (o * m + k) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = d[src + i]!;
    }
  }
  return new NDArray(out, outShape);
}

/** The transpose of take: adds rows of `g` into a zero array of `shape` at `indices` along `axis`. */
export function scatterAdd(g: NDArray, indices: NDArray, axis: number, shape: Shape, dtype: DType): NDArray {
  const out = allocate(dtype, sizeOf(shape));
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  const n = shape[axis]!, m = indices.size, idx = indices.data, d = g.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < m; k++) {
      const dst = (o * n + idx[k]!) * inner, src = (o * m + k) * inner;
      for (let i = 0; i < inner; i++) out[dst + i]! += d[src + i]!;
    }
  }
  return new NDArray(out, shape);
}

/** Constant padding: widths[i] = [before, after]. */
export function pad(a: NDArray, widths: readonly (readonly [number, number])[], value: number, outShape: Shape): NDArray {
  const out = allocate(a.dtype, sizeOf(outShape));
  if (value !== 0) out.fill(value);
  const starts = widths.map((w) => w[0]);
  const steps = widths.map(() => 1);
  const placed = sliceUpdate(a, outShape, starts, steps, a.dtype);
  // sliceUpdate writes into zeros; merge the interior region over the fill value.
  if (value === 0) return placed;
  const mask = sliceUpdate(new NDArray(new Uint8Array(a.size).fill(1), a.shape), outShape, starts, steps, "bool").data;
  for (let i = 0; i < out.length; i++) if (mask[i]) out[i] = placed.data[i]!;
  return new NDArray(out, outShape);
}
