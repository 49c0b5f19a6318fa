// compile(): generated JavaScript against eager mode, on the whole primitive table and every
// transform (random inputs, fixed seed), guards on both sides of a branch, signature caching and
// retracing, and a 10^5-line trace.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { PRIM_TABLE, type PrimName } from "../src/ops/prims.js";
import { index } from "../src/ops/element.js";
import { addAt, dynamicIndex } from "../src/ops/dynamic-index.js";
import { assertClose, property, randArray, Rng, type AnyFn, type Tree } from "./helpers/check.js";
import { EXTRA_COMPILE_CASES } from "./cases/extra.js";

const TOL = { rtol: 1e-14 };
type Dist = (r: Rng) => number;
const any: Dist = (r) => r.uniform(-2, 2);
const pos: Dist = (r) => r.uniform(0.5, 3);
const unit: Dist = (r) => r.uniform(-0.9, 0.9);
const arr = (r: Rng, shape: number[], d: Dist): NDArray => randArray(shape, () => d(r));
const i32 = (xs: number[]) => w.array(xs, { dtype: "int32" });

/** A scalar of any output: sum of its elements (a number stays a number). */
const total = (y: w.Value): w.Value => (typeof w.value(y as number) === "number" ? y : w.sum(y as NDArray));

interface Case { readonly f: AnyFn; readonly args: (r: Rng) => Tree[] }
const un = (op: AnyFn, d: Dist): Case[] => [
  { f: op, args: (r) => [d(r)] },
  { f: op, args: (r) => [arr(r, [2, 3], d)] },
];
const bin = (op: AnyFn, da: Dist, db: Dist): Case[] => [
  { f: op, args: (r) => [da(r), db(r)] },
  { f: op, args: (r) => [arr(r, [4], da), arr(r, [4], db)] },
  { f: op, args: (r) => [arr(r, [3, 1], da), arr(r, [4], db)] },
  { f: op, args: (r) => [arr(r, [2, 3], da), db(r)] },
];

// One or more functions per primitive of the table (the last test checks none is missing).
const CASES: Record<PrimName, Case[]> = {
  ...EXTRA_COMPILE_CASES,
  add: bin(w.add, any, any), sub: bin(w.sub, any, any), mul: bin(w.mul, any, any), div: bin(w.div, any, pos),
  pow: [...bin(w.pow, pos, any), { f: (x: w.Value) => w.pow(x, 3), args: (r) => [any(r)] }],
  atan2: bin(w.atan2, any, pos),
  maximum: bin(w.maximum, any, (r) => any(r) + 0.05), minimum: bin(w.minimum, any, (r) => any(r) + 0.05),
  neg: un(w.neg, any), square: un(w.square, any), exp: un(w.exp, any), log: un(w.log, pos), log1p: un(w.log1p, pos),
  expm1: un(w.expm1, any), sin: un(w.sin, any), cos: un(w.cos, any), tan: un(w.tan, unit), asin: un(w.asin, unit),
  acos: un(w.acos, unit), atan: un(w.atan, any), sinh: un(w.sinh, any), cosh: un(w.cosh, any), tanh: un(w.tanh, any),
  sqrt: un(w.sqrt, pos), abs: un(w.abs, any),
  sign: un((x: w.Value) => w.mul(w.sign(x), w.square(x)), any),
  greater: [{ f: (x: w.Value) => w.where(w.greater(x, 0), w.sin(x), w.square(x)), args: (r) => [arr(r, [5], any)] }],
  greaterEqual: [{ f: (x: w.Value) => w.where(w.greaterEqual(x, 0), x, w.neg(x)), args: (r) => [arr(r, [5], any)] }],
  less: [{ f: (x: number) => (w.less(x, 0.5) ? w.exp(x) : w.log(x)), args: (r) => [pos(r)] }],
  lessEqual: [{ f: (x: w.Value) => w.where(w.lessEqual(x, 0), 0, w.mul(x, x)), args: (r) => [arr(r, [5], any)] }],
  equal: [{ f: (x: w.Value) => w.where(w.equal(x, 1), 2, w.sin(x)), args: (r) => [arr(r, [5], any)] }],
  notEqual: [{ f: (x: w.Value) => w.where(w.notEqual(x, 1), w.cos(x), 0), args: (r) => [arr(r, [5], any)] }],
  where: [{ f: (c: w.Value, a: w.Value) => w.where(w.greater(c, 0), w.mul(a, c), w.exp(a)), args: (r) => [arr(r, [2, 3], any), arr(r, [3], any)] }],
  stopGradient: [{ f: (x: w.Value) => w.mul(w.stopGradient(w.square(x)), w.sin(x)), args: (r) => [arr(r, [3], any)] }],
  toScalar: [{ f: (x: w.Value) => w.mul(w.toScalar(w.sum(x)), 3), args: (r) => [arr(r, [3], any)] }],
  astype: [{ f: (x: w.Value) => w.astype(w.mul(w.astype(x, "float32"), 2), "float64"), args: (r) => [arr(r, [3], any)] }],
  sum: [{ f: (x: w.Value) => w.sum(w.square(x), 1, true), args: (r) => [arr(r, [2, 3], any)] }],
  max: [{ f: (x: w.Value) => w.max(w.mul(x, x), 0), args: (r) => [arr(r, [3, 2], any)] }],
  min: [{ f: (x: w.Value) => w.min(w.sin(x)), args: (r) => [arr(r, [4], any)] }],
  reshape: [{ f: (x: w.Value) => w.reshape(w.exp(x), [3, 2]), args: (r) => [arr(r, [2, 3], any)] }],
  transpose: [{ f: (x: w.Value) => w.mul(w.transpose(x), w.array([[1, 2], [3, 4], [5, 6]])), args: (r) => [arr(r, [2, 3], any)] }],
  broadcastTo: [{ f: (x: w.Value) => w.mul(w.broadcastTo(x, [2, 3]), w.arange(6).reshape([2, 3])), args: (r) => [arr(r, [3], any)] }],
  slice: [{ f: (x: w.Value) => w.square(w.slice(x, [1], [5], [2])), args: (r) => [arr(r, [6], any)] }],
  unslice: [{ f: (x: w.Value) => w.sum(w.square(w.slice(x, [1, 0], [3, 2]))), args: (r) => [arr(r, [4, 3], any)] }],
  concat: [{ f: (x: w.Value, y: w.Value) => w.sin(w.concat([x, w.mul(y, 2)])), args: (r) => [arr(r, [2], any), arr(r, [3], any)] }],
  pad: [{ f: (x: w.Value) => w.exp(w.pad(x, [[1, 2]], 0.5)), args: (r) => [arr(r, [3], any)] }],
  take: [{ f: (x: w.Value) => w.square(w.take(x, i32([2, 0, 2]))), args: (r) => [arr(r, [4], any)] }],
  scatterAdd: [{ f: (x: w.Value) => w.sum(w.mul(w.take(x, i32([1, 1, 3])), w.array([1, 2, 3]))), args: (r) => [arr(r, [4], any)] }],
  remainder: bin(w.remainder, any, pos),
  floor: un((x: w.Value) => w.mul(w.floor(x), w.sin(x)), any), ceil: un((x: w.Value) => w.mul(w.ceil(x), x), any),
  round: un((x: w.Value) => w.add(w.round(x), x), any), trunc: un((x: w.Value) => w.mul(w.trunc(x), x), any),
  index: [{ f: (x: w.Value) => w.add(w.mul(index(x, 0), index(x, 2)), w.sum(w.sin(index(w.reshape(x, [2, 2]), 1)))), args: (r) => [arr(r, [4], any)] }],
  dynamicIndex: [{ f: (x: w.Value, y: w.Value) => w.mul(dynamicIndex(x, w.floor(y)), w.sin(dynamicIndex(x, 3))), args: (r) => [arr(r, [4], any), 2.5 + 0.4 * r.uniform(-1, 1)] }],
  addAt: [{ f: (a: w.Value, v: w.Value, y: w.Value) => w.sum(w.square(addAt(a, w.floor(y), w.mul(v, y)))), args: (r) => [arr(r, [4], any), any(r), 1.5 + 0.4 * r.uniform(-1, 1)] }],
  matmul: [{ f: (a: w.Value, b: w.Value) => w.tanh(w.matmul(a, b)), args: (r) => [arr(r, [2, 3], any), arr(r, [3, 2], any)] }],
};

const argnumsOf = (args: readonly unknown[]) => args.map((_, i) => i);

describe("compile agrees with eager mode on the whole primitive table", () => {
  for (const [name, cases] of Object.entries(CASES)) {
    cases.forEach((c, k) => {
      test(`${name} #${k}: f, valueAndGrad, jvp, hessian-vector, grad(compile(f)); interpreted without codegen`, () => {
        const sf = (...a: unknown[]) => total(c.f(...a) as w.Value) as number;
        const cf = w.compile(c.f);
        const interpreted = w.compile(c.f, { codegen: false }), ivg = w.compile(w.valueAndGrad(sf, { argnums: argnumsOf(c.args(new Rng(1))) }), { codegen: false });
        property((r) => {
          const args = c.args(r);
          const an = argnumsOf(args);
          // Twice: the first call traces, the second runs the generated code.
          assertClose(cf(...args), c.f(...args), TOL, `${name}: compile(f)`);
          assertClose(cf(...args), c.f(...args), TOL, `${name}: compile(f), cached`);
          const vg = w.valueAndGrad(sf, { argnums: an });
          const cvg = w.compile(vg);
          cvg(...args);
          assertClose(cvg(...args), vg(...args), TOL, `${name}: compile(valueAndGrad(f))`);
          for (let i = 0; i < 2; i++) {
            assertClose(interpreted(...args), c.f(...args), TOL, `${name}: compile(f, { codegen: false })`);
            assertClose(ivg(...args), vg(...args), TOL, `${name}: compile(valueAndGrad(f), { codegen: false })`);
          }
          const tang = args.map((a) => (typeof a === "number" ? 0 : w.zeros((a as NDArray).shape))) as Tree[];
          tang[0] = typeof args[0] === "number" ? 1 : w.ones((args[0] as NDArray).shape);
          const jv = (...a: unknown[]) => w.jvp(c.f, a, tang);
          const cjv = w.compile(jv);
          cjv(...args);
          assertClose(cjv(...args), jv(...args), TOL, `${name}: compile(jvp)`);
          assertClose(w.grad(w.compile(sf), { argnums: an })(...args), w.grad(sf, { argnums: an })(...args), TOL, `${name}: grad(compile(f))`);
          // Second order: forward over reverse, staged.
          const hv = (...a: unknown[]) => w.jvp((x: unknown) => w.grad(sf)(x, ...a.slice(1)), [a[0]], [tang[0]])[1];
          const chv = w.compile(hv);
          chv(...args);
          assertClose(chv(...args), hv(...args), { rtol: 1e-13 }, `${name}: compile(hvp)`);
        }, 4);
      });
    });
  }

  test("every primitive has compile cases", () => {
    assert.deepEqual(Object.keys(PRIM_TABLE).filter((k) => !(k in CASES)), []);
  });
});

const survey = (x1: number, x2: number) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));

describe("compile and the transforms", () => {
  test("the survey's example: compile(grad), compile(valueAndGrad), grad(compile), exactly", () => {
    const g = w.compile(w.grad(survey, { argnums: [0, 1] }));
    assert.deepEqual(g(2, 5), [5.5, 1.7163378145367738]);
    assert.deepEqual(g(2, 5), [5.5, 1.7163378145367738]);
    const vg = w.compile(w.valueAndGrad(survey, { argnums: [0, 1] }));
    assert.deepEqual(vg(2, 5), [11.652071455223084, [5.5, 1.7163378145367738]]);
    assert.deepEqual(vg(2, 5), [11.652071455223084, [5.5, 1.7163378145367738]]);
    assert.deepEqual(w.grad(w.compile(survey), { argnums: [0, 1] })(2, 5), [5.5, 1.7163378145367738]);
    const src = vg.lastCompiled!.source;
    // The adjoint trace is readable: cos of x2 and 1/x1 appear as lines of the program.
    assert.match(src, /Math\.log\(v0\)/);
    assert.match(src, /Math\.cos\(v1\)/);
    assert.match(src, /1 \/ v0/);
  });

  test("compile(hessian(f)) and hessian(compile(f)) on number[] and NDArray", () => {
    const f = (x: number[]) => w.mul(w.square(x[0]!), w.sin(x[1]!));
    assertClose(w.compile(w.hessian(f))([1, 2]), w.hessian(f)([1, 2]), TOL);
    assertClose(w.compile(w.hessian(f))([1, 2]), w.hessian(f)([1, 2]), TOL);
    assertClose(w.hessian(w.compile(f))([1, 2]), w.hessian(f)([1, 2]), TOL);
    const g = (x: NDArray) => w.sum(w.mul(w.exp(x), w.sin(x)));
    const x = w.array([0.1, 0.2, 0.3]);
    assertClose(w.compile(w.hessian(g))(x), w.hessian(g)(x), TOL);
  });

  test("structure is preserved: numbers stay numbers, arrays keep dtype and shape, objects stay objects", () => {
    const f = (p: { a: number; b: NDArray }, s: string) => ({ y: w.mul(p.a, w.toScalar(w.sum(p.b))), s, z: w.astype(w.mul(p.b, 2), "float32") });
    const cf = w.compile(f);
    const p = { a: 2, b: w.array([1, 2, 3]) };
    for (let i = 0; i < 2; i++) {
      const r = cf(p, "hi");
      assert.equal(typeof r.y, "number");
      assert.equal(r.y, 12);
      assert.equal(r.s, "hi");
      assert.ok(r.z instanceof NDArray);
      assert.equal(r.z.dtype, "float32");
      assert.deepEqual([...r.z.data], [2, 4, 6]);
    }
    const g = w.compile(w.grad((q: { a: number; b: NDArray }) => w.mul(q.a, w.sum(w.square(q.b)))));
    for (let i = 0; i < 2; i++) {
      const gr = g(p) as { a: number; b: NDArray };
      assert.equal(gr.a, 14);
      assert.deepEqual([...gr.b.data], [4, 8, 12]);
    }
  });

  test("jvp(compile(f)) and vjp(compile(f)) replay the program under the outer transform", () => {
    const f = (x: NDArray) => w.sum(w.mul(w.sin(x), x));
    const cf = w.compile(f);
    const x = w.array([0.3, -0.7, 1.1]), t = w.array([1, 0.5, -2]);
    assertClose(w.jvp(cf, [x], [t]), w.jvp(f, [x], [t]), TOL);
    const [y, pb] = w.vjp(cf, x);
    assertClose(y, f(x), TOL);
    assertClose(pb(w.array(1)), w.vjp(f, x)[1](w.array(1)), TOL);
    assert.ok(cf.counts.replays >= 2);
  });

  test("nested compile: compile(x => compile(g)(x)) inlines g's program", () => {
    const g = w.compile((x: number) => w.sin(w.mul(x, x)));
    const f = w.compile(w.grad((x: number) => w.add(g(x), x)));
    assertClose(f(0.7), 2 * 0.7 * Math.cos(0.49) + 1, TOL);
    assertClose(f(0.7), 2 * 0.7 * Math.cos(0.49) + 1, TOL);
  });

  test("a closure over an enclosing transform's tracer is never baked in: compile runs f eagerly", () => {
    const d = w.grad((y: number) => w.compile((x: number) => w.mul(x, y))(2))(3);
    assert.equal(d, 2);
  });
});

describe("guards: value-dependent control flow retraces, never silently wrong", () => {
  test("a piecewise function on both sides of its kink, value and gradient", () => {
    const f = (x: number) => (w.greater(x, 1) ? w.mul(x, x) : w.sub(w.mul(2, x), 1));
    const cf = w.compile(f), cg = w.compile(w.grad(f));
    for (const x of [2, 3, 0.5, -1, 2.5, 1, 1.0000001, 0]) {
      assert.equal(cf(x), f(x), `f(${x})`);
      assert.equal(cg(x), w.grad(f)(x), `f'(${x})`);
    }
    assert.equal(cf.variants.length, 2);
    assert.equal(cg.variants.length, 2);
    assert.match(cg.variants[0]!.source, /return MISS; \/\/ guard: greater was true/);
  });

  test("a loop whose trip count depends on the input", () => {
    // Doubles x until it exceeds 10: the trip count changes with x, and so does the derivative.
    const f = (x: number) => {
      let y: number = x, k = 0;
      while (w.less(y, 10)) { y = w.mul(y, 2); k++; }
      return w.add(y, k);
    };
    const cf = w.compile(f), cg = w.compile(w.grad(f));
    for (const x of [1, 1.5, 3, 6, 0.7, 1.2, 11, 1]) {
      assert.equal(cf(x), f(x), `f(${x})`);
      assert.equal(cg(x), w.grad(f)(x), `f'(${x})`);
    }
  });

  test("past maxVariants compile runs f eagerly, still correct", () => {
    const f = (x: number) => { let y: number = x; for (let i = 0; w.less(y, 100); i++) y = w.add(y, 1); return y; };
    const cf = w.compile(f, { maxVariants: 2 });
    for (const x of [1, 2.5, 50, 99.5, 3, 1]) assert.equal(cf(x), f(x));
    assert.ok(cf.counts.eager >= 1);
    assert.ok(cf.variants.length <= 2);
  });

  test("value(x) read during tracing is guarded by its value", () => {
    const f = (x: number) => w.mul(x, (w.value(x) as number) > 0 ? 2 : 3);
    const cf = w.compile(f);
    assert.equal(cf(1), 2);
    assert.equal(cf(1), 2);
    assert.equal(cf(-1), -3);
    assert.equal(cf(5), 10);
  });

  test("guards on array comparisons are ordinary lines (where), no retrace", () => {
    const f = (x: NDArray) => w.sum(w.where(w.greater(x, 0), w.sqrt(x), 0));
    const cg = w.compile(w.grad(f));
    const a = w.array([1, -1, 4]), b = w.array([-1, 9, 0]);
    assertClose(cg(a), w.grad(f)(a), TOL);
    assertClose(cg(b), w.grad(f)(b), TOL);
    assert.equal(cg.variants.length, 1);
  });
});

describe("signature caching", () => {
  test("one trace per signature; a new shape, dtype, structure or static value retraces", () => {
    const f = (x: unknown, mode?: string) => {
      const s = w.sum(w.square(x as NDArray));
      return mode === "neg" ? w.neg(s) : s;
    };
    const cf = w.compile(f);
    cf(w.array([1, 2]));
    cf(w.array([3, 4]));
    assert.equal(cf.counts.traces, 1);
    cf(w.array([1, 2, 3]));
    assert.equal(cf.counts.traces, 2);
    cf(w.array([1, 2], { dtype: "float32" }));
    assert.equal(cf.counts.traces, 3);
    assert.equal(cf(w.array([1, 2]), "neg").item(), -5);
    assert.equal(cf(w.array([1, 2]), "pos").item(), 5);
    assert.equal(cf.counts.traces, 5);
    cf(w.array([5, 6]), "neg");
    assert.equal(cf.counts.traces, 5);
    // number[] of another length
    const g = w.compile(w.grad((x: number[]) => w.mul(x[0]!, x[x.length - 1]!)));
    assert.deepEqual(g([2, 3]), [3, 2]);
    assert.deepEqual(g([2, 3, 4]), [4, 0, 2]);
    assert.deepEqual(g([5, 7]), [7, 5]);
    assert.equal(g.counts.traces, 2);
  });

  test("stats and source are exposed", () => {
    const cg = w.compile(w.grad(survey, { argnums: [0, 1] }));
    cg(2, 5);
    const st = cg.lastCompiled!.stats;
    assert.ok(st.traced > st.lines);
    assert.ok(st.sourceChars === cg.lastCompiled!.source.length);
    assert.ok(st.totalMs >= 0);
  });
});

describe("large traces", () => {
  const rosen = (x: number[]) => {
    let s: number = 0;
    for (let i = 0; i < x.length - 1; i++) {
      s = w.add(s, w.add(w.mul(100, w.square(w.sub(x[i + 1]!, w.square(x[i]!)))), w.square(w.sub(1, x[i]!))));
    }
    return s;
  };
  test("W2 scalar style, n = 10,000 (over 10^5 staged lines): compiles in chunks and agrees", () => {
    const n = 10_000;
    const x = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const cg = w.compile(w.grad(rosen));
    const first = cg(x) as number[];
    const again = cg(x) as number[];
    const eager = w.grad(rosen)(x);
    assertClose(again, eager, TOL);
    assertClose(first, eager, TOL);
    const st = cg.lastCompiled!.stats;
    assert.ok(st.traced > 100_000, `traced ${st.traced}`);
    assert.ok(st.bytecodeLines >= 50_000, "a program this large runs as bytecode by default");
    const y = x.map((v, i) => v + 0.01 * Math.sin(i));
    assertClose(cg(y), w.grad(rosen)(y), TOL);
    // The same program as JavaScript, split into chunk functions.
    const js = w.compile(w.grad(rosen), { bytecodeMin: Infinity });
    assertClose(js(y), w.grad(rosen)(y), TOL);
    assert.ok(js.lastCompiled!.stats.chunks > 1);
    assert.equal(js.lastCompiled!.stats.bytecodeLines, 0);
  });
});

describe("fusion of elementwise array lines", () => {
  const rosenbrock = (x: NDArray): NDArray => {
    const n = x.shape[0]!;
    const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1]);
    return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
  };
  for (const dtype of ["float64", "float32"] as const) {
    test(`the gradient's elementwise lines run as one loop and agree bit for bit with eager (${dtype})`, () => {
      const x = w.array(Float64Array.from({ length: 64 }, (_, i) => Math.sin(i) * 1.5), { dtype });
      const g = w.compile(w.grad(rosenbrock));
      const fused = g(x) as NDArray;
      const stats = g.lastCompiled!.stats;
      assert.ok(stats.fusedGroups >= 1 && stats.fusedLines >= 5, `fused ${stats.fusedGroups} groups / ${stats.fusedLines} lines`);
      assert.match(g.lastCompiled!.source, /\/\/ fused: /);
      const eager = w.grad(rosenbrock)(x);
      assert.equal(fused.dtype, dtype);
      assert.deepEqual(Array.from(fused.data), Array.from(eager.data));
      const unfused = w.compile(w.grad(rosenbrock), { fuse: false });
      assert.deepEqual(Array.from((unfused(x) as NDArray).data), Array.from(eager.data));
      assert.equal(unfused.lastCompiled!.stats.fusedGroups, 0);
    });
  }

  test("dead temporaries reuse workspace buffers; results never alias them across calls", () => {
    // The fused x² + sin x is read only by a reduction: a temporary. The gradient's fused
    // lines feed a transpose-free sum of placements, also without arrays of their own.
    const f = (x: NDArray): NDArray => w.sum(w.max(w.reshape(w.add(w.mul(x, x), w.sin(x)), [4, 8]), 1));
    const peak = (x: NDArray): NDArray => w.max(w.add(w.mul(x, x), w.sin(x)), 0, true);
    const g = w.compile(peak);
    const x1 = w.array(Float64Array.from({ length: 32 }, (_, i) => Math.cos(i)));
    const x2 = w.array(Float64Array.from({ length: 32 }, (_, i) => Math.sin(i)));
    const r1 = g(x1);
    const copy = Array.from(r1.data);
    const r2 = g(x2);
    assert.ok(g.lastCompiled!.stats.workspaceBytes > 0);
    assert.ok(g.lastCompiled!.stats.freshBytes > 0);
    assert.deepEqual(Array.from(r1.data), copy, "the first result was not overwritten by the second call");
    assert.deepEqual(Array.from(r2.data), Array.from(peak(x2).data));
    const gf = w.compile(w.grad(f));
    assert.deepEqual(Array.from((gf(x1) as NDArray).data), Array.from(w.grad(f)(x1).data));
    assert.deepEqual(Array.from((gf(x2) as NDArray).data), Array.from(w.grad(f)(x2).data));
    // A temporary that is reshaped (a view) must not live in the workspace.
    const h = w.compile((x: NDArray) => w.reshape(w.exp(w.mul(x, x)), [4, 8]));
    const a = h(x1), b = h(x2);
    assert.notDeepEqual(a.toArray(), b.toArray());
    assert.deepEqual(a.toArray(), w.reshape(w.exp(w.mul(x1, x1)), [4, 8]).toArray());
  });

  test("the gradient of x[1:], x[:-1] ends in one loop: the slices' transposes are summed in place", () => {
    const g = w.compile(w.grad(rosenbrock));
    const x = w.array(Float64Array.from({ length: 50 }, (_, i) => Math.cos(3 * i)));
    assert.deepEqual(Array.from((g(x) as NDArray).data), Array.from(w.grad(rosenbrock)(x).data));
    const src = g.lastCompiled!.source;
    assert.doesNotMatch(src, /unslice/, "no separate unslice kernel calls");
    assert.match(src, /\[1 \+ i\] \+=/);
    // A 2-d slice along the first axis is one contiguous block too.
    const h = (m: NDArray): NDArray => w.sum(w.mul(w.slice(m, [1]), w.exp(w.slice(m, [0], [3]))));
    const m = w.array(Float64Array.from({ length: 12 }, (_, i) => Math.sin(i)), { shape: [4, 3] });
    assert.deepEqual(Array.from((w.compile(w.grad(h))(m) as NDArray).data), Array.from(w.grad(h)(m).data));
  });

  test("a value read outside a fused group is materialized; where and comparisons fuse too", () => {
    const f = (x: NDArray): NDArray[] => {
      const s = w.mul(x, x);
      const t = w.where(w.greater(x, 0), w.sqrt(s), w.neg(s));
      return [w.sum(t), s, w.exp(w.sub(t, 1))];
    };
    const x = w.array([-2, -0.5, 0, 0.5, 3, 4]);
    const cf = w.compile(f);
    const got = cf(x), want = f(x);
    assert.ok(cf.lastCompiled!.stats.fusedGroups >= 1);
    got.forEach((g, i) => assert.deepEqual(g.toArray(), want[i]!.toArray()));
  });
});

describe("bytecode backend for large programs on numbers", () => {
  const fns: [string, (x: number, y: number) => number][] = [
    ["survey", (x1, x2) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2))],
    ["calls and unary ops", (x, y) => w.add(w.atan2(x, y), w.mul(w.log1p(w.abs(x)), w.tanh(w.neg(y))))],
    ["piecewise (guards)", (x, y) => (w.greater(x, y) ? w.mul(x, w.exp(y)) : w.sub(w.square(y), w.sqrt(w.abs(x))))],
    ["loop with input-dependent trip count", (x, y) => { let s = y; let k = 0; while (w.less(w.mul(k, 0.5), w.abs(x))) { s = w.add(w.mul(s, 0.9), w.cos(s)); k++; } return s; }],
    ["value() guard", (x, y) => w.mul(x, (w.value(y) as number) > 0 ? y : w.neg(y))],
  ];
  for (const [name, f] of fns) {
    test(`${name}: bytecode agrees with eager bit for bit, gradients included, on both sides of every branch`, () => {
      const g = w.compile(w.valueAndGrad(f, { argnums: [0, 1] }), { bytecodeMin: 1 });
      for (const [x, y] of [[2, 5], [1.5, -0.7], [-3, 0.2], [0.4, 0.3], [2.2, 1.9]] as const) {
        assert.deepEqual(g(x, y), w.valueAndGrad(f, { argnums: [0, 1] })(x, y), `at (${x}, ${y})`);
        assert.ok(g.lastCompiled!.stats.bytecodeLines > 0);
      }
    });
  }

  test("a bytecode variant that keeps being called gives the same results whether or not it tiers up", () => {
    // Whether it moves to JavaScript depends on measured times (test/tiering.test.ts drives the
    // policy on a simulated clock); the results may not.
    const f = fns[1]![1];
    const g = w.compile(w.valueAndGrad(f, { argnums: [0, 1] }), { bytecodeMin: 1, tierUpCalls: 3 });
    const want = w.valueAndGrad(f, { argnums: [0, 1] })(0.7, -1.3);
    assert.deepEqual(g(0.7, -1.3), want); // traces (not a run of the variant)
    assert.ok(g.lastCompiled!.stats.bytecodeLines > 0);
    for (let k = 0; k < 2000; k++) assert.deepEqual(g(0.7, -1.3), want);
    if (g.lastCompiled!.stats.bytecodeLines === 0) assert.match(g.lastCompiled!.source, /Math\.atan2|F_atan2/);
    assert.deepEqual(g(2, 5), w.valueAndGrad(f, { argnums: [0, 1] })(2, 5));
  });

  test("small programs stay JavaScript by default", () => {
    const g = w.compile(w.grad(fns[0]![1], { argnums: [0, 1] }));
    g(2, 5);
    assert.equal(g.lastCompiled!.stats.bytecodeLines, 0);
  });
});

describe("without code generation (a CSP without 'unsafe-eval', or codegen: false)", () => {
  const rosen = (x: NDArray) => {
    const n = x.shape[0]!;
    const h = w.slice(x, [0], [n - 1]), t = w.slice(x, [1]);
    return w.sum(w.add(w.mul(100, w.square(w.sub(t, w.square(h)))), w.square(w.sub(1, h))));
  };

  test("programs on numbers run as bytecode, others in the interpreter, and the stats say so", () => {
    const g = w.compile(w.grad(survey, { argnums: [0, 1] }), { codegen: false });
    assert.deepEqual(g(2, 5), [5.5, 1.7163378145367738]);
    assert.deepEqual(g(3, 1), w.grad(survey, { argnums: [0, 1] })(3, 1));
    const st = g.lastCompiled!.stats;
    assert.equal(st.backend, "bytecode");
    assert.equal(st.noCodegen, "turned off by { codegen: false }");
    assert.equal(st.chunks, 0);
    assert.match(g.lastCompiled!.source, /no JavaScript generated/);
    const ga = w.compile(w.grad(rosen), { codegen: false });
    const x = w.array([-1.2, 1, -1.2, 1]);
    assert.deepEqual(ga(x).toArray(), w.grad(rosen)(x).toArray());
    assert.equal(ga.lastCompiled!.stats.backend, "interpreter");
    assert.ok(ga.lastCompiled!.stats.freshBytes > 0);
    assert.equal(g.counts.traces, 1, "the second call ran the interpreted variant, not a retrace");
    // With code generation, the same functions report JavaScript.
    const gj = w.compile(w.grad(survey, { argnums: [0, 1] }));
    gj(2, 5);
    assert.equal(gj.lastCompiled!.stats.backend, "javascript");
    assert.equal(gj.lastCompiled!.stats.noCodegen, null);
  });

  test("guards, signatures and tracers: a branch retraces, a new shape retraces, a tracer argument replays", () => {
    const h = w.compile((x: number) => (w.greater(x, 0) ? w.sin(x) : w.cos(x)), { codegen: false });
    assert.deepEqual([h(1), h(-1), h(2), h(-2)], [Math.sin(1), Math.cos(-1), Math.sin(2), Math.cos(-2)]);
    assert.equal(h.counts.traces, 2);
    const s = w.compile((x: NDArray) => w.sum(w.exp(x)), { codegen: false });
    assert.equal(s(w.array([0, 0])).item(), 2);
    assert.equal(s(w.array([0, 0, 0])).item(), 3);
    assert.equal(s.counts.traces, 2);
    assert.equal(w.grad((x: number) => w.mul(x, h(x)))(1), Math.sin(1) + Math.cos(1));
  });

  test("a bytecode variant never tiers up to JavaScript", () => {
    const g = w.compile(w.grad(survey, { argnums: [0, 1] }), { codegen: false, tierUpCalls: 3 });
    for (let i = 0; i < 10; i++) g(2, 5);
    assert.equal(g.lastCompiled!.stats.backend, "bytecode");
    assert.equal(g.lastCompiled!.stats.noCodegen, "turned off by { codegen: false }");
  });
});
