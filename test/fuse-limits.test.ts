// Limits of compile's fusion, found by the GradBench tool's lstm gradient. (1) The
// slice-transpose epilogue must not take over an add that already belongs to another fused
// group: both groups claimed the line, one was never emitted, and the generated code read
// undefined (or declared a variable twice). (2) A fused loop has a bounded number of lines:
// the lstm's unrolled gradient on 14-element vectors fused into one loop whose emitted lines
// overflowed the call stack.

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

test("a fused loop holds at most MAX_GROUP_LINES lines; longer runs split into several loops", async () => {
  const { MAX_GROUP_LINES } = await import("../src/compile/fuse.js");
  // 3·MAX lines of one size, each reading the previous: one group without the cap.
  const f = (x: NDArray) => {
    let y = x;
    for (let i = 0; i < 3 * MAX_GROUP_LINES; i++) y = w.sin(w.add(y, 0.25));
    return y;
  };
  const x = w.array([0.1, 0.2, 0.3]);
  const cf = w.compile(f);
  cf(x);
  const got = cf(x) as NDArray;
  const stats = cf.lastCompiled!.stats;
  assert.ok(stats.fusedGroups >= 6, `expected ≥ 6 fused loops, got ${stats.fusedGroups}`);
  assert.ok(stats.fusedLines / stats.fusedGroups <= MAX_GROUP_LINES, `${stats.fusedLines} lines in ${stats.fusedGroups} loops`);
  const want = f(x);
  got.data.forEach((v, i) => assert.ok(Math.abs(v - want.data[i]!) <= 1e-15, `[${i}] ${v} vs ${want.data[i]}`));
});
