// Compiled HVPs of several seeds (sparseHessian's program: one seed per color) end, for each
// seed, in add(unslice(a), unslice(b)) — the transpose of x[1:] and x[:-1]. Each add must become
// the epilogue of its own seed's loop; the adds, being independent lines of one size, used to
// fuse into one loop of their own instead, which left every unslice a zero-padded copy.
// Fused results that miss the workspace come from the buffer pool: a call never hands out a
// buffer an earlier call returned, and what it does not return goes back to the pool.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray, Value } from "../src/index.js";
import { clearPool, poolStats } from "../src/array/pool.js";

const rosen = (x: NDArray): NDArray => {
  const n = x.shape[0]!;
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};

const n = 600; // 4.8 KB float64 arrays: above the pool's 4 KiB floor
const point = (k: number) => w.array(Float64Array.from({ length: n }, (_, i) => Math.cos(k + 0.7 * i)));
const seed = (c: number) => w.array(Float64Array.from({ length: n }, (_, i) => (i % 3 === c ? 1 : 0)));

test("HVPs of three seeds: each seed's slice transposes are summed in its own loop, no unslice copies", () => {
  const hvps = (x: Value, ...s: Value[]) => s.map((v) => w.hvp(rosen, x as NDArray, v as NDArray));
  const g = w.compile(hvps);
  const seeds = [0, 1, 2].map(seed);
  for (const k of [1, 2]) {
    const x = point(k);
    g(x, ...seeds); // the first call traces
    const got = g(x, ...seeds) as NDArray[];
    const want = hvps(x, ...seeds) as NDArray[];
    got.forEach((h, c) => h.data.forEach((v, i) => assert.ok(Math.abs(v - want[c]!.data[i]!) <= 1e-12 * (1 + Math.abs(want[c]!.data[i]!)), `seed ${c} [${i}]: ${v} vs ${want[c]!.data[i]}`)));
  }
  const src = g.lastCompiled!.source;
  assert.doesNotMatch(src, /unslice/, "no separate unslice kernel calls");
  assert.equal(src.match(/\[1 \+ i\] \+=/g)?.length, 3, "one accumulating loop per seed");
});

test("a fused result from the pool is never one an earlier call returned; temporaries are given back", () => {
  clearPool();
  // exp(x²)'s loop feeds a reshape (a view, so not the workspace): a pooled temporary, given back.
  const f = (x: NDArray) => [w.mul(w.sin(x), x), w.sum(w.reshape(w.exp(w.mul(x, x)), [n / 2, 2]), 1)];
  const g = w.compile(f);
  const x1 = point(1), x2 = point(2);
  g(x1);
  const [a1, b1] = g(x1) as NDArray[];
  const keep = [Float64Array.from(a1!.data), Float64Array.from(b1!.data)];
  const before = poolStats.reused;
  const [a2, b2] = g(x2) as NDArray[];
  assert.ok(poolStats.reused > before, "the later call took its temporaries from the pool");
  assert.notEqual(a2!.data.buffer, a1!.data.buffer);
  assert.deepEqual(Array.from(a1!.data), Array.from(keep[0]!), "the first result is unchanged");
  assert.deepEqual(Array.from(b1!.data), Array.from(keep[1]!));
  const [wa, wb] = f(x2) as NDArray[];
  assert.deepEqual(Array.from(a2!.data), Array.from(wa!.data));
  b2!.data.forEach((v, i) => assert.ok(Math.abs(v - wb!.data[i]!) <= 1e-15 * Math.abs(wb!.data[i]!), `[${i}]`));
});
