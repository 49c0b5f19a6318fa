// Structured batches for Jacobians: a batch of basis vectors (rows of the identity), and what
// elementwise and structural ops make of them, kept as a few entries per row instead of a
// dense [B, …shape] array. Row b of a RowBatch is zero but for its entries idx[b·k + j]
// (flat positions in the example's shape; −1 marks an unused slot) with values vals[b·k + j].
//
// A Jacobian by batched forward (or reverse) mode seeds the identity; an elementwise-heavy
// function then costs O(nonzeros) per op, not O(n²). The ops below keep a RowBatch a RowBatch
// when they can (scaling by an unbatched array, sums of two, slices, reshapes, reductions);
// any other op densifies it first (batch.ts), so the structure is an optimisation only.

import { NDArray, sizeOf, stridesOf, type Shape } from "../array/ndarray.js";
import type { Aval } from "../array/aval.js";
import { allocateZeroed } from "../array/pool.js";
import type { Value } from "../core/tracer.js";

type Data = Float64Array | Float32Array;

export class RowBatch {
  constructor(
    /** Rows (the batch size). */
    readonly size: number,
    /** One example's shape. */
    readonly shape: Shape,
    /** Entry slots per row. */
    readonly k: number,
    readonly idx: Int32Array,
    readonly vals: Data,
  ) {}

  get dtype(): "float64" | "float32" { return this.vals instanceof Float32Array ? "float32" : "float64"; }

  /** The rows of the identity `first … first + size − 1` of an example of `shape` (rows past its size are zero). */
  static basis(size: number, shape: Shape, first: number, dtype: "float64" | "float32"): RowBatch {
    const n = sizeOf(shape), idx = new Int32Array(size), vals = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
    for (let b = 0; b < size; b++) {
      const e = first + b;
      if (e >= 0 && e < n) { idx[b] = e; vals[b] = 1; } else idx[b] = -1;
    }
    return new RowBatch(size, shape, 1, idx, vals);
  }

  /** The dense batch [size, …shape]. */
  dense(): NDArray {
    const n = sizeOf(this.shape), k = this.k;
    // From the pool (a Jacobian's dense basis is B·n elements): zeroed, as `+=` below needs.
    const out = allocateZeroed(this.dtype, this.size * n);
    for (let b = 0; b < this.size; b++) {
      for (let j = 0; j < k; j++) { const i = this.idx[b * k + j]!; if (i >= 0) out[b * n + i]! += this.vals[b * k + j]!; }
    }
    return new NDArray(out, [this.size, ...this.shape]);
  }

  /** Example 0, dense. */
  first(): NDArray {
    const n = sizeOf(this.shape);
    const out = this.vals instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
    if (this.size > 0) for (let j = 0; j < this.k; j++) { const i = this.idx[j]!; if (i >= 0) out[i]! += this.vals[j]!; }
    return new NDArray(out, this.shape);
  }

  /**
   * Worth keeping: few entries per row against the example's size, or one (a small example's
   * rows cost what its dense batch does, and a later unslice or broadcast would make that large).
   */
  get sparse(): boolean {
    return this.k <= 1 || this.k * 4 <= sizeOf(this.shape);
  }

  /** Each value times f(its index) (an unbatched factor read at the entry). */
  scaled(f: (i: number) => number): RowBatch {
    const vals = this.vals.slice();
    for (let j = 0; j < vals.length; j++) { const i = this.idx[j]!; if (i >= 0) vals[j] = vals[j]! * f(i); }
    return new RowBatch(this.size, this.shape, this.k, this.idx, vals);
  }

  /** Entries moved to new positions in an example of `shape` (−1: dropped), equal positions merged. */
  moved(shape: Shape, to: (i: number) => number): RowBatch {
    const idx = new Int32Array(this.idx.length);
    for (let j = 0; j < idx.length; j++) { const i = this.idx[j]!; idx[j] = i < 0 ? -1 : to(i); }
    return compact(this.size, shape, this.k, idx, this.vals);
  }
}

/** The entries of two batches of one shape, summed (`sign` −1: a − b). */
export function addRows(a: RowBatch, b: RowBatch, sign: number): RowBatch {
  const k = a.k + b.k, size = a.size;
  const idx = new Int32Array(size * k), vals = a.vals instanceof Float32Array ? new Float32Array(size * k) : new Float64Array(size * k);
  for (let r = 0; r < size; r++) {
    for (let j = 0; j < a.k; j++) { idx[r * k + j] = a.idx[r * a.k + j]!; vals[r * k + j] = a.vals[r * a.k + j]!; }
    for (let j = 0; j < b.k; j++) { idx[r * k + a.k + j] = b.idx[r * b.k + j]!; vals[r * k + a.k + j] = sign * b.vals[r * b.k + j]!; }
  }
  return compact(size, a.shape, k, idx, vals);
}

/** Merges equal positions within each row and drops unused slots, to the fewest slots per row. */
function compact(size: number, shape: Shape, k: number, idx: Int32Array, vals: Data): RowBatch {
  let kk = 0;
  for (let r = 0; r < size; r++) {
    let used = 0;
    for (let j = 0; j < k; j++) {
      const i = idx[r * k + j]!;
      if (i < 0) continue;
      let seen = false;
      for (let q = 0; q < j; q++) if (idx[r * k + q] === i) { seen = true; break; }
      if (!seen) used++;
    }
    if (used > kk) kk = used;
  }
  const ni = new Int32Array(size * kk).fill(-1), nv = vals instanceof Float32Array ? new Float32Array(size * kk) : new Float64Array(size * kk);
  for (let r = 0; r < size; r++) {
    let used = 0;
    for (let j = 0; j < k; j++) {
      const i = idx[r * k + j]!;
      if (i < 0) continue;
      let slot = -1;
      for (let q = 0; q < used; q++) if (ni[r * kk + q] === i) { slot = q; break; }
      if (slot < 0) { slot = used++; ni[r * kk + slot] = i; }
      nv[r * kk + slot]! += vals[r * k + j]!;
    }
  }
  return new RowBatch(size, shape, kk, ni, nv);
}

/** Coordinates of flat index i in `shape` (row-major). */
function unravel(i: number, strides: readonly number[], out: number[]): void {
  for (let d = 0; d < strides.length; d++) { out[d] = Math.floor(i / strides[d]!); i -= out[d]! * strides[d]!; }
}

/** A map from an example's flat index to that of a strided window (slice) of it, −1 outside. */
export function sliceMap(shape: Shape, starts: readonly number[], steps: readonly number[], out: Shape): (i: number) => number {
  const st = stridesOf(shape), os = stridesOf(out), c = new Array<number>(shape.length);
  return (i) => {
    unravel(i, st, c);
    let f = 0;
    for (let d = 0; d < c.length; d++) {
      const q = c[d]! - starts[d]!;
      if (q < 0 || q % steps[d]! !== 0 || q / steps[d]! >= out[d]!) return -1;
      f += (q / steps[d]!) * os[d]!;
    }
    return f;
  };
}

/** The inverse placement: an example's flat index to its place inside `full` (unslice, pad). */
export function placeMap(shape: Shape, starts: readonly number[], steps: readonly number[], full: Shape): (i: number) => number {
  const st = stridesOf(shape), fs = stridesOf(full), c = new Array<number>(shape.length);
  return (i) => {
    unravel(i, st, c);
    let f = 0;
    for (let d = 0; d < c.length; d++) f += (starts[d]! + c[d]! * steps[d]!) * fs[d]!;
    return f;
  };
}

export function permuteMap(shape: Shape, perm: readonly number[]): (i: number) => number {
  const st = stridesOf(shape), out = perm.map((p) => shape[p]!), os = stridesOf(out), c = new Array<number>(shape.length);
  return (i) => {
    unravel(i, st, c);
    let f = 0;
    for (let d = 0; d < perm.length; d++) f += c[perm[d]!]! * os[d]!;
    return f;
  };
}

export function reduceMap(shape: Shape, axes: readonly number[], out: Shape): (i: number) => number {
  const st = stridesOf(shape), kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const os = stridesOf(out.length === kept.length ? out : kept.map((d) => shape[d]!)), c = new Array<number>(shape.length);
  return (i) => {
    unravel(i, st, c);
    let f = 0;
    kept.forEach((d, q) => (f += c[d]! * os[q]!));
    return f;
  };
}

/**
 * A factor read at an entry's position: a number, or a concrete array of the example's shape or
 * of one element. null when it broadcasts otherwise (the caller densifies).
 */
export function factorAt(v: Value, shape: Shape): ((i: number) => number) | null {
  if (typeof v === "number") return () => v;
  if (!(v instanceof NDArray)) return null;
  const d = v.data;
  if (v.size === 1) { const x = d[0]!; return () => x; }
  if (v.shape.length === shape.length && v.shape.every((s, i) => s === shape[i])) return (i) => d[i]!;
  return null;
}

/** Whether an example of `a` is exactly of `shape` (no broadcasting up). */
export function sameExample(a: Aval, shape: Shape): boolean {
  return !a.js && a.shape.length === shape.length && a.shape.every((s, i) => s === shape[i]);
}
