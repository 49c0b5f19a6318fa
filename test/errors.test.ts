// Every error path: the error's class, and a message that names the op, the shapes or values
// involved, and a fix. And no internal TypeError ever reaches the user: random junk thrown at
// ops and transforms either works or raises a WengertError.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as w from "../src/index.js";
import { array, NDArray } from "../src/index.js";
import { bind, type Primitive } from "../src/core/primitive.js";
import { assertThrowsWith, SEED } from "./helpers/check.js";

const {
  ShapeError, DTypeError, NonScalarOutputError, ArgnumsError, ArgumentError, TracerError, MissingRuleError, WengertError,
} = w;

describe("ShapeError", () => {
  test("broadcast mismatch names the op, both shapes, the clashing axis and the fix", () => {
    const e = assertThrowsWith(() => w.add(array([1, 2, 3]), array([1, 2])), ShapeError, ["add:", "[3] and [2]", "axis -1 has sizes 3 and 2", "make the sizes equal or 1"]);
    assert.equal((e as w.WengertError).op, "add");
    assertThrowsWith(() => w.mul(w.ones([2, 3]), w.ones([3, 2])), ShapeError, ["mul:", "[2,3] and [3,2]", "transpose it"]);
    // Also inside a transform (the tracer reports the same error).
    assertThrowsWith(() => w.grad((x: NDArray) => w.sum(w.add(x, array([1, 2]))))(array([1, 2, 3])), ShapeError, ["add:", "[3] and [2]"]);
    assertThrowsWith(() => w.broadcastTo(array([1, 2, 3]), [2, 2]), ShapeError, ["broadcastTo:", "[3]", "[2,2]"]);
  });

  test("matmul inner-dimension mismatch", () => {
    assertThrowsWith(() => w.matmul(w.ones([2, 3]), w.ones([2, 3])), ShapeError, ["matmul:", "[2,3] @ [2,3]", "3 vs 2", "transpose one?"]);
    assertThrowsWith(() => w.matmul(w.ones([3]), w.ones([4])), ShapeError, ["matmul:", "3 vs 4"]);
    assertThrowsWith(() => w.matmul(array(2), w.ones([2])), ShapeError, ["matmul:", "include a scalar", "use mul"]);
    assertThrowsWith(() => w.matmul(w.ones([2, 2, 3]), w.ones([3, 3, 2])), ShapeError, ["matmul:", "[2] and [3]"]);
  });

  test("bad reshape: element counts, several -1, non-integers", () => {
    assertThrowsWith(() => w.reshape(array([1, 2, 3]), [2, 2]), ShapeError, ["reshape:", "[3] (3 elements)", "[2,2] (4 elements)", "sizes must match"]);
    assertThrowsWith(() => w.reshape(w.ones([4]), [-1, -1]), ShapeError, ["reshape:", "[-1,-1]", "at most one -1"]);
    assertThrowsWith(() => w.reshape(w.ones([4]), [1.5, 2]), ShapeError, ["reshape:", "[1.5,2]", "non-negative integers"]);
    assertThrowsWith(() => w.reshape(w.ones([5]), [2, -1]), ShapeError, ["reshape:", "cannot infer the -1 axis", "5 elements"]);
  });

  test("bad axis: reductions, transpose, take, concat, stack", () => {
    assertThrowsWith(() => w.sum(array([1, 2, 3]), 3), ShapeError, ["sum:", "axis 3", "rank 1", "use an integer in [-1, 0]"]);
    assertThrowsWith(() => w.max(w.ones([2, 2]), -3), ShapeError, ["max:", "axis -3", "rank 2"]);
    assertThrowsWith(() => w.mean(w.ones([2, 2]), [0, 0]), ShapeError, ["mean:", "repeated axis", "name each axis once"]);
    assertThrowsWith(() => w.transpose(w.ones([1, 2]), [0, 0]), ShapeError, ["transpose:", "[0,0]", "[1,2]"]);
    assertThrowsWith(() => w.transpose(w.ones([1, 2]), [0, 5]), ShapeError, ["transpose:", "axis 5", "rank 2"]);
    assertThrowsWith(() => w.take(w.ones([2, 2]), [0], 2), ShapeError, ["take:", "axis 2", "rank 2"]);
    assertThrowsWith(() => w.concat([w.ones([2])], 1), ShapeError, ["concat:", "axis 1", "rank 1"]);
    assertThrowsWith(() => w.sum(w.ones([2]), "a" as unknown as number), ShapeError, ["sum:", "axis \"a\"", "an integer or an array of integers"]);
  });

  test("other shape errors: concat, pad, slice, take index, toScalar, empty reductions", () => {
    assertThrowsWith(() => w.concat([w.ones([1, 2]), w.ones([1, 3])]), ShapeError, ["concat:", "[1,2], [1,3]", "differ off axis 0"]);
    assertThrowsWith(() => w.concat([array(1)]), ShapeError, ["concat:", "0-d", "reshape them to [1]"]);
    assertThrowsWith(() => w.stack([w.ones([2]), w.ones([3])]), ShapeError, ["[3]", "[1,2]"]);
    assertThrowsWith(() => w.pad(w.ones([2]), [[1, 1], [1, 1]]), ShapeError, ["pad:", "2 [before, after] pairs", "[2]", "one pair per axis"]);
    assertThrowsWith(() => w.pad(w.ones([2]), [[-1, 1]]), ShapeError, ["pad:", "[[-1,1]]", "non-negative integers"]);
    assertThrowsWith(() => w.slice(w.ones([3]), [0, 0]), ShapeError, ["slice:", "2 start indices", "[3]"]);
    assertThrowsWith(() => w.slice(w.ones([3]), [0], [3], [0]), ShapeError, ["slice:", "step 0", "positive integer"]);
    assertThrowsWith(() => w.take(array([1, 2]), [5]), ShapeError, ["take:", "index 5", "size 2", "[0, 1]"]);
    assertThrowsWith(() => w.toScalar(array([1, 2])), ShapeError, ["toScalar:", "[2]", "2 elements", "reduce it first"]);
    assertThrowsWith(() => w.max(w.zeros([0])), ShapeError, ["max:", "size 0", "[0]"]);
    assertThrowsWith(() => w.mean(w.zeros([0])), ShapeError, ["mean:", "empty axis", "[0]"]);
  });

  test("transform shape errors: tangent and cotangent shapes", () => {
    assertThrowsWith(() => w.jvp((x: NDArray) => x, [array([1, 2])], [array([1, 2, 3])]), ShapeError, ["jvp:", "tangent has shape [3]", "primal has [2]"]);
    assertThrowsWith(() => w.jvp((x: number[]) => x[0]!, [[1, 2]], [[1]]), ShapeError, ["jvp:", "structure [*]", "primal has [*, *]", "primal's structure"]);
    const [, pb] = w.vjp((x: NDArray) => w.sin(x), array([1, 2]));
    assertThrowsWith(() => pb(array([1, 2, 3])), ShapeError, ["vjp:", "shape [3]", "[2]", "must match"]);
    assertThrowsWith(() => pb(undefined as unknown as NDArray), ShapeError, ["vjp:", "structure undefined", "output has *", "output's structure"]);
  });
});

describe("DTypeError", () => {
  test("bool in arithmetic and in reductions", () => {
    const b = array([true, false]);
    assertThrowsWith(() => w.add(b, 1), DTypeError, ["add:", "bool operand", "bool[2] and number", 'astype(x, "float64")']);
    assertThrowsWith(() => w.mul(true as unknown as number, 2), DTypeError, ["mul:", "bool operand", "boolean and number"]);
    assertThrowsWith(() => w.sum(b), DTypeError, ["sum:", "bool array of shape [2]", "astype"]);
    assertThrowsWith(() => w.greater(b, 0), DTypeError, ["greater:", "cannot order bool", "equal/notEqual"]);
  });

  test("float32 mixed with float64", () => {
    const f32 = w.ones([2], "float32"), f64 = w.ones([2]);
    assertThrowsWith(() => w.add(f32, f64), DTypeError, ["add:", "float32[2] and float64[2]", "mix float32 and float64", 'astype(x, "float32")']);
    assertThrowsWith(() => w.matmul(w.ones([2, 2], "float32"), w.ones([2, 2])), DTypeError, ["matmul:", "float32[2,2] and float64[2,2]"]);
    assertThrowsWith(() => w.concat([f32, f64]), DTypeError, ["concat:", "mix float32 and float64"]);
    assertThrowsWith(() => w.where(array([true, false]), f32, f64), DTypeError, ["where:", "mix float32 and float64"]);
  });

  test("non-bool where condition", () => {
    assertThrowsWith(() => w.where(array([1, 0]), 1, 2), DTypeError, ["where:", "condition must be a boolean or a bool array", "float64[2]", "greater(x, 0)"]);
    assertThrowsWith(() => w.where(1 as unknown as boolean, 1, 2), DTypeError, ["where:", "got number"]);
  });

  test("non-int32 take indices; unknown astype dtype", () => {
    assertThrowsWith(() => w.take(array([1, 2, 3]), array([0, 1])), DTypeError, ["take:", "int32", "float64[2]", 'dtype: "int32"']);
    assertThrowsWith(() => w.take(array([1, 2, 3]), [0.5]), ArgumentError, ["take:", "0.5", "integers"]);
    assertThrowsWith(() => w.astype(array([1]), "float16" as w.DType), DTypeError, ["astype:", '"float16"', '"float32"']);
    assertThrowsWith(() => array([1], { dtype: "float16" as w.DType }), DTypeError, ["array:", '"float16"', '"float32"']);
  });
});

describe("NonScalarOutputError", () => {
  test("grad of a vector-valued function names the shape and the alternatives", () => {
    assertThrowsWith(() => w.grad((x: NDArray) => w.mul(x, 2))(array([1, 2])), NonScalarOutputError, ["grad:", "shape [2]", "reduce it (sum, mean)", "vjp", "jacobian"]);
    assertThrowsWith(() => w.grad((x: number) => [x, x] as unknown as number)(1), NonScalarOutputError, ["grad:", "2 values", "jacobian"]);
    assertThrowsWith(() => w.grad((x: number) => ({ y: x }) as unknown as number)(1), NonScalarOutputError, ["grad:", "a container"]);
    assertThrowsWith(() => w.valueAndGrad((x: NDArray) => x)(w.ones([2, 2])), NonScalarOutputError, ["grad:", "[2,2]"]);
    assertThrowsWith(() => w.hessian((x: NDArray) => x)(array([1, 2])), NonScalarOutputError, ["shape [2]"]);
    assertThrowsWith(() => w.grad((_x: number) => "s" as unknown as number)(1), NonScalarOutputError, ["grad:", 'returned the string "s"', "holds no number or NDArray"]);
  });
});

describe("ArgnumsError", () => {
  const f = (x: number, y: number) => w.mul(x, y);
  test("out of range, negative, non-integer", () => {
    assertThrowsWith(() => w.grad(f, { argnums: 2 })(1, 2), ArgnumsError, ["grad:", "argnums 2", "called with 2 arguments", "[0, 1]"]);
    assertThrowsWith(() => w.grad(f, { argnums: -3 })(1, 2), ArgnumsError, ["grad:", "argnums -3", "[0, 1]", "from the end in [-2, -1]"]);
    assertThrowsWith(() => w.grad(f, { argnums: 0.5 })(1, 2), ArgnumsError, ["argnums 0.5"]);
    assertThrowsWith(() => w.jacobian(f, { argnums: [0, 3] })(1, 2), ArgnumsError, ["jacobian:", "argument 3"]);
    assertThrowsWith(() => w.jacfwd(f, { argnums: 5 })(1, 2), ArgnumsError, ["jacfwd:"]);
  });
  test("negative indices count from the end, as in JAX", () => {
    assert.equal(w.grad(f, { argnums: -1 })(1, 2), w.grad(f, { argnums: 1 })(1, 2));
    assert.deepEqual(w.grad(f, { argnums: [-2, -1] })(1, 2), w.grad(f, { argnums: [0, 1] })(1, 2));
    assert.deepEqual(w.jacobian(f, { argnums: -2 })(1, 2), w.jacobian(f, { argnums: 0 })(1, 2));
    assertThrowsWith(() => w.grad(f, { argnums: [1, -1] })(1, 2), ArgnumsError, ["repeats an argument", "negative indices count from the end"]);
  });
  test("duplicate", () => {
    assertThrowsWith(() => w.grad(f, { argnums: [0, 0] })(1, 2), ArgnumsError, ["grad:", "[0,0]", "repeats an argument", "name each once"]);
    assertThrowsWith(() => w.jacrev(f, { argnums: [1, 1] })(1, 2), ArgnumsError, ["jacrev:", "repeats"]);
  });
  test("not an index nor an array of indices", () => {
    assertThrowsWith(() => w.grad(f, { argnums: {} as unknown as 0 })(1, 2), ArgnumsError, ["grad:", "argnums {}", "e.g. 0 or [0, 1]"]);
    assertThrowsWith(() => w.grad(f, { argnums: [Symbol("s")] as unknown as [0] })(1, 2), ArgnumsError, ["grad:", "Symbol(s)"]);
  });
  test("empty", () => {
    assertThrowsWith(() => w.grad(f, { argnums: [] })(1, 2), ArgnumsError, ["grad:", "argnums is empty", "name at least one argument"]);
    assertThrowsWith(() => w.hessian(f, { argnums: [] })(1, 2), ArgnumsError, ["argnums is empty"]);
  });
});

describe("ArgumentError", () => {
  test("a string, undefined, null, an object or a plain array passed to an op", () => {
    assertThrowsWith(() => w.sin("a" as unknown as number), ArgumentError, ["sin:", 'argument 1 is the string "a"', "pass a number, an NDArray"]);
    assertThrowsWith(() => w.add(1, undefined as unknown as number), ArgumentError, ["add:", "argument 2 is undefined", "x[i] read from an NDArray"]);
    assertThrowsWith(() => w.exp(null as unknown as number), ArgumentError, ["exp:", "argument 1 is null"]);
    assertThrowsWith(() => w.mul({} as unknown as number, 1), ArgumentError, ["mul:", "a plain object {}"]);
    assertThrowsWith(() => w.add([1, 2] as unknown as number, 1), ArgumentError, ["add:", "plain JS array", "wrap it with array(...)"]);
    // Ops that read a shape first report the same error, naming themselves.
    assertThrowsWith(() => w.sum(undefined as unknown as NDArray), ArgumentError, ["sum:", "argument 1 is undefined"]);
    assertThrowsWith(() => w.reshape("abc" as unknown as NDArray, [1]), ArgumentError, ["reshape:", 'the string "abc"']);
    assertThrowsWith(() => w.matmul(w.ones([2]), null as unknown as NDArray), ArgumentError, ["matmul:", "argument 2 is null"]);
    assertThrowsWith(() => w.concat(undefined as unknown as NDArray[]), ArgumentError, ["concat:", "array of arrays"]);
    assertThrowsWith(() => w.stack([null as unknown as NDArray]), ArgumentError, ["stack:", "null"]);
    assertThrowsWith(() => w.softmax("x" as unknown as NDArray), ArgumentError, ['the string "x"']);
    assertThrowsWith(() => w.concat([]), ArgumentError, ["concat:", "got no arrays"]);
    assertThrowsWith(() => array([1, 2], null as unknown as { dtype: "float64" }), ArgumentError, ["array:", "options must be an object", "got null"]);
    assertThrowsWith(() => array([1, 2], { shape: [2, -1] }), ShapeError, ["array:", "[2,-1]", "non-negative integers"]);
    assertThrowsWith(() => array(["a"] as unknown as number[]), ArgumentError, ["array:", 'an element is the string "a"']);
    // Inside a transform too.
    assertThrowsWith(() => w.grad((x: number) => w.add(x, "2" as unknown as number))(1), ArgumentError, ["add:", 'argument 2 is the string "2"']);
  });

  test("a function, a string, undefined or a boolean as the argument of grad", () => {
    assertThrowsWith(() => w.grad((_x: unknown) => 1)(() => 1), ArgumentError, ["grad:", "argument 0 is a function", "Did you mean to call it?", "grad differentiates numbers, NDArrays"]);
    assertThrowsWith(() => w.grad((_x: unknown) => 1)("abc"), ArgumentError, ["grad:", 'argument 0 is the string "abc"']);
    assertThrowsWith(() => w.grad((_x: unknown) => 1)(undefined), ArgumentError, ["grad:", "argument 0 is undefined"]);
    assertThrowsWith(() => w.jacobian((x: unknown) => x as number)(true), ArgumentError, ["jacobian:", "argument 0 is the boolean true"]);
    assertThrowsWith(() => w.grad((x: NDArray) => w.sum(x))(w.ones([2], "int32")), ArgumentError, ["grad:", "int32[2]", "only float64/float32", "astype"]);
  });

  test("a non-function given to a transform, bad options, bad jvp arguments", () => {
    assertThrowsWith(() => w.grad("abc" as unknown as (x: number) => number), ArgumentError, ["grad:", 'expected the function to transform, got the string "abc"']);
    assertThrowsWith(() => w.jvp(42 as unknown as (x: number) => number, [1], [1]), ArgumentError, ["jvp:", "got the number 42"]);
    assertThrowsWith(() => w.vjp(undefined as unknown as (x: number) => number, 1), ArgumentError, ["vjp:", "got undefined"]);
    assertThrowsWith(() => w.jacobian(null as unknown as (x: number) => number), ArgumentError, ["jacobian:", "got null"]);
    assertThrowsWith(() => w.hessian({} as unknown as (x: number) => number), ArgumentError, ["hessian:"]);
    assertThrowsWith(() => w.hvp(1 as unknown as (x: number) => number, 1, 1), ArgumentError, ["hvp:"]);
    assertThrowsWith(() => w.grad((x: number) => x, null as unknown as { argnums: 0 }), ArgumentError, ["grad:", "options must be an object", "argnums"]);
    assertThrowsWith(() => w.jvp((x: number) => x, 1 as unknown as [number], [1]), ArgumentError, ["jvp:", "must be arrays", "jvp(f, [x], [1])"]);
    assertThrowsWith(() => w.jvp((x: number) => x, [1], [1, 2] as unknown as [number]), ArgumentError, ["jvp:", "1 primals but 2 tangents"]);
  });

  test("custom rules: non-functions and malformed rule results", () => {
    assertThrowsWith(() => w.customJvp(5 as unknown as (x: number) => number, () => [0, 0]), ArgumentError, ["customJvp:", "f must be a function"]);
    assertThrowsWith(() => w.customVjp((x: number) => x, null as unknown as (x: number) => [number, number], () => [null]), ArgumentError, ["customVjp:", "fwd must be a function"]);
    const badJvp = w.customJvp((x: number) => x, () => 5 as unknown as [number, number]);
    assertThrowsWith(() => w.jvp(badJvp, [1], [1]), ArgumentError, ["customJvp:", "jvpRule must return a pair", "got number"]);
    assertThrowsWith(() => w.grad(badJvp)(1), ArgumentError, ["customJvp:", "jvpRule must return a pair"]);
    const badBwd = w.customVjp((x: number) => x, (x: number) => [x, null] as [number, null], () => [1, 2] as unknown as [number]);
    assertThrowsWith(() => w.grad(badBwd)(1), ArgumentError, ["customVjp:", "bwd returned 2 cotangents for 1 argument;", "one per argument"]);
  });
});

describe("TracerError", () => {
  test("a JS operator or Math function on a traced value inside grad or jvp", () => {
    const hint = "use wengert's ops";
    assertThrowsWith(() => w.grad((x: number) => x * 2)(1), TracerError, ["valueOf:", "x * y", hint, "value(x)"]);
    assertThrowsWith(() => w.grad((x: number) => (x > 0 ? x : 0))(1), TracerError, [hint]);
    assertThrowsWith(() => w.grad((x: number) => Math.sin(x))(1), TracerError, [hint]);
    assertThrowsWith(() => w.jvp((x: number) => x + 1, [1], [1]), TracerError, [hint]);
    assertThrowsWith(() => w.grad((x: NDArray) => (w.sum(x) as unknown as number) * 2)(array([1])), TracerError, [hint]);
  });

  test("a leaked tracer used after its transform returned", () => {
    let leaked: unknown;
    w.grad((x: number) => { leaked = x; return x; })(1);
    assertThrowsWith(() => w.mul(leaked as number, 2), TracerError, ["mul:", "already returned", "return it from the transformed function"]);
    // Used inside a later transform it is still refused.
    assertThrowsWith(() => w.grad((y: number) => w.mul(leaked as number, y))(2), TracerError, ["mul:", "already returned"]);
    w.jvp((x: number) => { leaked = x; return x; }, [1], [1]);
    assertThrowsWith(() => w.sin(leaked as number), TracerError, ["sin:", "already returned"]);
    const [, pb] = w.vjp((x: number) => { leaked = x; return w.sin(x); }, 1);
    assert.deepEqual(pb(1), [Math.cos(1)]);
    assertThrowsWith(() => w.exp(leaked as number), TracerError, ["exp:", "already returned"]);
  });
});

test("MissingRuleError: a primitive without a rule for an argument names itself and the fix", () => {
  const noRule: Primitive<undefined> = {
    name: "noRule",
    broadcasts: false,
    infer: ([a]) => a!,
    impl: ([a]) => a!,
    rule: { kind: "linear", jvp: [], vjp: [] },
    lower: {},
  };
  assertThrowsWith(() => w.jvp((x: number) => bind(noRule, [x], undefined) as number, [1], [1]), MissingRuleError, ["noRule:", "no JVP rule", "src/ops/prims.ts"]);
  assertThrowsWith(() => w.grad((x: NDArray) => w.sum(bind(noRule, [x], undefined) as NDArray))(array([1])), MissingRuleError, ["noRule:", "no VJP rule"]);
});

test("every error class is a WengertError with its op and its own name", () => {
  for (const C of [ShapeError, DTypeError, NonScalarOutputError, ArgnumsError, ArgumentError, TracerError, MissingRuleError]) {
    const e = new C("someOp", "message");
    assert.ok(e instanceof WengertError && e instanceof Error);
    assert.equal(e.op, "someOp");
    assert.equal(e.name, C.name);
    assert.equal(e.message, "someOp: message");
  }
});

// ---------------------------------------------------------------- junk never gives a TypeError

/** Anything a careless caller might pass. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom(undefined, null, NaN, Infinity, -0, true, false, 0, 1.5, -2, 10n),
  fc.constantFrom(Symbol("s"), () => 1, [], [[]], {}, { shape: [2] }, new Date(0), /re/),
  fc.array(fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constant(undefined), fc.string({ maxLength: 1 })), { maxLength: 3 }),
  fc.array(fc.array(fc.double({ noNaN: false }), { maxLength: 2 }), { maxLength: 2 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
  fc.constantFrom(array([1, 2]), array([[1, 2], [3, 4]]), array(3), w.ones([2], "float32"), array([true, false]), w.ones([2], "int32"), w.zeros([0])),
);

const OPS: Record<string, (a: unknown, b: unknown, c: unknown) => unknown> = {
  sin: (a) => w.sin(a as number), exp: (a) => w.exp(a as number), log: (a) => w.log(a as number), sqrt: (a) => w.sqrt(a as number),
  neg: (a) => w.neg(a as number), square: (a) => w.square(a as number), abs: (a) => w.abs(a as number),
  add: (a, b) => w.add(a as number, b as number), mul: (a, b) => w.mul(a as number, b as number), div: (a, b) => w.div(a as number, b as number),
  pow: (a, b) => w.pow(a as number, b as number), maximum: (a, b) => w.maximum(a as number, b as number), atan2: (a, b) => w.atan2(a as number, b as number),
  greater: (a, b) => w.greater(a as number, b as number), where: (a, b, c) => w.where(a as boolean, b as number, c as number),
  matmul: (a, b) => w.matmul(a as NDArray, b as NDArray), dot: (a, b) => w.dot(a as NDArray, b as NDArray),
  sum: (a, b, c) => w.sum(a as NDArray, b as number, c as boolean), mean: (a, b) => w.mean(a as NDArray, b as number),
  max: (a, b) => w.max(a as NDArray, b as number), min: (a, b) => w.min(a as NDArray, b as number),
  reshape: (a, b) => w.reshape(a as NDArray, b as number[]), transpose: (a, b) => w.transpose(a as NDArray, b as number[]),
  broadcastTo: (a, b) => w.broadcastTo(a as NDArray, b as number[]), slice: (a, b, c) => w.slice(a as NDArray, b as number[], c as number[]),
  concat: (a, b) => w.concat(a as NDArray[], b as number), stack: (a, b) => w.stack(a as NDArray[], b as number),
  pad: (a, b, c) => w.pad(a as NDArray, b as [number, number][], c as number), take: (a, b, c) => w.take(a as NDArray, b as number[], c as number),
  astype: (a, b) => w.astype(a as NDArray, b as w.DType), toScalar: (a) => w.toScalar(a as NDArray), stopGradient: (a) => w.stopGradient(a as number),
  sigmoid: (a) => w.sigmoid(a as number), softplus: (a) => w.softplus(a as number), relu: (a) => w.relu(a as number),
  softmax: (a, b) => w.softmax(a as NDArray, b as number), logSoftmax: (a, b) => w.logSoftmax(a as NDArray, b as number),
  logsumexp: (a, b) => w.logsumexp(a as NDArray, b as number), norm: (a, b) => w.norm(a as NDArray, b as number), hypot: (a, b) => w.hypot(a as number, b as number),
  array: (a, b) => w.array(a as number[], b as { dtype: w.DType }),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyF = (...a: any[]) => any;
const TRANSFORMS: Record<string, (f: unknown, a: unknown, b: unknown) => unknown> = {
  grad: (f, a, b) => w.grad(f as AnyF, b as { argnums: 0 })(a),
  gradArgnums: (f, a, b) => w.grad(f as AnyF, { argnums: b as 0 })(a, a),
  valueAndGrad: (f, a) => w.valueAndGrad(f as AnyF)(a),
  jvp: (f, a, b) => w.jvp(f as AnyF, a as unknown[], b as unknown[]),
  vjp: (f, a, b) => w.vjp(f as AnyF, a)[1](b),
  jacfwd: (f, a) => w.jacfwd(f as AnyF)(a),
  jacrev: (f, a) => w.jacrev(f as AnyF)(a),
  jacobian: (f, a, b) => w.jacobian(f as AnyF, b as { argnums: 0 })(a),
  hessian: (f, a) => w.hessian(f as AnyF)(a),
  hvp: (f, a, b) => w.hvp(f as AnyF, a, b),
  customJvp: (f, a, b) => w.grad(w.customJvp(f as (x: number) => number, b as () => [number, number]))(a as number),
  customVjp: (f, a, b) => w.grad(w.customVjp(f as (x: number) => number, b as () => [number, number], b as () => [number]))(a as number),
};

/** Functions to differentiate: well-behaved ones applied to junk, and ones that return junk. */
const fnArb: fc.Arbitrary<unknown> = fc.oneof(
  junk,
  fc.constantFrom<unknown>(
    (x: number) => w.sin(x),
    (x: NDArray) => w.sum(w.mul(x, x)),
    (x: unknown) => x,
    () => "junk",
    () => undefined,
    () => ({ a: [1, "b"] }),
    (x: number) => [x, "s"],
    (x: number) => w.greater(x, 0),
  ),
);

function callsOnlyThrowWengertErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof WengertError)) {
      throw new Error(`expected a WengertError (or no error), got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  }
}

test("property: junk thrown at ops raises only WengertErrors (never an internal TypeError)", () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(OPS)), junk, junk, junk, (name, a, b, c) => {
      callsOnlyThrowWengertErrors(() => OPS[name]!(a, b, c));
      // The same op inside a transform, with the junk next to a traced value.
      callsOnlyThrowWengertErrors(() => w.grad((x: number) => {
        const r = OPS[name]!(x, b, c);
        return w.mul(x, 1);
      })(1));
    }),
    { seed: SEED, numRuns: 400, includeErrorInReport: true },
  );
});

test("property: junk thrown at transforms raises only WengertErrors", () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(TRANSFORMS)), fnArb, junk, junk, (name, f, a, b) => {
      callsOnlyThrowWengertErrors(() => TRANSFORMS[name]!(f, a, b));
    }),
    { seed: SEED, numRuns: 400, includeErrorInReport: true },
  );
});
