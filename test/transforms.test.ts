// The public transforms: exact known values, and the structure of what each returns
// (numbers stay numbers, number[] stays number[], NDArray stays NDArray, objects stay objects).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { assertClose, assertStructure, centralDiff, flat, property, randArray, type Tree } from "./helpers/check.js";

// The survey's example: f(x1, x2) = ln x1 + x1·x2 − sin x2.
const survey = (x1: number, x2: number) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));

describe("known values, exactly", () => {
  test("survey example at (2, 5): value and gradient in every mode", () => {
    assert.equal(survey(2, 5), 11.652071455223084);
    const [y, g] = w.valueAndGrad(survey, { argnums: [0, 1] })(2, 5);
    assert.equal(y, 11.652071455223084);
    assert.deepEqual(g, [5.5, 1.7163378145367738]);
    assert.deepEqual(w.grad(survey, { argnums: [0, 1] })(2, 5), [5.5, 1.7163378145367738]);
    assert.deepEqual(w.jvp(survey, [2, 5], [1, 0]), [11.652071455223084, 5.5]);
    assert.deepEqual(w.jvp(survey, [2, 5], [0, 1]), [11.652071455223084, 1.7163378145367738]);
    const [yv, pb] = w.vjp(survey, 2, 5);
    assert.equal(yv, 11.652071455223084);
    assert.deepEqual(pb(1), [5.5, 1.7163378145367738]);
    assert.deepEqual(w.jacfwd((x: number[]) => survey(x[0]!, x[1]!))([2, 5]), [5.5, 1.7163378145367738]);
    assert.deepEqual(w.jacrev((x: number[]) => survey(x[0]!, x[1]!))([2, 5]), [5.5, 1.7163378145367738]);
  });

  test("nested derivatives of x⁴ at 2: 32, 48, 48, 24, 0 in every nesting", () => {
    const f = (x: number) => w.pow(x, 4);
    const g = (x: number) => w.mul(w.mul(x, x), w.mul(x, x));
    const d = w.grad;
    const fw = (h: (x: number) => number) => (x: number) => w.jvp(h, [x], [1])[1];
    for (const h of [f, g]) {
      assert.equal(d(h)(2), 32);
      assert.equal(d(d(h))(2), 48);
      assert.equal(d(d(d(h)))(2), 48);
      assert.equal(d(d(d(d(h))))(2), 24);
      assert.equal(d(d(d(d(d(h)))))(2), 0);
      assert.equal(fw(fw(fw(h)))(2), 48);
      assert.equal(fw(d(fw(h)))(2), 48);
      assert.equal(d(fw(d(h)))(2), 48);
      assert.equal(d(d(fw(h)))(2), 48);
      assert.equal(fw(fw(d(fw(h))))(2), 24);
    }
  });

  test("mixed partials of x²·y³ at (2, 3), to third order", () => {
    const f = (x: number, y: number) => w.mul(w.mul(x, x), w.pow(y, 3));
    const dx = (h: (x: number, y: number) => number) => (x: number, y: number) => w.grad(h, { argnums: 0 })(x, y);
    const dy = (h: (x: number, y: number) => number) => (x: number, y: number) => w.grad(h, { argnums: 1 })(x, y);
    assert.equal(dx(f)(2, 3), 2 * 2 * 27); // 2x y³
    assert.equal(dy(f)(2, 3), 4 * 3 * 9); // 3x² y²
    assert.equal(dx(dy(f))(2, 3), 6 * 2 * 9); // 6x y²
    assert.equal(dy(dx(f))(2, 3), 6 * 2 * 9);
    assert.equal(dx(dx(dy(f)))(2, 3), 6 * 9); // 6y²
    assert.equal(dy(dx(dy(f)))(2, 3), 12 * 2 * 3); // 12xy
    assert.equal(dy(dy(dy(f)))(2, 3), 6 * 4); // 6x²
    assert.equal(dx(dx(dx(f)))(2, 3), 0);
    // The same through forward mode along each axis.
    const fx = (h: (x: number, y: number) => number) => (x: number, y: number) => w.jvp(h, [x, y], [1, 0])[1];
    const fy = (h: (x: number, y: number) => number) => (x: number, y: number) => w.jvp(h, [x, y], [0, 1])[1];
    assert.equal(fx(fy(f))(2, 3), 108);
    assert.equal(fy(fx(fy(f)))(2, 3), 72);
    assert.equal(dx(fy(dy(f)))(2, 3), 72);
  });

  test("hessian of a number[] function is a number[][], exactly", () => {
    const f = (x: number[]) => w.add(w.mul(w.mul(x[0]!, x[0]!), x[1]!), w.pow(x[1]!, 3));
    const H = w.hessian(f)([1, 2]);
    assert.deepEqual(H, [[4, 2], [2, 12]]);
    assert.ok(H.every((row) => Array.isArray(row) && row.every((v) => typeof v === "number")));
    // A number → number: the second derivative as a number.
    assert.equal(w.hessian((x: number) => w.pow(x, 3))(2), 12);
    // An NDArray: shape in ++ in.
    const Ha = w.hessian((x: NDArray) => w.sum(w.pow(x, 3)))(array([1, 2, 3]));
    assert.ok(Ha instanceof NDArray);
    assert.deepEqual(Ha.toArray(), [[6, 0, 0], [0, 12, 0], [0, 0, 18]]);
    // With argnums, the blocks of the two arguments.
    const Hm = w.hessian((a: number, b: number) => w.mul(w.mul(a, a), b), { argnums: [0, 1] })(3, 5);
    assert.deepEqual(Hm, [[10, 6], [6, 0]]);
  });
});

describe("output structures", () => {
  const sq = <T extends w.Value>(x: T): T => w.mul(x as number, x as number) as T;

  test("grad: number → number, number[] → number[], NDArray → NDArray, object → object", () => {
    const g1 = w.grad((x: number) => sq(x))(3);
    assert.equal(typeof g1, "number");
    assert.equal(g1, 6);
    const g2 = w.grad((xs: number[]) => w.add(sq(xs[0]!), w.mul(xs[1]!, xs[2]!)))([1, 2, 3]);
    assert.deepEqual(g2, [2, 3, 2]);
    const g3 = w.grad((x: NDArray) => w.sum(sq(x)))(array([[1, 2], [3, 4]]));
    assert.ok(g3 instanceof NDArray);
    assert.deepEqual(g3.toArray(), [[2, 4], [6, 8]]);
    const p = { a: 2, b: array([1, 3]), c: [4, { d: 5 }] as [number, { d: number }], label: "static" };
    const g4 = w.grad((q: typeof p) => w.add(w.add(w.mul(q.a, w.sum(q.b)), q.c[0]), sq(q.c[1].d)))(p);
    assertStructure({ a: g4.a, b: g4.b, c: g4.c }, { a: 0, b: array([0, 0]), c: [0, { d: 0 }] }, "grad of an object");
    assert.equal(g4.a, 4);
    assert.deepEqual(Array.from(g4.b.data), [2, 2]);
    assert.deepEqual(g4.c, [1, { d: 10 }]);
    assert.equal(g4.label, "static", "non-numeric leaves are carried through unchanged");
    // Unused inputs get zero gradients of their own structure.
    assert.deepEqual(w.grad((xs: number[]) => xs[0]!)([1, 2]), [1, 0]);
    const gz = w.grad((x: NDArray, _y: NDArray) => w.sum(x), { argnums: 1 })(array([1]), array([[1, 2]]));
    assert.ok(gz instanceof NDArray);
    assert.deepEqual(gz.toArray(), [[0, 0]]);
  });

  test("grad of a constant function is a zero of the input's structure", () => {
    assert.equal(w.grad((_x: number) => 3)(1), 0);
    const z = w.grad((_x: NDArray) => 3)(array([1, 2]));
    assert.ok(z instanceof NDArray);
    assert.deepEqual(Array.from(z.data), [0, 0]);
  });

  test("argnums: a number gives one gradient, an array gives a tuple in that order", () => {
    const f = (x: number, y: number, z: number) => w.mul(w.mul(x, w.mul(y, y)), w.mul(z, w.mul(z, z)));
    assert.equal(w.grad(f)(1, 2, 3), 108);
    assert.equal(w.grad(f, { argnums: 1 })(1, 2, 3), 108);
    assert.equal(w.grad(f, { argnums: 2 })(1, 2, 3), 108);
    assert.deepEqual(w.grad(f, { argnums: [2, 0] })(1, 2, 3), [108, 108]);
    assert.deepEqual(w.grad(f, { argnums: [0] })(2, 1, 1), [1]);
    const [v, g] = w.valueAndGrad(f, { argnums: [0, 1] })(1, 2, 3);
    assert.equal(v, 108);
    assert.deepEqual(g, [108, 108]);
    const [v1, g1] = w.valueAndGrad((x: number) => w.exp(x))(0);
    assert.equal(v1, 1);
    assert.equal(g1, 1);
    assert.ok(!((v1 as unknown) instanceof w.Tracer));
  });

  test("grad accepts a 0-d or size-1 array output, and returns the value unwrapped by valueAndGrad", () => {
    assert.deepEqual(Array.from(w.grad((x: NDArray) => w.reshape(w.sum(x), [1, 1]))(array([1, 2])).data), [1, 1]);
    const [v] = w.valueAndGrad((x: NDArray) => w.sum(x))(array([1, 2]));
    assert.ok(v instanceof NDArray && v.shape.length === 0 && v.item() === 3);
  });

  test("jvp returns [y, ẏ] with the output's structure; vjp's pullback returns every argument's cotangent", () => {
    const f = (x: number, v: NDArray) => ({ s: w.mul(x, w.sum(v)), t: [w.mul(v, x), x] });
    const [y, yd] = w.jvp(f, [2, array([1, 2])], [1, array([0, 1])]);
    assertStructure(y, { s: array(0), t: [array([0, 0]), 0] });
    assertStructure(yd, { s: array(0), t: [array([0, 0]), 0] });
    assert.equal((yd.s as NDArray).item(), 3 + 2);
    assert.deepEqual(Array.from((yd.t[0] as NDArray).data), [1, 2 + 2]);
    assert.equal(yd.t[1], 1);
    const [yv, pullback] = w.vjp(f, 2, array([1, 2]));
    assertStructure(yv, y);
    const cts = pullback({ s: array(1), t: [array([1, 0]), 1] as [NDArray, number] });
    assertStructure(cts, [0, array([0, 0])]);
    assert.equal(cts[0], 3 + 1 + 1);
    assert.deepEqual(Array.from(cts[1].data), [2 + 2, 2]);
  });

  test("jacobian structures: number[]→number is number[], number→number[] is number[], number[]→number[] is number[][]", () => {
    for (const jac of [w.jacfwd, w.jacrev, w.jacobian]) {
      assert.deepEqual(jac((x: number[]) => w.mul(x[0]!, x[1]!))([2, 3]), [3, 2]);
      assert.deepEqual(jac((x: number) => [w.mul(x, x), w.sin(x), 1])(0), [0, 1, 0]);
      assert.deepEqual(jac((x: number[]) => [w.mul(x[0]!, x[1]!), w.add(x[0]!, x[1]!)])([2, 3]), [[3, 2], [1, 1]]);
      assert.equal(jac((x: number) => w.mul(x, x))(3), 6);
      // Object outputs: one Jacobian per output leaf.
      const J = jac((x: number[]) => ({ p: w.mul(x[0]!, x[1]!), q: [x[1]!] }))([2, 3]);
      assert.deepEqual(J, { p: [3, 2], q: [[0, 1]] });
    }
  });

  test("jacobian with argnums: per output, a tuple of blocks; hvp on an object", () => {
    for (const jac of [w.jacfwd, w.jacrev, w.jacobian]) {
      assert.deepEqual(jac((x: number, y: number) => [w.mul(x, y), w.add(x, y)], { argnums: [0, 1] })(2, 3), [[3, 2], [1, 1]]);
      assert.deepEqual(jac((x: number, y: number) => w.mul(x, y), { argnums: 1 })(2, 3), 2);
    }
    // f = a²·Σb²: H·v with v = (1, [0, 1]) at a = 2, b = [1, 2] is (2Σb² + 4a⟨b, v_b⟩, 4a·b + 2a²·v_b).
    const hv = w.hvp((p: { a: number; b: NDArray }) => w.mul(w.mul(p.a, p.a), w.sum(w.mul(p.b, p.b))), { a: 2, b: array([1, 2]) }, { a: 1, b: array([0, 1]) });
    assert.equal(hv.a, 26);
    assert.deepEqual(Array.from(hv.b.data), [8, 24]);
  });

  test("jacobian of NDArrays has shape out ++ in; the three modes agree", () => {
    property((r) => {
      const A = randArray([2, 3, 4], () => r.normal());
      const x = randArray([4, 2], () => r.normal());
      const f = (v: NDArray) => w.tanh(w.matmul(A, v));
      const jf = w.jacfwd(f)(x), jr = w.jacrev(f)(x), ja = w.jacobian(f)(x);
      for (const J of [jf, jr, ja]) {
        assert.ok(J instanceof NDArray);
        assert.deepEqual([...J.shape], [2, 3, 2, 4, 2]);
      }
      assertClose(jr, jf, { rtol: 1e-14 }, "jacrev vs jacfwd");
      assertClose(ja, jf, { rtol: 1e-14 }, "jacobian vs jacfwd");
      // Column k of the Jacobian is the directional derivative along the k-th basis vector.
      const k = r.int(0, 7);
      const e = w.zeros([4, 2]);
      e.data[k] = 1;
      const col = Array.from({ length: 12 }, (_, i) => jf.data[i * 8 + k]!);
      assertClose(col, centralDiff(f, [x], [e]), { rtol: 1e-6 }, "Jacobian column vs differences");
    }, 10);
  });

  test("jacobian of size-1 and 0-d arrays keeps every axis (shape out ++ in)", () => {
    for (const jac of [w.jacfwd, w.jacrev, w.jacobian]) {
      const j1 = jac((x: NDArray) => w.sum(x))(array([5]));
      assert.ok(j1 instanceof NDArray && j1.shape.length === 1 && j1.shape[0] === 1, `${jac.name}: sum over [1] → shape [1]`);
      const j2 = jac((x: NDArray) => w.reshape(x, [1]))(array(5));
      assert.ok(j2 instanceof NDArray && j2.shape.length === 1 && j2.shape[0] === 1, `${jac.name}: 0-d → [1] gives shape [1]`);
      const j3 = jac((x: NDArray) => w.toScalar(x))(array(5));
      assert.ok(j3 instanceof NDArray && j3.shape.length === 0 && j3.item() === 1, `${jac.name}: 0-d → number gives a 0-d array`);
      const j4 = jac((x: number) => w.reshape(x, [1]))(5);
      assert.ok(j4 instanceof NDArray && j4.shape.length === 1 && j4.data[0] === 1, `${jac.name}: number → [1] gives shape [1]`);
      const j5 = jac((x: NDArray) => w.mul(x, 2))(array([[3]]));
      assert.ok(j5 instanceof NDArray && j5.shape.join(",") === "1,1,1,1" && j5.data[0] === 2, `${jac.name}: [1,1] → [1,1] gives [1,1,1,1]`);
    }
  });

  test("jacobian picks forward mode when inputs ≤ outputs, reverse otherwise", () => {
    const jf = w.jacobian((x: NDArray) => w.concat([x, w.sin(x)]));
    jf(array([1, 2]));
    assert.equal(jf.lastMode, "forward");
    const jr = w.jacobian((x: NDArray) => w.sum(w.sin(x)));
    jr(array([1, 2]));
    assert.equal(jr.lastMode, "reverse");
    const je = w.jacobian((x: NDArray) => w.sin(x));
    je(array([1, 2]));
    assert.equal(je.lastMode, "forward", "equal sizes: forward");
    const jw = w.jacobian((x: number[]) => w.mul(x[0]!, x[1]!));
    jw([1, 2]);
    assert.equal(jw.lastMode, "reverse");
    assert.equal(w.jacfwd((x: NDArray) => w.sum(x)).lastMode, undefined, "no call yet");
    const fwd = w.jacfwd((x: NDArray) => w.sum(x));
    fwd(array([1, 2, 3]));
    assert.equal(fwd.lastMode, "forward");
    const rev = w.jacrev((x: NDArray) => w.sin(x));
    rev(array([1, 2, 3]));
    assert.equal(rev.lastMode, "reverse");
  });

  test("hvp agrees with hessian·v, with the structure of x", () => {
    property((r) => {
      const A = randArray([3, 3], () => r.normal());
      const f = (x: NDArray) => w.sum(w.mul(w.sin(w.matmul(A, x)), x));
      const x = randArray([3], () => r.normal()), v = randArray([3], () => r.normal());
      const hv = w.hvp(f, x, v);
      assert.ok(hv instanceof NDArray && hv.shape.join() === "3");
      const H = w.hessian(f)(x);
      const Hv = [0, 1, 2].map((i) => [0, 1, 2].reduce((s, j) => s + H.data[i * 3 + j]! * v.data[j]!, 0));
      assertClose(hv, Hv, { rtol: 1e-13 }, "hvp vs hessian·v");
      // number[] → number[]
      const g = (xs: number[]) => w.mul(w.mul(xs[0]!, xs[1]!), w.exp(xs[1]!));
      const xs = [r.normal(), r.normal()], vs = [r.normal(), r.normal()];
      const hvs = w.hvp(g, xs, vs);
      const Hs = w.hessian(g)(xs);
      assert.ok(Array.isArray(hvs) && hvs.every((e) => typeof e === "number"));
      assertClose(hvs, Hs.map((row) => row[0]! * vs[0]! + row[1]! * vs[1]!), { rtol: 1e-13 }, "hvp of number[]");
    }, 10);
  });

  test("transforms of functions of several arguments keep the non-differentiated ones constant", () => {
    const f = (x: number, label: string, scale: NDArray) => {
      assert.equal(label, "keep");
      return w.sum(w.mul(scale, x));
    };
    assert.equal(w.grad(f)(2, "keep", array([1, 2])), 3);
    const [y, yd] = w.jvp((x: number) => f(x, "keep", array([1, 2])), [2], [1]);
    assert.equal((y as NDArray).item(), 6);
    assert.equal((yd as NDArray).item(), 3);
  });

  test("transforms are reusable and independent of call order", () => {
    const g = w.grad((x: number) => w.mul(x, x));
    assert.deepEqual([g(1), g(2), g(3)], [2, 4, 6]);
    const flatten = (t: Tree) => flat(t);
    assert.deepEqual(flatten(w.grad((x: number[]) => w.mul(x[0]!, x[1]!))([3, 4])), [4, 3]);
  });
});

test("linearize: f runs once; its jvp agrees with jvp for any tangent, numbers, arrays and pytrees", () => {
  let calls = 0;
  const f = (x: number, y: w.NDArray): w.NDArray => {
    calls++;
    return w.add(w.mul(w.sin(x), y), w.mul(w.exp(y), x));
  };
  const y = w.array([0.5, -1, 2]);
  const [out, lin] = w.linearize(f, 0.7, y);
  assert.deepEqual(out.toArray(), f(0.7, y).toArray());
  calls = 0;
  for (const [tx, ty] of [[1, w.zeros([3])], [0, w.ones([3])], [-2, w.array([0.3, 0.1, -4])]] as const) {
    const got = lin(tx, ty);
    const want = w.jvp(f, [0.7, y], [tx, ty])[1];
    assert.deepEqual(got.toArray(), want.toArray());
  }
  assert.equal(calls - 3, 0, "linearize's jvp does not run f (the 3 calls are jvp's)");
  // Scalar in, scalar out, and the survey's example.
  const g = (x1: number, x2: number): number => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));
  const [v, dg] = w.linearize(g, 2, 5);
  assert.equal(v, 11.652071455223084);
  assert.equal(dg(1, 0), 5.5);
  assert.equal(dg(0, 1), 1.7163378145367738);
  // Differentiable again: the tangent sweep uses the library's ops.
  assert.equal(w.grad((t: number) => dg(t, w.mul(t, t)))(1), 5.5 + 2 * 1.7163378145367738);
  assert.throws(() => (dg as (...t: number[]) => number)(1), w.ArgumentError);
});
