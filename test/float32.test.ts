// float32: arrays stay float32 through every op and every derivative, agree with the float64
// computation (on the same, float32-representable inputs) within float32 tolerance, and never
// mix silently with float64 arrays.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { index } from "../src/ops/element.js";
import { assertClose, assertThrowsWith, leavesOf, property, randArray, type Rng } from "./helpers/check.js";

/** float32 tolerance: a few ulps (6e-8) times the conditioning of a short chain of ops. */
const F32 = { rtol: 2e-5 };

type Fn = (x: NDArray) => w.Value | w.Value[];
const FNS: Record<string, Fn> = {
  sin: (x) => w.sin(x), exp: (x) => w.exp(x), log: (x) => w.log(x), sqrt: (x) => w.sqrt(x), tanh: (x) => w.tanh(x),
  square: (x) => w.square(x), "pow(x, 2.5)": (x) => w.pow(x, 2.5), "pow(2, x)": (x) => w.pow(2, x), "x^x": (x) => w.pow(x, x),
  "atan2(x, 1.5)": (x) => w.atan2(x, 1.5), "maximum(x, 1.25)": (x) => w.maximum(x, 1.25), "minimum(x, xᵀ-ish)": (x) => w.minimum(x, w.slice(x, [0, 0], [1])),
  "abs(x − 1.1)": (x) => w.abs(w.sub(x, 1.1)), "div(1, x)": (x) => w.div(1, x), "x·3 + 2": (x) => w.add(w.mul(3, x), 2),
  asin: (x) => w.asin(w.div(x, 3)), log1p: (x) => w.log1p(x), expm1: (x) => w.expm1(x), cosh: (x) => w.cosh(x),
  "sum axis 1": (x) => w.sum(x, 1), mean: (x) => w.mean(x), "max axis 0": (x) => w.max(x, 0), "min axis 1 keepdims": (x) => w.min(x, 1, true),
  transpose: (x) => w.transpose(x), reshape: (x) => w.reshape(x, [4, 3]), broadcastTo: (x) => w.broadcastTo(x, [2, 3, 4]),
  slice: (x) => w.slice(x, [1, 0], [3, 4], [1, 2]), concat: (x) => w.concat([x, w.sin(x)], 1), stack: (x) => w.stack([x, x], 2),
  pad: (x) => w.pad(x, [[1, 0], [0, 2]], 0.5), take: (x) => w.take(x, [2, 0, 2], 1), "matmul x·xᵀ": (x) => w.matmul(x, w.transpose(x)),
  "where(x > 1, x, 0)": (x) => w.where(w.greater(x, 1), w.mul(x, x), 0), toScalar: (x) => w.mul(w.toScalar(w.sum(x)), x),
  sigmoid: (x) => w.sigmoid(x), softplus: (x) => w.softplus(x), relu: (x) => w.relu(w.sub(x, 1.2)), softmax: (x) => w.softmax(x),
  logSoftmax: (x) => w.logSoftmax(x, 0), logsumexp: (x) => w.logsumexp(x, 1), norm: (x) => w.norm(x, 0), hypot: (x) => w.hypot(x, w.transpose(w.transpose(x))),
  "remainder(3x, 2.5)": (x) => w.remainder(w.mul(x, 3), 2.5), "remainder(2, x)": (x) => w.remainder(2, x),
  "x·floor(x)": (x) => w.mul(x, w.floor(x)), "ceil(x)·x": (x) => w.mul(w.ceil(x), x), "round(x)+x": (x) => w.add(w.round(x), x), "trunc(x)·x": (x) => w.mul(w.trunc(x), x),
  "x[1]·x[2] (index rows)": (x) => w.mul(index(x, 1), index(x, 2)),
  "several outputs": (x) => [w.sum(x), w.exp(x)],
};

/** Inputs in (0.5, 2.5) that are exactly representable in float32, as both dtypes. */
function inputs(r: Rng): [NDArray, NDArray] {
  const x32 = randArray([3, 4], () => r.uniform(0.5, 2.5), "float32");
  return [x32, w.astype(x32, "float64")];
}

function assertAllDType(v: unknown, dtype: string, what: string): void {
  for (const l of leavesOf(v)) {
    assert.ok(l instanceof NDArray, `${what}: expected an NDArray leaf, got ${typeof l}`);
    assert.equal(l.dtype, dtype, `${what}: dtype`);
  }
}

describe("float32 stays float32 and agrees with float64", () => {
  for (const [name, f] of Object.entries(FNS)) {
    test(name, () => {
      property((r) => {
        const [x32, x64] = inputs(r);
        const y32 = f(x32), y64 = f(x64);
        assertAllDType(y32, "float32", "value");
        assertClose(y32, y64, F32, "value vs float64");

        // Reverse mode: a random float32 cotangent (the same numbers in float64 for the reference).
        const ys = leavesOf(y32) as NDArray[];
        const c32 = ys.map((y) => randArray([...y.shape], () => r.normal(), "float32"));
        const c64 = c32.map((c) => w.astype(c, "float64"));
        const loss = (cs: NDArray[]) => (x: NDArray) => {
          const out = f(x);
          const ls = Array.isArray(out) ? out : [out];
          return ls.reduce<w.Value>((acc, l, i) => w.add(acc as NDArray, w.sum(w.mul(l as NDArray, cs[i]!))), 0) as NDArray;
        };
        const g32 = w.grad(loss(c32))(x32), g64 = w.grad(loss(c64))(x64);
        assertAllDType(g32, "float32", "gradient");
        assertClose(g32, g64, F32, "gradient vs float64");

        // Forward mode: a float32 tangent gives float32 tangents.
        const t32 = randArray([3, 4], () => r.normal(), "float32");
        const [p32, yd32] = w.jvp(f, [x32], [t32]);
        const [, yd64] = w.jvp(f, [x64], [w.astype(t32, "float64")]);
        assertAllDType(p32, "float32", "jvp primal");
        assertAllDType(yd32, "float32", "jvp tangent");
        assertClose(yd32, yd64, F32, "jvp tangent vs float64");

        // vjp: cotangents of a float32 argument are float32.
        const [, pb] = w.vjp(f, x32);
        const cts = pb((Array.isArray(y32) ? c32 : c32[0]) as never);
        assertAllDType(cts, "float32", "vjp cotangent");
      }, 5);
    });
  }
});

describe("float32 second derivatives and Jacobians", () => {
  test("hessian, hvp, jacobian and nested grad keep float32 and agree with float64", () => {
    property((r) => {
      const [x32, x64] = inputs(r);
      const f = (x: NDArray) => w.add(w.sum(w.mul(w.softplus(x), w.cos(x))), w.sum(w.sin(w.matmul(x, w.transpose(x)))));
      const H32 = w.hessian((v: NDArray) => f(w.reshape(v, [3, 4])))(w.reshape(x32, [12]));
      const H64 = w.hessian((v: NDArray) => f(w.reshape(v, [3, 4])))(w.reshape(x64, [12]));
      assert.equal(H32.dtype, "float32");
      assert.deepEqual([...H32.shape], [12, 12]);
      assertClose(H32, H64, { rtol: 1e-4 }, "hessian vs float64");
      const v32 = randArray([3, 4], () => r.normal(), "float32");
      const hv32 = w.hvp(f, x32, v32), hv64 = w.hvp(f, x64, w.astype(v32, "float64"));
      assert.equal(hv32.dtype, "float32");
      assertClose(hv32, hv64, { rtol: 1e-4 }, "hvp vs float64");
      for (const jac of [w.jacfwd, w.jacrev, w.jacobian]) {
        const J32 = jac((x: NDArray) => w.tanh(w.sum(x, 0)))(x32);
        const J64 = jac((x: NDArray) => w.tanh(w.sum(x, 0)))(x64);
        assert.ok(J32 instanceof NDArray);
        assert.equal(J32.dtype, "float32");
        assertClose(J32, J64, F32, "jacobian vs float64");
      }
    }, 5);
  });

  test("gradients with respect to a number through float32 arrays are numbers", () => {
    const c = array([1, 2, 3], { dtype: "float32" });
    const g = w.grad((s: number) => w.sum(w.mul(w.exp(w.mul(s, c)), c)))(0.5);
    assert.equal(typeof g, "number");
    assertClose(g, [1, 2, 3].reduce((acc, k) => acc + k * k * Math.exp(0.5 * k), 0), F32, "d/ds Σ c·e^{sc}");
  });
});

describe("float32 through plain numbers (#7 item 4's reproductions)", () => {
  const a32 = array([1, 2, 3], { dtype: "float32" }), t32 = array([0.5, -1, 2], { dtype: "float32" });
  const a64 = w.astype(a32, "float64"), t64 = w.astype(t32, "float64");
  const normTimes = (P: [NDArray, number]) => w.mul(w.toScalar(w.norm(P[0])), P[1]);
  const sinSum = (x: NDArray) => w.sin(w.toScalar(w.sum(x)));
  const f32Leaves = (v: unknown, what: string) => {
    for (const l of leavesOf(v)) if (l instanceof NDArray) assert.equal(l.dtype, "float32", `${what}: dtype`);
  };

  test("hvp through toScalar(norm(·)) of a [float32, number] pytree (it threw a DTypeError from chainMul)", () => {
    for (const run of [(a: NDArray, t: NDArray) => w.hvp(normTimes, [a, 2], [t, 1]), w.compile((a: NDArray, t: NDArray) => w.hvp(normTimes, [a, 2], [t, 1]))]) {
      const got = run(a32, t32);
      f32Leaves(got, "hvp");
      assertClose(got, w.hvp(normTimes, [a64, 2], [t64, 1]), F32, "hvp vs float64");
    }
  });

  test("hvp, grad and compile(grad) of sin(toScalar(sum(x))) are float32 (they were float64)", () => {
    const hv = w.hvp(sinSum, a32, t32);
    assert.equal(hv.dtype, "float32");
    assertClose(hv, w.hvp(sinSum, a64, t64), F32, "hvp");
    const cg = w.compile(w.grad(sinSum));
    for (let i = 0; i < 2; i++) {
      const g = cg(a32);
      assert.equal(g.dtype, "float32", `compile(grad) call ${i + 1}`);
      assertClose(g, w.grad(sinSum)(a64), F32, "compile(grad)");
    }
  });

  test("where(c, x32, 0.5) under jvp, jacfwd and compile(jvp): a float32 tangent (its JVP built a float64 zero)", () => {
    const c = array([true, false, true]);
    const f = (x: NDArray) => w.where(c, x, 0.5);
    for (const run of [(x: NDArray, t: NDArray) => w.jvp(f, [x], [t]), w.compile((x: NDArray, t: NDArray) => w.jvp(f, [x], [t]))]) {
      const [y, dy] = run(a32, t32);
      assert.equal(y.dtype, "float32");
      assert.equal(dy.dtype, "float32");
      assert.deepEqual(Array.from(dy.data), [0.5, 0, 2]);
    }
    assert.equal(w.jacfwd(f)(a32).dtype, "float32");
  });

  test("broadcastTo(s, shape, \"float32\") of a traced number is float32 under grad, jvp and compile", () => {
    const [y, dy] = w.jvp((s: number) => w.broadcastTo(s, [3], "float32"), [2], [1]);
    assert.equal((y as NDArray).dtype, "float32");
    assert.equal((dy as NDArray).dtype, "float32");
    const inner = (s: number) => w.sum(w.mul(w.broadcastTo(w.mul(s, s), [3], "float32"), a32));
    assert.equal(w.grad(inner)(2), 24);
    const cj = w.compile((s: number) => w.broadcastTo(w.sin(s), [2], "float32") as NDArray);
    assert.equal((cj(1) as NDArray).dtype, "float32");
    assert.equal(w.grad((s: number) => w.sum(cj(s)))(1).toFixed(6), (2 * Math.cos(1)).toFixed(6));
  });
});

describe("dtype rules for float32", () => {
  test("float32 with JS numbers and int32 stays float32; float32 values are rounded to float32", () => {
    const x = array([1, 2], { dtype: "float32" });
    assert.equal(w.add(x, 0.1).dtype, "float32");
    assert.equal(w.add(x, 0.1).data[0], Math.fround(1.1));
    assert.equal(w.mul(2, x).dtype, "float32");
    assert.equal(w.add(x, w.ones([2], "int32")).dtype, "float32");
    assert.equal(w.where(w.greater(x, 1), x, 0).dtype, "float32");
    assert.equal(w.sum(x).dtype, "float32");
    assert.equal(w.astype(x, "float64").dtype, "float64");
    assert.equal(w.zeros([2], "float32").dtype, "float32");
  });

  test("mixing float32 and float64 arrays throws DTypeError, also inside transforms", () => {
    const x32 = array([1, 2], { dtype: "float32" }), x64 = array([1, 2]);
    assertThrowsWith(() => w.add(x32, x64), w.DTypeError, ["add:", "float32[2] and float64[2]", "astype"]);
    assertThrowsWith(() => w.grad((x: NDArray) => w.sum(w.mul(x, x64)))(x32), w.DTypeError, ["mul:", "mix float32 and float64"]);
    assertThrowsWith(() => w.jvp((x: NDArray) => w.sub(x, x64), [x32], [x32]), w.DTypeError, ["sub:", "mix float32 and float64"]);
    assertThrowsWith(() => w.matmul(w.ones([2, 2], "float32"), w.ones([2])), w.DTypeError, ["matmul:"]);
    // An explicit cast is the fix.
    assert.deepEqual(Array.from(w.add(x32, w.astype(x64, "float32")).data), [2, 4]);
  });
});
