// NDArray derivatives with exact expected values: broadcasting and its transpose (unbroadcast),
// ties in max/min/maximum/minimum, gathers with repeated indices, slices with steps, matmul,
// 0-d and empty arrays, the fluent API under transforms, and immutability of the inputs.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { assertClose, checkAll, property, randArray } from "./helpers/check.js";

const data = (v: NDArray): number[] => Array.from(v.data);

describe("broadcasting and unbroadcast", () => {
  test("[3,1] ⊙ [4]: each gradient is summed back to its own shape", () => {
    const x = array([[1], [2], [3]]), y = array([1, 2, 3, 4]);
    const [gx, gy] = w.grad((a: NDArray, b: NDArray) => w.sum(w.mul(a, b)), { argnums: [0, 1] })(x, y);
    assert.deepEqual([...gx.shape], [3, 1]);
    assert.deepEqual(data(gx), [10, 10, 10]);
    assert.deepEqual([...gy.shape], [4]);
    assert.deepEqual(data(gy), [6, 6, 6, 6]);
  });

  test("a number combined with an array gets a number gradient (the sum)", () => {
    const g = w.grad((s: number) => w.sum(w.mul(s, array([[1, 2], [3, 4]]))))(7);
    assert.equal(typeof g, "number");
    assert.equal(g, 10);
    const [gs, ga] = w.grad((s: number, a: NDArray) => w.sum(w.sub(a, s)), { argnums: [0, 1] })(1, w.ones([2, 3]));
    assert.equal(gs, -6);
    assert.deepEqual(data(ga), [1, 1, 1, 1, 1, 1]);
  });

  test("size-1 axes in the middle and leading axes are both reduced ([2,1,3] with [4,1,1,3])", () => {
    const a = w.ones([2, 1, 3]), b = w.ones([4, 1, 1, 3]);
    const [ga, gb] = w.grad((p: NDArray, q: NDArray) => w.sum(w.add(p, q)), { argnums: [0, 1] })(a, b);
    assert.deepEqual([...ga.shape], [2, 1, 3]);
    assert.deepEqual(data(ga), Array(6).fill(4));
    assert.deepEqual([...gb.shape], [4, 1, 1, 3]);
    assert.deepEqual(data(gb), Array(12).fill(2));
  });

  test("forward mode broadcasts a tangent up to the output shape", () => {
    const [y, t] = w.jvp((a: NDArray, b: NDArray) => w.add(a, b), [array([[1], [2]]), array([10, 20, 30])], [array([[1], [0]]), array([0, 0, 1])]);
    assert.deepEqual([...(y as NDArray).shape], [2, 3]);
    assert.deepEqual((t as NDArray).toArray(), [[1, 1, 2], [0, 0, 1]]);
  });

  test("broadcasting with random shapes passes the derivative checks", () => {
    const shapes: [number[], number[]][] = [[[2, 1, 3], [4, 1]], [[1], [3, 2]], [[5, 1], [1, 5]], [[], [2, 2]]];
    property((r) => {
      const [sa, sb] = r.pick(shapes);
      const f = (a: NDArray, b: NDArray) => w.mul(w.sin(a), w.exp(w.div(b, 3)));
      checkAll(f, [randArray(sa, () => r.normal()), randArray(sb, () => r.normal())], r);
    });
  });
});

describe("ties split the derivative evenly", () => {
  test("max and min reductions: tied positions share the derivative", () => {
    assert.deepEqual(data(w.grad((x: NDArray) => w.max(x))(array([1, 3, 3]))), [0, 0.5, 0.5]);
    assert.deepEqual(data(w.grad((x: NDArray) => w.min(x))(array([2, 2, 2, 5]))), [1 / 3, 1 / 3, 1 / 3, 0]);
    assert.deepEqual(w.grad((x: NDArray) => w.sum(w.max(x, 1)))(array([[1, 3, 3], [4, 2, 0]])).toArray(), [[0, 0.5, 0.5], [1, 0, 0]]);
    assert.deepEqual(w.jvp((x: NDArray) => w.max(x), [array([3, 1, 3])], [array([1, 5, 2])])[1].toArray(), 1.5);
  });

  test("maximum and minimum: ½ to each side at a tie, all to the larger (smaller) otherwise", () => {
    assert.deepEqual(w.grad((a: number, b: number) => w.maximum(a, b), { argnums: [0, 1] })(2, 2), [0.5, 0.5]);
    assert.deepEqual(w.grad((a: number, b: number) => w.maximum(a, b), { argnums: [0, 1] })(3, 2), [1, 0]);
    assert.deepEqual(w.grad((a: number, b: number) => w.minimum(a, b), { argnums: [0, 1] })(3, 2), [0, 1]);
    const g = w.grad((x: NDArray) => w.sum(w.maximum(x, 1)))(array([0, 1, 2]));
    assert.deepEqual(data(g), [0, 0.5, 1]);
    assert.equal(w.grad((x: number) => w.abs(x))(0), 0, "|x| at 0: subgradient 0");
  });
});

describe("structural ops: exact gradients", () => {
  test("take with repeated indices accumulates; scatter is its transpose", () => {
    assert.deepEqual(data(w.grad((x: NDArray) => w.sum(w.take(x, [0, 0, 2, 0])))(array([5, 6, 7]))), [3, 0, 1]);
    const g2 = w.grad((x: NDArray) => w.sum(w.mul(w.take(x, [1, 1], 1), array([[1, 2], [3, 4]]))))(w.ones([2, 3]));
    assert.deepEqual(g2.toArray(), [[0, 3, 0], [0, 7, 0]]);
  });

  test("slice with steps and negative starts; pad; concat; stack", () => {
    assert.deepEqual(data(w.grad((x: NDArray) => w.sum(w.slice(x, [1], [], [2])))(w.zeros([6]))), [0, 1, 0, 1, 0, 1]);
    assert.deepEqual(data(w.grad((x: NDArray) => w.sum(w.slice(x, [-2])))(w.zeros([4]))), [0, 0, 1, 1]);
    assert.deepEqual(data(w.grad((x: NDArray) => w.sum(w.mul(w.pad(x, [[1, 2]], 9), array([1, 2, 3, 4, 5]))))(w.zeros([2]))), [2, 3]);
    const [ga, gb] = w.grad((a: NDArray, b: NDArray) => w.sum(w.mul(w.concat([a, b]), array([1, 2, 3]))), { argnums: [0, 1] })(w.zeros([1]), w.zeros([2]));
    assert.deepEqual([data(ga), data(gb)], [[1], [2, 3]]);
    const gs = w.grad((a: number, b: number) => w.sum(w.mul(w.stack([a, b]), array([4, 5]))), { argnums: [0, 1] })(0, 0);
    assert.deepEqual(gs, [4, 5]);
  });

  test("matmul: ∂/∂A Σ(A·B) = 1·Bᵀ and ∂/∂B = Aᵀ·1, also for vectors", () => {
    const A = array([[1, 2], [3, 4], [5, 6]]), B = array([[1, 0, 2], [0, 1, 3]]);
    const [gA, gB] = w.grad((a: NDArray, b: NDArray) => w.sum(w.matmul(a, b)), { argnums: [0, 1] })(A, B);
    assert.deepEqual(gA.toArray(), [[3, 4], [3, 4], [3, 4]]);
    assert.deepEqual(gB.toArray(), [[9, 9, 9], [12, 12, 12]]);
    const v = array([1, 2]);
    assert.deepEqual(data(w.grad((x: NDArray) => w.matmul(x, x))(v)), [2, 4]);
    assert.deepEqual(data(w.grad((x: NDArray) => w.sum(w.matmul(A, x)))(v)), [9, 12]);
  });

  test("reductions over several axes with keepdims, and mean", () => {
    const g = w.grad((x: NDArray) => w.sum(w.mul(w.sum(x, [0, 2], true), array([[[1], [2], [3]]]))))(w.zeros([2, 3, 4]));
    assert.deepEqual([...g.shape], [2, 3, 4]);
    assert.deepEqual(data(g), [...Array(4).fill(1), ...Array(4).fill(2), ...Array(4).fill(3), ...Array(4).fill(1), ...Array(4).fill(2), ...Array(4).fill(3)]);
    assert.deepEqual(data(w.grad((x: NDArray) => w.mean(x))(w.zeros([4]))), [0.25, 0.25, 0.25, 0.25]);
  });
});

describe("0-d and empty arrays", () => {
  test("a 0-d array input gets a 0-d array gradient", () => {
    const g = w.grad((x: NDArray) => w.mul(x, x))(array(3));
    assert.ok(g instanceof NDArray && g.shape.length === 0);
    assert.equal(g.item(), 6);
    const h = w.hessian((x: NDArray) => w.mul(x, w.mul(x, x)))(array(2));
    assert.ok(h instanceof NDArray && h.shape.length === 0);
    assert.equal(h.item(), 12);
  });

  test("empty arrays: gradients and Jacobians of the right (empty) shape", () => {
    const g = w.grad((x: NDArray) => w.sum(w.sin(x)))(w.zeros([0, 3]));
    assert.deepEqual([...g.shape], [0, 3]);
    for (const jac of [w.jacfwd, w.jacrev, w.jacobian]) {
      const J = jac((x: NDArray) => w.sin(x))(w.zeros([0]));
      assert.ok(J instanceof NDArray);
      assert.deepEqual([...J.shape], [0, 0]);
      const J2 = jac((x: NDArray) => w.sum(x))(w.zeros([2, 0]));
      assert.deepEqual([...(J2 as NDArray).shape], [2, 0]);
    }
  });
});

describe("the fluent API and immutability", () => {
  test("x.mul(y).sum() etc. work unchanged inside transforms", () => {
    const f = (x: NDArray) => x.mul(x).add(x.sin()).sum();
    property((r) => {
      const x = randArray([2, 3], () => r.normal());
      assertClose(w.grad(f)(x), w.grad((v: NDArray) => w.sum(w.add(w.mul(v, v), w.sin(v))))(x), { rtol: 0 }, "fluent vs functional");
      checkAll(f, [x], r);
      checkAll((v: NDArray) => v.matmul(v.T).tanh().mean(1), [x], r);
    }, 10);
  });

  test("transforms never mutate their inputs or the arrays closed over", () => {
    const x = array([1, 2, 3]), c = array([4, 5, 6]);
    const before = [data(x), data(c)];
    w.grad((v: NDArray) => w.sum(w.mul(w.mul(v, c), v)))(x);
    w.hessian((v: NDArray) => w.sum(w.mul(w.exp(v), c)))(x);
    w.jvp((v: NDArray) => w.mul(v, c), [x], [c]);
    w.vjp((v: NDArray) => w.take(v, [0, 0]), x)[1](array([1, 1]));
    assert.deepEqual([data(x), data(c)], before);
  });
});

describe("ops that move values keep int32 and bool (NumPy, JAX)", () => {
  const i = w.array([1, 2], { dtype: "int32" }), b = w.array([true, false]);
  test("concat, stack and where of int32 arrays are int32; of bool arrays bool", () => {
    for (const [name, r] of [
      ["concat int32", w.concat([i, i])], ["stack int32", w.stack([i, i])], ["where int32", w.where(b, i, w.array([7, 8], { dtype: "int32" }))],
      ["concat bool", w.concat([b, b])], ["stack bool", w.stack([b, b], 1)], ["where bool", w.where(b, b, w.array([true, true]))],
    ] as const) {
      assert.equal(r.dtype, name.endsWith("int32") ? "int32" : "bool", name);
    }
    assert.deepEqual(w.where(b, i, w.array([7, 8], { dtype: "int32" })).toArray(), [1, 8]);
    assert.deepEqual(w.stack([b, b], 1).toArray(), [[true, true], [false, false]]);
  });
  test("compiled alike", () => {
    assert.equal(w.compile((a: NDArray) => w.concat([a, a]))(i).dtype, "int32");
    assert.equal(w.compile((c: NDArray, a: NDArray) => w.where(c, a, a))(b, i).dtype, "int32");
    assert.equal(w.compile((a: NDArray) => w.stack([a, a]))(b).dtype, "bool");
  });
  test("stacked random keys are keys again", () => {
    const k = w.random.key(3);
    const ks = w.stack([k, w.random.foldIn(k, 1)]);
    assert.equal(ks.dtype, k.dtype);
    const direct = w.vmap((key: NDArray) => w.random.normal(key, [3]))(ks) as NDArray;
    assert.deepEqual((direct.toArray() as number[][])[0], (w.random.normal(k, [3]) as NDArray).toArray());
  });
  test("mixed kinds keep arithmetic's rule", () => {
    assert.equal(w.concat([i, w.array([0.5])]).dtype, "float64");
    assert.equal(w.where(b, i, w.array([0.5, 1])).dtype, "float64");
    assert.throws(() => w.concat([b, w.array([1, 2])]), w.DTypeError);
  });
});
