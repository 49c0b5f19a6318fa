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
/**
 * Small buffers (loop steps' arrays) kept per size: a step's temporaries. The states a
 * checkpointed sweep holds are pooled by the sweep itself (loops/state-pool.ts); a pool of
 * thousands of small buffers needed a set to rule out second entries, whose rehashing, as
 * buffers came and went, left ~24 MB of old-generation garbage per W7 gradient.
 */
const MAX_SMALL_PER_SIZE = 64;

/** Free buffers by dtype, then element count (no key string built per allocation: loop steps allocate small arrays by the million). */
const buckets: Record<DType, Map<number, TypedData[]>> = { float64: new Map(), float32: new Map(), int32: new Map(), bool: new Map() };
let pooledBytes = 0;
/**
 * Allocations of the compiled calls and loop steps in progress (innermost last; see `scoped`
 * and `step`). A compiled call's scope logs buffers of MIN_BYTES or more; a step's logs all.
 */
interface Scope { readonly all: boolean; readonly bufs: TypedData[] }
const scopes: Scope[] = [];
/** Sets of buffers allocated while a tape records or sweeps (one per active tape, innermost last). */
const logs: Set<ArrayBufferLike>[] = [];
/** Counters (tests and benchmarks read them). */
export const poolStats = { reused: 0, returned: 0 };

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
    out = buckets[dtype].get(n)?.pop();
    if (out !== undefined) {
      pooledBytes -= out.byteLength;
      poolStats.reused++;
    }
  }
  out ??= fresh(dtype, n);
  const big = out.byteLength >= MIN_BYTES;
  if (big) for (const l of logs) l.add(out.buffer);
  const top = scopes.length > 0 ? scopes[scopes.length - 1]! : undefined;
  if (top !== undefined && (big || top.all)) top.bufs.push(out);
  return out;
}

/** A zeroed buffer of n elements. */
export function allocateZeroed(dtype: DType, n: number): TypedData {
  const reuse = pooledBytes > 0 && (buckets[dtype].get(n)?.length ?? 0) > 0;
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
  if (d.byteOffset !== 0 || d.byteLength !== buf.byteLength || pooledBytes + d.byteLength > MAX_BYTES) return;
  const b = bucketOf(d);
  if (b === null) return;
  // Never twice (two holders of one buffer gave it back): a bucket holds at most MAX_PER_SIZE,
  // so looking is cheaper than a WeakSet's bookkeeping.
  for (let i = 0; i < b.length; i++) if (b[i]!.buffer === buf) return;
  b.push(d);
  pooledBytes += d.byteLength;
  poolStats.returned++;
}

/** d's bucket, or null when it is full. */
function bucketOf(d: TypedData): TypedData[] | null {
  const m = buckets[dtypeOf(d)];
  let b = m.get(d.length);
  if (b === undefined) m.set(d.length, (b = []));
  const cap = d.byteLength < MIN_BYTES ? MAX_SMALL_PER_SIZE : MAX_PER_SIZE;
  return b.length >= cap ? null : b;
}

/**
 * giveBack for what a loop step allocated (allocateFull's own views of whole buffers). Buffers
 * below MIN_BYTES reach the pool only this way (no tape log or compiled scope tracks them), so
 * comparing the views themselves rules out a second entry, without reading .buffer per element
 * of the bucket; larger ones take giveBack's checks.
 */
function giveBackOwn(d: TypedData): void {
  if (d.byteLength >= MIN_BYTES) { giveBack(d); return; }
  if (pooledBytes + d.byteLength > MAX_BYTES) return;
  const b = bucketOf(d);
  if (b === null) return;
  for (let i = 0; i < b.length; i++) if (b[i] === d) return;
  b.push(d);
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
    const scope: Scope = { all: false, bufs: [] };
    scopes.push(scope);
    let r: R;
    try {
      r = run(args);
    } finally {
      scopes.splice(scopes.lastIndexOf(scope), 1);
    }
    if (scope.bufs.length > 0) {
      const keep = new Set<ArrayBufferLike>();
      buffersOf(r, keep);
      for (const d of scope.bufs) if (!keep.has(d.buffer)) giveBack(d);
    }
    return r;
  };
}

/**
 * One step of a loop on concrete values (a body's list evaluated once): every buffer the step
 * allocates, whatever its size, goes back to the pool when it ends unless an output holds it.
 * A step runs only primitives (no user code), so nothing else can reach its temporaries; at
 * W7's size (arrays of 100 numbers) allocating them fresh was most of an eager loop's time,
 * and the garbage they left was its RSS growth. Returns the outputs and the buffers of theirs
 * that the step allocated (`owned`): the loop gives those back with `release` once it has
 * consumed them (a carry, when the next step has run), or hands them on with `adopt`.
 */
export function step<T>(run: () => T[]): { readonly outs: T[]; readonly owned: TypedData[] } {
  const scope: Scope = { all: true, bufs: [] };
  scopes.push(scope);
  let outs: T[];
  try {
    outs = run();
  } finally {
    if (scopes[scopes.length - 1] === scope) scopes.pop();
    else scopes.splice(scopes.lastIndexOf(scope), 1);
  }
  const owned: TypedData[] = [], bufs = scope.bufs;
  for (let i = 0; i < bufs.length; i++) {
    const d = bufs[i]!;
    if (holds(outs, d.buffer)) owned.push(d);
    else giveBackOwn(d);
  }
  return { outs, owned };
}

/**
 * Runs f with no scope giving back what it allocates: tracing a loop body (its first trace, or
 * a new variant met in the middle of a step) may keep arrays it computes as constants of the list.
 */
export function unscoped<T>(f: () => T): T {
  if (scopes.length === 0) return f();
  const scope: Scope = { all: false, bufs: [] };
  scopes.push(scope);
  try {
    return f();
  } finally {
    scopes.splice(scopes.lastIndexOf(scope), 1);
  }
}

/** Whether one of these values (numbers, NDArrays) shares the buffer. */
export function holds(vals: readonly unknown[], buf: ArrayBufferLike): boolean {
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (typeof v !== "object" || v === null) continue;
    const data = (v as { data?: unknown }).data;
    if (ArrayBuffer.isView(data) && data.buffer === buf) return true;
  }
  return false;
}

/** Gives back buffers a loop step owned (`step`) that nothing holds now, except those `keep` (values) still share. */
export function release(owned: readonly TypedData[], keep: readonly unknown[] = []): void {
  for (let i = 0; i < owned.length; i++) {
    const d = owned[i]!;
    if (keep.length === 0 || !holds(keep, d.buffer)) giveBackOwn(d);
  }
}

/**
 * A loop's last owned buffers, once it ends: those `result` holds pass to the enclosing scope (a
 * compiled call's or an outer step's) as if allocated there; the others go back to the pool.
 */
export function handOn(owned: readonly TypedData[], result: readonly unknown[]): void {
  const top = scopes.length > 0 ? scopes[scopes.length - 1]! : undefined;
  for (const d of owned) {
    if (!holds(result, d.buffer)) giveBackOwn(d);
    else if (top !== undefined && (top.all || d.byteLength >= MIN_BYTES)) top.bufs.push(d);
  }
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
  for (const m of Object.values(buckets)) m.clear();
  pooledBytes = 0;
}

