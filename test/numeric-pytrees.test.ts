// numericGradient and checkGrad on what grad takes: NDArrays (float64 and float32) and pytrees
// of them as arguments, functions returning a size-1 array (sum(x)), with the gradient in the
// argument's structure and every coordinate named.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, ArgumentError, NDArray } from "../src/index.js";

const loss = (p: { w: NDArray; b: number }): NDArray => w.add(w.sum(w.mul(w.square(p.w), w.array([[1, 2], [3, 4]]))), w.mul(p.b, p.b));
const P = { w: array([[0.5, -1], [2, 0.25]]), b: 3 };
/** ∂loss/∂w = 2·w·c, ∂loss/∂b = 2b, by hand. */
const want = { w: [[2 * 0.5 * 1, 2 * -1 * 2], [2 * 2 * 3, 2 * 0.25 * 4]], b: 6 };

describe("numericGradient", () => {
  test("a pytree argument and a 0-d array output: the gradient has the argument's structure", () => {
    const g = w.numericGradient(loss, P);
    assert.ok(g.value.w instanceof NDArray);
    assert.deepEqual([...g.value.w.shape], [2, 2]);
    assert.equal(typeof g.value.b, "number");
    (g.value.w.toArray() as number[][]).flat().forEach((v, i) => assert.ok(Math.abs(v - want.w.flat()[i]!) < 1e-8, `w ${i}: ${v}`));
    assert.ok(Math.abs(g.value.b - want.b) < 1e-8);
    assert.equal(g.steps.length, 5);
    // Two evaluations per coordinate and two for the error estimate; twice that for a coordinate below 1 tried on the unit scale too.
    assert.ok(g.evaluations >= 20 && g.evaluations <= 40 && g.evaluations % 4 === 0, `${g.evaluations} evaluations`);
  });

  test("numbers, number[] and NDArray arguments; numericDerivative of a 0-d output", () => {
    assert.ok(Math.abs(w.numericGradient((x: number) => w.mul(x, x), 3).value - 6) < 1e-8);
    assert.deepEqual(w.numericGradient((x: number[]) => x[0]! * x[1]!, [2, 5], { scheme: "richardson" }).value.map((v) => +v.toFixed(9)), [5, 2]);
    const ga = w.numericGradient((x: NDArray) => w.sum(w.sin(x)), array([0, 1]));
    assert.ok(ga.value instanceof NDArray);
    assert.ok(Math.abs(ga.value.data[1]! - Math.cos(1)) < 1e-9);
    assert.ok(Math.abs(w.numericDerivative((t: number) => w.sum(w.mul(array([1, 2]), t)) as unknown as number, 1).value - 3) < 1e-9);
  });

  test("float32 coordinates move by float32 steps (the array holds the point the quotient assumes)", () => {
    const x = array([1, 3], { dtype: "float32" });
    const g = w.numericGradient((v: NDArray) => w.sum(w.square(v)), x);
    assert.equal(g.value.dtype, "float32");
    assert.ok(Math.abs(g.value.data[0]! - 2) < 1e-3 && Math.abs(g.value.data[1]! - 6) < 1e-3, `${g.value}`);
    for (const h of g.steps) assert.ok(h > 1e-4, `a float32 step of ${h} is below float32's resolution for f`);
  });

  test("junk is refused naming what is accepted", () => {
    assert.throws(() => w.numericGradient((v: NDArray) => w.sum(v), array([1], { dtype: "int32" })), (e) => e instanceof ArgumentError && /x is a int32 array|x is an int32 array|only numbers and float64\/float32 arrays/.test(e.message));
    assert.throws(() => w.numericGradient((v: NDArray) => v, array([1, 2])), (e) => e instanceof ArgumentError && /size-1 array/.test(e.message) && /shape \[2\]/.test(e.message));
    assert.throws(() => w.numericGradient(() => 1, { s: "a" } as never), (e) => e instanceof ArgumentError && /must hold numbers/.test(e.message));
  });
});

describe("checkGrad", () => {
  test("a pytree argument: every coordinate named by its path, all within their bounds", () => {
    const r = w.checkGrad(loss, P);
    assert.ok(r.ok, r.toString());
    assert.deepEqual(r.rows.map((row) => row.name), ["x.w[0,0]", "x.w[0,1]", "x.w[1,0]", "x.w[1,1]", "x.b"]);
    r.rows.forEach((row, i) => assert.ok(Math.abs(row.ad - [...want.w.flat(), want.b][i]!) < 1e-12));
  });

  test("a wrong gradient is caught, coordinate by coordinate", () => {
    const r = w.checkGrad(loss, P, { gradient: [1, -4, 12, 2.001, 6] });
    assert.equal(r.ok, false);
    assert.deepEqual(r.rows.map((row) => row.ok), [true, true, true, false, true]);
  });

  test("float32 arrays are judged by float32's precision: right gradients pass, wrong ones fail", () => {
    const x = array([[0.3, -1.2], [2.5, 0.7]], { dtype: "float32" });
    const f = (v: NDArray): NDArray => w.sum(w.mul(w.sin(v), w.exp(w.mul(v, 0.5))));
    const r = w.checkGrad(f, x);
    assert.ok(r.ok, r.toString());
    const ad = r.rows.map((row) => row.ad);
    const off = w.checkGrad(f, x, { gradient: ad.map((g, i) => (i === 2 ? g * 1.01 : g)) });
    assert.deepEqual(off.rows.map((row) => row.ok), [true, true, false, true], off.toString());
  });

  test("numbers and number[] keep their names (x; x1, x2)", () => {
    assert.deepEqual(w.checkGrad((t: number) => w.sin(t), 1).rows.map((r) => r.name), ["x"]);
    assert.deepEqual(w.checkGrad((v: number[]) => w.mul(v[0]!, v[1]!), [1, 2]).rows.map((r) => r.name), ["x1", "x2"]);
  });
});
