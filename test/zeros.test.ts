// The zero convention: only structural zeros absorb — ZERO, and the unselected side of a
// select (where, maximum, the max/min reductions, pow at exponent 0, a Jacobian's basis
// direction). Arithmetic zeros follow IEEE (0·∞ = NaN), so a true singularity shows as NaN
// instead of a finite wrong number, while where(x > 0, sqrt(x), 0) keeps gradient 0. Each
// check runs in reverse mode, forward mode and compiled, on numbers and on arrays.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";

const A = (xs: number[]): NDArray => w.array(xs);
const nums = (v: unknown): number[] => (v instanceof NDArray ? Array.from(v.data) : Array.isArray(v) ? (v as unknown[]).flatMap(nums) : [v as number]);
/** Same numbers, NaN equal to NaN and -0 equal to 0. */
function same(actual: unknown, expected: number[], what: string): void {
  const a = nums(actual);
  assert.equal(a.length, expected.length, `${what}: length`);
  a.forEach((v, i) => assert.ok(Number.isNaN(expected[i]!) ? Number.isNaN(v) : v === expected[i], `${what}[${i}]: got ${v}, expected ${expected[i]}`));
}
/** grad eagerly, compiled (two calls: the tracing call and the generated code) and jvp, all equal to `expected`. */
function allModes(f: (x: number) => w.Value, x: number, expected: number, what: string): void {
  same(w.grad(f as (x: number) => number)(x), [expected], `${what} grad`);
  const g = w.compile(w.grad(f as (x: number) => number));
  same(g(x), [expected], `${what} compile(grad) first call`);
  same(g(x), [expected], `${what} compile(grad) generated`);
  same(w.jvp(f, [x], [1])[1], [expected], `${what} jvp`);
}

describe("arithmetic zeros follow IEEE: a singular factor gives NaN, never a finite wrong number", () => {
  test("square(sqrt x), sqrt x · sqrt x and pow(sqrt x, 2) at 0 are NaN in every mode (JAX and PyTorch agree)", () => {
    allModes((x) => w.square(w.sqrt(x)), 0, NaN, "square(sqrt)");
    allModes((x) => w.mul(w.sqrt(x), w.sqrt(x)), 0, NaN, "sqrt·sqrt");
    allModes((x) => w.pow(w.sqrt(x), 2), 0, NaN, "pow(sqrt, 2)");
    // Away from the singularity the derivative is 1, as before.
    allModes((x) => w.square(w.sqrt(x)), 4, 1, "square(sqrt) at 4");
  });

  test("mul(0, log x) at 0: value NaN and gradient NaN (they used to disagree: NaN and 0)", () => {
    assert.ok(Number.isNaN(w.mul(0, w.log(0))));
    allModes((x) => w.mul(0, w.log(x)), 0, NaN, "0·log");
  });

  test("the gradient of logsumexp([-∞, -∞]) is NaN (0/0), not [0, 0]", () => {
    const x = A([-Infinity, -Infinity]);
    assert.equal(w.logsumexp(x).item(), -Infinity);
    same(w.grad((v: NDArray) => w.logsumexp(v))(x), [NaN, NaN], "logsumexp grad");
    same(w.jacfwd((v: NDArray) => w.logsumexp(v))(x), [NaN, NaN], "logsumexp jacfwd");
  });

  test("arrays: an arithmetic zero cotangent times sqrt'(0) is NaN", () => {
    same(w.grad((v: NDArray) => w.sum(w.square(w.sqrt(v))))(A([0, 4])), [NaN, 1], "sum(square(sqrt))");
  });
});

describe("structural zeros absorb: the unselected side of a select", () => {
  const wf = (x: NDArray) => w.sum(w.where(w.greater(x, 0), w.sqrt(x), 0));
  const x = A([-1, 0, 4]);

  test("where(x > 0, sqrt(x), 0) has gradient 0 at 0 for numbers, in every mode", () => {
    allModes((v) => w.where(w.greater(v, 0), w.sqrt(v), 0), 0, 0, "where number");
    allModes((v) => w.where(w.greater(v, 0), w.sqrt(v), 0), -1, 0, "where number at −1");
  });

  test("... and for arrays: grad, compile(grad), jvp, jacfwd, jacrev, hessian, hvp", () => {
    same(w.grad(wf)(x), [0, 0, 0.25], "grad");
    const g = w.compile(w.grad(wf));
    same(g(x), [0, 0, 0.25], "compile(grad) first call");
    same(g(x), [0, 0, 0.25], "compile(grad) generated");
    same(w.jvp(wf, [x], [w.ones([3])])[1], [0.25], "jvp");
    const e = (v: NDArray) => w.where(w.greater(v, 0), w.sqrt(v), 0);
    same(w.jacfwd(e)(x), [0, 0, 0, 0, 0, 0, 0, 0, 0.25], "jacfwd");
    same(w.jacrev(e)(x), [0, 0, 0, 0, 0, 0, 0, 0, 0.25], "jacrev");
    same(w.hessian(wf)(x), [0, 0, 0, 0, 0, 0, 0, 0, -0.03125], "hessian");
    same(w.hvp(wf, x, w.ones([3])), [0, 0, -0.03125], "hvp");
    const h = w.compile(w.hessian(wf));
    h(x);
    same(h(x), [0, 0, 0, 0, 0, 0, 0, 0, -0.03125], "compile(hessian)");
  });

  test("nested wheres, a broadcast condition, and two wheres sharing a condition keep the zero", () => {
    same(w.grad((v: NDArray) => w.sum(w.where(w.greater(v, -5), w.where(w.greater(v, 0), w.sqrt(v), 0), 0)))(x), [0, 0, 0.25], "nested");
    same(w.grad((v: NDArray) => {
      const col = w.reshape(v, [3, 1]);
      return w.sum(w.where(w.greater(col, 0), w.sqrt(col), w.zeros([3, 2])));
    })(x), [0, 0, 0.5], "broadcast condition");
    same(w.grad((v: NDArray) => {
      const c = w.greater(v, 0), s = w.sqrt(v);
      return w.sum(w.add(w.where(c, s, 0), w.where(c, w.mul(2, s), 0)));
    })(x), [0, 0, 0.75], "shared condition");
    // The other side: where(x ≤ 0, 0, sqrt(x)).
    same(w.grad((v: NDArray) => w.sum(w.where(w.lessEqual(v, 0), 0, w.sqrt(v))))(x), [0, 0, 0.25], "false side");
  });

  test("maximum's losing side and a max reduction's non-maximal elements are structural zeros", () => {
    allModes((v) => w.maximum(w.sqrt(v), 1), 0, 0, "maximum(sqrt x, 1)");
    same(w.grad((v: NDArray) => w.sum(w.maximum(w.sqrt(v), 1)))(A([0, 4])), [0, 0.25], "maximum arrays");
    same(w.grad((v: NDArray) => w.max(w.sqrt(v)))(A([0, 4])), [0, 0.25], "max grad");
    same(w.jacfwd((v: NDArray) => w.max(w.sqrt(v)))(A([0, 4])), [0, 0.25], "max jacfwd");
    same(w.grad((v: NDArray) => w.min(w.neg(w.sqrt(v))))(A([0, 4])), [0, -0.25], "min grad");
  });

  test("a Jacobian's basis directions are structural: jacfwd and jacrev of sqrt at 0 are diagonal", () => {
    same(w.jacfwd((v: NDArray) => w.sqrt(v))(A([0, 1])), [Infinity, 0, 0, 0.5], "jacfwd");
    same(w.jacrev((v: NDArray) => w.sqrt(v))(A([0, 1])), [Infinity, 0, 0, 0.5], "jacrev");
    // A tangent the user passes is a value: its zeros are arithmetic, as in JAX.
    same(w.jvp((v: NDArray) => w.sqrt(v), [A([0, 1])], [A([0, 1])])[1], [NaN, 0.5], "jvp with a user tangent");
  });

  test("pow(x, 0) has gradient 0 at x = 0 on the number path, the array path, a traced exponent and compiled", () => {
    allModes((v) => w.pow(v, 0), 0, 0, "pow(x, 0)");
    same(w.grad((v: NDArray) => w.sum(w.pow(v, 0)))(A([0, 1])), [0, 0], "array, number exponent");
    same(w.grad((v: NDArray) => w.sum(w.pow(v, w.zeros([2]))))(A([0, 1])), [0, 0], "array exponent");
    same(w.grad((a: number, b: number) => w.pow(a, b), { argnums: [0, 1] })(0, 0), [0, 0], "traced exponent");
    const g = w.compile(w.grad((a: number, b: number) => w.pow(a, b)));
    same([g(0, 0), g(0, 0), g(2, 3)], [0, 0, 12], "compiled traced exponent");
    same(w.jvp((a: number, b: number) => w.pow(a, b), [0, 0], [1, 0])[1], [0], "jvp traced exponent");
    // d/db a^b at a = 0 selects 0 too (the limit for b > 0).
    same(w.grad((a: number, b: number) => w.pow(a, b), { argnums: 1 })(0, 2), [0], "∂/∂b at a = 0");
  });
});
