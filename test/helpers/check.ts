// Shared derivative checkers: every test file that compares derivatives goes through these.
//
//  - checkJvp:    forward mode (J·ẋ) against central finite differences.
//  - checkVjp:    reverse mode against forward mode by the dot-product test ⟨ȳ, J·ẋ⟩ = ⟨Jᵀ·ȳ, ẋ⟩.
//  - checkSecond: second derivatives (forward-over-reverse, reverse-over-reverse,
//                 reverse-over-forward, forward-over-forward, and grad∘grad / hessian / hvp
//                 where they apply) against central differences of the gradient.
//
// The reference values (finite differences, dot products, perturbations) are computed with
// plain JS arithmetic on the arrays' data, never with the library's ops, so a wrong rule
// cannot hide behind itself.

import assert from "node:assert/strict";
import fc from "fast-check";
import * as w from "../../src/index.js";
import { NDArray } from "../../src/index.js";

/** The fixed seed of every property in the suite (reproducible runs). */
export const SEED = 0x5eed_2024;
/** Random trials per property: modest, so the whole suite stays fast. */
export const RUNS = 20;

export type Leaf = number | NDArray;
export type Tree = Leaf | readonly Tree[] | { readonly [k: string]: Tree };
// Functions under test take and return any pytree; transforms are called through this type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFn = (...args: any[]) => any;

// ---------------------------------------------------------------- seeded randomness

/** mulberry32: a small, fast, seedable PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(), v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  bool(): boolean {
    return this.next() < 0.5;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

/** An array of `shape` whose elements come from `gen`. */
export function randArray(shape: readonly number[], gen: () => number, dtype: w.DType = "float64"): NDArray {
  let n = 1;
  for (const d of shape) n *= d;
  return w.array(Array.from({ length: n }, gen), { shape, dtype });
}

/**
 * Runs `body` on RUNS fast-check-generated seeds (fixed master seed). The body gets its own
 * seeded Rng, so a failure reports the seed that reproduces it.
 */
export function property(body: (r: Rng) => void, runs = RUNS): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
      body(new Rng(seed));
    }),
    { seed: SEED, numRuns: runs, includeErrorInReport: true },
  );
}

// ---------------------------------------------------------------- pytrees of numbers and arrays

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof NDArray);
}

/** The leaves of a tree of numbers and NDArrays, in order. */
export function leavesOf(t: unknown, out: Leaf[] = []): Leaf[] {
  if (typeof t === "number" || t instanceof NDArray) out.push(t);
  else if (Array.isArray(t)) for (const c of t) leavesOf(c, out);
  else if (isPlainObject(t)) for (const k of Object.keys(t)) leavesOf(t[k], out);
  else assert.fail(`not a tree of numbers and NDArrays: ${String(t)} (${typeof t})`);
  return out;
}

/** All elements of all leaves, as plain numbers. */
export function flat(t: unknown): number[] {
  const out: number[] = [];
  for (const l of leavesOf(t)) {
    if (typeof l === "number") out.push(l);
    else for (const v of l.data) out.push(v);
  }
  return out;
}

/** Maps leaves (and zips a second tree of the same structure, if given). */
export function mapTree(t: unknown, f: (leaf: Leaf, other: Leaf | undefined) => Leaf, u?: unknown): Tree {
  if (typeof t === "number" || t instanceof NDArray) {
    if (u !== undefined && typeof u !== "number" && !(u instanceof NDArray)) assert.fail("trees differ in structure");
    return f(t, u as Leaf | undefined);
  }
  if (Array.isArray(t)) return t.map((c, i) => mapTree(c, f, u === undefined ? undefined : (u as unknown[])[i]));
  if (isPlainObject(t)) {
    const out: Record<string, Tree> = {};
    for (const k of Object.keys(t)) out[k] = mapTree(t[k], f, u === undefined ? undefined : (u as Record<string, unknown>)[k]);
    return out;
  }
  return assert.fail(`not a tree of numbers and NDArrays: ${String(t)}`);
}

/** Elementwise f on a leaf (keeps numbers numbers and an array's shape and dtype). */
function mapLeaf(l: Leaf, f: (v: number, i: number) => number): Leaf {
  if (typeof l === "number") return f(l, 0);
  const data = l.data.slice();
  for (let i = 0; i < data.length; i++) data[i] = f(l.data[i]!, i);
  return new NDArray(data, l.shape);
}

function dataOf(l: Leaf): ArrayLike<number> {
  return typeof l === "number" ? [l] : l.data;
}

/** x + a·d, in plain JS arithmetic (the perturbation of a finite difference). */
export function axpy(x: Tree, a: number, d: Tree): Tree {
  return mapTree(x, (xl, dl) => {
    const dd = dataOf(dl!);
    return mapLeaf(xl, (v, i) => v + a * dd[i]!);
  }, d);
}

/** Standard normal entries with the structure, shapes and dtypes of `t` (numbers stay numbers). */
export function randLike(r: Rng, t: unknown): Tree {
  return mapTree(t, (l) => mapLeaf(l, () => r.normal()));
}

/** ⟨a, b⟩ over all elements, and Σ|aᵢbᵢ| (the scale the dot product is accurate to). */
export function vdot(a: unknown, b: unknown): { dot: number; scale: number } {
  const fa = flat(a), fb = flat(b);
  assert.equal(fa.length, fb.length, "vdot: sizes differ");
  let dot = 0, scale = 0;
  for (let i = 0; i < fa.length; i++) {
    dot += fa[i]! * fb[i]!;
    scale += Math.abs(fa[i]! * fb[i]!);
  }
  return { dot, scale };
}

/**
 * Same structure: a number where `expected` has a number, an NDArray of the same shape and
 * dtype where it has an NDArray, arrays of the same length, objects with the same keys.
 */
export function assertStructure(actual: unknown, expected: unknown, path = "result"): void {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: expected a number, got ${describe(actual)}`);
  } else if (expected instanceof NDArray) {
    assert.ok(actual instanceof NDArray, `${path}: expected an NDArray, got ${describe(actual)}`);
    assert.deepEqual([...actual.shape], [...expected.shape], `${path}: shape`);
    assert.equal(actual.dtype, expected.dtype, `${path}: dtype`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${describe(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertStructure((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (isPlainObject(expected)) {
    assert.ok(isPlainObject(actual), `${path}: expected an object, got ${describe(actual)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const k of Object.keys(expected)) assertStructure(actual[k], expected[k], `${path}.${k}`);
  } else {
    assert.fail(`${path}: unexpected expected value ${String(expected)}`);
  }
}

function describe(v: unknown): string {
  if (v instanceof NDArray) return `NDArray(${v.dtype}[${v.shape.join(",")}])`;
  if (Array.isArray(v)) return `array(${v.length})`;
  return typeof v;
}

export interface Tol {
  /** Relative tolerance, against the largest magnitude of either side (at least 1). */
  readonly rtol?: number;
  /** Absolute tolerance. */
  readonly atol?: number;
}

/** max |a − e| ≤ atol + rtol·max(1, ‖a‖∞, ‖e‖∞), over the flattened trees (sizes must agree). */
export function assertClose(actual: unknown, expected: unknown, tol: Tol = {}, msg = "values"): void {
  const a = flat(actual), e = flat(expected);
  assert.equal(a.length, e.length, `${msg}: sizes differ (${a.length} vs ${e.length})`);
  const rtol = tol.rtol ?? 1e-12, atol = tol.atol ?? 0;
  let big = 1, err = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    big = Math.max(big, Math.abs(a[i]!), Math.abs(e[i]!));
    const d = Math.abs(a[i]! - e[i]!);
    if (!(d <= err)) { err = d; at = i; }
  }
  const bound = atol + rtol * big;
  if (!(err <= bound)) {
    assert.fail(`${msg}: max error ${err} at element ${at} (got ${a[at]}, expected ${e[at]}) exceeds ${bound}\n  got      ${fmt(a)}\n  expected ${fmt(e)}`);
  }
}

function fmt(xs: number[]): string {
  const s = xs.slice(0, 12).map((x) => x.toPrecision(10)).join(", ");
  return `[${s}${xs.length > 12 ? ", …" : ""}]`;
}

// ---------------------------------------------------------------- finite differences

/** cbrt(machine epsilon): the step that balances truncation and rounding in a central difference. */
export const H = Math.cbrt(Number.EPSILON);

/** The step for perturbing `args`: cbrt(eps), scaled by their magnitude. */
function stepFor(args: unknown, h?: number): number {
  if (h !== undefined) return h;
  let m = 1;
  for (const v of flat(args)) m = Math.max(m, Math.abs(v));
  return H * m;
}

/** (f(x + h·d) − f(x − h·d)) / 2h, leaf by leaf, with the structure of f's output. */
export function centralDiff(f: AnyFn, args: readonly Tree[], dirs: readonly Tree[], h?: number): Tree {
  const step = stepFor(args, h);
  const plus = f(...(axpy(args, step, dirs) as Tree[])) as Tree;
  const minus = f(...(axpy(args, -step, dirs) as Tree[])) as Tree;
  return mapTree(plus, (p, m) => {
    const md = dataOf(m!);
    // The difference is a float64 quantity even when the output is float32.
    const out = typeof p === "number" ? p : new NDArray(Float64Array.from(p.data), p.shape);
    return mapLeaf(out, (v, i) => (v - md[i]!) / (2 * step));
  }, minus);
}

// ---------------------------------------------------------------- the checkers

export interface CheckOpts {
  /** Tolerance of derivative-vs-finite-difference comparisons (relative, see assertClose). */
  readonly rtol?: number;
  /** Tolerance of the dot-product test, relative to Σ|ȳᵢ(J·ẋ)ᵢ|. */
  readonly dotTol?: number;
  /** Finite-difference step (default cbrt(eps) scaled by the inputs' magnitude). */
  readonly h?: number;
  /**
   * A function with the same value at the inputs whose finite differences give the expected
   * derivative (e.g. f with its stopGradient'ed values frozen). Defaults to f.
   */
  readonly ref?: AnyFn;
}

/** Tolerance for a central difference with h ≈ cbrt(eps): its error is O(eps^(2/3)) ≈ 4e-11 times the scale of f's third derivative. */
export const FD_RTOL = 1e-6;
export const DOT_TOL = 1e-12;

/**
 * Forward mode against central differences, on random tangents. Also checks that jvp's primal
 * is f's value and that the tangent has the output's structure (numbers stay numbers, arrays
 * keep their shape and dtype).
 */
export function checkJvp(f: AnyFn, args: readonly Tree[], r: Rng, opts: CheckOpts = {}): void {
  const y = f(...args) as Tree;
  const xdot = randLike(r, args) as Tree[];
  const [yj, ydot] = w.jvp(f, [...args], xdot) as [Tree, Tree];
  assertStructure(yj, y, "jvp primal");
  assertClose(yj, y, { rtol: 1e-14 }, "jvp primal");
  assertStructure(ydot, y, "jvp tangent");
  const fd = centralDiff(opts.ref ?? f, args, xdot, opts.h);
  assertClose(ydot, fd, { rtol: opts.rtol ?? FD_RTOL }, "J·ẋ vs central differences");
}

/**
 * Reverse mode against forward mode: ⟨ȳ, J·ẋ⟩ = ⟨Jᵀ·ȳ, ẋ⟩ for random ȳ and ẋ. Also checks that
 * the pullback returns one cotangent per argument, each with its argument's structure.
 */
export function checkVjp(f: AnyFn, args: readonly Tree[], r: Rng, opts: CheckOpts = {}): void {
  const y = f(...args) as Tree;
  const [yv, pullback] = w.vjp(f, ...args) as [Tree, (ct: Tree) => Tree[]];
  assertStructure(yv, y, "vjp primal");
  assertClose(yv, y, { rtol: 1e-14 }, "vjp primal");
  const ybar = randLike(r, y);
  const cts = pullback(ybar);
  assertStructure(cts, [...args], "vjp cotangents");
  const xdot = randLike(r, args) as Tree[];
  const [, ydot] = w.jvp(f, [...args], xdot) as [Tree, Tree];
  const lhs = vdot(ybar, ydot), rhs = vdot(cts, xdot);
  const tol = (opts.dotTol ?? DOT_TOL) * Math.max(lhs.scale, rhs.scale, Number.MIN_VALUE);
  assert.ok(Math.abs(lhs.dot - rhs.dot) <= tol, `dot-product test: ⟨ȳ, J·ẋ⟩ = ${lhs.dot} but ⟨Jᵀ·ȳ, ẋ⟩ = ${rhs.dot} (tolerance ${tol})`);
}

/** Σ ⟨a_i, b_i⟩ computed with the library's ops (differentiable), as a scalar. */
export function libDot(a: unknown, b: unknown): w.Value {
  const la = leavesOfTraced(a), lb = leavesOf(b);
  assert.equal(la.length, lb.length);
  let total: w.Value = 0;
  la.forEach((x, i) => {
    const term = w.mul(x as number, lb[i] as number);
    total = w.add(total as number, (isScalarValue(term) ? term : w.sum(term as unknown as NDArray)) as number);
  });
  return total;
}

function isScalarValue(v: w.Value): boolean {
  // Not value(v): under vmap (batched Jacobians) a value may not be read as a constant.
  return (v instanceof w.Tracer ? v.dtype : typeof v) === "number";
}

/** Leaves of a tree that may hold tracers. */
function leavesOfTraced(t: unknown, out: w.Value[] = []): w.Value[] {
  if (typeof t === "number" || t instanceof NDArray || t instanceof w.Tracer) out.push(t);
  else if (Array.isArray(t)) for (const c of t) leavesOfTraced(c, out);
  else if (isPlainObject(t)) for (const k of Object.keys(t)) leavesOfTraced(t[k], out);
  else assert.fail(`not a tree of values: ${String(t)}`);
  return out;
}

/**
 * Turns f into a scalar function with a non-trivial Hessian: s(x) = Σ ⟨w₁, y⟩ + ⟨w₂, y⊙y⟩ over
 * the output leaves y of f(x), with fixed random weights.
 */
export function scalarize(f: AnyFn, args: readonly Tree[], r: Rng): AnyFn {
  const y = f(...args) as Tree;
  const w1 = randLike(r, y), w2 = randLike(r, y);
  return (...a: unknown[]) => {
    const ys = leavesOfTraced(f(...a));
    return w.add(libDot(ys, w1) as number, libDot(ys.map((v) => w.mul(v as number, v as number)), w2) as number);
  };
}

/**
 * Second derivatives of s = scalarize(f) against central differences of its gradient, along a
 * random direction v: forward-over-reverse (jvp of grad), reverse-over-reverse (grad of ⟨grad, v⟩),
 * reverse-over-forward (grad of jvp), forward-over-forward (vᵀHv); for one argument also hvp and
 * hessian·v, and for one number argument grad(grad(s)).
 */
export function checkSecond(f: AnyFn, args: readonly Tree[], r: Rng, opts: CheckOpts = {}): void {
  const s = scalarize(f, args, r);
  const argnums = args.map((_, i) => i);
  const G = (...a: unknown[]): Tree[] => w.grad(s, { argnums })(...a) as Tree[];
  const v = randLike(r, args) as Tree[];
  const fd = centralDiff(G, args, v, opts.h);
  const tol = { rtol: opts.rtol ?? FD_RTOL };

  const g0 = G(...args);
  assertStructure(g0, [...args], "grad");

  const fwdRev = w.jvp(G, [...args], v)[1];
  assertStructure(fwdRev, [...args], "forward-over-reverse");
  assertClose(fwdRev, fd, tol, "forward-over-reverse H·v vs differences of the gradient");

  const revRev = w.grad((...a: unknown[]) => libDot(G(...a), v) as NDArray, { argnums })(...args);
  assertStructure(revRev, [...args], "reverse-over-reverse");
  assertClose(revRev, fd, tol, "reverse-over-reverse H·v vs differences of the gradient");

  const revFwd = w.grad((...a: unknown[]) => w.jvp(s, a, v)[1] as NDArray, { argnums })(...args);
  assertStructure(revFwd, [...args], "reverse-over-forward");
  assertClose(revFwd, fd, tol, "reverse-over-forward H·v vs differences of the gradient");

  const fwdFwd = w.jvp((...a: unknown[]) => w.jvp(s, a, v)[1], [...args], v)[1] as Leaf;
  assertClose(fwdFwd, vdot(fd, v).dot, tol, "forward-over-forward vᵀHv vs differences of the gradient");

  if (args.length === 1) {
    const x = args[0]!, v0 = v[0]!;
    assertClose(w.hvp(s, x, v0), fd, tol, "hvp vs differences of the gradient");
    const H2 = w.hessian(s)(x) as Tree;
    // hessian(x) has shape in ++ in (a number for a number): contract it with v.
    const n = flat(x).length, hf = flat(H2), vf = flat(v0);
    assert.equal(hf.length, n * n, "hessian size");
    const Hv = Array.from({ length: n }, (_, i) => vf.reduce((acc, vj, j) => acc + hf[i * n + j]! * vj, 0));
    assertClose(Hv, fd, tol, "hessian·v vs differences of the gradient");
    if (typeof x === "number") {
      assert.equal(typeof H2, "number", "hessian of a number → number");
      const d2 = w.grad(w.grad(s))(x);
      assert.equal(typeof d2, "number", "grad(grad(s)) of a number → number");
      assertClose(d2 * (v0 as number), fd, tol, "grad(grad(s)) vs differences of grad(s)");
    } else {
      assert.ok(H2 instanceof NDArray && x instanceof NDArray, "hessian of an NDArray → NDArray");
      assert.deepEqual([...H2.shape], [...x.shape, ...x.shape], "hessian shape in ++ in");
    }
  }
}

/** All three checks. */
export function checkAll(f: AnyFn, args: readonly Tree[], r: Rng, opts: CheckOpts & { second?: boolean } = {}): void {
  checkJvp(f, args, r, opts);
  checkVjp(f, args, r, opts);
  if (opts.second !== false) checkSecond(f, args, r, opts);
}

/** Asserts `fn` throws an instance of `cls` whose message contains every fragment. */
export function assertThrowsWith(fn: () => unknown, cls: new (...a: never[]) => Error, fragments: readonly (string | RegExp)[]): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${cls.name} but nothing was thrown`);
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${(caught as Error)?.constructor?.name}: ${(caught as Error)?.message}`);
  const msg = (caught as Error).message;
  for (const frag of fragments) {
    if (typeof frag === "string") assert.ok(msg.includes(frag), `message ${JSON.stringify(msg)} should contain ${JSON.stringify(frag)}`);
    else assert.match(msg, frag);
  }
  return caught as Error;
}
