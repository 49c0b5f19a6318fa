// customJvp and customVjp: correct rules pass the derivative checks under every transform and
// nesting; deliberately "wrong" rules prove the rule is what the transforms use (the result
// follows the rule, not f), including customJvp under reverse mode (transposed automatically).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, checkAll, checkVjp, property, randArray } from "./helpers/check.js";

// softplus with its true derivative sigmoid(x), as a custom forward rule.
const spJvp = w.customJvp(
  (x: NDArray) => w.log1p(w.exp(x)),
  ([x]: [NDArray], [t]: [NDArray]) => [w.log1p(w.exp(x)), w.mul(w.sigmoid(x), t)],
);
// The same as a custom reverse rule, with the sigmoid kept as the residual.
const spVjp = w.customVjp(
  (x: NDArray) => w.log1p(w.exp(x)),
  (x: NDArray) => [w.log1p(w.exp(x)), w.sigmoid(x)] as [NDArray, NDArray],
  (s: NDArray, g: NDArray) => [w.mul(s, g)],
);

describe("customJvp", () => {
  test("a correct rule passes JVP, dot-product and second-order checks (numbers and arrays)", () => {
    const sc = w.customJvp((x: number) => w.sin(x), ([x]: [number], [t]: [number]) => [w.sin(x), w.mul(w.cos(x), t)]);
    property((r) => {
      checkAll(sc, [r.uniform(-3, 3)], r);
      checkAll(spJvp, [randArray([2, 3], () => r.uniform(-3, 3))], r);
    });
  });

  test("two arguments, one of them a constant, with broadcasting in the rule", () => {
    const prod = w.customJvp(
      (x: NDArray, y: NDArray) => w.mul(x, y),
      ([x, y]: [NDArray, NDArray], [tx, ty]: [NDArray, NDArray]) => [w.mul(x, y), w.add(w.mul(tx, y), w.mul(x, ty))],
    );
    property((r) => {
      checkAll(prod, [randArray([3, 1], () => r.normal()), randArray([4], () => r.normal())], r);
      const c = randArray([4], () => r.normal());
      checkAll((x: NDArray) => prod(x, c), [randArray([2, 4], () => r.normal())], r);
    }, 10);
  });

  test("the rule is what every mode uses: a rule claiming f' = 3 gives 3 under grad, jvp, vjp and jacobian", () => {
    let calls = 0;
    const f = w.customJvp((x: number) => w.sin(x), ([x]: [number], [t]: [number]) => {
      calls++;
      return [w.sin(x), w.mul(3, t)];
    });
    assert.equal(f(1), Math.sin(1), "the value is f's");
    assert.equal(w.grad(f)(1), 3, "reverse mode transposes the rule");
    assert.deepEqual(w.jvp(f, [1], [2]), [Math.sin(1), 6]);
    assert.deepEqual(w.vjp(f, 1)[1](5), [15]);
    assert.equal(w.jacrev((x: number) => f(x))(0.2), 3);
    assert.equal(w.jacfwd((x: number) => f(x))(0.2), 3);
    assert.equal(calls, 5, "the rule ran once per transform call");
    // Composed with ordinary ops: chain rule through the custom line.
    assert.equal(w.grad((x: number) => w.mul(f(w.mul(2, x)), 5))(1), 30);
  });

  test("nested: the rule is differentiated (a rule f' = x² gives f'' = 2x in every nesting)", () => {
    const f = w.customJvp((x: number) => w.sin(x), ([x]: [number], [t]: [number]) => [w.sin(x), w.mul(w.mul(x, x), t)]);
    const fw = (g: (x: number) => number) => (x: number) => w.jvp(g, [x], [1])[1];
    assert.equal(w.grad(f)(3), 9);
    assert.equal(w.grad(w.grad(f))(3), 6, "reverse-over-reverse");
    assert.equal(fw(fw(f))(3), 6, "forward-over-forward");
    assert.equal(w.grad(fw(f))(3), 6, "reverse-over-forward");
    assert.equal(fw(w.grad(f))(3), 6, "forward-over-reverse");
    assert.equal(w.hessian(f)(3), 6, "hessian");
    assert.equal(w.grad(w.grad(w.grad(f)))(3), 2, "third order");
  });

  test("under reverse mode the rule is transposed: a linear rule B·t gives the cotangent Bᵀ·ȳ", () => {
    property((r) => {
      const A = randArray([3, 4], () => r.normal()), B = randArray([3, 4], () => r.normal());
      const f = w.customJvp((x: NDArray) => w.matmul(A, x), ([x]: [NDArray], [t]: [NDArray]) => [w.matmul(A, x), w.matmul(B, t)]);
      const x = randArray([4], () => r.normal()), g = randArray([3], () => r.normal());
      const [y, pb] = w.vjp(f, x);
      assertClose(y, w.matmul(A, x), { rtol: 1e-15 }, "value from f");
      const [ct] = pb(g);
      assertClose(ct, w.matmul(w.transpose(B), g), { rtol: 1e-13 }, "Bᵀ·ȳ");
      // And the dot-product test holds between the rule's forward and its transpose.
      checkVjp(f, [x], r);
    }, 10);
  });

  test("a rule whose tangent does not depend on the input gives zero gradient, not an error", () => {
    const f = w.customJvp((x: number) => w.sin(x), ([x]: [number]) => [w.sin(x), 0]);
    assert.equal(w.grad(f)(1), 0);
    assert.equal(w.jvp(f, [1], [1])[1], 0);
  });
});

describe("customVjp", () => {
  test("a correct rule gives the built-in softplus's reverse derivatives, first and second order (forward-over-reverse too)", () => {
    property((r) => {
      const x = randArray([2, 3], () => r.uniform(-3, 3)), g = randArray([2, 3], () => r.normal());
      assertClose(w.vjp(spVjp, x)[1](g), w.vjp(w.softplus, x)[1](g), { rtol: 1e-14 }, "vjp");
      const s = (v: NDArray) => w.sum(w.mul(spVjp(v), w.cos(v)));
      const ref = (v: NDArray) => w.sum(w.mul(w.softplus(v), w.cos(v)));
      const v = randArray([2, 3], () => r.normal());
      assertClose(w.hvp(s, x, v), w.hvp(ref, x, v), { rtol: 1e-12 }, "hvp (forward over the rule)");
      assertClose(w.grad((y: NDArray) => w.sum(w.grad(s)(y)))(x), w.grad((y: NDArray) => w.sum(w.grad(ref)(y)))(x), { rtol: 1e-12 }, "reverse over reverse");
    });
  });

  test("the rule is what reverse mode uses: bwd claiming f' = x² gives x² in grad, vjp, jacrev and jacobian", () => {
    let calls = 0;
    const f = w.customVjp(
      (x: number) => w.sin(x),
      (x: number) => [w.sin(x), x] as [number, number],
      (x: number, g: number) => {
        calls++;
        return [w.mul(w.mul(x, x), g)];
      },
    );
    assert.equal(f(2), Math.sin(2));
    assert.equal(w.grad(f)(2), 4);
    assert.equal(calls, 1, "bwd runs once per sweep");
    assert.deepEqual(w.vjp(f, 3)[1](2), [18]);
    assert.equal(w.jacrev((x: number) => f(x))(3), 9);
    // Nested reverse: the rule is differentiated (d/dx x² = 2x), and so is forward-over-reverse.
    assert.equal(w.grad(w.grad(f))(2), 4);
    assert.equal(w.hessian(f)(2), 4);
    assert.equal(w.jvp((x: number) => w.grad(f)(x), [2], [1])[1], 4);
  });
  test("several arguments, null cotangents, residuals, and arrays", () => {
    const f = w.customVjp(
      (x: NDArray, y: NDArray) => w.mul(x, y),
      (x: NDArray, y: NDArray) => [w.mul(x, y), [x, y]] as [NDArray, [NDArray, NDArray]],
      ([, y]: [NDArray, NDArray], g: NDArray) => [w.mul(g, y), null],
    );
    const [gx, gy] = w.grad((x: NDArray, y: NDArray) => w.sum(f(x, y)), { argnums: [0, 1] })(array([1, 2]), array([3, 4]));
    assert.deepEqual(Array.from(gx.data), [3, 4]);
    assert.deepEqual(Array.from(gy.data), [0, 0], "null means no cotangent");
  });

  test("gradient clipping: an identity whose backward clips the cotangent", () => {
    const clip = w.customVjp(
      (x: NDArray) => x,
      (x: NDArray) => [x, null] as [NDArray, null],
      (_r: null, g: NDArray) => [w.maximum(w.minimum(g, 1), -1)],
    );
    const g = w.grad((x: NDArray) => w.sum(w.mul(clip(x), array([5, -0.5, -7]))))(array([1, 2, 3]));
    assert.deepEqual(Array.from(g.data), [1, -0.5, -1]);
  });

  test("custom functions compose with each other and with ordinary ops under nesting", () => {
    property((r) => {
      const x = randArray([4], () => r.uniform(-2, 2));
      const h = (v: NDArray) => w.sum(w.mul(spVjp(spJvp(v)), w.sin(v)));
      const href = (v: NDArray) => w.sum(w.mul(w.softplus(w.softplus(v)), w.sin(v)));
      assertClose(w.grad(h)(x), w.grad(href)(x), { rtol: 1e-13 }, "gradient vs the built-in softplus");
      assertClose(w.hessian(h)(x), w.hessian(href)(x), { rtol: 1e-12 }, "hessian vs the built-in softplus");
    }, 10);
  });
});

test("recorded custom rules under forward sweeps: customJvp's rule is replayed; customVjp refuses instead of a silent zero", () => {
  const cube = w.customJvp(
    (x: number) => w.mul(x, w.mul(x, x)),
    ([x], [t]) => [w.mul(x, w.mul(x, x)), w.mul(3, w.mul(t, w.mul(x, x)))],
  );
  const f = (x: number, y: number): number => w.add(cube(w.mul(x, y)), w.sin(x));
  const [, lin] = w.linearize(f, 1.5, 0.5);
  const want = w.jvp(f, [1.5, 0.5], [1, 2])[1];
  assert.ok(Math.abs(lin(1, 2) - want) <= 1e-14 * Math.abs(want));
  const rows = w.forwardTrace(f, [1.5, 0.5], [1, 2]).result;
  assert.ok(Math.abs((rows[0] as number) - want) <= 1e-14 * Math.abs(want));
  const g = w.customVjp(function expRule(x: number) { return w.exp(x); }, (x: number) => [w.exp(x), w.exp(x)] as [number, number], (r: number, ct: number) => [w.mul(r, ct)]);
  assertThrowsWith(() => w.linearize((x: number) => g(x), 0.3)[1](1), w.MissingRuleError, ["customVjp(expRule)", "customJvp", "grad"]);
});
