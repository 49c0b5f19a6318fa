// The WebAssembly select (where) and reduction (sum, max, min) kernels against the JavaScript
// kernels: random shapes (0, 1, odd, around the vector widths and the size thresholds), every
// axis set (non-contiguous ones are transposed first), transposed and step-sliced inputs, NaN
// and ±∞ among the elements, float32 and float64, with one thread and with two. Under
// WENGERT_WASM=0 the same checks run the JavaScript kernels against themselves and assert that
// the WebAssembly ones decline.

import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import * as K from "../src/array/kernels.js";
import { wasmReduce, WASM_MIN_REDUCE } from "../src/array/wasm/reduce.js";
import { wasmSelect, WASM_MIN_SELECT } from "../src/array/wasm/select.js";
import { Rng } from "./helpers/check.js";
import { bothWays, WASM_OFF } from "./helpers/both-ways.js";

const DTYPES = ["float32", "float64"] as const;
type F = (typeof DTYPES)[number];
const DIMS = [0, 1, 2, 3, 5, 7, 8, 16, 17, 33, 64, 100, 257];

function randData(r: Rng, n: number, dtype: F, special: boolean): Float32Array | Float64Array {
  const d = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  const odd = [NaN, Infinity, -Infinity, 0, -0];
  for (let i = 0; i < n; i++) d[i] = special && r.next() < 0.02 ? r.pick(odd) : r.uniform(-3, 3);
  return d;
}
const randArr = (r: Rng, shape: number[], dtype: F, special = false) => new NDArray(randData(r, shape.reduce((a, b) => a * b, 1), dtype, special), shape);

const BIG = [17, 33, 64, 100, 257, 1031];

/** A random shape; every other one has only large axes (at or above the kernels' thresholds). */
function randShape(r: Rng): number[] {
  const dims = r.bool() ? BIG : DIMS;
  for (;;) {
    const nd = r.int(1, 3);
    const s = Array.from({ length: nd }, () => r.pick(dims));
    const n = s.reduce((a, b) => a * b, 1);
    if (n <= 3e5) return s;
  }
}

const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : a === b);

function assertSame(got: NDArray, want: NDArray, what: string): void {
  assert.deepEqual(got.shape, want.shape, what);
  assert.equal(got.dtype, want.dtype, what);
  for (let i = 0; i < want.size; i++) if (!same(got.data[i]!, want.data[i]!)) assert.fail(`${what}: element ${i} is ${got.data[i]}, the JavaScript kernel gives ${want.data[i]}`);
}

/** Sums agree within the reassociation bound r·2⁻⁵²·Σ|x| (plus a rounding of the result in float32). */
function assertSums(got: NDArray, want: NDArray, x: NDArray, axes: number[], what: string): void {
  const abs = w.sum(w.abs(x), axes) as NDArray;
  const r = axes.reduce((a, ax) => a * x.shape[ax]!, 1);
  const eps = got.dtype === "float32" ? 2 ** -24 : 2 ** -53;
  assert.deepEqual(got.shape, want.shape, what);
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i]!, v = want.data[i]!;
    if (!Number.isFinite(v)) { assert.ok(same(g, v), `${what}: element ${i} is ${g}, expected ${v}`); continue; }
    const bound = 2 * eps * Math.abs(v) + r * 2 ** -52 * abs.data[i]!;
    assert.ok(Math.abs(g - v) <= bound, `${what}: element ${i} is ${g}, the JavaScript kernel gives ${v} (bound ${bound})`);
  }
}

const allAxes = (nd: number): number[][] => {
  const out: number[][] = [];
  for (let m = 1; m < 1 << nd; m++) out.push([...Array(nd).keys()].filter((i) => m & (1 << i)));
  return out;
};

/** The input as given, transposed (a copy in another order), and step-sliced (a strided read). */
function variants(x: NDArray): [string, NDArray][] {
  const out: [string, NDArray][] = [["contiguous", x]];
  if (x.ndim >= 2) out.push(["transposed", w.transpose(x) as NDArray]);
  if (x.shape[0]! >= 2) out.push(["step-sliced", w.slice(x, [1], [undefined], [2]) as NDArray]);
  return out;
}

function reductionSuite(threads: number): void {
  test(`sum, max and min along every axis set agree with the JavaScript kernel (${threads} thread${threads > 1 ? "s" : ""})`, () => {
    w.setKernelOptions({ threads });
    const r = new Rng(900 + threads);
    let big = 0;
    for (let trial = 0; trial < 40; trial++) {
      const dtype = r.pick(DTYPES), special = r.bool();
      for (const [how, x] of variants(randArr(r, randShape(r), dtype, special))) {
        if (x.size >= WASM_MIN_REDUCE) big++;
        for (const axes of allAxes(x.ndim)) {
          const what = `${dtype} ${how} [${x.shape}] axes [${axes}]${special ? " with NaN/±∞/±0" : ""}`;
          const [s1, s0] = bothWays(() => w.sum(x, axes) as NDArray);
          assertSums(s1, s0, x, axes, `sum ${what}`);
          if (x.shape.some((d, i) => d === 0 && axes.includes(i))) continue; // max of nothing is refused
          for (const op of [w.max, w.min]) {
            const [m1, m0] = bothWays(() => op(x, axes) as NDArray);
            assertSame(m1, m0, `${op.name} ${what}`);
          }
        }
      }
    }
    assert.ok(big >= 20, `${big} inputs reached the WebAssembly size threshold`);
  });
}

describe("lane kernels: reductions", () => {
  after(() => { w.setKernelOptions({ threads: 1 }); });
  reductionSuite(1);
  reductionSuite(2);

  test("the WebAssembly reduction kernels take every (outer, r, inner) block at and above the threshold", () => {
    const r = new Rng(77);
    for (const dtype of DTYPES) {
      for (const [outer, red, inner] of [[1, WASM_MIN_REDUCE, 1], [3, 341, 1], [1, 1, 1031], [17, 5, 13], [2, 257, 7], [64, 1, 64], [5, 0, 300], [0, 7, 3000]] as const) {
        const n = outer * red * inner;
        const src = randData(r, n, dtype, true);
        for (const kind of ["sum", "max", "min"] as const) {
          const out = dtype === "float32" ? new Float32Array(outer * inner) : new Float64Array(outer * inner);
          const took = wasmReduce(kind, src, outer, red, inner, out);
          assert.equal(took, !WASM_OFF && n >= WASM_MIN_REDUCE, `${kind} ${dtype} (${outer}, ${red}, ${inner})`);
          if (!took) continue;
          const x = new NDArray(src, [outer, red, inner]);
          w.setKernelOptions({ wasm: false });
          try {
            const ref = K.reduce(kind, x, [1], [outer, inner], dtype);
            const got = new NDArray(out, [outer, inner]);
            if (kind === "sum") assertSums(got, ref, x, [1], `wasm sum (${outer}, ${red}, ${inner})`);
            else assertSame(got, ref, `wasm ${kind} ${dtype} (${outer}, ${red}, ${inner})`);
          } finally {
            w.setKernelOptions({ wasm: !WASM_OFF });
          }
        }
      }
    }
  });
});

describe("lane kernels: where", () => {
  test("where gives the JavaScript kernel's bits for every operand mix, broadcast, size and dtype", () => {
    const r = new Rng(501);
    let big = 0;
    for (let trial = 0; trial < 60; trial++) {
      const dtype = r.pick(DTYPES);
      const shape = randShape(r);
      const n = shape.reduce((a, b) => a * b, 1);
      if (n >= WASM_MIN_SELECT) big++;
      const last = shape.slice(-1);
      const cond = (r.bool() ? w.less(randArr(r, shape, "float64"), 0) : w.less(randArr(r, last, "float64"), 0)) as NDArray;
      const operand = (): number | NDArray => {
        const k = r.int(0, 3);
        return k === 0 ? r.pick([0, 2.5, NaN, -Infinity, 1e-40]) : k === 1 ? randArr(r, last, dtype, true) : randArr(r, shape, dtype, true);
      };
      const a = operand(), b = operand();
      const [on, off] = bothWays(() => K.where(cond, a, b, shape, dtype));
      assertSame(on, off, `where ${dtype} [${shape}] a ${a instanceof NDArray ? `[${a.shape}]` : a} b ${b instanceof NDArray ? `[${b.shape}]` : b}`);
    }
    assert.ok(big >= 15, `${big} cases reached the WebAssembly size threshold`);
  });

  test("the WebAssembly select kernel takes float operands of the result's type at and above the threshold", () => {
    const r = new Rng(502);
    for (const dtype of DTYPES) {
      for (const n of [0, 1, WASM_MIN_SELECT - 1, WASM_MIN_SELECT, WASM_MIN_SELECT + 1, 4099]) {
        const C = Uint8Array.from({ length: n }, () => (r.bool() ? 1 : 0));
        const A = randData(r, n, dtype, true), B = randData(r, n, dtype, true);
        for (const [x, y] of [[A, B], [A, -0], [1.5, B], [NaN, 7]] as const) {
          const O = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
          const took = wasmSelect(C, x, y, O, n);
          assert.equal(took, !WASM_OFF && n >= WASM_MIN_SELECT, `${dtype} n=${n}`);
          if (!took) continue;
          for (let i = 0; i < n; i++) {
            const v = C[i] ? (typeof x === "number" ? x : x[i]!) : (typeof y === "number" ? y : y[i]!);
            const want = dtype === "float32" ? Math.fround(v) : v;
            if (!Object.is(O[i], want) && !(Number.isNaN(want) && Number.isNaN(O[i]))) assert.fail(`${dtype} n=${n} element ${i}: ${O[i]} for ${want}`);
          }
        }
      }
      // Operands of another float type, and integer results, stay with the JavaScript kernel.
      const C = new Uint8Array(2000), other = dtype === "float32" ? new Float64Array(2000) : new Float32Array(2000);
      assert.equal(wasmSelect(C, other, 0, dtype === "float32" ? new Float32Array(2000) : new Float64Array(2000), 2000), false);
      assert.equal(wasmSelect(C, 0, 1, new Int32Array(2000), 2000), false);
    }
  });

  test("relu and its gradient agree with and without the kernels", () => {
    const r = new Rng(503);
    for (const dtype of DTYPES) {
      const x = randArr(r, [64, 48], dtype, true);
      const f = (v: NDArray) => w.sum(w.mul(w.relu(v), v));
      const [g1, g0] = bothWays(() => w.grad(f)(x) as NDArray);
      assertSame(g1, g0, `grad relu ${dtype}`);
    }
  });
});
