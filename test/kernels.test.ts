// The WebAssembly kernels against the JavaScript kernels: random shapes (0, 1, odd, around the
// register tile and block sizes), both transposes, broadcast batches, float32 and float64, on
// one thread and on the worker pool; the memory tiling of products too large for the kernels'
// memory; the fallback where WebAssembly is missing or refused; workers never holding a Node
// process open. The memory is set small here so that the tiling path runs.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import * as K from "../src/array/kernels.js";
import { jsGemm } from "../src/array/matmul.js";
import { BLOCKING } from "../src/array/wasm/binary.generated.js";
import { current } from "../src/array/wasm/runtime.js";
import { bindMatmul } from "../src/ops/api.js";
import { checkAll, Rng } from "./helpers/check.js";

const WASM_OFF = process.env.WENGERT_WASM === "0";
// 4 MiB: products above about 1.9 MiB of operands are computed in tiles.
w.setKernelOptions({ memoryMiB: 4 });

const F32_EPS = 2 ** -24, F64_EPS = 2 ** -53;

function rand(r: Rng, shape: readonly number[], dtype: "float32" | "float64"): NDArray {
  let n = 1;
  for (const d of shape) n *= d;
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = r.uniform(-1, 1);
  return new NDArray(data, shape);
}

/**
 * Checks C = op(A)·op(B) for one [.., m, n] product against the JavaScript kernel run in
 * float64 on the same inputs, within the standard bound γ_k·(|op(A)|·|op(B)|) of the dtype.
 */
function checkProduct(A: NDArray, B: NDArray, ta: boolean, tb: boolean, C: NDArray, what: string): void {
  const sa = A.shape, sb = B.shape, sc = C.shape, nd = sc.length;
  const m = sc[nd - 2]!, n = sc[nd - 1]!, k = ta ? sa[sa.length - 2]! : sa[sa.length - 1]!;
  const eps = C.dtype === "float32" ? F32_EPS : F64_EPS;
  const batch = C.size / Math.max(1, m * n);
  const aMat = m * k, bMat = k * n;
  const aBatches = A.size / Math.max(1, aMat), bBatches = B.size / Math.max(1, bMat);
  const a64 = Float64Array.from(A.data), b64 = Float64Array.from(B.data);
  const aAbs = a64.map(Math.abs), bAbs = b64.map(Math.abs);
  const ref = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let t = 0; t < batch; t++) {
    // Batch broadcasting in these tests: an operand has either every batch or one.
    const ao = (aBatches === 1 ? 0 : t) * aMat, bo = (bBatches === 1 ? 0 : t) * bMat;
    const ars = ta ? 1 : k, acs = ta ? m : 1, brs = tb ? 1 : n, bcs = tb ? k : 1;
    jsGemm(a64, ao, ars, acs, b64, bo, brs, bcs, ref, 0, m, k, n);
    jsGemm(aAbs, ao, ars, acs, bAbs, bo, brs, bcs, mag, 0, m, k, n);
    for (let i = 0; i < m * n; i++) {
      const got = C.data[t * m * n + i]!;
      const bound = (k + 2) * eps * mag[i]! + 1e-300;
      if (!(Math.abs(got - ref[i]!) <= bound)) {
        assert.fail(`${what}: element ${i} of batch ${t} is ${got}, expected ${ref[i]} (error ${Math.abs(got - ref[i]!)} > bound ${bound})`);
      }
    }
  }
}

/** Sizes that straddle the register tiles (4×8 f32, 4×4 f64), the panel depth 256 and the 64-row blocks. */
const EDGE = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33, 63, 64, 65, 100];
const DEEP = [1, 3, 255, 256, 257, 300, 513];

function randomShapes(r: Rng, count: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  while (out.length < count) {
    const m = r.pick(EDGE), n = r.pick(EDGE), k = r.next() < 0.3 ? r.pick(DEEP) : r.pick(EDGE);
    if (m * n * k <= 4e5) out.push([m, n, k]);
  }
  // Always some that reach the WebAssembly path on every edge at once.
  out.push([65, 17, 257], [33, 100, 300], [5, 9, 513], [64, 64, 256], [1, 100, 100], [100, 1, 100], [100, 100, 1]);
  return out;
}

function stored(r: Rng, m: number, n: number, k: number, ta: boolean, tb: boolean, dtype: "float32" | "float64", batchA: number[] = [], batchB: number[] = []): [NDArray, NDArray] {
  return [rand(r, [...batchA, ...(ta ? [k, m] : [m, k])], dtype), rand(r, [...batchB, ...(tb ? [n, k] : [k, n])], dtype)];
}

function suite(label: string): void {
  for (const dtype of ["float32", "float64"] as const) {
    test(`${label}: ${dtype} products of random shapes, all four transposes, against the JavaScript kernel`, () => {
      const r = new Rng(dtype === "float32" ? 11 : 12);
      for (const [m, n, k] of randomShapes(r, 40)) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const [A, B] = stored(r, m, n, k, ta, tb, dtype);
          const C = K.matmul(A, B, [m, n], dtype, ta, tb);
          assert.equal(C.dtype, dtype);
          checkProduct(A, B, ta, tb, C, `${m}×${k}·${k}×${n} ta=${ta} tb=${tb}`);
        }
      }
    });
    test(`${label}: ${dtype} batched products with broadcast batch axes`, () => {
      const r = new Rng(dtype === "float32" ? 21 : 22);
      for (const [m, n, k] of [[17, 33, 40], [64, 8, 65], [3, 5, 7], [1, 1, 300]] as const) {
        for (const [ta, tb] of [[false, false], [true, true], [false, true]] as const) {
          for (const [ba, bb] of [[[3], [3]], [[3], []], [[], [3]], [[1, 3], [3]]] as const) {
            const [A, B] = stored(r, m, n, k, ta, tb, dtype, [...ba], [...bb]);
            // The batch axes broadcast: the longer list (these lists differ only by leading 1s).
            const batch = ba.length >= bb.length ? ba : bb;
            const C = K.matmul(A, B, [...batch, m, n], dtype, ta, tb);
            checkProduct(A, B, ta, tb, C, `[${ba}]${m}×${k} · [${bb}]${k}×${n} ta=${ta} tb=${tb}`);
          }
        }
      }
    });
  }
}

describe("kernels: one thread", () => {
  before(() => { w.setKernelOptions({ threads: 1 }); });
  suite("one thread");

  test("the WebAssembly kernels are in use (unless turned off), with memory reserved once and never grown", () => {
    const info = w.kernelInfo();
    if (WASM_OFF) {
      assert.equal(info.wasm, false);
      assert.match(info.reason, /turned off/);
      return;
    }
    assert.equal(info.wasm, true, info.reason);
    const k = current()!;
    assert.equal(k.memory.buffer.byteLength, k.bytes, "the memory has its reserved size");
    assert.equal(k.f32.length, k.bytes / 4, "views are not detached");
  });

  test("a product larger than the kernels' memory is computed in tiles, with the same result", () => {
    const r = new Rng(31);
    for (const dtype of ["float64", "float32"] as const) {
      const [A, B] = stored(r, 300, 520, 400, false, true, dtype);
      const C = K.matmul(A, B, [300, 520], dtype, false, true);
      checkProduct(A, B, false, true, C, `tiled ${dtype}`);
    }
  });
});

describe("kernels: worker threads", () => {
  before(async () => {
    w.setKernelOptions({ threads: 2, parallelThreshold: 0 });
    await w.kernelsReady();
  });
  after(() => { w.setKernelOptions({ threads: 1 }); });
  suite("two threads");

  test("workers compute chunks of products (when WebAssembly and shared memory are available)", () => {
    if (WASM_OFF) return;
    const info = w.kernelInfo();
    assert.equal(info.shared, true);
    assert.equal(info.workers, 1, info.workerProblem);
    const r = new Rng(41);
    const [A, B] = stored(r, 256, 256, 256, false, false, "float32");
    const before = info.workerChunks;
    const t0 = Date.now();
    // A worker on a busy machine may wake late and find every chunk claimed: try for a while.
    while (w.kernelInfo().workerChunks === before && Date.now() - t0 < 10_000) K.matmul(A, B, [256, 256], "float32");
    assert.ok(w.kernelInfo().workerChunks > before, "a worker took part in a product");
    checkProduct(A, B, false, false, K.matmul(A, B, [256, 256], "float32"), "256³ on two threads");
  });
});

describe("kernels: elementwise", () => {
  test("where reads full-size and scalar operands in place and broadcasts the rest, for every mix", () => {
    const r = new Rng(71);
    const shape = [3, 4];
    const at = (v: number | boolean | NDArray, i: number, j: number): number => {
      if (!(v instanceof NDArray)) return +v;
      const [p, q] = v.ndim === 2 ? [v.shape[0] === 1 ? 0 : i, v.shape[1] === 1 ? 0 : j] : [0, v.shape[0] === 1 ? 0 : j];
      return v.data[v.ndim === 2 ? p * v.shape[1]! + q : q]!;
    };
    const conds: (boolean | NDArray)[] = [true, false, w.greater(rand(r, [3, 4], "float64"), 0), w.greater(rand(r, [3, 1], "float64"), 0), w.greater(rand(r, [4], "float64"), 0), w.array([true])];
    for (const dtype of ["float64", "float32"] as const) {
      const vals: (number | NDArray)[] = [2.5, rand(r, [3, 4], dtype), rand(r, [1, 4], dtype), rand(r, [3, 1], dtype), rand(r, [1], dtype)];
      for (const c of conds) for (const a of vals) for (const b of vals) {
        if (typeof a === "number" && typeof b === "number" && typeof c === "boolean") continue;
        const out = K.where(c, a, b, shape, dtype);
        assert.equal(out.dtype, dtype);
        for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
          const want = at(c, i, j) ? at(a, i, j) : at(b, i, j);
          assert.equal(out.data[i * 4 + j], dtype === "float32" ? Math.fround(want) : want, `where(${String(c)}, …)[${i},${j}]`);
        }
      }
    }
  });
});

describe("kernels: derivatives", () => {
  test("derivatives of op(A)·op(B) for every transpose pair, batch broadcast, at sizes the WebAssembly kernels take", () => {
    const r = new Rng(61);
    const [m, n, k] = [16, 18, 20];
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const A = rand(r, [2, ...(ta ? [k, m] : [m, k])], "float64"), B = rand(r, tb ? [n, k] : [k, n], "float64");
      const f = (a: NDArray, b: NDArray) => w.tanh(bindMatmul(a, b, ta || tb ? { ta, tb } : undefined) as NDArray);
      checkAll(f, [A, B], r);
    }
  });
});

describe("kernels: results without WebAssembly", () => {
  test("turning the kernels off at run time gives the same products within float tolerance", () => {
    const r = new Rng(51);
    for (const dtype of ["float32", "float64"] as const) {
      const A = rand(r, [70, 90], dtype), B = rand(r, [90, 50], dtype);
      const on = w.matmul(A, B);
      w.setKernelOptions({ wasm: false });
      try {
        assert.equal(w.kernelInfo().wasm, false);
        const off = w.matmul(A, B);
        checkProduct(A, B, false, false, off, `${dtype} without wasm`);
        checkProduct(A, B, false, false, on, `${dtype} with wasm`);
      } finally {
        w.setKernelOptions({ wasm: !WASM_OFF });
      }
    }
  });

  test("gradients through large products agree with and without the kernels", () => {
    const r = new Rng(52);
    const X = rand(r, [40, 60], "float64"), W1 = rand(r, [60, 30], "float64");
    const f = (x: NDArray, wt: NDArray) => w.sum(w.tanh(w.matmul(x, wt)));
    const g = w.grad(f, { argnums: [0, 1] });
    const [gx, gw] = g(X, W1) as [NDArray, NDArray];
    w.setKernelOptions({ wasm: false });
    try {
      const [hx, hw] = g(X, W1) as [NDArray, NDArray];
      for (const [a, b] of [[gx, hx], [gw, hw]] as const) {
        for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.data[i]! - b.data[i]!) <= 1e-12 * (1 + Math.abs(b.data[i]!)), `element ${i}`);
      }
    } finally {
      w.setKernelOptions({ wasm: !WASM_OFF });
    }
  });
});

describe("kernels: environments", () => {
  const src = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const run = (flags: string[], code: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000, env: { ...process.env, WENGERT_WASM: "", ...env } });
  const product = `const A = w.reshape(w.arange(60 * 70), [60, 70]), B = w.reshape(w.cos(w.arange(70 * 50)), [70, 50]);
    const C = w.matmul(A, B); let s = 0; for (const v of C.data) s += v;`;

  test("with no WebAssembly at all (node --no-expose-wasm) the JavaScript kernels run", () => {
    const out = run(["--no-expose-wasm"], `import * as w from ${JSON.stringify(src)}; ${product} console.log(JSON.stringify({ s, info: w.kernelInfo() }));`);
    assert.equal(out.status, 0, out.stderr);
    const { s, info } = JSON.parse(out.stdout) as { s: number; info: w.KernelInfo };
    assert.equal(info.wasm, false);
    assert.match(info.reason, /no WebAssembly/);
    assert.ok(Number.isFinite(s));
  });

  test("where compiling WebAssembly is refused (as under a CSP without 'wasm-unsafe-eval') the JavaScript kernels run", () => {
    const refuse = `WebAssembly.Module = function () { throw new WebAssembly.CompileError("WebAssembly.Module(): Wasm code generation disallowed by embedder"); };`;
    const out = run([], `${refuse} const w = await import(${JSON.stringify(src)}); ${product} console.log(JSON.stringify({ s, info: w.kernelInfo() }));`);
    assert.equal(out.status, 0, out.stderr);
    const { info } = JSON.parse(out.stdout) as { s: number; info: w.KernelInfo };
    assert.equal(info.wasm, false);
    assert.match(info.reason, /disallowed by embedder/);
  });

  test("worker threads never keep a Node process alive", () => {
    const out = run([], `import * as w from ${JSON.stringify(src)};
      w.setKernelOptions({ threads: 2, parallelThreshold: 0 }); const info = await w.kernelsReady();
      ${product} console.log(JSON.stringify({ s, workers: info.workers }));`);
    assert.equal(out.signal, null, "the process exited by itself (it was not killed at the timeout)");
    assert.equal(out.status, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as { workers: number }).workers, 1);
  });

  test("WENGERT_WASM=0 turns the kernels off", () => {
    const out = run([], `import * as w from ${JSON.stringify(src)}; ${product} console.log(JSON.stringify(w.kernelInfo()));`, { WENGERT_WASM: "0" });
    assert.equal(out.status, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as w.KernelInfo).wasm, false);
  });
});

test("setKernelOptions refuses bad values with an ArgumentError naming the option", () => {
  assert.throws(() => w.setKernelOptions({ threads: 0 }), (e: unknown) => e instanceof w.ArgumentError && /threads must be an integer ≥ 1/.test(e.message));
  assert.throws(() => w.setKernelOptions({ wasm: "no" as unknown as boolean }), w.ArgumentError);
  assert.throws(() => w.setKernelOptions(null as unknown as w.KernelOptions), w.ArgumentError);
  assert.equal(BLOCKING.f32.nr % 4, 0, "float32 panels are whole vectors");
});
