// Nested transforms: perturbation confusion (every mix of forward and reverse mode), closures
// that capture traced values, symbolic zeros, and native JS control flow differentiated as written.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { assertClose, checkAll, property } from "./helpers/check.js";

type F = (x: number) => number;
/** The derivative operator by reverse mode and by forward mode. */
const Dr = (f: F): F => (x) => w.grad(f)(x);
const Df = (f: F): F => (x) => w.jvp(f, [x], [1])[1];
const MODES: readonly (readonly [string, (f: F) => F])[] = [["reverse", Dr], ["forward", Df]];

describe("perturbation confusion", () => {
  for (const [outerName, outer] of MODES) {
    for (const [innerName, inner] of MODES) {
      const mix = `${outerName}-over-${innerName}`;

      test(`${mix}: d/dx[x · d/dy(x + y) at y=1] at x=1 is 1`, () => {
        assert.equal(outer((x) => w.mul(x, inner((y) => w.add(x, y))(1)))(1), 1);
      });

      test(`${mix}: d/dx[x · d/dy(x·y) at y=2] at x=1 is 2`, () => {
        assert.equal(outer((x) => w.mul(x, inner((y) => w.mul(x, y))(2)))(1), 2);
      });

      test(`${mix}: an inner derivative operator applied to a closure over x (D(y ↦ x·y)(3)), differentiated outside`, () => {
        // D(y ↦ x·y)(3) = x, so d/dx of it is 1.
        assert.equal(outer((x) => inner((y) => w.mul(x, y))(3))(1), 1);
        // D(y ↦ sin(x)·y²)(2) = 4 sin x; d/dx = 4 cos x.
        assertClose(outer((x) => inner((y) => w.mul(w.sin(x), w.mul(y, y)))(2))(0.7), 4 * Math.cos(0.7), { rtol: 1e-15 });
      });

      test(`${mix}: the inner derivative taken at the outer variable itself`, () => {
        // D(y ↦ sin(x)·y)(x) = sin x (x captured is a constant inside); d/dx = cos x.
        assertClose(outer((x) => inner((y) => w.mul(w.sin(x), y))(x))(1), Math.cos(1), { rtol: 1e-15 });
        // D(y ↦ y·y)(x) = 2x; d/dx = 2.
        assert.equal(outer((x) => inner((y) => w.mul(y, y))(x))(5), 2);
      });

      test(`${mix}: a derivative operator that returns a closure, called and differentiated outside`, () => {
        // makeScaled(x) returns z ↦ x·z; the inner derivative of z ↦ g(z)·z at z = 2 is 4x.
        const makeScaled = (x: number) => (z: number) => w.mul(x, z);
        assert.equal(outer((x) => { const g = makeScaled(x); return inner((z) => w.mul(g(z), z))(2); })(3), 4);
        // A derivative operator whose result is itself passed to another derivative operator.
        const d2 = (f: F) => inner(inner(f));
        assert.equal(outer((x) => d2((y) => w.mul(x, w.mul(y, w.mul(y, y))))(1))(1), 6);
      });

      for (const [thirdName, third] of MODES) {
        test(`${mix}-over-${thirdName}: d/dx d/dy d/dz (x·y·z) = 1; d/dx d/dy d/dz (x²·y·z²) at 1 = 4`, () => {
          assert.equal(outer((x) => inner((y) => third((z) => w.mul(w.mul(x, y), z))(1))(1))(1), 1);
          assert.equal(outer((x) => inner((y) => third((z) => w.mul(w.mul(w.mul(x, x), y), w.mul(z, z)))(1))(1))(1), 4);
        });
      }
    }
  }

  test("nested jvp on the same variable with the same tangent does not confuse levels", () => {
    // jvp of (x ↦ jvp(y ↦ x·y, [x], [1]).tangent) = d/dx[x] = 1
    assert.equal(w.jvp((x: number) => w.jvp((y: number) => w.mul(x, y), [x], [1])[1], [2], [1])[1], 1);
    // grad of (x ↦ grad(y ↦ x·y)(x)) = d/dx[x] = 1
    assert.equal(w.grad((x: number) => w.grad((y: number) => w.mul(x, y))(x))(2), 1);
  });

  test("inner transforms whose results depend only on the outer variable, or return its value", () => {
    // The inner derivative of x² (constant in y) is 0, so d/dx[x · 0] = 0.
    assert.equal(w.grad((x: number) => w.mul(x, w.grad((_y: number) => w.mul(x, x))(1)))(3), 0);
    // The value returned by an inner valueAndGrad / jvp / vjp is still differentiable outside.
    assert.equal(w.grad((x: number) => w.valueAndGrad((y: number) => w.mul(x, y))(2)[0] as number)(3), 2);
    assert.deepEqual(w.jvp((x: number) => w.valueAndGrad((y: number) => w.mul(x, y))(2)[0] as number, [3], [1]), [6, 2]);
    assert.equal(w.grad((x: number) => w.jvp((y: number) => w.mul(x, y), [2], [1])[0])(3), 2);
    // y = x·z², pullback(x) = x·2xz: at z = 2, y + pb = 4x + 4x², derivative 4 + 8x.
    assert.equal(w.grad((x: number) => {
      const [y, pb] = w.vjp((z: number) => w.mul(x, w.mul(z, z)), 2);
      return w.add(y, pb(x)[0]);
    })(3), 28);
    // Jacobians and Hessians inside derivatives.
    assert.equal(w.grad((x: number) => w.toScalar(w.sum(w.jacfwd((v: NDArray) => w.mul(v, x))(array([1, 2])))))(3), 2);
    assert.equal(w.grad((x: number) => w.toScalar(w.sum(w.jacrev((v: NDArray) => w.mul(w.mul(v, v), x))(array([1, 2])))))(3), 6);
    // hessian of (x ↦ hessian(y ↦ x·y⁴)(x)) = d²/dx² 12x³ = 72x.
    assert.equal(w.hessian((x: number) => w.hessian((y: number) => w.mul(w.pow(y, 4), x))(x))(2), 144);
  });

  test("the example from the brief: const D = f => x => grad(f)(x); grad(x => D(y => x·y)(3))(1) = 1", () => {
    const D = (f: F) => (x: number) => w.grad(f)(x);
    assert.equal(w.grad((x: number) => D((y) => w.mul(x, y))(3))(1), 1);
  });

  test("array perturbation confusion: hvp of a function that itself takes an inner gradient", () => {
    // f(x) = Σ x ⊙ ∇_y(⟨x, y⟩ + ⟨y, y⟩)|_{y=1} = Σ x ⊙ (x + 2) → ∇f = 2x + 2, H = 2I.
    const f = (x: NDArray) => w.sum(w.mul(x, w.grad((y: NDArray) => w.add(w.sum(w.mul(x, y)), w.sum(w.mul(y, y))))(w.ones([3]))));
    assert.deepEqual(Array.from(w.grad(f)(array([1, 2, 3])).data), [4, 6, 8]);
    assert.deepEqual(Array.from(w.hvp(f, array([1, 2, 3]), array([1, 0, -1])).data), [2, 0, -2]);
    assert.deepEqual(w.hessian(f)(array([1, 2, 3])).toArray(), [[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
  });
});

describe("symbolic zeros: the branch not taken contributes nothing (no NaN)", () => {
  const safeSqrt = (x: number) => w.where(w.greater(x, 0), w.sqrt(x), 0);
  const safeLog = (x: number) => w.where(w.greater(x, 0), w.log(x), 0);

  test("grad of where(x > 0, sqrt(x), 0) is 0 at x = 0 and x < 0", () => {
    assert.equal(w.grad(safeSqrt)(0), 0);
    assert.equal(w.grad(safeSqrt)(-1), 0);
    assert.equal(w.grad(safeSqrt)(4), 0.25);
    assert.equal(w.jvp(safeSqrt, [0], [1])[1], 0);
    assert.equal(w.jvp(safeSqrt, [-3], [1])[1], 0);
    assert.equal(w.grad(w.grad(safeSqrt))(0), 0);
    assert.equal(w.grad(safeLog)(-1), 0);
    assert.equal(w.grad(w.grad(safeLog))(0), 0);
    assert.equal(w.hessian(safeLog)(-2), 0);
  });

  test("arrays: the double-where idiom keeps the unselected branch finite, so the gradient is 0 there", () => {
    const f = (x: NDArray) => {
      const pos = w.greater(x, 0);
      return w.sum(w.where(pos, w.sqrt(w.where(pos, x, 1)), 0));
    };
    assert.deepEqual(Array.from(w.grad(f)(array([0, -1, 4])).data), [0, 0, 0.25]);
  });

  test("outputs that do not depend on the input have zero derivatives of the right structure", () => {
    assert.equal(w.grad((_x: number) => 5)(1), 0);
    assert.equal(w.jvp((_x: number) => 5, [1], [1])[1], 0);
    const [, t] = w.jvp((_x: NDArray) => array([1, 2]), [array([3])], [array([1])]);
    assert.ok(t instanceof NDArray);
    assert.deepEqual(Array.from(t.data), [0, 0]);
    assert.deepEqual(w.grad((x: number, y: number) => w.mul(y, y), { argnums: [0, 1] })(1, 3), [0, 6]);
    // A zero that reaches only through a stopped value.
    assert.equal(w.grad((x: number) => w.stopGradient(w.mul(x, x)))(3), 0);
    assert.equal(w.grad(w.grad((x: number) => w.mul(3, x)))(2), 0);
  });
});

describe("native JS control flow differentiates as written", () => {
  const piecewise = (x: number) => (w.greater(x, 0) ? w.mul(x, x) : w.neg(w.mul(x, w.mul(x, x))));

  test("if/else: a piecewise function on both sides, to second order", () => {
    assert.equal(w.grad(piecewise)(2), 4);
    assert.equal(w.grad(piecewise)(-2), -12);
    assert.equal(w.grad(w.grad(piecewise))(2), 2);
    assert.equal(w.grad(w.grad(piecewise))(-2), 12);
    assert.equal(w.jvp(piecewise, [-2], [1])[1], -12);
    property((r) => {
      const x = r.sign() * r.uniform(0.1, 3);
      checkAll(piecewise, [x], r);
    });
  });

  test("while: repeated squaring until the value exceeds 10 (trip count depends on the input)", () => {
    const f = (x: number) => {
      let y = x;
      while ((w.value(y) as number) <= 10) y = w.mul(y, y);
      return y;
    };
    assert.equal(w.grad(f)(2), 32); // 2 → 4 → 16: y = x⁴
    assert.equal(w.grad(f)(1.5), 8 * 1.5 ** 7); // 1.5 → 2.25 → 5.06 → 25.6: y = x⁸
    assert.equal(w.grad(f)(11), 1); // no iteration: y = x
    assert.equal(w.grad(w.grad(f))(2), 48);
    property((r) => checkAll(f, [r.uniform(1.2, 12)], r));
  });

  test("for: a loop over the input's own integer part, and Horner's rule over coefficients", () => {
    const power = (x: number) => {
      let y: number = 1;
      for (let i = 0; i < Math.floor(w.value(x) as number); i++) y = w.mul(y, x);
      return y;
    };
    assertClose(w.grad(power)(3.5), 3 * 3.5 ** 2, { rtol: 1e-15 }, "x³ near 3.5");
    assertClose(w.grad(power)(2.5), 2 * 2.5, { rtol: 1e-15 }, "x² near 2.5");
    const coeffs = [1, -2, 0.5, 3];
    const horner = (x: number) => coeffs.reduceRight<number>((acc, cf) => w.add(w.mul(acc, x), cf), 0);
    // p(x) = 1 − 2x + 0.5x² + 3x³: p'(2) = −2 + 2 + 36 = 36, p''(2) = 1 + 36 = 37, p''' = 18.
    assert.equal(w.grad(horner)(2), 36);
    assert.equal(w.grad(w.grad(horner))(2), 37);
    assert.equal(w.grad(w.grad(w.grad(horner)))(2), 18);
    assert.equal(Df(Dr(Df(horner)))(2), 18);
  });

  test("recursion: recursive power and a recursion whose depth depends on the value", () => {
    const rpow = (x: number, n: number): number => (n === 0 ? 1 : w.mul(x, rpow(x, n - 1)));
    assert.equal(w.grad((x: number) => rpow(x, 5))(3), 405);
    assert.equal(w.grad(w.grad((x: number) => rpow(x, 5)))(3), 540);
    // Halve until below 1, then climb back through sin: depth is ⌈log₂ x⌉.
    const g = (x: number): number => ((w.value(x) as number) > 1 ? w.sin(g(w.div(x, 2))) : w.mul(x, x));
    property((r) => checkAll(g, [r.uniform(0.2, 20)], r));
  });

  test("control flow on array values (value() and comparisons give concrete data)", () => {
    const f = (x: NDArray) => {
      const m = w.value(w.max(x)) as NDArray;
      return m.item() > 1 ? w.sum(w.mul(x, x)) : w.sum(x);
    };
    assert.deepEqual(Array.from(w.grad(f)(array([1, 2])).data), [2, 4]);
    assert.deepEqual(Array.from(w.grad(f)(array([0.5, 0.25])).data), [1, 1]);
  });
});

test("the unselected side of where over arrays has gradient 0, not NaN, in every mode and order", () => {
  const f = (x: NDArray) => w.sum(w.where(w.greater(x, 0), w.sqrt(x), 0));
  const x = w.array([-1, 0, 4]);
  assert.deepEqual(w.grad(f)(x).toArray(), [0, 0, 0.25]);
  assert.equal((w.jvp(f, [x], [w.ones([3])])[1] as NDArray).item(), 0.25);
  // -0 where a tangent of 0 met a negative second derivative: IEEE, so compare as numbers.
  assert.deepEqual((w.hessian(f)(x).toArray() as number[][]).map((r) => r.map((v) => v + 0)), [[0, 0, 0], [0, 0, 0], [0, 0, -0.03125]]);
  // An arithmetic zero does not absorb: 0 · sqrt(y) at 0 has derivative 0·∞ = NaN, in both modes alike.
  const g = (y: number) => w.mul(0, w.sqrt(y));
  assert.ok(Number.isNaN(w.grad(g)(0)));
  assert.ok(Number.isNaN(w.jvp(g, [0], [1])[1]));
});
