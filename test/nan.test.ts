// NaN in, NaN out; ∞ handled: the derived functions (hypot, norm, relu) and the selects
// (maximum, minimum, max, min) on NaN and infinite inputs, with the same derivative in
// forward and reverse mode.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";

const A = (xs: number[], dtype: w.DType = "float64"): NDArray => w.array(xs, { dtype });
const nums = (v: unknown): number[] => (v instanceof NDArray ? Array.from(v.data) : Array.isArray(v) ? (v as unknown[]).flatMap(nums) : [v as number]);
function same(actual: unknown, expected: number[], what: string, rtol = 0): void {
  const a = nums(actual);
  assert.equal(a.length, expected.length, `${what}: length`);
  a.forEach((v, i) => {
    const e = expected[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(v) : rtol === 0 || !Number.isFinite(e) ? v === e : Math.abs(v - e) <= rtol * Math.abs(e);
    assert.ok(ok, `${what}[${i}]: got ${v}, expected ${e}`);
  });
}

describe("hypot", () => {
  test("a NaN argument gives NaN (it gave 0), with NaN derivatives in both modes", () => {
    same([w.hypot(NaN, 1), w.hypot(1, NaN), w.hypot(NaN, NaN)], [NaN, NaN, NaN], "value");
    same(w.hypot(A([NaN, 3]), A([1, 4])), [NaN, 5], "arrays");
    same(w.grad((x: number, y: number) => w.hypot(x, y), { argnums: [0, 1] })(NaN, 1), [NaN, NaN], "grad");
    same(w.jvp((x: number) => w.hypot(x, 1), [NaN], [1])[1], [NaN], "jvp");
  });

  test("an infinite argument gives ∞ (it gave NaN)", () => {
    same([w.hypot(Infinity, 1), w.hypot(Infinity, Infinity), w.hypot(-Infinity, 2), w.hypot(3, -Infinity)], [Infinity, Infinity, Infinity, Infinity], "value");
    same(w.hypot(A([Infinity, 1]), A([1, -Infinity])), [Infinity, Infinity], "arrays");
    same(w.hypot(A([Infinity], "float32"), 1), [Infinity], "float32");
  });

  test("no overflow or underflow, and the subgradient 0 at the origin", () => {
    same([w.hypot(3e200, 4e200), w.hypot(3e-200, 4e-200), w.hypot(3, 4)], [5e200, 5e-200, 5], "value", 1e-15);
    same(w.grad((x: number, y: number) => w.hypot(x, y), { argnums: [0, 1] })(3e-200, 4e-200), [0.6, 0.8], "grad at 1e-200", 1e-15);
    same(w.grad((x: number, y: number) => w.hypot(x, y), { argnums: [0, 1] })(0, 0), [0, 0], "grad at 0");
  });
});

describe("norm is scaled like hypot", () => {
  test("no overflow at 1e200, no underflow at 1e-200, and a gradient there", () => {
    same(w.norm(A([1e200, 1e200])), [Math.SQRT2 * 1e200], "1e200", 1e-15);
    same(w.norm(A([1e-200, 1e-200])), [Math.SQRT2 * 1e-200], "1e-200", 1e-15);
    same(w.grad((x: NDArray) => w.norm(x))(A([1e-200, 1e-200])), [Math.SQRT1_2, Math.SQRT1_2], "grad at 1e-200 (was [0, 0])", 1e-15);
    same(w.grad((x: NDArray) => w.norm(x))(A([3e200, 4e200])), [0.6, 0.8], "grad at 1e200", 1e-15);
    same(w.jacfwd((x: NDArray) => w.norm(x))(A([3e-200, 4e-200])), [0.6, 0.8], "jacfwd at 1e-200", 1e-15);
    same(w.norm(A([1e30, 1e30], "float32")), [Math.fround(Math.SQRT2 * 1e30)], "float32 1e30", 1e-6);
  });

  test("NaN gives NaN (it gave 0), ∞ gives ∞, zero gives 0 with gradient 0, empty gives 0", () => {
    same(w.norm(A([NaN, 1])), [NaN], "NaN");
    same(w.grad((x: NDArray) => w.norm(x))(A([NaN, 1])), [NaN, NaN], "NaN grad");
    same(w.norm(A([Infinity, 1])), [Infinity], "∞");
    same(w.norm(A([0, 0])), [0], "zero");
    same(w.grad((x: NDArray) => w.norm(x))(A([0, 0])), [0, 0], "zero grad");
    same(w.norm(w.zeros([0])), [0], "empty");
  });

  test("over an axis: each row scaled by its own largest element", () => {
    const x = w.array([[3e200, 4e200], [0, 0], [3e-200, 4e-200]]);
    same(w.norm(x, 1), [5e200, 0, 5e-200], "rows", 1e-15);
    same(w.norm(x, 1, true).shape, [3, 1], "keepdims shape");
    same(w.grad((v: NDArray) => w.sum(w.norm(v, 1)))(x), [0.6, 0.8, 0, 0, 0.6, 0.8], "grad", 1e-15);
  });
});

describe("relu", () => {
  test("relu(NaN) is NaN (it was 0), as in JAX and PyTorch; ±∞ map to 0 and ∞", () => {
    same([w.relu(NaN), w.relu(-Infinity), w.relu(Infinity), w.relu(-2), w.relu(3)], [NaN, 0, Infinity, 0, 3], "numbers");
    same(w.relu(A([NaN, -1, 0, 2])), [NaN, 0, 0, 2], "arrays");
    same(w.grad((x: NDArray) => w.sum(w.relu(x)))(A([-1, 0, 2])), [0, 0, 1], "gradient, subgradient 0 at 0");
  });
});

describe("max, min, maximum, minimum with NaN: the NaN is the selected extremum, in both modes", () => {
  test("max/min reductions: the NaN element receives the derivative (as in PyTorch), forward and reverse alike", () => {
    for (const [name, f] of [["max", (x: NDArray) => w.max(x)], ["min", (x: NDArray) => w.min(x)]] as const) {
      const x = A([NaN, 1, 2]);
      assert.ok(Number.isNaN(f(x).item()), `${name} value`);
      same(w.grad(f)(x), [1, 0, 0], `${name} grad`);
      same(w.jacfwd(f)(x), [1, 0, 0], `${name} jacfwd`);
      same(w.jvp(f, [x], [A([1, 1, 1])])[1], [1], `${name} jvp`);
      same(w.grad(f)(A([NaN, NaN, 2])), [0.5, 0.5, 0], `${name} two NaNs share it`);
    }
  });

  test("maximum/minimum: the NaN argument receives the derivative, the other a structural zero", () => {
    for (const [name, f] of [["maximum", w.maximum], ["minimum", w.minimum]] as const) {
      const g = (x: number, y: number) => f(x, y);
      same(w.grad(g, { argnums: [0, 1] })(NaN, 1), [1, 0], `${name} grad, NaN first`);
      same(w.grad(g, { argnums: [0, 1] })(1, NaN), [0, 1], `${name} grad, NaN second`);
      same([w.jvp(g, [NaN, 1], [1, 0])[1], w.jvp(g, [NaN, 1], [0, 1])[1]], [1, 0], `${name} jvp`);
      same(w.grad((x: NDArray) => w.sum(f(x, 1)))(A([NaN, 0.5, 3])), name === "maximum" ? [1, 0, 1] : [1, 1, 0], `${name} arrays`);
      same(w.jacfwd((x: NDArray) => f(x, 1))(A([NaN, 3])), name === "maximum" ? [1, 0, 0, 1] : [1, 0, 0, 0], `${name} jacfwd`);
      const c = w.compile(w.grad(g, { argnums: [0, 1] }));
      same([c(NaN, 1), c(NaN, 1), c(2, 1)], name === "maximum" ? [1, 0, 1, 0, 1, 0] : [1, 0, 1, 0, 0, 1], `${name} compiled`);
    }
  });

  test("ties still split the derivative evenly", () => {
    same(w.grad((x: number, y: number) => w.maximum(x, y), { argnums: [0, 1] })(2, 2), [0.5, 0.5], "maximum tie");
    same(w.grad((x: NDArray) => w.max(x))(A([2, 2, 1])), [0.5, 0.5, 0], "max tie");
  });
});
