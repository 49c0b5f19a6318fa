// Taylor mode (jet, derivatives): every Taylor rule against nested jvp to order 8 on random
// compositions (fast-check), in float64 and float32, on numbers and on arrays through the
// structural ops; composition with compile and grad; the refusals.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as w from "../src/index.js";
import { NDArray, type Value } from "../src/index.js";
import { indexOp } from "../src/ops/element.js";
import { assertThrowsWith, SEED } from "./helpers/check.js";

type F = (x: Value) => Value;

/** A random composition as a function and its text; every primitive's input kept inside its domain. */
interface Expr { readonly f: F; readonly text: string }

const U: readonly [string, (a: Value) => Value][] = [
  ["sin", w.sin], ["cos", w.cos], ["tanh", w.tanh], ["atan", w.atan], ["erf", w.erf], ["erfc", w.erfc], ["neg", w.neg], ["square", w.square],
  ["sinh∘tanh", (a) => w.sinh(w.tanh(a))], ["cosh∘tanh", (a) => w.cosh(w.tanh(a))],
  ["exp∘tanh", (a) => w.exp(w.tanh(a))], ["expm1∘tanh", (a) => w.expm1(w.tanh(a))],
  ["log(1.5+sin)", (a) => w.log(w.add(1.5, w.sin(a)))], ["log1p(0.5 sin)", (a) => w.log1p(w.mul(0.5, w.sin(a)))],
  ["sqrt(2+cos)", (a) => w.sqrt(w.add(2, w.cos(a)))], ["tan(0.5 tanh)", (a) => w.tan(w.mul(0.5, w.tanh(a)))],
  ["asin(0.5 tanh)", (a) => w.asin(w.mul(0.5, w.tanh(a)))], ["acos(0.5 tanh)", (a) => w.acos(w.mul(0.5, w.tanh(a)))],
  ["abs(1+sin)", (a) => w.abs(w.add(1.25, w.sin(a)))],
  ...([2, 3, -1, -2, 0.5, 2.5] as const).map((c): [string, (a: Value) => Value] => [`(1.5+sin)^${c}`, (a) => w.pow(w.add(1.5, w.sin(a)), c)]),
];
const B: readonly [string, (a: Value, b: Value) => Value][] = [
  ["+", w.add], ["−", w.sub], ["×", w.mul], ["/(1.5+sin)", (a, b) => w.div(a, w.add(1.5, w.sin(b)))],
  ["atan2(·, 1.5+cos)", (a, b) => w.atan2(a, w.add(1.5, w.cos(b)))],
  ["(1.5+sin)^(0.5+0.2 sin)", (a, b) => w.pow(w.add(1.5, w.sin(a)), w.add(0.5, w.mul(0.2, w.sin(b))))],
  ["max", w.maximum], ["min", w.minimum],
];

function exprArb(depth: number): fc.Arbitrary<Expr> {
  const leaf = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Expr>({ f: (x) => x, text: "x" }) },
    { weight: 1, arbitrary: fc.constantFrom(0.5, 1.5, -0.75).map((c): Expr => ({ f: () => c, text: String(c) })) },
  );
  const { e } = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", maxDepth: depth },
      { weight: 2, arbitrary: leaf },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...U), tie("e")).map(([[n, g], a]): Expr => ({ f: (x) => g(a.f(x)), text: `${n}(${a.text})` })) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...B), tie("e"), tie("e")).map(([[n, g], a, b]): Expr => ({ f: (x) => g(a.f(x), b.f(x)), text: `${n}(${a.text}, ${b.text})` })) },
    ),
  }));
  // Depend on x at least once (a constant's derivatives are all zero, a weak test).
  return e.map((ex) => ({ f: (x: Value) => w.add(ex.f(x), w.mul(0.25, w.sin(x))), text: `${ex.text} + sin(x)/4` }));
}

/** The k-th derivative of f along v by k nested jvps. */
function nested(f: F, k: number, v: Value): F {
  return k === 0 ? f : nested((x) => w.jvp(f, [x], [v])[1], k - 1, v);
}

const toNums = (v: Value): number[] => (v instanceof NDArray ? Array.from(v.data) : [Number(w.value(v))]);

/**
 * jet's terms against nested jvp's, element by element, on the scale of the normalized
 * coefficients (k!·max_j |f_j|/j!): a term that is small only by cancellation is judged against
 * the size of the series, not against its own near-zero value.
 */
function assertSeriesClose(got: readonly Value[], want: readonly Value[], rtol: number, what: string): void {
  const g = got.map(toNums), e = want.map(toNums);
  const n = e[0]!.length;
  for (let i = 0; i < n; i++) {
    let scale = 0, f = 1;
    for (let k = 0; k < e.length; k++) { f *= k + 1; scale = Math.max(scale, Math.abs(e[k]![i]!) / f); }
    f = 1;
    for (let k = 0; k < e.length; k++) {
      f *= k + 1;
      const tol = rtol * (Math.abs(e[k]![i]!) + scale * f) + 1e-300;
      const err = Math.abs(g[k]![i]! - e[k]![i]!);
      assert.ok(err <= tol || (Number.isNaN(g[k]![i]!) && Number.isNaN(e[k]![i]!)), `${what}: term ${k + 1}, element ${i}: jet ${g[k]![i]} vs nested jvp ${e[k]![i]} (|Δ| ${err.toExponential(2)} > ${tol.toExponential(2)})`);
    }
  }
}

const ORDER = 8;

describe("jet against nested jvp (random compositions, order 8)", () => {
  test("numbers, float64: derivatives(f, x, 8) equals eight nested jvps", () => {
    fc.assert(fc.property(exprArb(4), fc.integer({ min: -80, max: 80 }).map((k) => k / 64), (ex, x) => {
      const d = w.derivatives(ex.f as (x: number) => Value, x, ORDER);
      assert.equal(d.length, ORDER + 1);
      assert.equal(d[0], ex.f(x), ex.text);
      const want = Array.from({ length: ORDER }, (_, k) => nested(ex.f, k + 1, 1)(x));
      assertSeriesClose(d.slice(1), want, 1e-9, `${ex.text} at ${x}`);
    }), { seed: SEED, numRuns: 60 });
  });

  for (const dtype of ["float64", "float32"] as const) {
    test(`arrays, ${dtype}: the series along a direction v equals nested jvps along v`, () => {
      fc.assert(fc.property(exprArb(3), fc.array(fc.integer({ min: -64, max: 64 }), { minLength: 3, maxLength: 3 }), (ex, ks) => {
        const x = w.array(ks.map((k) => k / 48), { dtype });
        const v = w.array([1, -0.5, 0.75], { dtype });
        const [y, ts] = w.jet(ex.f, [x], [[v, ...Array(ORDER - 1).fill(0)]]);
        assert.equal((y as NDArray).dtype, dtype);
        for (const t of ts as NDArray[]) assert.equal(t.dtype, dtype, "every term keeps the dtype");
        // float32: against float64 nested jvp (float32 nested jvp has its own rounding).
        const x64 = w.astype(x, "float64"), v64 = w.astype(v, "float64");
        const want = Array.from({ length: ORDER }, (_, k) => nested(ex.f, k + 1, v64)(x64));
        assertSeriesClose(ts as Value[], want, dtype === "float64" ? 1e-9 : 2e-3, `${ex.text} (${dtype})`);
      }), { seed: SEED, numRuns: 25 });
    });
  }

  test("input series of every order (a curved path x(t)), not only a line", () => {
    // x(t) = x0 + t·x1 + t²/2·x2 + …: jet composes; check against jet of the composition with the path.
    const f = (x: Value) => w.mul(w.sin(x), w.exp(w.mul(0.3, x)));
    const path = (t: Value) => w.add(0.4, w.add(w.mul(t, 0.7), w.mul(w.mul(t, t), -0.25)));
    const [, viaPath] = w.jet((t: Value) => f(path(t)), [0], [[1, 0, 0, 0, 0]]);
    const [, terms] = w.jet(path, [0], [[1, 0, 0, 0, 0]]);
    const [, direct] = w.jet(f, [0.4], [terms as Value[]]);
    assertSeriesClose(direct as Value[], viaPath as Value[], 1e-12, "curved path");
  });
});

describe("jet through structural and linear ops", () => {
  const ops: readonly [string, (x: NDArray) => Value][] = [
    ["matmul, reshape, atan2", (x) => w.sum(w.mul(w.reshape(w.matmul(w.reshape(x, [2, 3]), w.reshape(w.exp(x), [3, 2])), [4]), w.atan2(w.slice(x, [0], [4]), 1.5)))],
    ["slice, concat, pad, cumsum", (x) => w.sum(w.mul(w.cumsum(w.concat([w.slice(x, [1]), w.sin(w.slice(x, [0], [1]))])), w.pad(w.cos(w.slice(x, [2])), [[1, 1]])))],
    ["take, transpose, broadcast, max, where", (x) => {
      const m = w.reshape(w.tanh(x), [3, 2]);
      const t = w.take(w.transpose(m), w.array([1, 0, 1], { dtype: "int32" }), 0);
      return w.add(w.sum(w.mul(t, w.broadcastTo(w.array([1, 2, 3]), [3, 3]))), w.add(w.max(w.square(x)), w.sum(w.where(w.greater(x, 0), w.exp(x), w.mul(x, x)))));
    }],
    ["takeAlongAxis, scatterAdd, index, toScalar", (x) => {
      const s = w.takeAlongAxis(w.sin(x), w.array([5, 4, 3, 2, 1, 0], { dtype: "int32" }), 0);
      return w.add(w.mul(indexOp(s, 2), w.toScalar(w.sum(w.exp(s)))), w.sum(w.sort(w.cos(x))));
    }],
  ];
  for (const [name, f] of ops) {
    test(`${name}: order 6 against nested jvp`, () => {
      const x = w.array([0.3, -0.2, 0.5, 0.1, -0.4, 0.7]), v = w.array([1, 0.5, -1, 0.25, 2, -0.5]);
      const [y, ts] = w.jet(f, [x], [[v, 0, 0, 0, 0, 0]]);
      assert.deepEqual(toNums(y), toNums(f(x)));
      const want = Array.from({ length: 6 }, (_, k) => nested(f as F, k + 1, v)(x));
      assertSeriesClose(ts as Value[], want, 1e-10, name);
    });
  }

  test("several arguments and a structured output: JAX's structure (each output leaf a list of terms)", () => {
    const f = (a: Value, b: Value) => ({ p: w.mul(a, b), q: [w.exp(a), w.div(a, b)] });
    const [y, s] = w.jet(f, [0.5, 2], [[1, 0, 0], [0, 1, 0]]);
    assert.equal(y.p, 1);
    // a(t) = 0.5 + t, b(t) = 2 + t²/2: (ab)' = b + a·b' = 2, (ab)'' = 2a'b' + a b'' = 0.5, (ab)''' = 3a'b'' = 3
    assert.deepEqual(s.p, [2, 0.5, 3]);
    assert.equal((s.q as Value[][]).length, 2);
    assertSeriesClose((s.q as Value[][])[0]!, [Math.exp(0.5), Math.exp(0.5), Math.exp(0.5)], 1e-15, "exp");
  });
});

describe("jet composes with other transforms", () => {
  const f = (x: Value) => w.div(w.sin(w.mul(x, x)), w.add(2, w.cos(x)));
  test("compile(derivatives) equals eager derivatives", () => {
    const cf = w.compile((x: number) => w.derivatives(f as (x: number) => Value, x, 5));
    const eager = w.derivatives(f as (x: number) => Value, 0.9, 5);
    cf(0.3);
    assertSeriesClose(cf(0.9) as Value[], eager, 1e-14, "compiled");
    assert.ok(cf.lastCompiled !== undefined);
  });
  test("jet of a compiled function (its program replayed) equals jet of the function", () => {
    const g = (x: Value) => w.sum(w.mul(w.sin(w.slice(x, [0], [2])), w.exp(w.slice(x, [1], [3]))));
    const cg = w.compile(g), x = w.array([0.1, 0.2, 0.3, 0.4]), v = w.array([1, -1, 0.5, 2]);
    cg(x);
    assertSeriesClose(w.jet(cg, [x], [[v, 0, 0]])[1] as Value[], w.jet(g, [x], [[v, 0, 0]])[1] as Value[], 1e-15, "compiled");
  });
  test("grad of a jet term is the next jet term", () => {
    const d = w.derivatives(f as (x: number) => Value, 0.6, 4);
    const g = w.grad((x: number) => w.jet(f, [x], [[1, 0, 0]])[1][2] as number)(0.6);
    assertSeriesClose([g], [d[4]!], 1e-12, "grad of the third derivative");
  });
  test("loops: a scan line (its body traced once) is run step by step, foriLoop natively", () => {
    const g = (x: Value) => w.add(w.scan((c: Value, xi: Value) => [w.sin(w.mul(c, xi)), w.mul(c, c)] as const, x, w.array([1, 2, 0.5]))[0] as Value,
      w.foriLoop(0, 3, (_i: number, c: Value) => w.tanh(w.mul(c, x)), x));
    const [, ts] = w.jet(g, [0.7], [[1, 0, 0, 0]]);
    assertSeriesClose(ts as Value[], [1, 2, 3, 4].map((k) => nested(g, k, 1)(0.7)), 1e-10, "scan");
    // The per-step outputs stacked, under compile as well.
    const h = (x: Value) => w.sum(w.scan((c: Value, xi: Value) => [w.mul(c, xi), w.exp(w.mul(c, xi))] as const, x, w.array([1, 2, 3]))[1] as Value);
    const cj = w.compile((x: number) => w.jet(h, [x], [[1, 0, 0]])[1]);
    assertSeriesClose(cj(0.3) as Value[], [1, 2, 3].map((k) => nested(h, k, 1)(0.3)), 1e-10, "stacked ys");
  });
  test("loops: a while line (its trip count the point's) and a checkpoint line, run step by step", () => {
    const g = (x: Value) => w.whileLoop((c: Value) => w.less(c, 10), (c: Value) => w.mul(c, w.add(1, w.sin(x))), w.add(x, 1)) as Value;
    const [, ts] = w.jet(g, [0.7], [[1, 0, 0, 0]]);
    assertSeriesClose(ts as Value[], [1, 2, 3, 4].map((k) => nested(g, k, 1)(0.7)), 1e-10, "while");
    const h = (x: Value) => w.checkpoint((y: Value) => w.exp(w.mul(w.sin(y), y)))(x) as Value;
    assertSeriesClose(w.jet(h, [0.4], [[1, 0, 0]])[1] as Value[], [1, 2, 3].map((k) => nested(h, k, 1)(0.4)), 1e-10, "checkpoint");
    // jet of a gradient: the while line saves its carries for the backward sweep.
    const dg = w.grad((x: number) => g(x) as number);
    assertSeriesClose(w.jet(dg as (x: Value) => Value, [0.7], [[1, 0, 0]])[1] as Value[], [2, 3, 4].map((k) => nested(g, k, 1)(0.7)), 1e-9, "jet of grad through while");
  });
  test("jet of a jvp: mixed orders agree with nested jvp", () => {
    const df = (x: Value) => w.jvp(f, [x], [1])[1];
    const [, ts] = w.jet(df, [0.4], [[1, 0, 0]]);
    const want = [2, 3, 4].map((k) => nested(f, k, 1)(0.4));
    assertSeriesClose(ts as Value[], want, 1e-10, "jet∘jvp");
  });
});

describe("jet: refusals and input checks", () => {
  test("series of different orders, a series that is not a list, a term of the wrong shape", () => {
    assertThrowsWith(() => w.jet(w.mul, [1, 2], [[1, 0], [1]] as never), w.ArgumentError, ["series[1] has 1 terms", "same number"]);
    assertThrowsWith(() => w.jet(w.sin, [1], [1] as never), w.ArgumentError, ["series[0] must be an array"]);
    assertThrowsWith(() => w.jet(w.sin, [w.array([1, 2])], [[w.array([1, 2, 3])]]), w.ShapeError, ["jet", "term 1"]);
    assertThrowsWith(() => w.derivatives(w.sin, w.array([1]) as never, 2), w.ArgumentError, ["plain number"]);
    assertThrowsWith(() => w.derivatives(w.sin, 1, 1.5), w.ArgumentError, ["non-negative integer"]);
  });
  test("order 0: the primal and no terms", () => {
    assert.deepEqual(w.derivatives(w.exp, 0, 0), [1]);
    assert.deepEqual(w.jet(w.exp, [0], [[]]), [1, []]);
  });
});
