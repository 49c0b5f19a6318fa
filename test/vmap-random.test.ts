// Random numbers under vmap: a batch of keys (random.split(key, n), stacked) gives each example
// the numbers its own key gives outside vmap, through every draw and key operation, keeping the
// draws' dtypes; a key shared by every example gives every example the same numbers.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose } from "./helpers/check.js";

const n = 4;
const keys = w.random.split(w.random.key(42), n);
// stack computes int32 arrays as float64: keys are int32.
const K = w.astype(w.stack(keys, 0), "int32");

function same(name: string, draw: (k: NDArray) => NDArray): void {
  const want = keys.map(draw);
  const got = w.vmap(draw)(K);
  assert.equal(got.dtype, want[0]!.dtype, `${name}: dtype`);
  assert.deepEqual(got.shape, [n, ...want[0]!.shape], `${name}: shape`);
  // Bit for bit: the same numbers, not just close ones.
  assert.deepEqual(Array.from(got.data), want.flatMap((x) => Array.from(x.data)), name);
}

test("vmap over per-example keys gives each example its own key's numbers, bit for bit", () => {
  same("normal", (k) => w.random.normal(k, [2, 3]));
  same("normal float32", (k) => w.random.normal(k, [5], { dtype: "float32" }));
  same("uniform with bounds", (k) => w.random.uniform(k, [3], { minval: -2, maxval: 5 }));
  same("randint", (k) => w.random.randint(k, [6], 0, 10));
  same("permutation", (k) => w.random.permutation(k, 5));
  same("split then draw", (k) => { const [a, b] = w.random.split(k); return w.add(w.random.normal(a!, [3]), w.random.uniform(b!, [3])); });
  same("foldIn", (k) => w.random.normal(w.random.foldIn(k, 7), [2]));
  same("keys out", (k) => w.random.split(k, 3)[2]!);
  same("bernoulli", (k) => w.astype(w.random.bernoulli(k, 0.3, [8]), "int32"));
  same("categorical", (k) => w.random.categorical(k, w.array([[0.1, 2, -1], [1, 1, 1]])));
  same("gumbel", (k) => w.random.gumbel(k, [3]));
  same("compiled", (k) => w.compile((kk: NDArray) => w.random.normal(kk, [3]))(k));
});

test("a shared key under vmap: every example the same numbers; a batched scale composes with grad", () => {
  const k = w.random.key(3);
  const scale = w.array([1, 2, 3]);
  const got = w.vmap((s: NDArray, kk: NDArray) => w.mul(s, w.random.normal(kk, [2])), { inAxes: [0, null] })(scale, k);
  assertClose(got, w.mul(w.reshape(scale, [3, 1]), w.random.normal(k, [2])));
  // Reparameterised sampling, per-example gradients: d/dσ sum(μ + σ·ε) = sum(ε) for each example's own ε.
  const sample = (sigma: NDArray, kk: NDArray) => w.sum(w.mul(sigma, w.random.normal(kk, [4])));
  const g = w.vmap(w.grad(sample))(w.ones([n]), K) as NDArray;
  assertClose(g, w.stack(keys.map((kk) => w.sum(w.random.normal(kk, [4]))), 0));
});

test("a draw from a batch of keys is one line (not one per example), nested vmap included; compiled alike", () => {
  const draw = (k: NDArray) => w.random.normal(w.random.split(k)[1]!, [3]);
  const cf = w.compile(w.vmap(draw));
  cf(K);
  const ops = cf.lastCompiled!.trace.lines.map((l) => l.op);
  assert.equal(ops.filter((o) => o === "randomNormal").length, 1, ops.join(" "));
  assert.equal(ops.filter((o) => o === "randomSplit").length, 1, ops.join(" "));
  // Keys [2, n, 2]: vmap of vmap, each key its own numbers.
  const grid = w.astype(w.stack(w.random.split(w.random.key(9), 2 * n), 0), "int32").reshape([2, n, 2]);
  const got = w.vmap(w.vmap(draw))(grid);
  const want = w.stack(Array.from({ length: 2 * n }, (_, i) => draw(w.reshape(w.slice(grid, [Math.floor(i / n), i % n, 0], [Math.floor(i / n) + 1, (i % n) + 1, 2]), [2]))), 0).reshape([2, n, 3]);
  assert.deepEqual(Array.from(got.data), Array.from(want.data), "nested");
  assert.deepEqual(Array.from(w.compile(w.vmap(draw))(K).data), Array.from(w.vmap(draw)(K).data), "compiled");
  // A batch of keys passed to a draw outside vmap is still refused.
  assert.throws(() => w.random.normal(K, [2]), w.ShapeError);
});
