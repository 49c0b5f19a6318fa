// Silent acceptances refused (#7 item 10): grad of a bool or int32 output (it gave zeros),
// int32 primals (refused by every transform alike), an unknown option key (ignored: the
// default ran instead), and array([true, 2]) (read the first element: [true, true]).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { ArgumentError, DTypeError, NDArray } from "../src/index.js";
import { assertThrowsWith } from "./helpers/check.js";

const x = w.array([1, 2]);

describe("a bool or int32 output is not differentiable", () => {
  test("grad and valueAndGrad refuse it, naming the dtype and the fix (they gave zeros)", () => {
    const asBool = (v: NDArray) => w.greater(w.sum(v, 0, true), 0) as NDArray; // a bool[1] array
    const asInt = (v: NDArray) => w.astype(w.sum(v), "int32");
    assertThrowsWith(() => w.grad(asBool)(x), DTypeError, ["grad:", "bool[1] array", "float64/float32 outputs", "comparison carries no derivative"]);
    assertThrowsWith(() => w.grad(asInt)(x), DTypeError, ["grad:", "int32[] array", "astype"]);
    assertThrowsWith(() => w.valueAndGrad(asInt)(x), DTypeError, ["int32[] array"]);
    assertThrowsWith(() => w.compile(w.grad(asInt))(x), DTypeError, ["int32[] array"]);
  });

  test("jacrev and jacobian refuse it too", () => {
    const cmp = (v: NDArray) => w.greater(v, 1) as NDArray;
    assertThrowsWith(() => w.jacrev(cmp)(x), DTypeError, ["jacrev:", "bool[2] array"]);
    assertThrowsWith(() => w.jacobian(cmp)(x), DTypeError, ["jacobian:", "bool[2] array"]);
    assertThrowsWith(() => w.jacrev((v: NDArray) => [w.sin(v), w.astype(v, "int32")])(x), DTypeError, ["output 1 of the function is an int32[2] array"]);
  });

  test("jacfwd, jvp, hessian and jacobian in forward mode refuse it as jacrev does (jacfwd and jvp gave zeros)", () => {
    const cmp = (v: NDArray) => w.greater(v, 1) as NDArray;
    const int = (v: NDArray) => w.astype(w.mul(v, 2), "int32");
    assertThrowsWith(() => w.jacfwd(cmp)(x), DTypeError, ["jacfwd:", "bool[2] array", "float64/float32 outputs", "comparison carries no derivative"]);
    assertThrowsWith(() => w.jacfwd(int)(x), DTypeError, ["jacfwd:", "int32[2] array", "astype"]);
    assertThrowsWith(() => w.jacfwd((v: NDArray) => [w.sin(v), int(v)])(x), DTypeError, ["jacfwd:", "output 1 of the function is an int32[2] array"]);
    assertThrowsWith(() => w.jacfwd(int)(w.zeros([0])), DTypeError, ["jacfwd:", "int32[0] array"]);
    assertThrowsWith(() => w.jvp(cmp, [x], [w.ones([2])]), DTypeError, ["jvp:", "bool[2] array"]);
    assertThrowsWith(() => w.jvp(int, [x], [w.ones([2])]), DTypeError, ["jvp:", "int32[2] array"]);
    // jacobian picks forward mode for 2 inputs ≤ 2 outputs: the same refusal either way.
    assertThrowsWith(() => w.jacobian(int)(x), DTypeError, ["jacobian:", "int32[2] array"]);
    assertThrowsWith(() => w.hessian((v: NDArray) => w.astype(w.sum(v), "int32"))(x), DTypeError, ["int32[] array"]);
    // Float outputs beside them still work.
    assert.deepEqual(w.jvp((v: NDArray) => w.mul(v, 3), [x], [w.ones([2])])[1].toArray(), [3, 3]);
  });
});

describe("int32 primals: every transform refuses them alike", () => {
  test("grad, valueAndGrad, jvp, vjp, linearize, jacfwd, jacrev, jacobian, hessian, hvp", () => {
    const i = w.array([1, 2], { dtype: "int32" });
    const f = (v: NDArray) => w.sum(w.mul(v, 1.5));
    const runs: [string, () => unknown][] = [
      ["grad", () => w.grad(f)(i)], ["grad", () => w.valueAndGrad(f)(i)], ["jvp", () => w.jvp(f, [i], [i])],
      ["vjp", () => w.vjp(f, i)], ["linearize", () => w.linearize(f, i)], ["jacfwd", () => w.jacfwd(f)(i)],
      ["jacrev", () => w.jacrev(f)(i)], ["jacobian", () => w.jacobian(f)(i)], ["hessian", () => w.hessian(f)(i)], ["hvp", () => w.hvp(f, i, i)],
    ];
    for (const [op, run] of runs) assertThrowsWith(run, ArgumentError, [`${op}:`, "int32[2] array", "only float64/float32 arrays are differentiable"]);
  });
});

describe("an unknown option key is refused, naming the options there are", () => {
  const f = (v: number) => w.mul(v, v);
  const sq = (v: number[]) => v[0]! * v[0]!;
  const bad = { argnum: 1 } as unknown as Record<string, never>;
  const cases: [string, () => unknown, string][] = [
    ["grad", () => w.grad(f, bad), "argnums"], ["grad", () => w.valueAndGrad(f, bad), "argnums"], ["jacfwd", () => w.jacfwd(f, bad), "argnums"],
    ["jacrev", () => w.jacrev(f, bad), "argnums"], ["jacobian", () => w.jacobian(f, bad), "argnums"], ["hessian", () => w.hessian(f, bad), "argnums"],
    ["vmap", () => w.vmap(f, { inAxis: 0 } as never), "inAxes, outAxes"],
    ["compile", () => w.compile(f, { cachesize: 2 } as never), "cacheSize"],
    ["numericGradient", () => w.numericGradient(sq, [1], { step: 1 } as never), "scheme, h, rtol, atol"],
    ["numericDerivative", () => w.numericDerivative(Math.sin, 1, { step: 1 } as never), "scheme, h"],
    ["numericJvp", () => w.numericJvp(sq, [1], [1], { step: 1 } as never), "scheme, h"],
    ["numericJacobian", () => w.numericJacobian(sq, [1], { step: 1 } as never), "scheme, h"],
    ["richardson", () => w.richardson(Math.sin, 1, { step: 1 } as never), "h, ratio, levels"],
    ["checkGrad", () => w.checkGrad(sq, [1], { tol: 1 } as never), "names, h, noiseUlps, gradient"],
    ["errorSweep", () => w.errorSweep(Math.sin, 1, { scheme: ["central"] } as never), "schemes"],
    ["minimize", () => w.minimize(f, 1, { maxiter: 3 } as never), "maxIter"],
    ["leastSquares", () => w.leastSquares((v: number) => [w.sub(v, 1)], 1, { maxiter: 3 } as never), "maxIter"],
    ["adam", () => w.adam(0.1, { beta1: 0.9 } as never), "b1, b2, eps, epsRoot"],
    ["adamw", () => w.adamw(0.1, { decay: 0.1 } as never), "weightDecay"],
    ["sgd", () => w.sgd(0.1, { nesterof: true } as never), "momentum, nesterov"],
    ["rmsprop", () => w.rmsprop(0.1, { beta: 0.9 } as never), "decay"],
    ["fromJS", () => w.fromJS((v: number) => v, { scopes: {} } as never), "scope"],
    ["reverseTrace", () => w.reverseTrace(f, [1], undefined, { digit: 2 } as never), "names, outputName, digits"],
    ["array", () => w.array([1, 2], { dtyp: "float32" } as never), "dtype, shape"],
    ["scan", () => w.scan((c: number, v: number) => [c, v], 0, x, { revers: true } as never), "length, reverse, checkpoints"],
    ["linalg.norm", () => w.linalg.norm(x, { order: 2 } as never), "ord, axis, keepdims"],
    ["linalg.triangularSolve", () => w.linalg.triangularSolve(w.eye(2), x, { upper: true } as never), "lower, transpose, unitDiagonal"],
    ["var", () => w.variance(x, 0, { dof: 1 } as never), "ddof, keepdims"],
    ["random.uniform", () => w.random.uniform(w.random.key(0), [2], { min: 0 } as never), "dtype, minval, maxval"],
    ["sort", () => w.sort(x, 0, { reverse: true } as never), "descending"],
    ["cumsum", () => w.cumsum(x, 0, { reversed: true } as never), "reverse"],
    ["eye", () => w.eye(2, 2, { diagonal: 1 } as never), "k, dtype"],
    ["differentiate", () => w.differentiate(w.parseExpr("x*x"), "x", { simplify: false } as never), "raw"],
    ["gradientExprs", () => w.gradientExprs(w.parseExpr("x*y"), ["x"], { row: true } as never), "raw"],
    ["simplify", () => w.simplify(w.parseExpr("x*x"), { expanded: true } as never), "expand, maxTerms, factor"],
    ["cse", () => w.cse(w.parseExpr("x*x"), { prefx: "u" } as never), "prefix"],
    ["exprSize", () => w.exprSize(w.parseExpr("x*x"), { char: true } as never), "chars"],
    ["expandPolynomial", () => w.expandPolynomial(w.parseExpr("x*x"), { maxpower: 3 } as never), "other, multiply, maxPower, maxPowerBits, memo"],
    ["linePlot", () => w.linePlot([{ name: "a", points: [[0, 1]] }], { xlog: true } as never), "title, xLabel, yLabel, xLog, yLog, width, height"],
    ["formatArray", () => w.formatArray(x, { digits: 3 } as never), "precision, threshold, edgeitems, linewidth, suppress"],
    ["toDot", () => w.toDot(w.trace((v: number) => w.sin(v), 1), { precision: 3 } as never), "digits"],
    ["toDot", () => w.trace((v: number) => w.sin(v), 1).toDot({ precision: 3 } as never), "digits"],
    ["toString", () => w.trace((v: number) => w.sin(v), 1).toString({ precision: 3 } as never), "digits"],
    ["toMarkdown", () => w.trace((v: number) => w.sin(v), 1).toMarkdown({ precision: 3 } as never), "digits"],
    ["random.permutation", () => w.random.permutation(w.random.key(0), x, { axes: 0 } as never), "axis"],
    ["std", () => w.std(x, 0, { dof: 1 } as never), "ddof, keepdims"],
    ["exponentialDecay", () => w.exponentialDecay(0.1, 10, 0.5, { staircased: true } as never), "transitionBegin, staircase, endValue"],
    ["warmupExponentialDecay", () => w.warmupExponentialDecay(0, 0.1, 5, 10, 0.5, { floor: 0 } as never), "transitionBegin, staircase, endValue"],
  ];
  for (const [op, run, known] of cases) {
    test(`${op}`, () => { assertThrowsWith(run, ArgumentError, [`${op}:`, "unknown option", known]); });
  }

  test("a near miss is named ('did you mean'), and known keys still work", () => {
    assertThrowsWith(() => w.grad(f, bad), ArgumentError, ['unknown option "argnum" (did you mean argnums?); the options are argnums']);
    assertThrowsWith(() => w.grad(f, null as never), ArgumentError, ["grad: options must be an object", "got null"]);
    assert.equal(w.grad((a: number, b: number) => w.mul(a, b), { argnums: 1 })(2, 5), 2);
    assert.equal(w.compile(f, { cacheSize: 2 })(3), 9);
    assert.ok(Math.abs(w.numericGradient(sq, [1], { scheme: "central", h: 1e-5, rtol: 1e-6 }).value[0]! - 2) < 1e-6);
    assert.equal(w.printExpr(w.differentiate(w.parseExpr("x*x"), "x", { raw: false })), w.printExpr(w.differentiate(w.parseExpr("x*x"), "x")));
    assert.match(w.toDot(w.trace((v: number) => w.mul(v, 1 / 3), 1), { digits: 5 }), /0\.33333"/);
    assert.match(w.formatArray(w.array([1 / 3]), { precision: 2 }), /0\.33\b/);
    assert.equal(w.random.permutation(w.random.key(0), x, { axis: 0 }).shape[0], 2);
  });

  test("a list prints with digits an integer in [0, 20]; else an ArgumentError naming the printing op", () => {
    const list = w.trace((v: number) => w.sin(v), 1);
    assertThrowsWith(() => list.toString({ digits: -1 }), ArgumentError, ["toString:", "digits must be an integer in [0, 20], got -1"]);
    assertThrowsWith(() => w.toDot(list, { digits: 1.5 }), ArgumentError, ["toDot:", "got 1.5"]);
  });
});

describe("array() with booleans among numbers promotes as NumPy does", () => {
  test("array([true, 2]) is float64 [1, 2] (it was bool [true, true]); all booleans stay bool", () => {
    const a = w.array([true, 2] as never);
    assert.equal(a.dtype, "float64");
    assert.deepEqual(Array.from(a.data), [1, 2]);
    const n = w.array([[false], [3]] as never);
    assert.equal(n.dtype, "float64");
    assert.deepEqual(Array.from(n.data), [0, 3]);
    const b = w.array([true, false]);
    assert.equal(b.dtype, "bool");
    assert.equal(w.array([2, true] as never).dtype, "float64");
  });
});
