// Taylor mode (jet): one pass propagates a truncated Taylor series through f, giving the
// derivatives of t ↦ f(x(t)) to order K at once, where nested jvp needs K passes (of growing
// size). The convention is JAX's (jax.experimental.jet): the input series of x is
// (x₁, …, x_K) with x_k = x^(k)(0), and the output series is (f₁, …, f_K) with
// f_k = (f∘x)^(k)(0); for x(t) = x₀ + t·v that is ∂ᵏf(x₀)[v, …, v].

import { ArgumentError } from "../../base/errors.js";
import { flatten, unflatten } from "../../core/pytree.js";
import { type Primitive, bind } from "../../core/primitive.js";
import { concrete, newLevel, runWith, Tracer, ZERO, type Interpreter, type Value } from "../../core/tracer.js";
import { NDArray } from "../../array/ndarray.js";
import * as o from "../../ops/api.js";
import { PRIM_TABLE } from "../../ops/prims.js";
import { unrollLoopLine } from "../loops/unroll.js";
import { checkFloatLeaves, checkNotOpaque, checkTransform, matchTree, outputTree, zerosLike, type Fn } from "../args.js";
import { dense, fitTangent, lineJvp } from "../chain.js";
import { noTaylorRule, TAYLOR, type TaylorRule } from "./rules.js";
import type { Coef, Series } from "./series.js";

export class JetTracer extends Tracer {
  get kind(): string { return "jet"; }
  /** Normalized coefficients 1 … K (coefficient k = k-th derivative / k!); ZERO where structurally zero. */
  readonly coefs: readonly Coef[];
  constructor(interp: JetInterpreter, primal: Value, coefs: readonly Coef[]) {
    super(interp, primal);
    this.coefs = coefs;
  }
}

const TABLE = TAYLOR as unknown as Record<string, TaylorRule<unknown>>;
const PRIMS = PRIM_TABLE as unknown as Record<string, Primitive<unknown>>;

export class JetInterpreter implements Interpreter {
  readonly level = newLevel();
  active = true;
  constructor(readonly order: number) {}

  lift(primal: Value, coefs: readonly Coef[]): Value {
    return coefs.every((c) => c === ZERO) ? primal : new JetTracer(this, primal, coefs);
  }

  /** The series of `v` as this level sees it (a constant: its value, then zeros). */
  seriesOf(v: Value): Series {
    if (v instanceof JetTracer && v.interp === this) return [v.primal, ...v.coefs];
    const s: Series = [v];
    for (let k = 0; k < this.order; k++) s.push(ZERO);
    return s;
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    // A loop line: its steps one by one, each body line processed here.
    const loop = unrollLoopLine(prim, args, params);
    if (loop !== null) return loop as unknown as Value;
    const rule = PRIMS[prim.name] === prim ? TABLE[prim.name] : undefined;
    if (rule === undefined) throw noTaylorRule(prim.name, "this primitive has no entry in the Taylor table (src/transforms/taylor/rules.ts)");
    if (rule.kind === "unsupported") throw noTaylorRule(prim.name, rule.why);
    const xs = args.map((a) => this.seriesOf(a));
    const primals = xs.map((s) => s[0] as Value);
    const out = bind(prim, primals, params);
    if (rule.kind === "constant") return out;
    const K = this.order;
    const coefs: Coef[] = [];
    if (rule.kind === "termwise") {
      for (let k = 1; k <= K; k++) {
        const term = lineJvp(prim, xs.map((s) => s[k]!), primals, out, params);
        coefs.push(term === ZERO ? ZERO : dense(term));
      }
    } else {
      const s = rule.apply(xs, out, params, K);
      for (let k = 1; k <= K; k++) {
        const c = s[k]!;
        coefs.push(c === ZERO ? ZERO : fitTangent(c, out) as Value);
      }
    }
    return this.lift(out, coefs);
  }
}

/** k! as a float (exact to 22!). */
function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** A series term given as the plain number 0 is a structural zero, whatever the primal's shape. */
function isZeroTerm(t: unknown): boolean {
  return t === 0;
}

/** The output series type: each output leaf becomes the list of its K terms. */
export type SeriesOf<R> = R extends number | NDArray ? R[] : R extends readonly unknown[] ? { [K in keyof R]: SeriesOf<R[K]> } : R extends object ? { [K in keyof R]: SeriesOf<R[K]> } : R[];

/**
 * Taylor mode: [f(...primals), series out] in one pass. `series[i]` is argument i's list of K
 * terms (x₁ … x_K, derivatives of the input path; each with the argument's structure, or the
 * number 0 for a zero term); the result's series has f's output structure with each leaf
 * replaced by its K terms (f₁ … f_K, derivatives of f along the path), as in JAX's jet.
 *
 * @example
 * ```ts
 * // exp along x(t) = 0 + t: all derivatives are 1
 * w.jet(w.exp, [0], [[1, 0, 0]]);   // [1, [1, 1, 1]]
 * ```
 */
export function jet<A extends unknown[], R>(f: Fn<A, R>, primals: A, series: { [K in keyof A]: readonly unknown[] }): [R, SeriesOf<R>] {
  checkTransform("jet", f);
  if (!Array.isArray(primals) || !Array.isArray(series)) {
    throw new ArgumentError("jet", `primals and series must be arrays with one entry per argument, got ${typeof primals} and ${typeof series}; e.g. jet(f, [x], [[1, 0, 0]])`);
  }
  if (primals.length !== series.length) {
    throw new ArgumentError("jet", `got ${primals.length} primals but ${series.length} series; pass one list of terms per argument`);
  }
  let K = -1;
  series.forEach((s, i) => {
    if (!Array.isArray(s)) throw new ArgumentError("jet", `series[${i}] must be an array of terms (x₁, …, x_K), got ${typeof s}`);
    if (K >= 0 && s.length !== K) throw new ArgumentError("jet", `series[${i}] has ${s.length} terms but series[0] has ${K}; every argument's series needs the same number of terms (the order)`);
    K = s.length;
  });
  K = Math.max(K, 0);
  const jt = new JetInterpreter(K);
  const callArgs = primals.map((p, a) => {
    const { def, leaves } = flatten(p, [], "jet");
    checkNotOpaque("jet", a, def);
    checkFloatLeaves("jet", a, leaves);
    // Per leaf, its normalized coefficients c_k = x_k / k!.
    const perLeaf: Coef[][] = leaves.map(() => []);
    (series[a] as readonly unknown[]).forEach((term, k) => {
      const what = `term ${k + 1} of argument ${a}'s series`;
      const ts: Coef[] = isZeroTerm(term) ? leaves.map(() => ZERO) : matchTree("jet", what, "primal", def, leaves, term);
      ts.forEach((t, i) => perLeaf[i]!.push(t === ZERO ? ZERO : o.div(t, factorial(k + 1))));
    });
    const wrapped = leaves.map((l, i) => jt.lift(l, perLeaf[i]!));
    return def.kind === "leaf" ? wrapped[0] : unflatten(def, wrapped);
  }) as A;
  const out = runWith(jt, () => f(...callArgs));
  const { def, leaves } = outputTree("jet", out, false);
  const ps: Value[] = [], terms: Value[][] = [];
  for (const l of leaves) {
    const s = jt.seriesOf(l);
    const p = s[0] as Value;
    ps.push(p);
    terms.push(s.slice(1).map((c, k) => (c === ZERO ? zerosLike(p) : o.mul(c, factorial(k + 1)))));
  }
  return [unflatten(def, ps) as R, unflatten(def, terms) as SeriesOf<R>];
}

/**
 * [f(x), f′(x), …, f⁽ⁿ⁾(x)] for a function of one number, by one jet pass along x + t.
 *
 * @example
 * ```ts
 * w.derivatives(w.sin, 0, 4);   // [0, 1, 0, -1, 0]
 * ```
 */
export function derivatives(f: (x: number) => Value, x: number, order: number): Value[] {
  checkTransform("derivatives", f);
  if (typeof concrete(x) !== "number") throw new ArgumentError("derivatives", `x must be a plain number (derivatives of a function of one number), got ${(x as unknown) instanceof NDArray ? "an NDArray" : typeof x}; for arrays use jet(f, [x], [[v, 0, …]])`);
  if (!Number.isInteger(order) || order < 0) throw new ArgumentError("derivatives", `order must be a non-negative integer, got ${String(order)}`);
  const dir = Array.from({ length: order }, (_, k) => (k === 0 ? 1 : 0));
  const [y, ts] = jet(f, [x], [dir]);
  if (!Array.isArray(ts)) throw new ArgumentError("derivatives", "f must return one number or array, not a structure of them");
  return [y, ...(ts as Value[])];
}
