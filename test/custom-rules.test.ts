// Custom rules across modes, checked outputs, and pytrees:
//  - customVjp under forward mode refuses with a typed error naming the function and the fix
//    (it used to differentiate f and ignore the rule); jacobian picks reverse mode for it, even
//    deep inside f; hessian and hvp (forward over the rule) keep working; compile keeps the rule.
//  - what a rule returns is checked against the value it belongs to (structure, shape, dtype).
//  - arguments and outputs may be pytrees, at runtime and in the types.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, property, randArray } from "./helpers/check.js";

/** x², with a backward rule that halves the true gradient: the results show which rule ran. */
const halfSquare = w.customVjp(
  function halfSquare(x: number) { return w.mul(x, x); },
  (x: number) => [w.mul(x, x), x] as [number, number],
  (x: number, g: number) => [w.mul(x, g)],
);

describe("customVjp under forward mode", () => {
  test("reverse mode uses the rule: grad and jacrev give 2.5 at 2.5 (the true derivative is 5)", () => {
    assert.equal(w.grad(halfSquare)(2.5), 2.5);
    assert.equal(w.jacrev(halfSquare)(2.5), 2.5);
  });

  test("jacobian of R → R (which picks forward mode) uses reverse mode for it: 2.5, not 5", () => {
    const jf = w.jacobian(halfSquare);
    assert.equal(jf(2.5), 2.5);
    assert.equal(jf.lastMode, "reverse");
    // Called anywhere inside f, in a loop, through a helper: still detected while tracing.
    const inner = (v: number) => w.sin(halfSquare(v));
    const deep = (x: number[]) => { let s: number = x[0]!; for (let i = 0; i < 3; i++) s = w.add(s, inner(w.mul(x[1]!, i))); return [s, w.mul(s, 2), x[0]!]; };
    const jd = w.jacobian(deep);
    const J = jd([0.3, 0.7]) as number[][];
    assert.equal(jd.lastMode, "reverse");
    assertClose(J, w.jacrev(deep)([0.3, 0.7]), { rtol: 1e-15 });
    // And a function without one still gets forward mode.
    const jp = w.jacobian((x: number[]) => [w.sin(x[0]!), x[1]!, w.mul(x[0]!, x[1]!)]);
    jp([1, 2]);
    assert.equal(jp.lastMode, "forward");
  });

  test("jvp, jacfwd and linearize refuse with a MissingRuleError naming the function and the fix", () => {
    const frag = ["customVjp(halfSquare)", "forward mode", "customJvp", "grad"];
    assertThrowsWith(() => w.jvp(halfSquare, [2.5], [1]), w.MissingRuleError, frag);
    assertThrowsWith(() => w.jacfwd(halfSquare)(2.5), w.MissingRuleError, frag);
    assertThrowsWith(() => w.linearize(halfSquare, 2.5)[1](1), w.MissingRuleError, frag);
    assertThrowsWith(() => w.jvp((x: number) => w.exp(halfSquare(w.sin(x))), [1], [1]), w.MissingRuleError, frag);
  });

  test("forward over reverse (hessian, hvp) differentiates the rule, which is written with wengert ops", () => {
    // d/dx of the rule's gradient x·1 is 1 (the true second derivative of x² is 2).
    assert.equal(w.hessian(halfSquare)(2.5), 1);
    assert.equal(w.hvp(halfSquare, 2.5, 3), 3);
    assert.equal(w.jvp((x: number) => w.grad(halfSquare)(x), [2.5], [1])[1], 1);
  });

  test("compile keeps the rule: compile(grad(f)), grad(compile(f)) and jacobian(compile(f))", () => {
    const cg = w.compile(w.grad(halfSquare));
    assert.equal(cg(2.5), 2.5);
    assert.equal(cg(2.5), 2.5);
    const cf = w.compile(halfSquare);
    assert.equal(cf(2.5), 6.25);
    assert.equal(cf(2.5), 6.25);
    assert.equal(w.grad(cf)(2.5), 2.5, "grad(compile(f)) runs f eagerly under grad, so the rule is used");
    assert.equal(w.jacobian(cf)(2.5), 2.5);
    assertThrowsWith(() => w.jvp(cf, [2.5], [1]), w.MissingRuleError, ["customVjp(halfSquare)"]);
  });
});

describe("rule outputs are checked", () => {
  const x3 = w.array([1, 2, 3]);

  test("a bwd cotangent of the wrong shape is a ShapeError naming the rule, the argument, expected and actual (it was accepted)", () => {
    const f = w.customVjp(function total(x: NDArray) { return w.sum(x); }, (x: NDArray) => [w.sum(x), null] as [NDArray, null], () => [w.ones([5])]);
    assertThrowsWith(() => w.grad(f)(x3), w.ShapeError, ["customVjp(total)", "argument 0", "shape [5]", "[3]"]);
  });

  test("a bwd cotangent of the wrong dtype, or structure, or count", () => {
    const f32 = w.customVjp(function total(x: NDArray) { return w.sum(x); }, (x: NDArray) => [w.sum(x), null] as [NDArray, null], () => [w.ones([3], "float32")]);
    assertThrowsWith(() => w.grad(f32)(x3), w.DTypeError, ["customVjp(total)", "float32", "float64"]);
    const tree = w.customVjp(
      function pair(p: { a: number; b: number }) { return w.mul(p.a, p.b); },
      (p: { a: number; b: number }) => [w.mul(p.a, p.b), p] as [number, { a: number; b: number }],
      (p, g) => [{ a: w.mul(g, p.b), c: 0 } as unknown as { a: number; b: number }],
    );
    assertThrowsWith(() => w.grad(tree)({ a: 2, b: 3 }), w.ShapeError, ["customVjp(pair)", "{a: *, c: *}", "{a: *, b: *}"]);
    const many = w.customVjp(function two(x: number, y: number) { return w.mul(x, y); }, (x: number, y: number) => [w.mul(x, y), null] as [number, null], () => [1] as unknown as [number, number]);
    assertThrowsWith(() => w.grad(many)(2, 3), w.ArgumentError, ["customVjp(two)", "1 cotangents", "2 arguments", "one per argument (null for none)"]);
  });

  test("a customJvp output tangent of the wrong shape is a ShapeError, in forward and in reverse mode", () => {
    const f = w.customJvp(function double(x: NDArray) { return w.mul(x, 2); }, ([x]: [NDArray]) => [w.mul(x, 2), w.ones([5])] as [NDArray, NDArray]);
    const frag = ["customJvp(double)", "output tangent", "shape [5]", "[3]"];
    assertThrowsWith(() => w.jvp(f, [x3], [x3]), w.ShapeError, frag);
    assertThrowsWith(() => w.grad((x: NDArray) => w.sum(f(x)))(x3), w.ShapeError, frag);
    const g = w.customJvp(function double(x: NDArray) { return w.mul(x, 2); }, ([x]: [NDArray], [t]: [NDArray]) => [w.mul(x, 2), w.astype(t, "float32")] as [NDArray, NDArray]);
    assertThrowsWith(() => w.jvp(g, [x3], [x3]), w.DTypeError, ["customJvp(double)", "float32", "float64"]);
  });
});

describe("pytree arguments and outputs", () => {
  type Params = { w: NDArray; b: number };
  type Out = { y: NDArray; s: number };
  const model = (p: Params, x: NDArray): Out => ({ y: w.tanh(w.add(w.mul(p.w, x), p.b)), s: w.toScalar(w.sum(w.mul(p.w, p.w))) });
  const loss = (o: Out) => w.add(w.toScalar(w.sum(w.mul(o.y, o.y))), w.mul(0.5, o.s));

  // The same model as a customVjp whose rule is the exact pullback: results must agree with plain AD.
  const modelVjp = w.customVjp(
    model,
    (p: Params, x: NDArray) => {
      const y = w.tanh(w.add(w.mul(p.w, x), p.b));
      return [{ y, s: w.toScalar(w.sum(w.mul(p.w, p.w))) }, { p, x, y }] as [Out, { p: Params; x: NDArray; y: NDArray }];
    },
    ({ p, x, y }, g: Out) => {
      const dz = w.mul(g.y, w.sub(1, w.mul(y, y)));
      return [{ w: w.add(w.mul(dz, x), w.mul(w.mul(2, g.s), p.w)), b: w.toScalar(w.sum(dz)) }, w.mul(dz, p.w)];
    },
  );
  // And as a customJvp with the exact tangent rule.
  const modelJvp = w.customJvp(model, ([p, x]: [Params, NDArray], [tp, tx]: [Params, NDArray]) => {
    const y = w.tanh(w.add(w.mul(p.w, x), p.b));
    const dz = w.add(w.add(w.mul(tp.w, x), w.mul(p.w, tx)), tp.b);
    return [{ y, s: w.toScalar(w.sum(w.mul(p.w, p.w))) }, { y: w.mul(w.sub(1, w.mul(y, y)), dz), s: w.toScalar(w.sum(w.mul(2, w.mul(p.w, tp.w)))) }];
  });

  test("customVjp: a {w, b} argument beside an array and an {y, s} output, in grad, vjp and hvp", () => {
    property((r) => {
      const p = { w: randArray([3], () => r.normal()), b: r.normal() }, x = randArray([3], () => r.normal());
      const ref = w.grad((q: Params, v: NDArray) => loss(model(q, v)), { argnums: [0, 1] })(p, x);
      const got = w.grad((q: Params, v: NDArray) => loss(modelVjp(q, v)), { argnums: [0, 1] })(p, x);
      assertClose(got, ref, { rtol: 1e-14 }, "grad");
      assert.equal(typeof got[0].b, "number", "a number argument's cotangent is a number");
      const ct = { y: randArray([3], () => r.normal()), s: r.normal() };
      assertClose(w.vjp(modelVjp, p, x)[1](ct), w.vjp(model, p, x)[1](ct), { rtol: 1e-14 }, "vjp with an {y, s} cotangent");
      const v = { w: randArray([3], () => r.normal()), b: r.normal() };
      assertClose(w.hvp((q: Params) => loss(modelVjp(q, x)), p, v), w.hvp((q: Params) => loss(model(q, x)), p, v), { rtol: 1e-12 }, "hvp");
    }, 8);
  });

  test("customJvp: the same, in jvp and transposed under grad and vjp", () => {
    property((r) => {
      const p = { w: randArray([3], () => r.normal()), b: r.normal() }, x = randArray([3], () => r.normal());
      const tp = { w: randArray([3], () => r.normal()), b: r.normal() }, tx = randArray([3], () => r.normal());
      assertClose(w.jvp(modelJvp, [p, x], [tp, tx]), w.jvp(model, [p, x], [tp, tx]), { rtol: 1e-14 }, "jvp");
      const ref = w.grad((q: Params, v: NDArray) => loss(model(q, v)), { argnums: [0, 1] })(p, x);
      assertClose(w.grad((q: Params, v: NDArray) => loss(modelJvp(q, v)), { argnums: [0, 1] })(p, x), ref, { rtol: 1e-13 }, "grad (transposed rule)");
      const ct = { y: randArray([3], () => r.normal()), s: r.normal() };
      assertClose(w.vjp(modelJvp, p, x)[1](ct), w.vjp(model, p, x)[1](ct), { rtol: 1e-13 }, "vjp (transposed rule)");
      const [, lin] = w.linearize(modelJvp, p, x);
      assertClose(lin(tp, tx), w.jvp(model, [p, x], [tp, tx])[1], { rtol: 1e-13 }, "linearize replays the rule");
    }, 8);
  });

  test("float32 leaves and several outputs keep their dtypes through the packed line", () => {
    const x32 = w.array([0.5, -1, 2], { dtype: "float32" });
    const split = w.customVjp(
      (x: NDArray) => [w.sin(x), w.toScalar(w.sum(x))] as [NDArray, number],
      (x: NDArray) => [[w.sin(x), w.toScalar(w.sum(x))], x] as [[NDArray, number], NDArray],
      (x: NDArray, [gs, gt]: [NDArray, number]) => [w.add(w.mul(gs, w.cos(x)), gt)],
    );
    const g = w.grad((x: NDArray) => { const [s, t] = split(x); return w.add(w.sum(w.mul(s, s)), w.mul(t, 3)); })(x32);
    assert.equal(g.dtype, "float32");
    const want = w.grad((x: NDArray) => w.add(w.sum(w.mul(w.sin(x), w.sin(x))), w.mul(w.toScalar(w.sum(x)), 3)))(x32);
    assertClose(g, want, { rtol: 1e-6 });
  });

  test("static arguments pass through: a string mode beside the array", () => {
    const scaled = w.customVjp(
      (x: NDArray, mode: string) => (mode === "double" ? w.mul(x, 2) : x),
      (x: NDArray, mode: string) => [mode === "double" ? w.mul(x, 2) : x, mode] as [NDArray, string],
      (mode: string, g: NDArray) => [mode === "double" ? w.mul(g, 2) : g, null] as [NDArray, null],
    );
    assert.deepEqual([...w.grad((x: NDArray) => w.sum(scaled(x, "double")))(w.array([1, 2])).data], [2, 2]);
  });
});
