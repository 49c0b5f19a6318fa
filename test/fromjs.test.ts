// fromJS: plain JavaScript functions, rewritten from their source, under every transform.
// Each construct the rewrite handles is checked for its value (exactly f's, on plain numbers)
// and its derivatives (against central differences of f itself, and forward vs reverse).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import * as rt from "../src/source/runtime.js";
import { assertClose, centralDiff, checkAll, property, type Rng } from "./helpers/check.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** f's value through fromJS equals f's own; its gradient and JVP agree with differences of f. */
function agrees(f: F, args: number[], opts: w.FromJSOptions = {}, rtol = 1e-6): void {
  const g = w.fromJS(f, opts);
  const y = g(...args), y0 = f(...args);
  assert.ok(Object.is(y, y0), `value ${y} differs from f's ${y0}`);
  const argnums = args.map((_, i) => i);
  const gr = w.grad(g, { argnums })(...args) as number[];
  const fd = args.map((_, i) => centralDiff(f, args, args.map((_, j) => (i === j ? 1 : 0))) as number);
  assertClose(gr, fd, { rtol }, "gradient vs central differences of f");
  const t = args.map((_, i) => 0.5 + i);
  const [, jv] = w.jvp(g, args, t) as [number, number];
  assertClose(jv, gr.reduce((s, d, i) => s + d * t[i]!, 0), { rtol: 1e-12 }, "jvp vs gradient");
}

describe("fromJS: operators and statements", () => {
  test("arithmetic, **, %, unary minus and plus", () => {
    agrees((x: number, y: number) => -x * y + x / y - (+y) ** 2.5 + (x % y) * 3, [5.3, 1.7]);
  });
  test("compound assignment on locals, array elements and object fields", () => {
    agrees((x: number, y: number) => {
      let s = x; s += y; s -= 0.5; s *= x; s /= y; s **= 1.5; s %= 7;
      const a = [x, y]; a[0] *= y; a[1] += a[0]!; a[0]!++;
      const o = { p: x, q: { r: y } }; o.p -= o.q.r; o.q.r *= 2;
      return s + a[0]! * a[1]! + o.p * o.q.r;
    }, [1.5, 2.25]);
  });
  test("++ and -- as statements, prefix and postfix values", () => {
    agrees((x: number) => { let i = x; const j = i++; const k = --i; let n = 0; n++; ++n; return j * i + k * n; }, [1.5]);
  });
  test("comparisons and equality choose the branch as JS does", () => {
    const f = (x: number) => (x < 1 ? x * x : x <= 2 ? Math.sin(x) : x > 5 ? 1 / x : x >= 4 ? Math.exp(-x) : x === 3 ? 7 : x !== 3.5 ? Math.sqrt(x) : 0);
    for (const x of [0.5, 1.5, 2.5, 3.25, 3.75, 4.5, 6]) agrees(f, [x]);
    assert.equal(w.grad(w.fromJS(f))(3), 0); // x === 3 picks the constant 7
    assert.equal(w.fromJS(f)(3), 7);
  });
  test("&& and || keep their values; ! and ternaries test truthiness", () => {
    const f = (x: number, y: number) => ((x > 1 && y) || x * 3) + (!(x > 2) ? y * y : 0) + ((x - x) || y) * (y && x);
    agrees(f, [1.5, 2]);
    agrees(f, [2.5, 2]);
  });
  test("if/else, while, do/while, for with break and labeled continue", () => {
    agrees((x: number) => {
      let s = 0, i = 0;
      outer: do {
        for (let j = 0; j < 4; j++) {
          if (j === 2) continue outer;
          else if (j === 3) break;
          s += x * j + Math.cos(s);
        }
      } while (++i < 3);
      while (s < 10) s = s * 1.5 + x;
      return s;
    }, [1.7]);
  });
  test("switch with fallthrough and default", () => {
    // Written as text: the type checker forbids fall-through cases in this file.
    const f = new Function("return (x, k) => { let s = 0; switch (k) { case 1: s += x; case 2: s += x * x; break; case 3: s = Math.exp(x); break; default: s -= x; } return s; }")() as F;
    for (const k of [1, 2, 3, 4]) {
      const g = w.fromJS(f);
      assert.equal(g(1.2, k), f(1.2, k));
      assertClose(w.grad(g)(1.2, k), centralDiff((x: number) => f(x, k), [1.2], [1]) as number, { rtol: 1e-6 });
    }
  });
  test("const/let, destructuring, local arrays and objects, for…of, spread", () => {
    agrees((x: number, y: number) => {
      const [a, b] = [x * 2, y];
      const { p, q = 3 } = { p: a } as { p: number; q?: number };
      const xs: number[] = [];
      for (let i = 0; i < 4; i++) xs.push(x ** i);
      let s = 0;
      for (const v of xs) s += v * b;
      const m = Math.max(...xs, y);
      return a * b + p * q + s + m + xs.map((v) => v * 2).reduce((acc, v) => acc + v, 0);
    }, [1.2, 0.7]);
  });
  test("nested functions, closures over locals, recursion by name", () => {
    agrees((x: number) => { const sq = (t: number) => t * t; function cube(t: number): number { return t * sq(t); } return cube(x) + sq(x); }, [1.3]);
    const pw = w.fromJS(function pw(x: number, n: number): number { return n === 0 ? 1 : x * pw(x, n - 1); });
    assert.equal(pw(1.3, 3), 1.3 * 1.3 * 1.3);
    assertClose(w.grad(pw)(1.3, 3), 3 * 1.3 ** 2, { rtol: 1e-15 });
  });
  test("?? and ??=, ||= and &&=, the comma operator, bitwise operators on integers", () => {
    agrees((x: number) => {
      const o: { v?: number } = {};
      let a = 0; a ||= x * 2;
      let b = x; b &&= b * 3;
      let c: number | undefined; c ??= x;
      const d = (a = a + 1, a * 2);
      const n = (5 | 2) + (7 >> 1) + (1 << 2) + (6 & 3) + (5 ^ 1) + ~~3;
      return (o.v ?? x) * x + a + b + c + d + n * x;
    }, [1.2]);
  });
  test("strings, template literals and loose equality keep their JS meaning", () => {
    agrees((x: number) => { const s = "a" + 1; const t = `${1 + 2}`; return s.length * x + (t === "3" ? x * x : 0) + (x == 1.2 ? 0 : x); }, [1.3]); // eslint-disable-line eqeqeq
  });
});

describe("fromJS: Math, Number and typeof", () => {
  test("every Math function with a derivative", () => {
    agrees((x: number) =>
      Math.sin(x) + Math.cos(x) + Math.tan(x) + Math.asin(x / 2) + Math.acos(x / 2) + Math.atan(x) + Math.sinh(x) + Math.cosh(x) + Math.tanh(x) +
      Math.exp(x) + Math.expm1(x) + Math.log(x) + Math.log1p(x) + Math.log2(x) + Math.log10(x) + Math.sqrt(x) + Math.cbrt(x) +
      Math.asinh(x) + Math.acosh(1 + x) + Math.atanh(x / 3) + Math.atan2(x, 2) + Math.pow(x, 2.5) + Math.abs(x - 2) + Math.sign(x) * x, [0.7]);
  });
  test("Math.max/min/hypot with several arguments, floor/ceil/round/trunc", () => {
    agrees((x: number, y: number) => Math.hypot(x, y, 1) + Math.hypot(x) + Math.min(x, y, 3) * Math.max(x, -y) + Math.floor(x) * y + Math.ceil(y) * x + Math.round(x) + Math.trunc(-y) * y, [1.3, 2.1]);
  });
  test("Number.isFinite, Number.isNaN, isFinite, isNaN, typeof", () => {
    agrees((x: number) => (Number.isFinite(1 / x) ? Math.sin(x) : 0) + (Number.isNaN(x) ? 0 : x ** 3) + (isFinite(x) && !isNaN(x) ? x : 0) + (typeof x === "number" ? 2 * x : 0), [0.5]);
  });
  test("Math's constants and Math.random on plain numbers", () => {
    const g = w.fromJS((x: number) => x * Math.PI + Math.E * 0 + (Math.random() < 2 ? 1 : 0));
    assertClose(w.grad(g)(2), Math.PI);
  });
});

describe("fromJS: the survey's idioms differentiate as written", () => {
  test("x === 0 ? 0 : Math.sin(x)", () => {
    const g = w.fromJS((x: number) => (x === 0 ? 0 : Math.sin(x)));
    assert.equal(w.grad(g)(0), 0);
    assertClose(w.grad(g)(1), Math.cos(1));
  });
  test("Number.isFinite(x) ? Math.sin(x) : 0", () => {
    const g = w.fromJS((x: number) => (Number.isFinite(x) ? Math.sin(x) : 0));
    assertClose(w.grad(g)(0.5), Math.cos(0.5));
    assert.equal(w.grad(g)(Infinity), 0);
    assert.equal(w.grad(g)(NaN), 0);
    const n = w.fromJS((x: number) => (Number.isNaN(x) || isNaN(x) ? 0 : x * x));
    assert.equal(w.grad(n)(NaN), 0, "a traced NaN is NaN (eq(x, x) holds by identity, so isNaN compares values)");
    assert.equal(w.grad(n)(3), 6);
  });
  test("switch on a traced value", () => {
    const g = w.fromJS((x: number) => { switch (x) { case 0: return 1; case 1: return x * 10; default: return x * x; } });
    assert.equal(w.grad(g)(0), 0);
    assert.equal(w.grad(g)(1), 10);
    assert.equal(w.grad(g)(3), 6);
  });
  test("Object.is on traced values: by value, NaN is NaN, +0 is not −0; plain values as JS", () => {
    const g = w.fromJS((x: number) => (Object.is(x, 1) ? 5 * x : Object.is(x, -0) ? 7 * x : Object.is(x, NaN) ? 0 : x * x));
    assert.equal(w.grad(g)(1), 5);
    assert.equal(w.grad(g)(-0), 7);
    assert.equal(w.grad(g)(0), 0);
    assert.equal(w.grad(g)(NaN), 0, "Object.is(NaN, NaN) takes the constant branch");
    assert.equal(w.grad(g)(3), 6);
    const plain = w.fromJS((a: unknown, b: unknown) => Object.is(a, b));
    for (const [a, b] of [[NaN, NaN], [0, -0], ["s", "s"], [{}, {}], [1, 1]] as [unknown, unknown][]) assert.equal(plain(a, b), Object.is(a, b));
    const c = w.compile(g);
    assert.deepEqual([c(1), c(-0), c(0), c(3)], [5, -0, 0, 9]);
  });
  test("includes, indexOf and lastIndexOf find a traced number by value", () => {
    const g = w.fromJS((x: number, xs: number[]) => ([1, 2].includes(x) ? 3 * x : 0) + xs.indexOf(x) * x + [x, 2, x].lastIndexOf(2) * x);
    assert.equal(w.grad(g)(1, [0, 1]), 3 + 1 + 1);
    assert.equal(w.grad(g)(2, [2]), 3 + 0 + 2, "[x, 2, x] at x = 2: the last 2 is the last x");
    assert.equal(w.grad(g)(5, [2]), -1 + 1);
    const t = w.fromJS((x: number) => (Float64Array.of(1, 2).includes(x) ? x * x : x));
    assert.equal(w.grad(t)(2), 4);
    const plain = w.fromJS((s: string, xs: number[]) => [s.includes("b"), s.indexOf("c"), xs.includes(NaN), xs.indexOf(NaN), xs.indexOf(3, -1)]);
    assert.deepEqual(plain("abc", [NaN, 3]), [true, 2, true, -1, 1]);
  });
  test("typeof of a traced number is \"number\"", () => {
    const g = w.fromJS((x: unknown): number => (typeof x === "number" ? x * x : 0));
    assert.equal(w.grad(g)(3), 6);
    assert.equal(w.grad(w.grad(g) as F)(3), 2);
  });
});

// ---------------------------------------------------------------- examples

function survey(x1: number, x2: number): number {
  return Math.log(x1) + x1 * x2 - Math.sin(x2);
}

/** Lotka–Volterra, integrated with classical RK4; loss = squared distance to observations. */
function lvLoss(alpha: number, beta: number, delta: number, gamma: number, data: number[][]): number {
  const dt = 0.1;
  const rhs = (x: number, y: number) => [alpha * x - beta * x * y, delta * x * y - gamma * y];
  let x = 1, y = 0.5, loss = 0;
  for (let k = 0; k < data.length; k++) {
    const k1 = rhs(x, y);
    const k2 = rhs(x + 0.5 * dt * k1[0]!, y + 0.5 * dt * k1[1]!);
    const k3 = rhs(x + 0.5 * dt * k2[0]!, y + 0.5 * dt * k2[1]!);
    const k4 = rhs(x + dt * k3[0]!, y + dt * k3[1]!);
    x += (dt / 6) * (k1[0]! + 2 * k2[0]! + 2 * k3[0]! + k4[0]!);
    y += (dt / 6) * (k1[1]! + 2 * k2[1]! + 2 * k3[1]! + k4[1]!);
    const dx = x - data[k]![0]!, dy = y - data[k]![1]!;
    loss += dx * dx + dy * dy;
  }
  return loss;
}

/** Newton's iteration for √a: a loop whose trip count depends on the data. */
function newtonSqrt(a: number): number {
  let x = a > 1 ? a : 1;
  let steps = 0;
  while (Math.abs(x * x - a) > 1e-13 * a && steps < 100) {
    x = 0.5 * (x + a / x);
    steps++;
  }
  return x;
}

describe("fromJS: examples", () => {
  test("the survey's f(x1, x2) = ln x1 + x1·x2 − sin x2: values, trace, every transform", () => {
    const f = w.fromJS(survey);
    assert.equal(f(2, 5), 11.652071455223084);
    assert.deepEqual(w.grad(f, { argnums: [0, 1] })(2, 5), [5.5, 1.7163378145367738]);
    assert.deepEqual(w.jvp(f, [2, 5], [1, 0]), [11.652071455223084, 5.5]);
    const ops = (x1: number, x2: number) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));
    assert.equal(w.trace(f, 2, 5).toString(), w.trace(ops, 2, 5).toString(), "the same Wengert list as the ops version");
    assertClose(w.hessian((x: number[]) => f(x[0]!, x[1]!))([2, 5]), w.hessian((x: number[]) => ops(x[0]!, x[1]!))([2, 5]));
    const cg = w.compile(w.grad(f, { argnums: [0, 1] }));
    assert.deepEqual(cg(2, 5), [5.5, 1.7163378145367738]);
    assert.deepEqual(cg(2, 5), [5.5, 1.7163378145367738]);
    assert.deepEqual(cg(3, 1), w.grad(ops, { argnums: [0, 1] })(3, 1));
    assert.match(f.source, /\$w\.mul\(x1, x2\)/);
  });

  test("Lotka–Volterra RK4 loss: gradient against differences and the ops version, compiled too", () => {
    const truth = [1.1, 0.4, 0.1, 0.4];
    const data: number[][] = [];
    // Observations from the true parameters, recorded by a copy of the loss that keeps its states.
    let x = 1, y = 0.5;
    const dt = 0.1;
    const rhs = (u: number, v: number) => [truth[0]! * u - truth[1]! * u * v, truth[2]! * u * v - truth[3]! * v];
    for (let k = 0; k < 30; k++) {
      const k1 = rhs(x, y), k2 = rhs(x + 0.05 * k1[0]!, y + 0.05 * k1[1]!), k3 = rhs(x + 0.05 * k2[0]!, y + 0.05 * k2[1]!), k4 = rhs(x + dt * k3[0]!, y + dt * k3[1]!);
      x += (dt / 6) * (k1[0]! + 2 * k2[0]! + 2 * k3[0]! + k4[0]!);
      y += (dt / 6) * (k1[1]! + 2 * k2[1]! + 2 * k3[1]! + k4[1]!);
      data.push([x + 0.01 * Math.sin(k), y]);
    }
    const loss = w.fromJS(lvLoss);
    const p = [1.0, 0.5, 0.12, 0.35];
    assert.equal(loss(p[0]!, p[1]!, p[2]!, p[3]!, data), lvLoss(p[0]!, p[1]!, p[2]!, p[3]!, data));
    const g = w.grad(loss, { argnums: [0, 1, 2, 3] })(p[0]!, p[1]!, p[2]!, p[3]!, data) as unknown as number[];
    const fd = p.map((_, i) => centralDiff((...q: number[]) => lvLoss(q[0]!, q[1]!, q[2]!, q[3]!, data), p, p.map((_, j) => (j === i ? 1 : 0))) as number);
    assertClose(g, fd, { rtol: 1e-6 });
    const cg = w.compile(w.grad(loss, { argnums: [0, 1, 2, 3] }));
    assertClose(cg(p[0]!, p[1]!, p[2]!, p[3]!, data), g, { rtol: 1e-13 });
    assertClose(cg(p[0]!, p[1]!, p[2]!, p[3]!, data), g, { rtol: 1e-13 });
  });

  test("Newton's √a: a data-dependent while loop gives d√a/da = 1/(2√a), also compiled across trip counts", () => {
    const s = w.fromJS(newtonSqrt);
    for (const a of [0.3, 2, 10, 1e4]) {
      assertClose(s(a), Math.sqrt(a), { rtol: 1e-13 });
      assertClose(w.grad(s)(a), 0.5 / Math.sqrt(a), { rtol: 1e-10 });
      assertClose(w.grad(w.grad(s))(a), -0.25 * a ** -1.5, { rtol: 1e-8 });
    }
    const cg = w.compile(w.grad(s));
    for (const a of [2, 10, 2, 1e4, 0.3]) assertClose(cg(a), 0.5 / Math.sqrt(a), { rtol: 1e-10 });
    assert.ok(cg.counts.traces >= 3, "different trip counts are different variants (guards on the loop's test)");
  });
});

// ---------------------------------------------------------------- transforms

describe("fromJS: every transform accepts the result", () => {
  const f = w.fromJS((x: number[]) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += Math.sin(x[i]!) * (i + 1) + x[i]! * x[(i + 1) % x.length]!;
    return s;
  });
  const x0 = [0.3, -1.2, 0.8];
  const ref = (x: number[]) => x.reduce((s, v, i) => s + Math.sin(v) * (i + 1) + v * x[(i + 1) % x.length]!, 0);

  test("checkAll: jvp against differences, vjp against jvp, second derivatives", () => {
    // On an NDArray (the checkers' second-derivative shapes assume one): x.length and x[i] read it.
    property((r: Rng) => checkAll(f, [w.array(x0.map((v) => v + r.uniform(-0.1, 0.1)))], r, { ref: (x: NDArray) => ref(Array.from(x.data)) }), 5);
  });
  test("valueAndGrad, vjp, linearize, jacobian of a vector output, hessian, hvp", () => {
    const [y, g] = w.valueAndGrad(f)(x0);
    assertClose(y, ref(x0));
    const v = w.fromJS((x: number[]) => [x[0]! * x[1]!, Math.exp(x[2]!), x[0]! + x[2]!]);
    const J = w.jacobian(v)(x0) as number[][];
    assertClose(J, [[x0[1], x0[0], 0], [0, 0, Math.exp(x0[2]!)], [1, 0, 1]]);
    const [, pb] = w.vjp(f, x0);
    assertClose(pb(1)[0], g);
    const [, lin] = w.linearize(f, x0);
    assertClose(lin([1, 0, 0]), (g as number[])[0]);
    const H = w.hessian(f)(x0) as number[][];
    assertClose(w.hvp(f, x0, [1, 2, 3]), H.map((row) => row[0]! + 2 * row[1]! + 3 * row[2]!), { rtol: 1e-13 });
  });
  test("compile(f), compile(grad(f)), grad(compile(f)), compile(hessian(f))", () => {
    const g = w.grad(f)(x0);
    assertClose(w.compile(f)(x0), ref(x0), { rtol: 1e-15 });
    const cg = w.compile(w.grad(f));
    assertClose(cg(x0), g, { rtol: 1e-14 });
    assertClose(cg(x0), g, { rtol: 1e-14 });
    assertClose(w.grad(w.compile(f))(x0), g, { rtol: 1e-14 });
    assertClose(w.compile(w.hessian(f))(x0), w.hessian(f)(x0), { rtol: 1e-14 });
  });
  test("nesting: d/dx[x · d/dy(x·y)] has no perturbation confusion", () => {
    const inner = w.fromJS((x: number, y: number) => x * y);
    const dy = (x: number, y: number) => w.grad(inner, { argnums: 1 })(x, y);
    const outer = w.fromJS((x: number) => x * dy(x, 3), { scope: { dy, w, inner } });
    assert.equal(w.grad(outer)(2), 4);
  });
});

describe("fromJS: typed arrays and NDArrays", () => {
  const rosen = (x: Float64Array) => {
    let s = 0;
    for (let i = 0; i < x.length - 1; i++) {
      const a = x[i + 1]! - x[i]! * x[i]!, b = 1 - x[i]!;
      s += 100 * a * a + b * b;
    }
    return s;
  };
  const x0 = () => Float64Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  const gradRef = (x: Float64Array) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length - 1; i++) {
      const a = x[i + 1]! - x[i]! * x[i]!;
      g[i]! += -400 * a * x[i]! - 2 * (1 - x[i]!);
      g[i + 1]! += 200 * a;
    }
    return g;
  };

  test("Rosenbrock on a Float64Array: gradient is a Float64Array, eager and compiled", () => {
    const f = w.fromJS(rosen);
    assert.equal(f(x0()), rosen(x0()));
    const g = w.grad(f)(x0());
    assert.ok(g instanceof Float64Array);
    assertClose(w.array(g), w.array(gradRef(x0())), { rtol: 1e-14 });
    const cg = w.compile(w.grad(f));
    for (let k = 0; k < 2; k++) {
      const gc = cg(x0());
      assert.ok(gc instanceof Float64Array);
      assertClose(w.array(gc), w.array(gradRef(x0())), { rtol: 1e-14 });
    }
  });
  test("an unrolled loop (structured loops off) sends x[i]'s cotangents back as rows: one scatterAdd in a compiled gradient, not one per read", () => {
    rt.useStructuredLoops(false);
    try {
      const cg = w.compile(w.grad(w.fromJS(rosen)));
      const x = Float64Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
      assertClose(w.array(cg(x)), w.array(gradRef(x)), { rtol: 1e-14 });
      const src = cg.lastCompiled!.source;
      assert.equal(src.match(/scatterAdd\(/g)?.length ?? 0, 1, "one scatterAdd of all the rows");
      assert.doesNotMatch(src, /unslice/);
    } finally {
      rt.useStructuredLoops(true);
    }
  });
  test("Float32Array in, Float32Array gradient; NDArray rows by x[i][j]", () => {
    const f = w.fromJS((x: Float32Array) => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]! * x[i]! * (i + 1); return s; });
    const g = w.grad(f)(Float32Array.of(1, 2, 3));
    assert.ok(g instanceof Float32Array);
    assert.deepEqual(Array.from(g), [2, 8, 18]);
    const m = w.fromJS((A: number[][]) => { let s = 0; for (let i = 0; i < A.length; i++) for (let j = 0; j < A[i]!.length; j++) s += A[i]![j]! * (i + 2 * j); return s; });
    const gm = w.grad(m)(w.array([[1, 2], [3, 4]]) as never) as unknown as NDArray;
    assert.deepEqual(Array.from(gm.data), [0, 2, 1, 3]);
    assert.deepEqual(w.grad(m)([[1, 2], [3, 4]]), [[0, 2], [1, 3]]);
  });
  test("for…of, spread and Array.from over a traced typed array", () => {
    const f = w.fromJS((x: Float64Array) => { let s = 0; for (const v of x) s += v * v; const c = Array.from(x); return s + Math.max(...x) + c[0]! * c[1]!; });
    const g = w.grad(f)(Float64Array.of(1, 3, 2)) as Float64Array;
    assert.deepEqual(Array.from(g), [2 + 3, 6 + 1 + 1, 4]);
  });
});

describe("fromJS: scope, caching, source", () => {
  test("scope supplies constants and functions; plain helpers are rewritten (once), fromJS and wengert functions are used as they are", () => {
    const k = 3, c = 1;
    const helper = (t: number) => t * t + c;
    const cube = w.fromJS((t: number) => t * t * t);
    const f = w.fromJS((x: number) => k * helper(x) + cube(x) + w.sin(x), { scope: { k, c, helper, cube, w } });
    assertClose(w.grad(f)(1.2), k * 2 * 1.2 + 3 * 1.2 ** 2 + Math.cos(1.2));
    assert.equal(w.fromJS(helper, { scope: { k, c, helper, cube, w } }), w.fromJS(helper, { scope: { k, c, helper, cube, w } }), "cached by function and scope");
    assert.equal(w.fromJS(cube), cube, "a fromJS function is returned as it is");
  });
  test("mutually recursive helpers in one scope", () => {
    const even = (n: number, x: number): number => (n === 0 ? x : odd(n - 1, x * x));
    const odd = (n: number, x: number): number => (n === 0 ? x * 2 : even(n - 1, x + 1));
    const f = w.fromJS(even, { scope: { odd, even } });
    assert.equal(f(3, 1.5), even(3, 1.5));
    assertClose(w.grad(f, { argnums: 1 })(3, 1.5), centralDiff((x: number) => even(3, x), [1.5], [1]) as number, { rtol: 1e-7 });
  });
  test("an arrow function recurses through its variable's name", () => {
    const fact = (n: number, x: number): number => (n <= 1 ? x : n * x * fact(n - 1, x));
    const f = w.fromJS(fact);
    assert.equal(f(4, 2), fact(4, 2));
    assert.equal(w.grad(f, { argnums: 1 })(3, 2), 18 * 2 * 2); // fact(3, x) = 6x³
  });
  test("method shorthand and esbuild's __name wrappers", () => {
    const obj = { m(x: number) { const sq = (t: number) => t * t; return sq(x) + x; } };
    assert.equal(w.grad(w.fromJS(obj.m))(3), 7);
    // What tsx/esbuild's keepNames produce.
    const src = new Function("__name", "return (x) => { function inner(t) { return t * 2; } __name(inner, \"inner\"); const g = __name((u) => u * u, \"g\"); return inner(x) + g(x); }")((fn: unknown) => fn) as F;
    assert.equal(w.grad(w.fromJS(src))(3), 2 + 6);
  });
  test(".source is the rewritten JavaScript; .original the function as written", () => {
    const f = (x: number) => x * 2 + 1;
    const g = w.fromJS(f);
    assert.equal(g.original, f);
    assert.match(g.source, /\$w\.add\(\$w\.mul\(x, 2\), 1\)/);
  });
  test("an error inside names the user's line and column", () => {
    // Built from text: tsx minifies this file's own functions onto one line.
    const bad = new Function("return function bad(x) {\n  let s = 0;\n  s = s + x;\n  return s;\n}")() as F;
    const g = w.fromJS(bad);
    try {
      w.grad(g)(w.array([1, 2, 3]));
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof w.ArgumentError);
      assert.match(e.message, /in bad at line 3, column 7:/);
      assert.match(e.message, /3 \|   s = s \+ x;\n\s+\| +\^/);
      assert.equal((e as { sourceLine?: number }).sourceLine, 3);
    }
  });
});
