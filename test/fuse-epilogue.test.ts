// compile's slice-transpose epilogue must not take over an add that already belongs to another
// fused group. Found by the GradBench lstm gradient: the add of two unslices joined an
// unrelated group of its own size, both groups claimed the line, one was never emitted, and the
// generated code read undefined (or declared a variable twice).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";

// q's lines (size 8) are open when the reverse sweep adds the two halves of p's gradient (size 8).
const f = (p: NDArray, q: NDArray) => {
  const e = w.mul(w.exp(q), q);
  const a = w.slice(p, [0], [4]), b = w.slice(p, [4], [8]);
  const u = w.mul(w.sin(a), w.cos(b));
  return w.add(w.sum(w.mul(u, u)), w.sum(w.mul(e, q)));
};

test("an add in a fused group is not also a slice-transpose epilogue, at every chunk size", () => {
  const p = w.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), q = w.array([0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]);
  const want = (w.grad(f, { argnums: [0, 1] })(p, q) as readonly NDArray[]).map((g) => Array.from(g.data));
  for (const chunkSize of [1, 2, 3, 1000]) {
    const g = w.compile(w.grad(f, { argnums: [0, 1] }), { chunkSize });
    g(p, q); // traces
    const got = (g(p, q) as readonly NDArray[]).map((a) => Array.from(a.data)); // runs the generated code
    got.forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(x - want[i]![j]!) <= 1e-13, `chunkSize ${chunkSize}: [${i}][${j}] ${x} vs ${want[i]![j]}`)));
  }
});
