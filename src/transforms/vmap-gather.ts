// Batching rules of take and scatterAdd with batched indices, as one gather or scatter on the
// batch (not one per example). Example b's indices address its own slice of the batch: with the
// indexed axis moved next to the batch axis and the two merged into one of B·n rows, example b's
// index k is row b·n + k. take's VJP is scatterAdd and scatterAdd's is take, so per-example
// gradients of an embedding lookup (vmap(grad(f))) stay one scatter too.

import { NDArray } from "../array/ndarray.js";
import type { Value } from "../core/tracer.js";
import { add, astype, broadcastTo, reshape, scatterAdd, take, transpose } from "../ops/api.js";
import type { AxisParams, ScatterParams } from "../ops/prims.js";
import type { BatchCall } from "./batch.js";

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** A batch of int32 indices [B, …I] made row numbers of the merged [B·n] axis: index + b·n. */
function rows(idx: Value, b: number, rank: number, n: number): Value {
  const off = new Int32Array(b);
  for (let i = 0; i < b; i++) off[i] = i * n;
  // int32 + int32 computes in float64 here (exact below 2^53); the sum is an index again.
  return astype(add(idx, new NDArray(off, [b, ...new Array<number>(rank).fill(1)])), "int32");
}

/**
 * take(a, idx, axis) for a batch of indices (and of `a`, or one `a` for all): a gather along the
 * merged axis when `a` is batched; with one shared `a`, one take whose index axes are moved first.
 */
export function batchTake(xs: readonly Value[], batched: readonly boolean[], p: AxisParams, c: BatchCall): Value {
  const [a, idx] = xs as [Value, Value];
  const s = c.avals[0]!.shape, ri = c.avals[1]!.shape.length, ax = p.axis, B = c.size;
  if (!batched[0]) {
    // [pre, B, …I, post] → [B, pre, …I, post].
    const t = take(a, idx, ax);
    return ax === 0 ? t : transpose(t, [ax, ...range(0, ax), ...range(ax + 1, ri + s.length)]);
  }
  const n = s[ax]!, pre = s.slice(0, ax), post = s.slice(ax + 1);
  // [B, pre, n, post] → [B, n, pre, post] → [B·n, pre, post].
  const moved = ax === 0 ? a : transpose(a, [0, ax + 1, ...range(1, ax + 1), ...range(ax + 2, s.length + 1)]);
  const merged = reshape(moved, [B * n, ...pre, ...post]);
  // [B, …I, pre, post] → [B, pre, …I, post].
  const t = take(merged, rows(idx, B, ri, n), 0);
  if (ax === 0) return t;
  return transpose(t, [0, ...range(1 + ri, 1 + ri + ax), ...range(1, 1 + ri), ...range(1 + ri + ax, 1 + ri + s.length - 1)]);
}

/** scatterAdd(g, idx, axis, shape) for a batch of indices: one scatter into the merged [B·n] axis. */
export function batchScatterAdd(xs: readonly Value[], batched: readonly boolean[], p: ScatterParams, c: BatchCall): Value {
  const [g0, idx] = xs as [Value, Value];
  const B = c.size, ax = p.axis, ri = c.avals[1]!.shape.length, s = p.shape, n = s[ax]!;
  const pre = s.slice(0, ax), post = s.slice(ax + 1);
  const g = batched[0] ? g0 : broadcastTo(g0, [B, ...c.avals[0]!.shape]);
  // [B, pre, …I, post] → [B, …I, pre, post], the index axes next to the batch axis as take's output has them.
  const moved = ax === 0 ? g : transpose(g, [0, ...range(1 + ax, 1 + ax + ri), ...range(1, 1 + ax), ...range(1 + ax + ri, 1 + ri + s.length - 1)]);
  const flat = scatterAdd(moved, rows(idx, B, ri, n), 0, [B * n, ...pre, ...post]);
  // [B·n, pre, post] → [B, n, pre, post] → [B, pre, n, post].
  const split = reshape(flat, [B, n, ...pre, ...post]);
  return ax === 0 ? split : transpose(split, [0, ...range(2, 2 + ax), 1, ...range(2 + ax, s.length + 1)]);
}
