// A bounded pool of array buffers that nothing can reach any more, so that an eager gradient
// does not allocate (and the OS zero and fault in) a fresh buffer for every op: a 128 KiB
// Float32Array costs more to allocate than one pass of an elementwise loop over it.
//
// Two things give buffers back: the reverse sweep's bookkeeping (Tape.release with the values the
// caller returns): the primals and cotangents of a released tape's lines, allocated while that
// tape recorded or swept, and not shared with anything returned or read out (value()); and a
// compiled function's call (`scoped`): what its kernels allocated, less what it returns. User
// arrays are never pooled: they stay immutable and garbage-collected, with no dispose. Buffers
// taken from the pool hold stale values: `allocate` zeroes them, `allocateFull` is for kernels
// that write every element.

import type { DType, TypedData } from "./ndarray.js";

/** Buffers below this size are cheap to allocate (and too many to track): never pooled. */
export const MIN_BYTES = 4096;
/** The pool's bound: buffers beyond it are left to the garbage collector. */
const MAX_BYTES = 64 * 2 ** 20;
const MAX_PER_SIZE = 16;

const buckets = new Map<string, TypedData[]>();
let pooledBytes = 0;
/** The buffers in the pool now: none is given back twice (two holders of one buffer). */
let inPool = new WeakSet<ArrayBufferLike>();
/** Allocations of the compiled calls in progress (innermost last; see `scoped`). */
const scopes: TypedData[][] = [];
/** Sets of buffers allocated while a tape records or sweeps (one per active tape, innermost last). */
const logs: Set<ArrayBufferLike>[] = [];
/** Counters (tests and benchmarks read them). */
export const poolStats = { reused: 0, returned: 0 };

const key = (dtype: DType, n: number): string => `${dtype}:${n}`;

function fresh(dtype: DType, n: number): TypedData {
  switch (dtype) {
    case "float64": return new Float64Array(n);
    case "float32": return new Float32Array(n);
    case "int32": return new Int32Array(n);
    case "bool": return new Uint8Array(n);
  }
}

/** A buffer of n elements whose contents are unspecified: the caller writes every element. */
export function allocateFull(dtype: DType, n: number): TypedData {
  let out: TypedData | undefined;
  if (pooledBytes > 0) {
    const b = buckets.get(key(dtype, n));
    out = b?.pop();
    if (out !== undefined) {
      inPool.delete(out.buffer);
      pooledBytes -= out.byteLength;
      poolStats.reused++;
    }
  }
  out ??= fresh(dtype, n);
  if (out.byteLength >= MIN_BYTES) {
    for (const l of logs) l.add(out.buffer);
    if (scopes.length > 0) scopes[scopes.length - 1]!.push(out);
  }
  return out;
}

/** A zeroed buffer of n elements. */
export function allocateZeroed(dtype: DType, n: number): TypedData {
  const reuse = pooledBytes > 0 && (buckets.get(key(dtype, n))?.length ?? 0) > 0;
  const out = allocateFull(dtype, n);
  if (reuse) out.fill(0);
  return out;
}

/** Starts logging allocations for a tape; returns the log to pass to `endLog` and `recycle`. */
export function beginLog(log: Set<ArrayBufferLike> = new Set()): Set<ArrayBufferLike> {
  logs.push(log);
  return log;
}

export function endLog(log: Set<ArrayBufferLike>): void {
  const i = logs.lastIndexOf(log);
  if (i >= 0) logs.splice(i, 1);
}

/**
 * Gives back the buffers of `candidates` that were allocated under `log` and are not in
 * `keep` (buffers something returned or read still uses). Views into a larger buffer, and
 * buffers seen twice, are skipped.
 */
export function recycle(candidates: Iterable<TypedData>, log: ReadonlySet<ArrayBufferLike>, keep: ReadonlySet<ArrayBufferLike>): void {
  const done = new Set<ArrayBufferLike>();
  for (const d of candidates) {
    const buf = d.buffer;
    if (!log.has(buf) || keep.has(buf) || done.has(buf)) continue;
    done.add(buf);
    giveBack(d);
  }
}

/** Puts one whole buffer in the pool, within its bounds (never one already there). */
function giveBack(d: TypedData): void {
  const buf = d.buffer;
  if (d.byteOffset !== 0 || d.byteLength !== buf.byteLength || pooledBytes + d.byteLength > MAX_BYTES || inPool.has(buf)) return;
  const k = key(dtypeOf(d), d.length);
  let b = buckets.get(k);
  if (b === undefined) buckets.set(k, (b = []));
  if (b.length >= MAX_PER_SIZE) return;
  b.push(d);
  inPool.add(buf);
  pooledBytes += d.byteLength;
  poolStats.returned++;
}

/**
 * A compiled program's run function whose calls give back what their kernels allocated (the
 * temporaries between its lines), less the buffers of what the call returns, so the next call
 * takes them from the pool instead of the allocator. A compiled program runs no user code, so
 * only its result can hold one of its buffers. A call that throws gives nothing back.
 */
export function scoped<A, R>(run: (args: A) => R): (args: A) => R {
  return (args) => {
    const scope: TypedData[] = [];
    scopes.push(scope);
    let r: R;
    try {
      r = run(args);
    } finally {
      scopes.splice(scopes.lastIndexOf(scope), 1);
    }
    if (scope.length > 0) {
      const keep = new Set<ArrayBufferLike>();
      buffersOf(r, keep);
      for (const d of scope) if (!keep.has(d.buffer)) giveBack(d);
    }
    return r;
  };
}

/** The buffers of the arrays and typed arrays in a result (arrays and plain objects walked). */
function buffersOf(v: unknown, out: Set<ArrayBufferLike>, depth = 0): void {
  if (typeof v !== "object" || v === null || depth > 64) return;
  if (ArrayBuffer.isView(v)) { out.add(v.buffer); return; }
  const data = (v as { data?: unknown }).data;
  if (ArrayBuffer.isView(data)) { out.add(data.buffer); return; }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (Array.isArray(v)) for (const x of v) buffersOf(x, out, depth + 1);
  else if (proto === Object.prototype || proto === null) for (const x of Object.values(v)) buffersOf(x, out, depth + 1);
}

function dtypeOf(d: TypedData): DType {
  return d instanceof Float64Array ? "float64" : d instanceof Float32Array ? "float32" : d instanceof Int32Array ? "int32" : "bool";
}

/** Empties the pool (tests; or to hand its memory back to the garbage collector). */
export function clearPool(): void {
  buckets.clear();
  inPool = new WeakSet();
  pooledBytes = 0;
}

