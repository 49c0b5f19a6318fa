// Errors that help a new user: a function returning undefined, a boolean or a Promise says so;
// a function passed where a value belongs asks whether it was meant to be called (without
// printing its source); array([tracer, …]) points to stack; a Map, a class instance or an
// integer typed array as an argument is named, with what is accepted; no "a object".

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as w from "../src/index.js";
import { ArgumentError, DTypeError, NDArray, NonScalarOutputError, WengertError } from "../src/index.js";
import { SEED } from "./helpers/check.js";

function message(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof WengertError, `expected a WengertError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("nothing was thrown");
}

/** Every transform that runs f, each given f and a number argument. */
const TRANSFORMS: [string, (f: (x: number) => unknown) => unknown][] = [
  ["grad", (f) => w.grad(f as (x: number) => number)(1)],
  ["valueAndGrad", (f) => w.valueAndGrad(f as (x: number) => number)(1)],
  ["vjp", (f) => w.vjp(f, 1)],
  ["jvp", (f) => w.jvp(f, [1], [1])],
  ["linearize", (f) => w.linearize(f, 1)],
  ["jacobian", (f) => w.jacobian(f)(1)],
  ["jacrev", (f) => w.jacrev(f)(1)],
  ["hessian", (f) => w.hessian(f as (x: number) => number)(1)],
  ["trace", (f) => w.trace(f, 1)],
];

describe("what the function returned", () => {
  for (const [name, run] of TRANSFORMS) {
    test(`${name}: undefined (a body without return), a Promise (async), a function`, () => {
      assert.match(message(() => run((x) => { w.sin(x); })), /returned undefined: a function body in braces needs a `return`/);
      assert.match(message(() => run(async (x) => w.sin(x))), /returned a Promise \(is it async\?\)/);
      assert.match(message(() => run((() => Math.sin) as (x: number) => unknown)), /returned a function \(sin\): did you mean to call it, sin\(…\)\?/);
    });
  }

  test("grad of a comparison or a string: says what came back, not '0 values'", () => {
    const m = message(() => w.grad((x: number) => w.greater(x, 0) as unknown as number)(1));
    assert.match(m, /returned the boolean true \(a comparison: it carries no derivative/);
    assert.doesNotMatch(m, /0 values/);
    assert.throws(() => w.grad((x: number) => w.greater(x, 0) as unknown as number)(1), NonScalarOutputError);
    assert.match(message(() => w.grad((_x: number) => "s" as unknown as number)(1)), /returned the string "s", which holds no number or NDArray/);
  });
});

describe("a function where a value belongs", () => {
  function secretlyNamed(x: number): number {
    return x * 424242; // the message must not print this source
  }
  const cases: [string, () => unknown][] = [
    ["an op's argument", () => w.sin(secretlyNamed as unknown as number)],
    ["a binary op's argument", () => w.add(1, secretlyNamed as unknown as number)],
    ["a transform's argument", () => w.grad((x: number) => x)(secretlyNamed as unknown as number)],
    ["array()", () => w.array([secretlyNamed] as unknown as number[])],
    ["jvp's primal", () => w.jvp((x: number) => x, [secretlyNamed as unknown as number], [1])],
  ];
  for (const [what, run] of cases) {
    test(`${what}: "did you mean to call it?", and never its source`, () => {
      const m = message(run);
      assert.match(m, /did you mean to call it/i);
      assert.match(m, /secretlyNamed/);
      assert.doesNotMatch(m, /424242|return x/);
    });
  }
});

describe("array() of traced values or arrays points to stack", () => {
  test("array([x, y]) inside a transform", () => {
    const m = message(() => w.grad((x: number) => w.sum(w.array([x, w.mul(x, 2)])))(1));
    assert.match(m, /traced value: array\(\) copies plain numbers and would drop its derivative; build the array with stack/);
    // The fix works, and is differentiable:
    assert.deepEqual(w.grad((x: number) => w.sum(w.stack([x, w.mul(x, 2)])))(1), 3);
  });
  test("array([a, b]) of NDArrays", () => {
    assert.match(message(() => w.array([w.ones([2]), w.ones([2])] as unknown as number[])), /is an NDArray; array\(\) takes plain numbers: join arrays with stack\(\[a, b\]\)/);
  });
});

describe("arguments a transform does not look inside", () => {
  class Params {
    constructor(readonly w = 1) {}
  }
  const g = (p: unknown) => w.grad((q: never) => 1 as number)(p as never);
  test("a Map", () => assert.match(message(() => g(new Map([["w", 1]]))), /argument 0 is a Map of 1 entry\. Convert it to a plain object \(Object\.fromEntries\(map\)\)\. grad differentiates numbers, NDArrays/));
  test("a Set", () => assert.match(message(() => g(new Set([1]))), /a Set of 1 value\. Convert it to an array/));
  test("a class instance", () => assert.match(message(() => g(new Params())), /argument 0 is an instance of Params\. Pass its fields as a plain object \(\{ \.\.\.p \}\)/));
  test("an integer typed array", () => assert.match(message(() => g(Int8Array.of(1, 2))), /argument 0 is an Int8Array of length 2\. Convert it with Float64Array\.from\(x\) or array\(x\)/));
  test("inside a pytree, named by its path (its numbers would silently get no gradient)", () => {
    assert.match(message(() => g({ a: 1, inner: [2, { p: new Params() }] })), /argument 0 holds an instance of Params at \.inner\[1\]\.p \(its numbers would get no derivative\)/);
  });
  test("static leaves a pytree may carry still pass: strings, booleans, null, functions", () => {
    assert.equal(w.grad((p: { x: number; name: string; on: boolean; z: null; f: () => number }) => w.mul(p.x, p.f()))({ x: 2, name: "n", on: true, z: null, f: () => 3 }).x, 3);
  });
  test("Float64Array and Float32Array are accepted (as 1-d arrays)", () => {
    assert.ok(w.grad((x: Float64Array) => w.sum(w.square(x as unknown as NDArray)))(Float64Array.of(1, 2)) instanceof Float64Array);
  });
});

describe("dtypes", () => {
  test("a float64 tangent for a float32 primal is a DTypeError naming jvp", () => {
    assert.throws(() => w.jvp((x: NDArray) => w.sin(x), [w.array([1], { dtype: "float32" })], [w.array([1])]), (e) => e instanceof DTypeError && /^jvp: /.test(e.message) && /float32/.test(e.message));
  });
});

describe("messages read as English: never 'a object', 'a undefined', 'a int32'", () => {
  const junk = fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant({}), fc.constant([1, "a"]),
    fc.constant(new Map()), fc.constant(Int8Array.of(1)), fc.constant(() => 1), fc.constant(Promise.resolve(1)), fc.constant(Symbol("s")),
    fc.constant(w.array([1], { dtype: "int32" })), fc.constant(w.array([true])), fc.bigInt(),
  );
  const calls: ((v: unknown) => unknown)[] = [
    (v) => w.sin(v as number), (v) => w.add(1, v as number), (v) => w.sum(v as NDArray), (v) => w.reshape(v as NDArray, [1]),
    (v) => w.grad((x: number) => w.mul(x, 1))(v as number), (v) => w.jvp((x: number) => x, [v as number], [1]),
    (v) => w.array([v] as number[]), (v) => w.numericGradient((x: number) => x, v as number), (v) => w.checkGrad((x: number) => w.sin(x), v as number),
    (v) => w.grad((x: number) => v as number)(1), (v) => w.matmul(w.ones([2, 2]), v as NDArray),
  ];
  test("junk through ops and transforms", () => {
    fc.assert(fc.property(junk, fc.nat(calls.length - 1), (v, k) => {
      let m: string;
      try {
        calls[k]!(v);
        return;
      } catch (e) {
        assert.ok(e instanceof WengertError, `call ${k} with ${String(typeof v)}: ${String(e)}`);
        m = e.message;
      }
      assert.doesNotMatch(m, /\ba (object|undefined|int32|array of|int|integer typed)\b/, m);
      assert.doesNotMatch(m, /\ban (number|string|boolean|bool)\b/, m);
    }), { seed: SEED, numRuns: 300 });
  });
});
