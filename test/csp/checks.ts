// What must work where code generation from strings is disallowed: every eager op, every
// transform, and compile (which falls back to its interpreter and says so). One list of checks,
// run by test/csp.test.ts in `node --disallow-code-generation-from-strings` and, bundled, in
// headless Chromium on a page whose Content-Security-Policy is `script-src 'self'`.
// Plain JS only (no node: modules): the same file runs in the browser. Expected values are
// computed here with plain JS arithmetic, never with the library's own ops.

import * as w from "../../src/index.js";
import type { NDArray } from "../../src/index.js";
import { index } from "../../src/ops/element.js";
import { addAt, dynamicIndex } from "../../src/ops/dynamic-index.js";

export interface Check { readonly name: string; readonly run: () => void }
export interface Outcome { readonly name: string; readonly ok: boolean; readonly error?: string }

function fail(msg: string): never {
  throw new Error(msg);
}

function close(got: unknown, want: unknown, what: string, tol = 1e-12): void {
  if (typeof want === "number") {
    if (got !== null && typeof got === "object" && "item" in got && (got as NDArray).ndim === 0) got = (got as NDArray).item();
    if (typeof got !== "number") fail(`${what}: got ${typeof got}, want the number ${want}`);
    if (Number.isNaN(want) ? !Number.isNaN(got) : Math.abs(got - want) > tol * Math.max(1, Math.abs(want))) fail(`${what}: got ${got}, want ${want}`);
    return;
  }
  if (typeof want === "boolean") { if (got !== want) fail(`${what}: got ${String(got)}, want ${want}`); return; }
  const wa = want as readonly unknown[];
  const ga = (got !== null && typeof got === "object" && "toArray" in got ? (got as NDArray).toArray() : got) as readonly unknown[];
  if (!Array.isArray(ga) || ga.length !== wa.length) fail(`${what}: got ${JSON.stringify(ga)}, want ${JSON.stringify(wa)}`);
  wa.forEach((v, i) => close(ga[i], v, `${what}[${i}]`, tol));
}

const X = [0.25, 0.5, 0.75, 1.5];
const Y = [2, 3, 0.5, 4];
const mapX = (f: (a: number) => number | boolean): (number | boolean)[] => X.map(f);
const zipXY = (f: (a: number, b: number) => number | boolean): (number | boolean)[] => X.map((a, i) => f(a, Y[i]!));

/** Every public op on float64 and float32 arrays (and numbers), against Math on the elements. */
function eagerOps(): Check[] {
  const out: Check[] = [];
  const f32 = (v: (number | boolean)[]): (number | boolean)[] => v.map((e) => (typeof e === "number" ? Math.fround(e) : e));
  const unary: [string, (a: NDArray) => NDArray, (a: number) => number][] = [
    ["neg", w.neg, (a) => -a], ["exp", w.exp, Math.exp], ["log", w.log, Math.log], ["log1p", w.log1p, Math.log1p], ["expm1", w.expm1, Math.expm1],
    ["sin", w.sin, Math.sin], ["cos", w.cos, Math.cos], ["tan", w.tan, Math.tan], ["asin", w.asin, (a) => Math.asin(a / 2)], ["acos", w.acos, (a) => Math.acos(a / 2)],
    ["atan", w.atan, Math.atan], ["sinh", w.sinh, Math.sinh], ["cosh", w.cosh, Math.cosh], ["tanh", w.tanh, Math.tanh], ["sqrt", w.sqrt, Math.sqrt],
    ["abs", w.abs, Math.abs], ["sign", w.sign, Math.sign], ["square", w.square, (a) => a * a],
  ];
  for (const [name, op, ref] of unary) {
    const scaled = name === "asin" || name === "acos";
    const arg = (d: "float64" | "float32"): NDArray => w.array(scaled ? X.map((a) => a / 2) : X, { dtype: d });
    out.push({ name: `eager ${name} float64/float32/number`, run: () => {
      close(op(arg("float64")), mapX(ref), name);
      close(op(arg("float32")), f32(X.map((a) => (scaled ? ref(Math.fround(a / 2) * 2) : ref(Math.fround(a))))), `${name} float32`, 1e-6);
      close((op as unknown as (a: number) => number)(scaled ? 0.25 : 0.5), ref(0.5), `${name}(number)`);
    } });
  }
  // A comparison's type allows a JS boolean (what it gives for 0-d operands).
  const binary: [string, (a: NDArray, b: NDArray) => NDArray | boolean, (a: number, b: number) => number | boolean][] = [
    ["add", w.add, (a, b) => a + b], ["sub", w.sub, (a, b) => a - b], ["mul", w.mul, (a, b) => a * b], ["div", w.div, (a, b) => a / b],
    ["pow", w.pow, Math.pow], ["atan2", w.atan2, Math.atan2], ["maximum", w.maximum, Math.max], ["minimum", w.minimum, Math.min],
    ["greater", w.greater, (a, b) => a > b], ["greaterEqual", w.greaterEqual, (a, b) => a >= b], ["less", w.less, (a, b) => a < b],
    ["lessEqual", w.lessEqual, (a, b) => a <= b], ["equal", w.equal, (a, b) => a === b], ["notEqual", w.notEqual, (a, b) => a !== b],
  ];
  for (const [name, op, ref] of binary) {
    out.push({ name: `eager ${name}: arrays, broadcast rows, scalars`, run: () => {
      const x = w.array(X), y = w.array(Y);
      close(op(x, y), zipXY(ref), name);
      close(op(w.reshape(x, [4, 1]), y), X.map((a) => Y.map((b) => ref(a, b))), `${name} [4,1] with [4]`);
      close((op as unknown as (a: NDArray, b: number) => NDArray | boolean)(x, 2), mapX((a) => ref(a, 2)), `${name} array with 2`);
      close(op(w.astype(x, "float32"), w.astype(y, "float32")), zipXY((a, b) => { const r = ref(Math.fround(a), Math.fround(b)); return typeof r === "number" ? Math.fround(r) : r; }), `${name} float32`, 1e-6);
    } });
  }
  const m = (): NDArray => w.array([[1, 2, 3], [4, 5, 6]]);
  const checks: [string, () => void][] = [
    ["where, stopGradient, toScalar, astype", () => {
      close(w.where(w.greater(w.array(X), 0.6), w.array(X), 0), X.map((a) => (a > 0.6 ? a : 0)), "where");
      close(w.stopGradient(w.array(X)), X, "stopGradient");
      close(w.toScalar(w.array([7])), 7, "toScalar");
      close(w.astype(w.array([1.5, 0]), "bool"), [true, false], "astype bool");
      close(w.astype(w.array([1.25]), "float32"), [1.25], "astype float32");
    }],
    ["sum, mean, max, min over axes", () => {
      close(w.sum(m()), 21, "sum"); close(w.sum(m(), 0), [5, 7, 9], "sum 0"); close(w.mean(m(), 1), [2, 5], "mean 1");
      close(w.max(m(), 1), [3, 6], "max"); close(w.min(m(), 0), [1, 2, 3], "min");
      const big = w.arange(100000); close(w.sum(big).item(), (99999 * 100000) / 2, "sum of 1e5");
    }],
    ["reshape, transpose, broadcastTo, slice, concat, stack, pad, take, gather", () => {
      close(w.reshape(m(), [3, 2]), [[1, 2], [3, 4], [5, 6]], "reshape"); close(w.transpose(m()), [[1, 4], [2, 5], [3, 6]], "transpose");
      close(w.broadcastTo(w.array([1, 2]), [2, 2]), [[1, 2], [1, 2]], "broadcastTo"); close(w.slice(m(), [0, 1], [2, 3]), [[2, 3], [5, 6]], "slice");
      close(w.slice(w.arange(6), [0], [6], [2]), [0, 2, 4], "slice step"); close(w.concat([m(), m()], 1), [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]], "concat");
      close(w.stack([w.array([1, 2]), w.array([3, 4])], 1), [[1, 3], [2, 4]], "stack"); close(w.pad(w.array([1, 2]), [[1, 1]], 9), [9, 1, 2, 9], "pad");
      close(w.take(m(), [2, 0], 1), [[3, 1], [6, 4]], "take"); close(w.gather(w.array([5, 6, 7]), [1]), [6], "gather");
    }],
    ["matmul and dot: vectors, matrices, a 64×64 product, batches", () => {
      close(w.matmul(m(), w.transpose(m())), [[14, 32], [32, 77]], "matmul"); close(w.dot(w.array([1, 2]), w.array([3, 4])), 11, "dot");
      const n = 64, a = w.reshape(w.arange(n * n), [n, n]), e = w.reshape(w.where(w.equal(w.reshape(w.arange(n * n), [n, n]), 0), 1, 0), [n, n]);
      close(w.sum(w.matmul(a, w.ones([n, 1]))).item(), (n * n * (n * n - 1)) / 2, "64×64 row sums");
      close((w.matmul(e, a).toArray() as number[][])[0], Array.from({ length: n }, (_, j) => j), "e·a");
      close(w.matmul(w.ones([2, 2, 3]), w.ones([3, 2])), [[[3, 3], [3, 3]], [[3, 3], [3, 3]]], "batched");
    }],
    ["derived functions: sigmoid relu softplus softmax logSoftmax logsumexp norm hypot", () => {
      const x = w.array([-1, 0, 2]);
      close(w.sigmoid(x), [-1, 0, 2].map((a) => 1 / (1 + Math.exp(-a))), "sigmoid"); close(w.relu(x), [0, 0, 2], "relu");
      close(w.softplus(x), [-1, 0, 2].map((a) => Math.log1p(Math.exp(a))), "softplus");
      const se = Math.exp(-1) + 1 + Math.exp(2);
      close(w.softmax(x), [-1, 0, 2].map((a) => Math.exp(a) / se), "softmax"); close(w.logSoftmax(x), [-1, 0, 2].map((a) => a - Math.log(se)), "logSoftmax");
      close(w.logsumexp(x), Math.log(se), "logsumexp"); close(w.norm(w.array([3, 4])), 5, "norm"); close(w.hypot(3, 4), 5, "hypot");
    }],
    ["erf, erfc, isnan, isfinite, rounding, remainder", () => {
      close(w.erf(w.array([0.5, -1])), [0.5204998778130465, -0.8427007929497149], "erf");
      close(w.erfc(w.array([0.5])), [0.4795001221869535], "erfc");
      close(w.isnan(w.array([NaN, 1])), [true, false], "isnan"); close(w.isfinite(w.array([Infinity, 1])), [false, true], "isfinite");
      const v = [-2.5, -0.5, 0.5, 1.7];
      close(w.floor(w.array(v)), v.map(Math.floor), "floor"); close(w.ceil(w.array(v)), v.map(Math.ceil), "ceil");
      close(w.round(w.array(v)), v.map(Math.round), "round"); close(w.trunc(w.array(v)), v.map(Math.trunc), "trunc");
      close(w.remainder(w.array([7, -7]), 3), [1, -1], "remainder");
    }],
    ["argmax, argmin, cumsum, argsort, takeAlongAxis, sort and the composed array ops", () => {
      const v = w.array([3, 1, 2]);
      close(w.argmax(v), 0, "argmax"); close(w.argmin(v), 1, "argmin"); close(w.cumsum(v), [3, 4, 6], "cumsum");
      close(w.argsort(v), [1, 2, 0], "argsort"); close(w.takeAlongAxis(v, w.array([2, 0], { dtype: "int32" }), 0), [2, 3], "takeAlongAxis");
      close(w.grad((x: NDArray) => w.sum(w.takeAlongAxis(x, w.array([2, 2], { dtype: "int32" }), 0)))(v), [0, 0, 2], "takeAlongAxis' transpose");
      close(w.sort(v), [1, 2, 3], "sort"); close(w.clip(v, 1.5, 2.5), [2.5, 1.5, 2], "clip"); close(w.prod(v), 6, "prod");
      close(w.cumprod(v), [3, 3, 6], "cumprod"); close(w.variance(v), 2 / 3, "variance"); close(w.std(v), Math.sqrt(2 / 3), "std");
      close(w.eye(2), [[1, 0], [0, 1]], "eye"); close(w.expandDims(v, 0), [[3, 1, 2]], "expandDims"); close(w.squeeze(w.array([[1], [2]])), [1, 2], "squeeze");
      close(w.flatten(w.array([[1, 2], [3, 4]])), [1, 2, 3, 4], "flatten"); close(w.split(w.arange(4), 2)[1]!, [2, 3], "split");
      close(w.tile(w.array([1, 2]), 2), [1, 2, 1, 2], "tile"); close(w.repeat(w.array([1, 2]), 2), [1, 1, 2, 2], "repeat");
      close(w.gelu(w.array([0])), [0], "gelu"); close(w.logaddexp(0, 0), Math.LN2, "logaddexp"); close(w.oneHot([1], 3), [[0, 1, 0]], "oneHot");
    }],
    ["index (what fromJS binds for x[i])", () => {
      close(index(w.array([4, 5]), 1), 5, "index of a vector"); close(index(w.array([[1, 2], [3, 4]]), 0), [1, 2], "index of a matrix");
      close(w.grad((x: NDArray) => index(x, 1) as number)(w.array([4, 5])), [0, 1], "index's transpose");
    }],
    ["dynamicIndex and addAt (x[i] at a traced index, in fromJS's structured loops)", () => {
      close(dynamicIndex(w.array([4, 5, 6]), 2), 6, "dynamicIndex"); close(addAt(w.array([1, 2]), 1, 3), [1, 5], "addAt");
      close(w.grad((x: NDArray) => dynamicIndex(x, 1) as number)(w.array([4, 5])), [0, 1], "dynamicIndex's transpose (addAt)");
    }],
    ["random: key, split, foldIn, uniform, normal, randint, permutation, gumbel, bernoulli, categorical", () => {
      const k = w.random.key(0), [k1, k2] = w.random.split(k) as [NDArray, NDArray];
      const u = w.random.uniform(k1, [1000]).data, n = w.random.normal(k2, [1000]).data;
      const mean = (d: ArrayLike<number>): number => Array.from(d).reduce((p, q) => p + q, 0) / d.length;
      if (Math.abs(mean(u) - 0.5) > 0.05 || Math.abs(mean(n)) > 0.15) fail(`uniform mean ${mean(u)}, normal mean ${mean(n)}`);
      close(w.random.uniform(w.random.foldIn(k, 3), [4]), w.random.uniform(w.random.foldIn(k, 3), [4]).toArray() as number[], "foldIn is deterministic");
      const r = Array.from(w.random.randint(k, [200], 2, 5).data);
      if (r.some((v) => v < 2 || v >= 5)) fail("randint out of range");
      const p = Array.from(w.random.permutation(k, 10).data).sort((a, b) => a - b);
      close(p, Array.from({ length: 10 }, (_, i) => i), "permutation");
      w.random.gumbel(k, [3]); w.random.bernoulli(k, 0.5, [3]); w.random.categorical(k, w.array([0, 1]));
    }],
    ["printing: NumPy's repr, toJSON round trip, operators refused", () => {
      const a = w.array([[1, 2, 3], [4, 5, 6]], { dtype: "float32" });
      if (String(a) !== "array([[1, 2, 3],\n       [4, 5, 6]], dtype=float32)") fail(`String(a) is ${String(a)}`);
      if (!String(w.arange(5000)).includes("...")) fail("a large array is not summarised");
      close(w.array(JSON.parse(JSON.stringify(w.array([1, NaN]))) as w.ArrayJSON), [1, NaN], "array(JSON of a)");
      try { void ((a as unknown as number) * 2); fail("a * 2 did not throw"); } catch (e) { if (!(e instanceof w.TracerError)) throw e; }
    }],
    ["linalg: solve, triangularSolve, cholesky, qr, eigh, det, slogdet, and their gradients", () => {
      const L = w.linalg, a = w.array([[4, 1], [1, 3]]), b = w.array([1, 2]);
      close(L.solve(a, b), [1 / 11, 7 / 11], "solve"); close(L.inv(a), [[3 / 11, -1 / 11], [-1 / 11, 4 / 11]], "inv");
      close(L.triangularSolve(a, b, { lower: true }), [0.25, 7 / 12], "triangularSolve");
      close(L.cholesky(a), [[2, 0], [0.5, Math.sqrt(2.75)]], "cholesky");
      const [q, r] = L.qr(a);
      close(w.matmul(q, r), [[4, 1], [1, 3]], "qr");
      close(L.eigh(a)[0], [(7 - Math.sqrt(5)) / 2, (7 + Math.sqrt(5)) / 2], "eigh");
      close(L.det(a), 11, "det"); close(L.slogdet(a)[1], Math.log(11), "slogdet");
      close(w.grad((m: NDArray) => L.det(m) as unknown as number)(a), [[3, -1], [-1, 4]], "det's gradient");
    }],
    ["fluent methods", () => close(w.array([1, 2]).mul(3).add(1).sum().item(), 11, "x.mul(3).add(1).sum()")],
  ];
  for (const [name, run] of checks) out.push({ name: `eager ${name}`, run });
  return out;
}

const survey = (x1: number, x2: number): number => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));
const DY = [5.5, 1.7163378145367738];

function rosen(x: NDArray): NDArray {
  const n = x.shape[0]!;
  const h = w.slice(x, [0], [n - 1]), t = w.slice(x, [1]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(t, w.square(h)))), w.square(w.sub(1, h))));
}
/** The Rosenbrock gradient by hand. */
function rosenGrad(x: readonly number[]): number[] {
  const g = x.map(() => 0);
  for (let i = 0; i + 1 < x.length; i++) {
    const d = x[i + 1]! - x[i]! * x[i]!;
    g[i]! += -400 * x[i]! * d - 2 * (1 - x[i]!);
    g[i + 1]! += 200 * d;
  }
  return g;
}
const R = [-1.2, 1, -1.2, 1, 0.5];

function transforms(): Check[] {
  const c: [string, () => void][] = [
    ["grad and valueAndGrad of the survey's example", () => {
      close(w.grad(survey, { argnums: [0, 1] })(2, 5), DY, "grad");
      const [v, g] = w.valueAndGrad(survey)(2, 5);
      close(v, Math.log(2) + 10 - Math.sin(5), "value"); close(g, 5.5, "grad x1");
      close(w.grad(w.grad(w.grad((x: number) => w.pow(x, 4))))(2), 48, "third derivative");
    }],
    ["grad of array code (slices, broadcasting, reductions), float64 and float32", () => {
      close(w.grad(rosen)(w.array(R)), rosenGrad(R), "rosen grad", 1e-12);
      close(w.grad(rosen)(w.array(R, { dtype: "float32" })), rosenGrad(R.map(Math.fround)), "rosen grad float32", 1e-5);
      const g = w.grad((a: NDArray, b: NDArray) => w.sum(w.mul(a, b)), { argnums: [0, 1] })(w.array([[1], [2]]), w.array([3, 4, 5]));
      close(g[0], [[12], [12]], "unbroadcast a"); close(g[1], [3, 3, 3], "unbroadcast b");
      close(w.grad((x: NDArray) => w.sum(w.take(x, [0, 0, 2])))(w.array([1, 2, 3])), [2, 0, 1], "take's scatterAdd");
      close(w.grad((x: NDArray) => w.max(x))(w.array([1, 3, 3])), [0, 0.5, 0.5], "max ties");
    }],
    ["vjp, jvp, linearize", () => {
      const [y, pb] = w.vjp(survey, 2, 5);
      close(y, survey(2, 5), "vjp value"); close(pb(1), DY, "vjp pullback");
      const [, t] = w.jvp(survey, [2, 5], [1, 0]); close(t, 5.5, "jvp");
      const [, lin] = w.linearize(survey, 2, 5); close(lin(0, 1), DY[1], "linearize");
    }],
    ["jacfwd, jacrev, jacobian, hessian, hvp", () => {
      const f = (x: NDArray): NDArray => w.mul(w.sin(x), 2);
      const x = w.array([0.1, 0.2]), J = [[2 * Math.cos(0.1), 0], [0, 2 * Math.cos(0.2)]];
      close(w.jacfwd(f)(x), J, "jacfwd"); close(w.jacrev(f)(x), J, "jacrev"); close(w.jacobian(f)(x), J, "jacobian");
      close(w.hessian((v: number[]) => w.mul(w.square(v[0]!), v[1]!))([1, 2]), [[4, 2], [2, 0]], "hessian");
      close(w.hvp(rosen, w.array([1, 1]), w.array([1, 0])), [802, -400], "hvp");
    }],
    ["customJvp and customVjp under forward and reverse mode", () => {
      const s = w.customJvp((x: number) => w.sin(x), ([x], [t]) => [w.sin(x!), w.mul(w.cos(x!), t!)]);
      close(w.grad(s)(0.3), Math.cos(0.3), "customJvp reverse"); close(w.jvp(s, [0.3], [2])[1], 2 * Math.cos(0.3), "customJvp forward");
      const q = w.customVjp((x: number) => w.square(x), (x: number) => [w.square(x), x], (x: number, g: number) => [w.mul(w.mul(2, x), g)]);
      close(w.grad(q)(3), 6, "customVjp");
    }],
    ["trace, forwardTrace, reverseTrace, toDot (the survey's tables)", () => {
      const t = w.trace(survey, 2, 5);
      if (t.lines.length !== 5) fail(`trace has ${t.lines.length} lines, want 5`);
      if (!w.toDot(t).startsWith("digraph")) fail("toDot");
      if (!w.forwardTrace(survey, [2, 5], [1, 0]).toString().includes("ẏ   = v̇5                  = 5.5")) fail("forwardTrace lacks ẏ = 5.5");
      if (!w.reverseTrace(survey, [2, 5]).toString().includes("1.716")) fail("reverseTrace lacks x̄2 = 1.716");
    }],
    ["numeric differentiation and checkGrad", () => {
      close(w.numericGradient((v: number[]) => survey(v[0]!, v[1]!), [2, 5]).value, DY, "numericGradient", 1e-7);
      if (!w.checkGrad((v: number[]) => survey(v[0]!, v[1]!), [2, 5]).ok) fail("checkGrad not ok");
      close(w.richardson(Math.sin, 1).value, Math.cos(1), "richardson", 1e-10);
      if (w.errorSweep((x: number) => w.sin(x), 1).rows.length < 5) fail("errorSweep");
    }],
    ["expressions, symbolic derivatives, Table 1, plots", () => {
      const e = w.parseExpr("ln(x1) + x1*x2 - sin(x2)");
      const f = w.compileExpr(e);
      close(w.grad(f as (a: number, b: number) => number, { argnums: [0, 1] })(2, 5), DY, "compileExpr grad");
      if (w.printExpr(w.simplify(w.differentiate(e, "x1"))) === "") fail("differentiate");
      if (!w.toLatex(e).includes("\\ln")) fail("toLatex");
      if (w.swellTable({ n: 4 }).rows.length !== 4) fail("swellTable");
      if (!w.linePlot([{ name: "s", points: [[1, 1], [2, 2]] }]).startsWith("<svg")) fail("linePlot");
    }],
  ];
  return c.map(([name, run]) => ({ name: `transform ${name}`, run }));
}

interface StatsLike { backend: string; noCodegen: string | null }
const statsOf = (cf: { lastCompiled?: { stats: unknown } }): StatsLike => cf.lastCompiled!.stats as StatsLike;

/** compile: where code generation is disallowed it runs the interpreter and says so, never throws. */
function compiles(codegen: boolean): Check[] {
  const backendIs = (st: StatsLike, want: string): void => {
    if (codegen) {
      if (st.noCodegen !== null || st.backend !== "javascript") fail(`codegen allowed, but backend ${st.backend} (${st.noCodegen})`);
      return;
    }
    if (st.backend !== want) fail(`backend ${st.backend}, want ${want}`);
    if (typeof st.noCodegen !== "string" || !st.noCodegen.includes("code generation")) fail(`stats.noCodegen is ${st.noCodegen}; it must say why no JavaScript was generated`);
  };
  return [
    { name: "compile: fromJS needs code generation, and says where it is missing (the bundler plugin rewrites at build time)", run: () => {
      const f = (x: number): number => x * Math.sin(x);
      if (codegen) { close(w.grad(w.fromJS(f))(1), Math.sin(1) + Math.cos(1), "grad(fromJS(f))"); return; }
      try {
        w.fromJS(f);
      } catch (e) {
        if (e instanceof w.CodegenUnavailableError && e.message.includes("plugin")) return;
        throw e;
      }
      fail("fromJS built a function although code generation is disallowed");
    } },
    { name: "compile(grad(f)) of numbers", run: () => {
      const g = w.compile(w.grad(survey, { argnums: [0, 1] }));
      close(g(2, 5), DY, "first call"); close(g(3, 1), w.grad(survey, { argnums: [0, 1] })(3, 1), "second call");
      backendIs(statsOf(g), "bytecode");
    } },
    { name: "compile(grad(f)) of arrays", run: () => {
      const g = w.compile(w.grad(rosen));
      close(g(w.array(R)), rosenGrad(R), "first call"); close(g(w.array([1, 2, 3, 4, 5])), rosenGrad([1, 2, 3, 4, 5]), "second call");
      backendIs(statsOf(g), "interpreter");
    } },
    { name: "compile(grad(f)) through scan and whileLoop: loop lines in the interpreter", run: () => {
      // c ← c·x + 1 for 20 steps; by hand: dc ← dc·x + c.
      const f = (x: number): number => w.scan((c: number) => [w.add(w.mul(c, x), 1) as number, null], 1, null, { length: 20 })[0];
      const byHand = (x: number): number => { let c = 1, d = 0; for (let t = 0; t < 20; t++) { d = d * x + c; c = c * x + 1; } return d; };
      const g = w.compile(w.grad(f));
      close([g(0.9), g(1.1)], [byHand(0.9), byHand(1.1)], "scan");
      backendIs(statsOf(g), "interpreter");
      // c ← 2c until c ≥ 10: the gradient is 2^trips, the trip count depending on x.
      const h = w.compile(w.grad((x: number) => w.whileLoop((c: number) => w.less(c, 10), (c: number) => w.mul(c, 2) as number, x)));
      close([h(1.5), h(3), h(0.7)], [8, 4, 16], "whileLoop");
    } },
    { name: "compile with branches (guards), pytrees and hessian", run: () => {
      const h = w.compile((x: number) => (w.greater(x, 0) ? w.sin(x) : w.cos(x)));
      close([h(1), h(-1), h(2)], [Math.sin(1), Math.cos(-1), Math.sin(2)], "branches");
      const p = w.compile((o: { a: number; b: NDArray }) => w.mul(o.a, w.sum(o.b)));
      close(p({ a: 2, b: w.array([1, 2]) }), 6, "pytree"); close(p({ a: 3, b: w.array([1, 2]) }), 9, "pytree again");
      close(w.compile(w.hessian((v: number[]) => w.mul(w.square(v[0]!), v[1]!)))([1, 2]), [[4, 2], [2, 0]], "compile(hessian)");
      close(w.grad(w.compile((x: number) => w.mul(x, w.sin(x))))(1), Math.sin(1) + Math.cos(1), "grad(compile(f))");
    } },
  ];
}

export function allChecks(opts: { codegen: boolean }): Check[] {
  return [...eagerOps(), ...transforms(), ...compiles(opts.codegen)];
}

export function runChecks(checks: readonly Check[]): Outcome[] {
  return checks.map((c) => {
    try {
      c.run();
      return { name: c.name, ok: true };
    } catch (e) {
      return { name: c.name, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  });
}
