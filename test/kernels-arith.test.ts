// The WebAssembly arithmetic kernels (add, sub, mul, div) against the JavaScript loops: bit for
// bit, float32 and float64, every broadcast form that reaches them (flat, a row at stride 0, a
// column splat per row, a scalar) and those that do not, sizes around the threshold and the
// staging block, NaN, ±∞ and ±0 among the elements. Under WENGERT_WASM=0 the same checks run the
// JavaScript loops against themselves and assert that the WebAssembly ones decline.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { wasmBinary, WASM_MIN_BINARY } from "../src/array/wasm/binary.js";
import { Rng } from "./helpers/check.js";
import { bothWays, WASM_OFF } from "./helpers/both-ways.js";

const DTYPES = ["float32", "float64"] as const;
type F = (typeof DTYPES)[number];
const OPS = [w.add, w.sub, w.mul, w.div] as const;

function randData(r: Rng, n: number, dtype: F): Float32Array | Float64Array {
  const d = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  const odd = [NaN, Infinity, -Infinity, 0, -0];
  for (let i = 0; i < n; i++) d[i] = r.next() < 0.03 ? r.pick(odd) : r.uniform(-3, 3);
  return d;
}
const randArr = (r: Rng, shape: number[], dtype: F) => new NDArray(randData(r, shape.reduce((a, b) => a * b, 1), dtype), shape);

function assertSame(got: NDArray, want: NDArray, what: string): void {
  assert.deepEqual(got.shape, want.shape, what);
  assert.equal(got.dtype, want.dtype, what);
  for (let i = 0; i < want.size; i++) if (!Object.is(got.data[i], want.data[i]) && !(Number.isNaN(got.data[i]) && Number.isNaN(want.data[i]))) assert.fail(`${what}: element ${i} is ${got.data[i]}, the JavaScript loop gives ${want.data[i]}`);
}

/** Shapes around the threshold (1024) and the staging block (8192 elements), rows long and short. */
const SHAPES = [[1023], [1024], [1025], [8191], [8193], [20000], [3, 341], [4, 256], [2, 8192], [3, 9001], [1000, 17], [17, 1000], [128, 1000], [5, 7, 64], [2, 3, 5, 70]];

/** An operand for `shape`: the full array, a row, a column, a leading broadcast, size 1, or a number. */
function operand(r: Rng, shape: number[], dtype: F): NDArray | number {
  const last = shape[shape.length - 1]!, lead = shape.slice(0, -1);
  switch (r.int(0, 6)) {
    case 0: return randArr(r, shape, dtype);
    case 1: return randArr(r, [last], dtype);
    case 2: return randArr(r, [...lead, 1], dtype);
    case 3: return randArr(r, [1, ...shape.slice(1)], dtype);
    case 4: return randArr(r, [1], dtype);
    case 5: return r.pick([2.5, -0, NaN, Infinity, 1e-40]);
    default: return r.pick([0.1, 1 / 3, 1e300]); // not float32 numbers: float32 stays in JavaScript
  }
}

test("add, sub, mul and div give the JavaScript loops' bits for every broadcast form, size and dtype", () => {
  const r = new Rng(1301);
  for (const shape of SHAPES) {
    for (let trial = 0; trial < 6; trial++) {
      const dtype = r.pick(DTYPES);
      const a = operand(r, shape, dtype), b = trial === 0 ? randArr(r, shape, dtype) : operand(r, shape, dtype);
      if (typeof a === "number" && typeof b === "number") continue;
      for (const op of OPS) {
        for (const [x, y] of [[a, b], [b, a]] as const) {
          const [on, off] = bothWays(() => op(x, y) as NDArray);
          const desc = (v: NDArray | number) => (typeof v === "number" ? String(v) : `[${v.shape}]`);
          assertSame(on, off, `${op.name} ${dtype} ${desc(x)} ${desc(y)} → [${shape}]`);
        }
      }
    }
  }
});

test("the WebAssembly arithmetic kernel takes rows of floats of the result's type at and above the threshold, and declines the rest", () => {
  const r = new Rng(1302);
  for (const dtype of DTYPES) {
    const make = (n: number) => (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
    for (const n of [0, 1, WASM_MIN_BINARY - 1, WASM_MIN_BINARY, 8193]) {
      const A = randData(r, n, dtype), B = randData(r, n, dtype), O = make(n);
      const took = wasmBinary("mul", A, [n], B, [n], O, [n]);
      assert.equal(took, !WASM_OFF && n >= WASM_MIN_BINARY, `${dtype} n=${n}`);
      if (took) for (let i = 0; i < n; i++) assert.ok(Object.is(O[i], dtype === "float32" ? Math.fround(A[i]! * B[i]!) : A[i]! * B[i]!) || Number.isNaN(O[i]), `${dtype} element ${i}`);
    }
    const n = 4096, A = randData(r, n, dtype), O = make(n);
    // Not arithmetic with the lanes' rounding, another float type, integers, more than rows.
    assert.equal(wasmBinary("pow", A, [n], A, [n], O, [n]), false);
    assert.equal(wasmBinary("add", dtype === "float32" ? new Float64Array(n) : new Float32Array(n), [n], A, [n], O, [n]), false);
    assert.equal(wasmBinary("add", new Int32Array(n), [n], new Int32Array(n), [n], new Int32Array(n), [n]), false);
    assert.equal(wasmBinary("add", randData(r, 4 * 300, dtype), [4, 1, 300], randData(r, 5 * 300, dtype), [5, 300], make(6000), [4, 5, 300]), false);
    // A number the element type holds exactly: taken; one float32 would round: declined there.
    assert.equal(wasmBinary("mul", A, [n], 2.5, [], O, [n]), !WASM_OFF);
    assert.equal(wasmBinary("mul", A, [n], 0.1, [], O, [n]), !WASM_OFF && dtype === "float64");
  }
});

test("dense batched Jacobians in the default chunks (cache-sized) equal one pass over the whole basis, with and without the kernels", () => {
  const r = new Rng(1303);
  for (const dtype of DTYPES) {
    const n = 300;
    const x = randArr(r, [n], dtype);
    const c = randArr(r, [n], dtype);
    // Row-scaled tangents (mul, div by a primal), sums and differences of them, a column splat.
    const f = (v: NDArray) => w.sub(w.div(w.mul(w.sin(v), w.add(v, c)), w.add(w.exp(v), 1)), w.mul(w.sum(w.mul(v, v)), v));
    for (const jac of [w.jacfwd, w.jacrev]) {
      const [chunked, whole] = bothWays(() => [jac(f, { structured: false })(x) as NDArray, jac(f, { structured: false, chunkSize: n })(x) as NDArray]);
      assertSame(chunked[0], chunked[1], `${jac.name} ${dtype}: default chunks vs one pass`);
      assertSame(chunked[0], whole[0], `${jac.name} ${dtype}: WebAssembly vs JavaScript kernels`);
    }
  }
});
