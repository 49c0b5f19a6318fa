// #7 item 11: each reproduction the issue lists is a typed error naming the user's op (or,
// where the input is valid, a result), quickly; the fuzz (fuzz.test.ts) covers the rest.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { ArgnumsError, ArgumentError, DTypeError, ShapeError, WengertError } from "../src/index.js";

const refuses = (f: () => unknown, kind: new (...a: never[]) => WengertError, op: string, message: RegExp): void => {
  assert.throws(f, (e) => e instanceof kind && e.op === op && message.test(e.message), `${op}: ${message}`);
};

test("array factories: shapes, dtypes, steps, counts and fill values are checked", () => {
  refuses(() => w.zeros([-1]), ArgumentError, "zeros", /shape \[-1\] must be an array of non-negative integers/);
  refuses(() => w.zeros([2], "float16" as never), DTypeError, "zeros", /unknown dtype "float16"/);
  refuses(() => w.arange(0, 1, 0), ArgumentError, "arange", /step must not be 0/);
  refuses(() => w.linspace("1" as never, 1, 5), ArgumentError, "linspace", /start must be a finite number, got the string "1"/);
  refuses(() => w.full([2], "abc" as never), ArgumentError, "full", /fill value must be a number/);
  refuses(() => w.linspace(0, 1, [1e9] as never), ArgumentError, "linspace", /num .* must be an integer/);
  refuses(() => w.zeros([2 ** 33]), ShapeError, "zeros", /at most 2\^32 − 1/);
  refuses(() => w.ones([2 ** 20, 2 ** 20]), ShapeError, "ones", /elements; an array holds at most/);
  refuses(() => w.arange(0, 1e12, 0.5), ShapeError, "arange", /at most 2\^32 − 1/);
  assert.deepEqual(w.linspace(0, 1, 3).toJSON().data, [0, 0.5, 1]);
});

test("functions, expressions, trees and options are checked at the boundary", () => {
  refuses(() => w.trace(5 as never), ArgumentError, "trace", /the function must be a function, got the number 5/);
  refuses(() => w.printExpr({} as never), ArgumentError, "printExpr", /not an expression tree/);
  refuses(() => w.simplify({ kind: "binary", op: "+", left: w.parseExpr("x"), right: null } as never), ArgumentError, "simplify", /found null/);
  refuses(() => w.tree.unflatten(undefined as never, []), ArgumentError, "tree.unflatten", /expected a structure/);
  const f = (x: number) => w.sin(x);
  for (const [op, run] of [
    ["compile", () => w.compile(f, null as never)],
    ["checkGrad", () => w.checkGrad(f, 1, null as never)],
    ["numericGradient", () => w.numericGradient(f, 1, null as never)],
    ["numericDerivative", () => w.numericDerivative(f, 1, null as never)],
    ["numericJacobian", () => w.numericJacobian((x: number[]) => x, [1], null as never)],
    ["cse", () => w.cse(w.parseExpr("x"), null as never)],
    ["expandPolynomial", () => w.expandPolynomial(w.parseExpr("x"), null as never)],
    ["swellTable", () => w.swellTable(null as never)],
  ] as [string, () => unknown][]) refuses(run, ArgumentError, op, /options must be an object.*got null/);
  refuses(() => w.swellTable({ m: 3 } as never), ArgumentError, "swellTable", /unknown option "m".*the options are n, x, maxChars/);
});

test("exponential work is refused up front with the size it would reach", () => {
  const t0 = Date.now();
  refuses(() => w.printExpr(w.logisticExpr(30)), ArgumentError, "printExpr", /a tree of 3\.22e\+9 nodes/);
  refuses(() => w.toLatex(w.logisticExpr(30)), ArgumentError, "toLatex", /a tree of 3\.22e\+9 nodes/);
  refuses(() => w.logisticExact(20, w.Rational.of(1n, 3n)), ArgumentError, "logisticExact", /about 2\.62e\+6 bits/);
  refuses(() => w.logisticExact(20, (1 / 3) as never), ArgumentError, "logisticExact", /x must be a Rational/);
  assert.ok(Date.now() - t0 < 2000, "refused without doing the work");
  assert.equal(w.cse(w.logisticExpr(30)).bindings.length > 0, true, "cse prints each shared subtree once");
});

test("deep inputs: iterative, or refused with a typed error, never a stack overflow", () => {
  let e = w.parseExpr("x");
  for (let i = 0; i < 990; i++) e = { kind: "call", name: "sin", args: [e], span: e.span };
  const d = w.differentiate(e, "x");
  try {
    assert.equal(typeof w.printExpr(w.simplify(d)), "string");
  } catch (err) {
    assert.ok(err instanceof ArgumentError && err.op === "simplify" && /nested too deeply for the call stack/.test(err.message), String(err));
  }
  let deep: unknown = 1;
  for (let i = 0; i < 1e4; i++) deep = [deep];
  refuses(() => w.tree.flatten(deep), ArgumentError, "flatten", /nested more than 1000 containers deep/);
  refuses(() => w.array(deep as never), ShapeError, "array", /more than 64 levels deep/);
  // A flat sum of 1,001 terms is not deep nesting.
  const sum = w.parseExpr(Array(1001).fill("x").join(" + "));
  assert.equal(w.compileExpr(sum)(2), 2002);
  assert.equal(w.printExpr(w.simplify(sum)), "1001*x");
});

test("messages name the user's op", () => {
  refuses(() => w.softmax(w.array([1, 2]), 5), ShapeError, "softmax", /axis 5 is out of range/);
  refuses(() => w.logSoftmax(w.array([1, 2]), 5), ShapeError, "logSoftmax", /axis 5/);
  refuses(() => (w.grad((x: number) => x) as () => unknown)(), ArgnumsError, "grad", /called with no arguments; call it with the arguments to differentiate/);
  assert.throws(() => w.grad((x: w.NDArray) => w.sum(w.mul(x, w.array([1], { dtype: "float32" }))))(w.array([1])), (e) => e instanceof DTypeError && !/chainMul/.test(e.message));
});
