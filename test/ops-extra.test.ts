// The ops users expect beyond the core table: known values (NumPy/CPython semantics), their
// derivatives through the shared checkers (finite differences, forward vs reverse, second
// order) on random inputs, float32, and typed errors for bad input. The primitives among them
// (erf, erfc, isnan, isfinite, argmax, argmin, cumsum, argsort, takeAlongAxis) also run in the
// whole-table suites (rules.test.ts, compile.test.ts) through test/cases/extra.ts.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, checkAll, property, randArray, type AnyFn, type CheckOpts, type Rng, type Tree } from "./helpers/check.js";
import { spread } from "./cases/extra.js";

const arr = (r: Rng, shape: number[], lo = -2, hi = 2): NDArray => randArray(shape, () => r.uniform(lo, hi));
const vals = (x: unknown): unknown => (x instanceof NDArray ? x.toArray() : x);

// CPython's math.erf / math.erfc (correctly rounded to within an ulp) at points across every branch.
const ERF: [number, number, number][] = [
  [-6, -1.0, 2.0], [-3, -0.9999779095030014, 1.9999779095030015], [-2.5, -0.999593047982555, 1.999593047982555],
  [-1.3, -0.9340079449406524, 1.9340079449406524], [-1, -0.8427007929497149, 1.842700792949715], [-0.5, -0.5204998778130465, 1.5204998778130465],
  [-1e-9, -1.1283791670955127e-09, 1.0000000011283792], [0, 0.0, 1.0], [1e-9, 1.1283791670955127e-09, 0.9999999988716208],
  [0.3, 0.3286267594591274, 0.6713732405408726], [0.84375, 0.7672256612323416, 0.23277433876765835], [1, 0.8427007929497149, 0.15729920705028513],
  [1.2, 0.9103139782296353, 0.08968602177036465], [1.25, 0.9229001282564582, 0.07709987174354177], [1.5, 0.9661051464753108, 0.033894853524689274],
  [2, 0.9953222650189527, 0.004677734981047265], [2.4, 0.999311486103355, 0.0006885138966450789], [2.5, 0.999593047982555, 0.0004069520174449589],
  [3, 0.9999779095030014, 2.2090496998585438e-05], [4, 0.9999999845827421, 1.541725790028002e-08], [5.5, 0.9999999999999927, 7.357847917974398e-15],
  [10, 1.0, 2.088487583762545e-45], [26.5, 1.0, 2.2109076642637343e-307],
];

describe("erf and erfc", () => {
  test("match CPython's math.erf/erfc to 1e-14 relative (erf to 1.5e-15)", () => {
    for (const [x, e, c] of ERF) {
      const re = Math.abs(w.erf(x) - e) / Math.max(Math.abs(e), 1e-300), rc = Math.abs(w.erfc(x) - c) / c;
      assert.ok(re <= 1.5e-15, `erf(${x}) = ${w.erf(x)}, expected ${e} (relative error ${re})`);
      assert.ok(rc <= 1e-14, `erfc(${x}) = ${w.erfc(x)}, expected ${c} (relative error ${rc})`);
    }
    const xs = w.array(ERF.map((r) => r[0]));
    assertClose(w.erf(xs), ERF.map((r) => r[1]), { rtol: 1.5e-15 }, "erf on an array (the generated kernel)");
    assert.ok(Number.isNaN(w.erf(NaN)) && Number.isNaN(w.erfc(NaN)));
    assert.equal(w.erf(Infinity), 1);
    assert.equal(w.erfc(-Infinity), 2);
    assert.equal(w.erfc(Infinity), 0);
  });
  test("derivatives: (2/√π)e^(−x²), to second order", () => {
    assertClose(w.grad((v: number) => w.erf(v))(0.7), (2 / Math.sqrt(Math.PI)) * Math.exp(-0.49), { rtol: 1e-15 });
    assertClose(w.grad(w.grad((v: number) => w.erfc(v)))(0.7), (2 / Math.sqrt(Math.PI)) * 1.4 * Math.exp(-0.49), { rtol: 1e-15 });
  });
});

describe("known values (NumPy semantics)", () => {
  const x = w.array([[3, 1, 2], [0, 5, 4]]);
  test("isnan, isfinite", () => {
    const v = w.array([1, NaN, Infinity, -Infinity, 0]);
    assert.deepEqual(w.isnan(v).toArray(), [false, true, false, false, false]);
    assert.deepEqual(w.isfinite(v).toArray(), [true, false, false, false, true]);
    assert.equal(w.isnan(NaN), true);
    assert.equal(w.isfinite(1 / 0), false);
  });
  test("argmax, argmin: first occurrence, NaN wins, flattened by default", () => {
    assert.equal(w.argmax(x).item(), 4);
    assert.deepEqual(w.argmax(x, 1).toArray(), [0, 1]);
    assert.deepEqual(w.argmin(x, 0, true).toArray(), [[1, 0, 0]]);
    assert.deepEqual([...w.argmax(x, undefined, true).shape], [1, 1]);
    assert.equal(w.argmax(w.array([1, 3, 3])).item(), 1);
    assert.equal(w.argmax(w.array([1, NaN, 3, NaN])).item(), 1);
    assert.equal(w.argmin(w.array([1, NaN, -3])).item(), 1);
    assert.equal(w.argmax(x).dtype, "int32");
  });
  test("cumsum, cumprod, prod", () => {
    assert.deepEqual(w.cumsum(x).toArray(), [3, 4, 6, 6, 11, 15]);
    assert.deepEqual(w.cumsum(x, 0).toArray(), [[3, 1, 2], [3, 6, 6]]);
    assert.deepEqual(w.cumsum(x, 1, { reverse: true }).toArray(), [[6, 3, 2], [9, 9, 4]]);
    assert.deepEqual(w.cumprod(w.array([1, 2, 3, 4, 5])).toArray(), [1, 2, 6, 24, 120]);
    assert.deepEqual(w.cumprod(x, 1).toArray(), [[3, 3, 6], [0, 0, 0]]);
    assert.deepEqual(w.prod(x, 1).toArray(), [6, 0]);
    assert.equal(w.prod(w.arange(1, 8)).item(), 5040);
    assert.deepEqual(w.prod(x, 0, true).toArray(), [[0, 5, 8]]);
    assert.deepEqual(w.prod(w.zeros([2, 0]), 1).toArray(), [1, 1]);
  });
  test("prod and cumprod have exact derivatives at zeros", () => {
    // d/dx_i Π x = Π_{j≠i} x_j: at x = (0, 2, 3) the gradient is (6, 0, 0), with no 0/0.
    assert.deepEqual(w.grad((v: NDArray) => w.prod(v))(w.array([0, 2, 3])).toArray(), [6, 0, 0]);
    assert.deepEqual(w.grad((v: NDArray) => w.sum(w.cumprod(v)))(w.array([2, 0, 3])).toArray(), [1, 2 + 6, 0]);
    assert.deepEqual(w.hessian((v: NDArray) => w.prod(v))(w.array([0, 0, 2])).toArray(), [[0, 2, 0], [2, 0, 0], [0, 0, 0]]);
  });
  test("var, std", () => {
    const v = w.array([1, 2, 3, 4]);
    assert.equal(w.var(v).item(), 1.25);
    assertClose(w.variance(v, 0, { ddof: 1 }), 5 / 3, { rtol: 1e-15 });
    assertClose(w.std(x, 1), [Math.sqrt(2 / 3), Math.sqrt(14 / 3)], { rtol: 1e-15 });
    assert.deepEqual([...w.std(x, 0, { keepdims: true }).shape], [1, 3]);
    // Zero spread: the subgradient 0, not NaN.
    assert.deepEqual(w.grad((u: NDArray) => w.std(u))(w.array([2, 2, 2])).toArray(), [0, 0, 0]);
  });
  test("eye, expandDims, squeeze, flatten", () => {
    assert.deepEqual(w.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(w.eye(3, 3, { k: -1 }).toArray(), [[0, 0, 0], [1, 0, 0], [0, 1, 0]]);
    assert.equal(w.eye(2, 2, { dtype: "float32" }).dtype, "float32");
    assert.deepEqual([...w.expandDims(x, 0).shape], [1, 2, 3]);
    assert.deepEqual([...w.expandDims(x, [-1, 1]).shape], [2, 1, 3, 1]);
    assert.deepEqual([...w.squeeze(w.zeros([1, 3, 1])).shape], [3]);
    assert.deepEqual([...w.squeeze(w.zeros([1, 3, 1]), 2).shape], [1, 3]);
    assert.deepEqual(w.flatten(x).toArray(), [3, 1, 2, 0, 5, 4]);
  });
  test("split, tile, repeat", () => {
    assert.deepEqual(w.split(w.arange(6), 3).map(vals), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(w.split(w.arange(6), [1, 4]).map(vals), [[0], [1, 2, 3], [4, 5]]);
    assert.deepEqual(w.split(x, [1], 1).map(vals), [[[3], [0]], [[1, 2], [5, 4]]]);
    assert.deepEqual(w.tile(w.array([1, 2]), 2).toArray(), [1, 2, 1, 2]);
    assert.deepEqual(w.tile(w.array([1, 2]), [2, 2]).toArray(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
    assert.deepEqual(w.repeat(w.array([[1, 2], [3, 4]]), 2).toArray(), [1, 1, 2, 2, 3, 3, 4, 4]);
    assert.deepEqual(w.repeat(w.array([[1, 2], [3, 4]]), 2, 0).toArray(), [[1, 2], [1, 2], [3, 4], [3, 4]]);
    assert.deepEqual(w.repeat(w.array([[1, 2], [3, 4]]), [1, 2], 1).toArray(), [[1, 2, 2], [3, 4, 4]]);
  });
  test("sort, argsort: stable, NaN last (first descending)", () => {
    assert.deepEqual(w.sort(x).toArray(), [[1, 2, 3], [0, 4, 5]]);
    assert.deepEqual(w.sort(x, 0).toArray(), [[0, 1, 2], [3, 5, 4]]);
    assert.deepEqual(w.argsort(w.array([2, 1, 2, 1])).toArray(), [1, 3, 0, 2]);
    assert.deepEqual(w.argsort(w.array([2, 1, 2, 1]), -1, { descending: true }).toArray(), [0, 2, 1, 3]);
    assert.deepEqual(w.sort(w.array([3, NaN, 1])).toArray(), [1, 3, NaN]);
    assert.deepEqual(w.sort(w.array([3, NaN, 1]), -1, { descending: true }).toArray(), [NaN, 3, 1]);
  });
  test("gelu, logaddexp, clip, oneHot", () => {
    assertClose(w.gelu(1), 0.8413447460685429, { rtol: 1e-15 });
    assertClose(w.gelu(-10), -7.619853024160527e-23, { rtol: 1e-13 });
    assertClose(w.gelu(1, { approximate: true }), 0.8411919906082768, { rtol: 1e-15 });
    assertClose(w.logaddexp(1000, 1000), 1000 + Math.LN2, { rtol: 1e-15 });
    assertClose(w.logaddexp(-1000, -1001), -1000 + Math.log1p(Math.exp(-1)), { rtol: 1e-15 });
    assert.equal(w.logaddexp(-Infinity, -Infinity), -Infinity);
    assert.deepEqual(w.grad((a: number) => w.logaddexp(a, a))(3), 1);
    assert.deepEqual(w.grad((a: number) => w.logaddexp(a, 3), { argnums: 0 })(3), 0.5);
    assert.deepEqual(w.clip(w.array([-2, 0.5, 3, NaN]), 0, 1).toArray(), [0, 0.5, 1, NaN]);
    assert.deepEqual(w.clip(w.array([-2, 5]), undefined, 1).toArray(), [-2, 1]);
    assert.deepEqual(w.grad((v: NDArray) => w.sum(w.clip(v, 0, 1)))(w.array([-1, 0, 0.5, 1, 2])).toArray(), [0, 1, 1, 1, 0]);
    assert.deepEqual(w.oneHot([0, 2, 5], 3).toArray(), [[1, 0, 0], [0, 0, 1], [0, 0, 0]]);
    assert.equal(w.oneHot(w.array([1], { dtype: "int32" }), 2, { dtype: "float32" }).dtype, "float32");
  });
});

// ---------------------------------------------------------------- derivatives

interface Case { readonly name: string; readonly f: AnyFn; readonly args: (r: Rng) => Tree[]; readonly opts?: CheckOpts }
const CASES: Case[] = [
  { name: "clip with array bounds", f: (v: NDArray, lo: NDArray) => w.clip(v, lo, 1.2), args: (r) => [spread(r, [2, 3]), w.array([-0.3, 0.05, 0.35])] },
  { name: "clip of a number", f: (v: number) => w.clip(w.mul(v, v), 0.5, 2), args: (r) => [r.uniform(0.2, 2)] },
  { name: "prod over all", f: (v: NDArray) => w.prod(v), args: (r) => [arr(r, [5], 0.5, 1.5)] },
  { name: "prod over axis 1 (odd size), keepdims", f: (v: NDArray) => w.prod(v, 1, true), args: (r) => [arr(r, [2, 3])] },
  { name: "prod over [0, 2]", f: (v: NDArray) => w.prod(v, [0, 2]), args: (r) => [arr(r, [2, 3, 2])] },
  { name: "cumprod flattened", f: (v: NDArray) => w.cumprod(v), args: (r) => [arr(r, [2, 3])] },
  { name: "cumprod along axis 0 of [5,2]", f: (v: NDArray) => w.cumprod(v, 0), args: (r) => [arr(r, [5, 2])] },
  { name: "var over axis 0", f: (v: NDArray) => w.var(v, 0), args: (r) => [arr(r, [4, 3])] },
  { name: "std, ddof 1, keepdims", f: (v: NDArray) => w.std(v, 1, { ddof: 1, keepdims: true }), args: (r) => [arr(r, [2, 4])] },
  { name: "expandDims then squeeze", f: (v: NDArray) => w.mul(w.squeeze(w.expandDims(v, [0, -1])), v), args: (r) => [arr(r, [2, 3])] },
  { name: "flatten", f: (v: NDArray) => w.mul(w.flatten(v), w.arange(6)), args: (r) => [arr(r, [3, 2])] },
  { name: "split in three along axis 1", f: (v: NDArray) => { const [a, b, d] = w.split(v, 3, 1); return w.add(w.mul(a!, b!), d!); }, args: (r) => [arr(r, [2, 6])] },
  { name: "split at indices", f: (v: NDArray) => w.split(w.sin(v), [1, 3]), args: (r) => [arr(r, [5])] },
  { name: "tile", f: (v: NDArray) => w.tile(v, [2, 1, 2]), args: (r) => [arr(r, [2, 3])] },
  { name: "repeat with counts", f: (v: NDArray) => w.repeat(v, [2, 0, 1], 0), args: (r) => [arr(r, [3, 2])] },
  { name: "repeat flattened", f: (v: NDArray) => w.repeat(v, 3), args: (r) => [arr(r, [2, 2])] },
  { name: "sort descending along axis 0, times x", f: (v: NDArray) => w.mul(w.sort(v, 0, { descending: true }), v), args: (r) => [spread(r, [3, 2])] },
  { name: "gelu", f: (v: NDArray) => w.gelu(v), args: (r) => [arr(r, [5], -3, 3)] },
  { name: "gelu, tanh form", f: (v: NDArray) => w.gelu(v, { approximate: true }), args: (r) => [arr(r, [5], -3, 3)] },
  { name: "logaddexp with broadcasting", f: (a: NDArray, b: NDArray) => w.logaddexp(a, b), args: (r) => [arr(r, [3, 1]), arr(r, [4])] },
  { name: "logaddexp at a = b", f: (a: NDArray) => w.logaddexp(a, a), args: (r) => [arr(r, [3])] },
  { name: "oneHot weights a product", f: (v: NDArray) => w.mul(w.oneHot([2, 0], 3), v), args: (r) => [arr(r, [2, 3])] },
];

describe("derivatives: finite differences, forward vs reverse, second order", () => {
  for (const c of CASES) test(c.name, () => property((r) => checkAll(c.f, c.args(r), r, c.opts)));
});

describe("float32 stays float32 and agrees with float64", () => {
  const F32: Record<string, (v: NDArray) => w.Value | w.Value[]> = {
    erf: (v) => w.erf(v), erfc: (v) => w.erfc(v), gelu: (v) => w.gelu(v), cumsum: (v) => w.cumsum(v, 1), cumprod: (v) => w.cumprod(v, 0),
    prod: (v) => w.prod(v, 1), var: (v) => w.var(v, 0), std: (v) => w.std(v), clip: (v) => w.clip(v, 0.8, 1.9), sort: (v) => w.sort(v, 1),
    logaddexp: (v) => w.logaddexp(v, w.transpose(w.transpose(v))), tile: (v) => w.tile(v, [1, 2]), repeat: (v) => w.repeat(v, 2, 1),
    split: (v) => w.split(v, 2, 1), "argmax gather": (v) => w.takeAlongAxis(v, w.argmax(v, 1, true), 1),
  };
  for (const [name, f] of Object.entries(F32)) {
    test(name, () => property((r) => {
      const x32 = randArray([3, 4], () => r.uniform(0.5, 2.5), "float32"), x64 = w.astype(x32, "float64");
      const total = (v: NDArray) => { const y = f(v); return (Array.isArray(y) ? y : [y]).reduce<w.Value>((s, l) => w.add(s as NDArray, w.sum(w.mul(l as NDArray, l as NDArray))), 0) as NDArray; };
      const y32 = f(x32);
      for (const l of Array.isArray(y32) ? y32 : [y32]) assert.equal((l as NDArray).dtype, "float32", `${name}: value dtype`);
      assertClose(y32, f(x64), { rtol: 2e-5 }, `${name}: value`);
      const g32 = w.grad(total)(x32), g64 = w.grad(total)(x64);
      assert.equal(g32.dtype, "float32", `${name}: gradient dtype`);
      assertClose(g32, g64, { rtol: 1e-4 }, `${name}: gradient`);
      const t = w.jvp(total, [x32], [w.ones([3, 4], "float32")])[1] as NDArray;
      assertClose(t, w.jvp(total, [x64], [w.ones([3, 4])])[1], { rtol: 1e-4 }, `${name}: tangent`);
    }, 5));
  }
});

describe("compile stages the new ops", () => {
  test("a function of several new ops compiles, and its gradient agrees with eager mode", () => {
    const f = (v: NDArray) => w.sum(w.mul(w.sort(w.cumsum(w.gelu(v), 1), 1), w.std(w.clip(v, -1, 1), 0, { keepdims: true })));
    const g = w.compile(w.valueAndGrad(f));
    property((r) => {
      const v = spread(r, [3, 4]);
      g(v);
      assertClose(g(v), w.valueAndGrad(f)(v), { rtol: 1e-13 });
    }, 4);
    assert.equal(g.counts.traces, 1);
  });
});

describe("bad input gets a typed error naming the op and the fix", () => {
  test("errors", () => {
    assertThrowsWith(() => w.argmax(w.zeros([2, 0]), 1), w.ShapeError, ["argmax", "size 0"]);
    assertThrowsWith(() => w.cumsum(w.zeros([2]), 3), w.ShapeError, ["cumsum", "axis 3"]);
    assertThrowsWith(() => w.takeAlongAxis(w.zeros([2, 3]), w.array([[0, 1]]), 1), w.DTypeError, ["takeAlongAxis", "int32"]);
    assertThrowsWith(() => w.takeAlongAxis(w.zeros([2, 3]), w.array([[0, 3], [0, 0]], { dtype: "int32" }), 1), w.ShapeError, ["takeAlongAxis", "index 3", "[0, 2]"]);
    assertThrowsWith(() => w.takeAlongAxis(w.zeros([2, 3]), w.array([0, 1], { dtype: "int32" }), 1), w.ShapeError, ["takeAlongAxis", "ranks"]);
    assertThrowsWith(() => w.split(w.zeros([5]), 2), w.ShapeError, ["split", "size 5", "divisor"]);
    assertThrowsWith(() => w.squeeze(w.zeros([2, 1]), 0), w.ShapeError, ["squeeze", "size 2"]);
    assertThrowsWith(() => w.var(w.zeros([1]), 0, { ddof: 1 }), w.ArgumentError, ["var", "ddof"]);
    assertThrowsWith(() => w.repeat(w.zeros([3]), [1, 2]), w.ShapeError, ["repeat", "one count per element"]);
    assertThrowsWith(() => w.tile(w.zeros([3]), [-1]), w.ArgumentError, ["tile", "reps"]);
    assertThrowsWith(() => w.oneHot([0.5], 3), w.ArgumentError, ["oneHot", "integers"]);
    assertThrowsWith(() => w.eye(2.5), w.ArgumentError, ["eye"]);
    assertThrowsWith(() => w.erf("1" as unknown as number), w.ArgumentError, ["erf"]);
    assertThrowsWith(() => w.clip(undefined as unknown as number, 0, 1), w.ArgumentError, ["clip"]);
    assertThrowsWith(() => w.isnan(w.array([true])), w.DTypeError, ["isnan", "bool"]);
  });
});
