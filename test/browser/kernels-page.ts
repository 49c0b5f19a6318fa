// The page's script (bundled by test/kernels-browser.test.ts): loads the kernels as a page must
// (kernelsReady), runs products, where, reductions and an MLP gradient on them, runs the same
// with the JavaScript kernels, and reports what ran (kernelInfo) and how far apart the two are,
// each difference divided by its float error bound (≤ 1 passes; where, max and min must agree
// exactly). The test serves it with and without 'wasm-unsafe-eval' and cross-origin isolation.

import * as w from "../../src/index.js";
import type { NDArray } from "../../src/index.js";
import { DONE } from "./done.js";

type F = "float32" | "float64";

/**
 * Deterministic inputs in (-π/4, π/4) (a small LCG; the page and its reference see the same
 * ones), scaled by π/4 so that they have full mantissas and sums of them round.
 */
function data(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => (((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1) * (Math.PI / 4));
}
const arr = (shape: number[], seed: number, dtype: F): NDArray => w.array(data(shape.reduce((a, b) => a * b, 1), seed), { shape, dtype });

interface Case {
  readonly name: string;
  /** The result with the kernels in force. */
  readonly run: () => NDArray;
  /** The error bound of each element (null: must be exact), computed with the JavaScript kernels. */
  readonly bound: (() => NDArray) | null;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const dtype of ["float32", "float64"] as const) {
    const eps = dtype === "float32" ? 2 ** -24 : 2 ** -53;
    const A = arr([96, 130], 1, dtype), B = arr([130, 70], 2, dtype), At = w.transpose(A), C = arr([256, 256], 3, dtype), D = arr([256, 256], 4, dtype);
    const product = (name: string, f: (a: NDArray, b: NDArray) => NDArray, a: NDArray, b: NDArray, k: number) =>
      out.push({ name: `${name} ${dtype}`, run: () => f(a, b), bound: () => w.mul(w.add(f(w.abs(a), w.abs(b)), 1e-30), (k + 2) * eps) });
    product("matmul 96×130·130×70", (a, b) => w.matmul(a, b), A, B, 130);
    product("matmul (130×96)ᵀ·130×70", (a, b) => w.matmul(w.transpose(a), b), At, B, 130);
    product("matmul 256³", (a, b) => w.matmul(a, b), C, D, 256);
    const x = arr([64, 100], 5, dtype);
    out.push({ name: `relu ${dtype}`, run: () => w.relu(x), bound: null });
    out.push({ name: `where ${dtype}`, run: () => w.where(w.less(x, 0.25), x, -2), bound: null });
    for (const axis of [0, 1]) {
      const r = x.shape[axis]!;
      out.push({ name: `sum axis ${axis} ${dtype}`, run: () => w.sum(x, axis), bound: () => w.mul(w.add(w.sum(w.abs(x), axis), 1e-30), 2 * r * eps) });
      out.push({ name: `max axis ${axis} ${dtype}`, run: () => w.max(x, axis), bound: null });
      out.push({ name: `min axis ${axis} ${dtype}`, run: () => w.min(x, axis), bound: null });
    }
  }
  // The W3 network's gradient, small: matmul, relu, logSoftmax, sums (float64, so the bound is loose but meaningful).
  const X = arr([32, 40], 6, "float64"), W1 = arr([40, 30], 7, "float64"), W2 = arr([30, 10], 8, "float64");
  const loss = (a: NDArray, b: NDArray) => w.neg(w.mean(w.sum(w.logSoftmax(w.matmul(w.relu(w.matmul(X, a)), b)), 1)));
  const g = () => w.grad(loss)(W1, W2) as NDArray;
  out.push({ name: "MLP gradient float64", run: g, bound: () => w.mul(w.add(w.abs(g()), 1), 1e-12) });
  return out;
}

async function main(): Promise<object> {
  const search = (globalThis as { location?: { search: string } }).location?.search ?? "";
  const threads = Number(new URLSearchParams(search).get("threads") ?? "1");
  w.setKernelOptions({ threads, parallelThreshold: 0 });
  const ready = await w.kernelsReady(15_000);
  const list = cases();
  const got = list.map((c) => Array.from(c.run().data));
  const chunks = w.kernelInfo().workerChunks;
  w.setKernelOptions({ wasm: false });
  const want = list.map((c) => Array.from(c.run().data));
  const bounds = list.map((c) => (c.bound === null ? null : Array.from(c.bound().data)));
  w.setKernelOptions({ wasm: true });
  const worst = list.map((c, i) => {
    let q = 0;
    got[i]!.forEach((v, j) => {
      const d = Math.abs(v - want[i]![j]!);
      const b = bounds[i]?.[j];
      q = Math.max(q, b === undefined ? (Object.is(v, want[i]![j]) ? 0 : Infinity) : d / b);
    });
    return { name: c.name, worst: q, size: got[i]!.length };
  });
  return { ready, workerChunks: chunks, crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true, worst };
}

main()
  .catch((e: unknown) => ({ crashed: String(e instanceof Error ? e.stack : e) }))
  .then((result) => console.log(DONE, JSON.stringify({ result, csp: (globalThis as unknown as { __csp: string[] }).__csp })));
