// Derived functions (src/lib/functions.ts): values against the naive formulas, derivatives
// against finite differences (first and second order), and numerical stability at the extremes.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { assertClose, checkAll, property, randArray, type AnyFn, type Rng, type Tree } from "./helpers/check.js";

const vals = (r: Rng, shape: number[], lo = -4, hi = 4): NDArray => randArray(shape, () => r.uniform(lo, hi));
const nonzero = (r: Rng): number => r.sign() * r.uniform(0.2, 3);

// ---------------------------------------------------------------- naive references (plain JS)

const naiveSigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const naiveSoftplus = (x: number): number => Math.log(1 + Math.exp(x));
/** Rows of `x` along its last axis (for the last-axis references). */
function rows(x: NDArray): number[][] {
  const n = x.shape[x.shape.length - 1]!;
  const out: number[][] = [];
  for (let i = 0; i < x.size; i += n) out.push(Array.from(x.data.subarray(i, i + n)));
  return out;
}
const naiveLse = (row: number[]): number => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
const naiveSoftmax = (row: number[]): number[] => {
  const z = row.reduce((s, v) => s + Math.exp(v), 0);
  return row.map((v) => Math.exp(v) / z);
};

describe("derived functions: values against naive formulas", () => {
  test("sigmoid, softplus, relu on numbers and arrays", () => {
    property((r) => {
      const x = vals(r, [7]);
      const xs = Array.from(x.data);
      assertClose(w.sigmoid(x), xs.map(naiveSigmoid), { rtol: 1e-14 }, "sigmoid");
      assertClose(w.softplus(x), xs.map(naiveSoftplus), { rtol: 1e-14 }, "softplus");
      assertClose(w.relu(x), xs.map((v) => Math.max(v, 0)), { rtol: 0 }, "relu");
      const s = xs[0]!;
      assert.equal(typeof w.sigmoid(s), "number");
      assertClose(w.sigmoid(s), naiveSigmoid(s), { rtol: 1e-14 }, "sigmoid(number)");
      assertClose(w.softplus(s), naiveSoftplus(s), { rtol: 1e-14 }, "softplus(number)");
      assert.equal(w.relu(s), Math.max(s, 0));
    });
  });

  test("softmax, logSoftmax, logsumexp along the last axis and along axis 0", () => {
    property((r) => {
      const x = vals(r, [3, 4]);
      const rs = rows(x);
      assertClose(w.softmax(x), rs.flatMap(naiveSoftmax), { rtol: 1e-14 }, "softmax");
      assertClose(w.logSoftmax(x), rs.flatMap((row) => row.map((v) => v - naiveLse(row))), { rtol: 1e-14 }, "logSoftmax");
      const lse = w.logsumexp(x, -1);
      assert.deepEqual([...lse.shape], [3]);
      assertClose(lse, rs.map(naiveLse), { rtol: 1e-14 }, "logsumexp axis -1");
      assert.deepEqual([...w.logsumexp(x, 1, true).shape], [3, 1]);
      assertClose(w.logsumexp(x), naiveLse(Array.from(x.data)), { rtol: 1e-14 }, "logsumexp over all");
      // Along axis 0: the same as along the last axis of the transpose.
      const xt = w.transpose(x);
      assertClose(w.softmax(x, 0), w.transpose(w.softmax(xt)), { rtol: 1e-15 }, "softmax axis 0");
      assertClose(w.logsumexp(x, 0), rows(array(xt.toArray())).map(naiveLse), { rtol: 1e-14 }, "logsumexp axis 0");
    });
  });

  test("norm and hypot", () => {
    property((r) => {
      const x = vals(r, [2, 3]);
      const xs = Array.from(x.data);
      assertClose(w.norm(x), Math.sqrt(xs.reduce((s, v) => s + v * v, 0)), { rtol: 1e-14 }, "norm");
      const n0 = w.norm(x, 0);
      assertClose(n0, [0, 1, 2].map((j) => Math.hypot(xs[j]!, xs[3 + j]!)), { rtol: 1e-14 }, "norm axis 0");
      assert.deepEqual([...w.norm(x, 1, true).shape], [2, 1]);
      const a = r.uniform(-5, 5), b = r.uniform(-5, 5);
      assertClose(w.hypot(a, b), Math.hypot(a, b), { rtol: 1e-15 }, "hypot(number, number)");
      const ya = vals(r, [3, 1]), yb = vals(r, [4]);
      const expected: number[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expected.push(Math.hypot(ya.data[i]!, yb.data[j]!));
      assertClose(w.hypot(ya, yb), expected, { rtol: 1e-15 }, "hypot broadcast [3,1] with [4]");
    });
  });
});

// ---------------------------------------------------------------- derivatives

interface DCase { readonly name: string; readonly f: AnyFn; readonly args: (r: Rng) => Tree[] }
const DCASES: readonly DCase[] = [
  { name: "sigmoid (number)", f: w.sigmoid, args: (r) => [r.uniform(-5, 5)] },
  { name: "sigmoid [2,3]", f: w.sigmoid, args: (r) => [vals(r, [2, 3], -5, 5)] },
  { name: "softplus (number)", f: w.softplus, args: (r) => [r.uniform(-5, 5)] },
  { name: "softplus [5]", f: w.softplus, args: (r) => [vals(r, [5], -5, 5)] },
  { name: "relu [5] away from 0", f: w.relu, args: (r) => [randArray([5], () => nonzero(r))] },
  { name: "relu (number) away from 0", f: w.relu, args: (r) => [nonzero(r)] },
  { name: "softmax [4]", f: (x: NDArray) => w.softmax(x), args: (r) => [vals(r, [4])] },
  { name: "softmax [3,4] axis 0", f: (x: NDArray) => w.softmax(x, 0), args: (r) => [vals(r, [3, 4])] },
  { name: "logSoftmax [2,3]", f: (x: NDArray) => w.logSoftmax(x), args: (r) => [vals(r, [2, 3])] },
  { name: "logsumexp [5]", f: (x: NDArray) => w.logsumexp(x), args: (r) => [vals(r, [5])] },
  { name: "logsumexp [3,4] axis 1 keepdims", f: (x: NDArray) => w.logsumexp(x, 1, true), args: (r) => [vals(r, [3, 4])] },
  { name: "norm [2,3]", f: (x: NDArray) => w.norm(x), args: (r) => [vals(r, [2, 3])] },
  { name: "norm [2,3] axis 0", f: (x: NDArray) => w.norm(x, 0), args: (r) => [vals(r, [2, 3])] },
  { name: "norm (number) away from 0", f: (x: number) => w.norm(x), args: (r) => [nonzero(r)] },
  { name: "hypot (numbers)", f: w.hypot, args: (r) => [nonzero(r), nonzero(r)] },
  { name: "hypot [3,1] with [4]", f: w.hypot, args: (r) => [randArray([3, 1], () => nonzero(r)), randArray([4], () => nonzero(r))] },
];

describe("derived functions: derivatives against finite differences", () => {
  for (const dc of DCASES) {
    test(dc.name, () => property((r) => checkAll(dc.f, dc.args(r), r)));
  }
});

// ---------------------------------------------------------------- stability and kinks

describe("derived functions: stability at the extremes", () => {
  test("softplus(1000) = 1000 with gradient 1; softplus(-1000) = 0 with gradient 0", () => {
    assert.equal(w.softplus(1000), 1000);
    assert.equal(w.grad(w.softplus)(1000), 1);
    assert.equal(w.softplus(-1000), 0);
    assert.equal(w.grad(w.softplus)(-1000), 0);
    const xs = w.softplus(array([-1000, 1000]));
    assert.deepEqual(Array.from(xs.data), [0, 1000]);
  });

  test("sigmoid(-1000) = 0 with a finite gradient; sigmoid(1000) = 1", () => {
    assert.equal(w.sigmoid(-1000), 0);
    const g: number = w.grad(w.sigmoid)(-1000);
    assert.ok(Number.isFinite(g), `sigmoid'(-1000) = ${g}`);
    assert.ok(g === 0, `sigmoid'(-1000) = ${g}`); // ±0
    assert.equal(w.sigmoid(1000), 1);
    const g1: number = w.grad(w.sigmoid)(1000);
    assert.ok(g1 === 0, `sigmoid'(1000) = ${g1}`); // ±0
    assert.ok(Number.isFinite(w.grad(w.grad(w.sigmoid))(-1000)));
    const ga = w.grad((x: NDArray) => w.sum(w.sigmoid(x)))(array([-1000, 0, 1000]));
    assertClose(ga, [0, 0.25, 0], { rtol: 0 }, "sigmoid' on [-1000, 0, 1000]");
  });

  test("smooth through 0: softplus' = sigmoid, softplus'' = sigmoid', sigmoid''(0) = 0 exactly", () => {
    assert.equal(w.grad(w.softplus)(0), 0.5);
    assert.equal(w.grad(w.grad(w.softplus))(0), 0.25);
    assert.equal(w.grad(w.sigmoid)(0), 0.25);
    assert.equal(Math.abs(w.grad(w.grad(w.sigmoid))(0)), 0);
    // Both sides agree with the derivative at 0 (no kink in any order).
    for (const x of [-1e-9, 0, 1e-9]) assertClose(w.grad(w.grad(w.softplus))(x), 0.25, { rtol: 1e-8 }, `softplus''(${x})`);
  });

  test("logsumexp of [1000, 1000] = 1000 + ln 2, gradient [1/2, 1/2]; of [-1000, -1000] = -1000 + ln 2", () => {
    const x = array([1000, 1000]);
    assertClose(w.logsumexp(x), 1000 + Math.LN2, { rtol: 1e-15 }, "lse");
    assert.deepEqual(Array.from(w.grad((v: NDArray) => w.logsumexp(v))(x).data), [0.5, 0.5]);
    assertClose(w.logsumexp(array([-1000, -1000])), -1000 + Math.LN2, { rtol: 1e-15 }, "lse of very negative");
    const h = w.hessian((v: NDArray) => w.logsumexp(v))(x);
    assert.deepEqual(Array.from(h.data), [0.25, -0.25, -0.25, 0.25]);
    assert.deepEqual(Array.from(w.softmax(array([1000, 0])).data), [1, 0]);
    assert.deepEqual(Array.from(w.logSoftmax(array([1000, 0])).data), [0, -1000]);
    assert.equal(w.logsumexp(array([-Infinity, 0])).item(), 0);
    assert.deepEqual(Array.from(w.grad((v: NDArray) => w.logsumexp(v))(array([-Infinity, 0])).data), [0, 1]);
  });

  test("norm: gradient and Hessian at 0 are 0, not NaN", () => {
    const g = w.grad((x: NDArray) => w.norm(x))(array([0, 0, 0]));
    assert.deepEqual(Array.from(g.data), [0, 0, 0]);
    const h = w.hessian((x: NDArray) => w.norm(x))(array([0, 0]));
    assert.deepEqual(Array.from(h.data), [0, 0, 0, 0]);
    assert.equal(w.grad((x: number) => w.toScalar(w.norm(x)))(0), 0);
    // Along an axis: only the all-zero column has the zero subgradient.
    const ga = w.grad((x: NDArray) => w.sum(w.norm(x, 0)))(array([[0, 3], [0, 4]]));
    assertClose(ga, [0, 0.6, 0, 0.8], { rtol: 1e-15 }, "norm axis 0 gradient");
  });

  test("hypot: gradient at (0, 0) is (0, 0); no overflow at 1e200", () => {
    assert.deepEqual(w.grad((a: number, b: number) => w.hypot(a, b), { argnums: [0, 1] })(0, 0), [0, 0]);
    assert.equal(w.hypot(0, 0), 0);
    assertClose(w.hypot(1e200, 1e200), Math.SQRT2 * 1e200, { rtol: 1e-15 }, "hypot(1e200, 1e200)");
    assertClose(w.grad((a: number, b: number) => w.hypot(a, b), { argnums: [0, 1] })(1e200, 1e200), [Math.SQRT1_2, Math.SQRT1_2], { rtol: 1e-15 }, "hypot gradient");
    assertClose(w.hypot(1e-200, 1e-200), Math.SQRT2 * 1e-200, { rtol: 1e-15 }, "hypot(1e-200, 1e-200)");
    assert.deepEqual(w.grad((a: number, b: number) => w.hypot(a, b), { argnums: [0, 1] })(3, 4).map((v) => +v.toFixed(15)), [0.6, 0.8]);
  });

  test("relu: subgradient 0 at 0; 1 above, 0 below", () => {
    assert.equal(w.grad(w.relu)(0), 0);
    assert.equal(w.grad(w.relu)(2), 1);
    assert.equal(w.grad(w.relu)(-2), 0);
    assert.deepEqual(Array.from(w.grad((x: NDArray) => w.sum(w.relu(x)))(array([-1, 0, 1])).data), [0, 0, 1]);
  });
});
