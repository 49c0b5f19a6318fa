// The chain rule, applied to one line of the trace. Every interpreter that propagates
// derivatives (eager forward mode, the reverse sweep, the survey-style tables) calls these
// functions, so a rule is read from the table in exactly one way.
//
// The zero convention. Only structural zeros absorb: ZERO (no derivative reaches the value
// at all) and the unselected elements of a select (a Masked value: where's other side, the
// losing side of maximum, the non-extremal elements of max). Every other product follows
// IEEE, so 0·∞ = NaN: grad(x => square(sqrt(x)))(0) is NaN, as the one-sided derivative
// through a singular sqrt must be, while grad(x => where(x > 0, sqrt(x), 0))(0) is 0 for
// numbers and arrays alike, in both modes.

import { MissingRuleError } from "../base/errors.js";
import type { Primitive } from "../core/primitive.js";
import { bind2 } from "../core/primitive.js";
import type { Shape } from "../array/ndarray.js";
import { addRows, denseRows, sameRowsShape } from "./scattered.js";
import { concrete, Masked, Scattered, shapeOf, ZERO, type MaybeZero, type Selection, type Value, type Zero } from "../core/tracer.js";
import { add, broadcastTo, dtypeOfValue, neg, unbroadcast, where } from "../ops/api.js";
import { PRIM_TABLE } from "../ops/prims.js";

/** The ordinary value of a derivative: a selection becomes where(cond, value, 0), condition by condition. */
export function dense(d: Value | Masked | Scattered): Value {
  if (d instanceof Scattered) return denseRows(d);
  if (!(d instanceof Masked)) return d;
  let v = d.value;
  for (let s: Selection | null = d.sel; s !== null; s = s.next) v = s.keep ? where(s.cond, v, 0) : where(s.cond, 0, v);
  return v;
}

/** dense, passing ZERO through. */
export function denseOrZero(d: MaybeZero): Value | Zero {
  return d instanceof Masked || d instanceof Scattered ? dense(d) : d;
}

function sameSelection(a: Selection | null, b: Selection | null): boolean {
  for (; a !== null && b !== null; a = a.next, b = b.next) {
    if (a === b) return true;
    if (a.cond !== b.cond || a.keep !== b.keep) return false;
  }
  return a === b;
}

/** Both selections at once: an element is kept only where each keeps it. */
function both(a: Selection, b: Selection): Selection {
  if (sameSelection(a, b)) return a;
  const list: Selection[] = [];
  for (let s: Selection | null = a; s !== null; s = s.next) list.push(s);
  let out = b;
  for (let i = list.length - 1; i >= 0; i--) out = { cond: list[i]!.cond, keep: list[i]!.keep, next: out };
  return out;
}

/** a·b, exact shortcuts for the factors ±1 (add's and sub's partials, a selection's 1). */
function times(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if (b === 1) return a;
  if (a === 1) return b;
  if (b === -1) return neg(a as number);
  return bind2(PRIM_TABLE.mul, a, b, undefined);
}

/** seed · ∂: IEEE products; a selection on either side stays a selection. */
export function scale(seed: Value | Masked | Scattered, p: MaybeZero): MaybeZero {
  if (p === ZERO) return ZERO;
  if (typeof seed === "number" && typeof p === "number") return seed * p; // the scalar hot path first
  if (seed instanceof Scattered) seed = dense(seed);
  if (p instanceof Scattered) p = dense(p);
  if (seed instanceof Masked) {
    return p instanceof Masked ? new Masked(times(seed.value, p.value), both(seed.sel, p.sel)) : new Masked(times(seed.value, p), seed.sel);
  }
  return p instanceof Masked ? new Masked(times(seed, p.value), p.sel) : times(seed, p);
}

/**
 * t₁ + t₂ where either may be a structural zero. Two selections by the same conditions stay
 * one; otherwise each becomes dense first (complementary sides of one where, the common
 * other case, then have no structural zero left between them).
 */
export function addMaybe(a: MaybeZero, b: MaybeZero): MaybeZero {
  if (a === ZERO) return b;
  if (b === ZERO) return a;
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a instanceof Scattered && b instanceof Scattered && sameRowsShape(a, b)) return addRows(a, b);
  if (a instanceof Masked && b instanceof Masked && sameSelection(a.sel, b.sel)) return new Masked(add(a.value as number, b.value as number), a.sel);
  return add(dense(a) as number, dense(b) as number);
}

function sameShape(a: Value, b: Value): boolean {
  if (typeof a === "number" && typeof b === "number") return true;
  const sa = shapeOf(a), sb = shapeOf(b);
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return false;
  return (typeof concrete(a) === "number") === (typeof concrete(b) === "number");
}

/** Whether an array of shape `from` broadcasts to shape `to` (each axis equal or 1, none extra). */
function broadcastsTo(from: Shape, to: Shape): boolean {
  const off = to.length - from.length;
  if (off < 0) return false;
  for (let i = 0; i < from.length; i++) if (from[i] !== 1 && from[i] !== to[off + i]) return false;
  return true;
}

/** Every condition of the selection broadcasts to `shape`: the selection commutes with reshaping the value to it. */
function selectsWithin(sel: Selection, shape: Shape): boolean {
  for (let s: Selection | null = sel; s !== null; s = s.next) if (!broadcastsTo(shapeOf(s.cond), shape)) return false;
  return true;
}

/**
 * The selection brought to the shape of `like` while it stays one, or null when that takes a
 * dense value. Broadcasting the value up, or summing it over axes along which every condition
 * is constant, commutes with the selection (where(c, x, 0) with c of x's shape, broadcast up).
 */
function fitMasked(m: Masked, like: Value): Masked | null {
  if (typeof concrete(like) === "number") return null;
  const target = shapeOf(like), sv = shapeOf(m.value);
  if (!selectsWithin(m.sel, target)) return null;
  if (sameShape(m.value, like)) return m;
  if (broadcastsTo(sv, target)) return new Masked(broadcastTo(m.value, target, dtypeOfValue(like)), m.sel);
  if (broadcastsTo(target, sv)) return new Masked(unbroadcast(m.value, like), m.sel);
  return null;
}

function missing(prim: Primitive<unknown>, mode: string): never {
  throw new MissingRuleError(prim.name, `has no ${mode} rule for this argument; add one to its entry in src/ops/prims.ts`);
}

/** A line that runs a program (a loop) has rules for the whole line, not per argument: interpreters call them. */
function wholeLine(prim: Primitive<unknown>): never {
  throw new MissingRuleError(prim.name, "is differentiated as a whole line (its program rules), not argument by argument");
}

/**
 * The tangent contributed by argument i: J_i · t, brought to the output's shape and dtype
 * (the transpose of vjpTerm's unbroadcast), so that the terms of a line add up exactly.
 */
export function jvpTerm(prim: Primitive<unknown>, i: number, t: Value | Masked | Scattered, args: readonly Value[], out: Value, params: unknown): MaybeZero {
  const rule = prim.rule;
  if (rule.kind === "partials") {
    const p = rule.partials[i];
    if (!p) return ZERO;
    const term = scale(t, p(args, out, params));
    return term === ZERO || !prim.broadcasts ? term : fitTangent(term, out);
  }
  if (rule.kind === "none") return ZERO;
  if (rule.kind === "program") wholeLine(prim);
  if (rule.variadic) return rule.variadic.jvp(dense(t), i, args, out, params);
  const f = rule.jvp[i];
  if (f === undefined) missing(prim, "JVP");
  return f === null ? ZERO : f(dense(t), args, out, params);
}

/**
 * The line's tangent from every argument's (ZERO where none): the table's rule for the whole
 * line where it gives one (concat), else the sum of the arguments' terms.
 */
export function lineJvp(prim: Primitive<unknown>, tangents: readonly MaybeZero[], args: readonly Value[], out: Value, params: unknown): MaybeZero {
  const rule = prim.rule;
  if (rule.kind === "linear" && rule.variadic?.jvpAll !== undefined) {
    return tangents.every((t) => t === ZERO) ? ZERO : rule.variadic.jvpAll(tangents.map(denseOrZero), args, out, params);
  }
  let t: MaybeZero = ZERO;
  for (let i = 0; i < tangents.length; i++) {
    const ti = tangents[i]!;
    if (ti !== ZERO) t = addMaybe(t, jvpTerm(prim, i, ti, args, out, params));
  }
  return t;
}

/** The cotangent sent to argument i: J_iᵀ · g, summed back to the argument's shape. */
export function vjpTerm(prim: Primitive<unknown>, i: number, g: Value | Masked | Scattered, args: readonly Value[], out: Value, params: unknown): MaybeZero {
  const rule = prim.rule;
  let ct: MaybeZero;
  if (rule.kind === "partials") {
    const p = rule.partials[i];
    ct = p ? scale(g, p(args, out, params)) : ZERO;
  } else if (rule.kind === "none") {
    return ZERO;
  } else if (rule.kind === "program") {
    wholeLine(prim);
  } else if (rule.variadic) {
    ct = rule.variadic.vjp(dense(g), i, args, out, params);
  } else {
    const f = rule.vjp[i];
    if (f === undefined) missing(prim, "VJP");
    ct = f === null ? ZERO : f(dense(g), args, out, params);
  }
  if (ct === ZERO || !prim.broadcasts) return ct;
  if (ct instanceof Scattered) ct = dense(ct);
  const a = args[i]!;
  if (ct instanceof Masked) return fitMasked(ct, a) ?? unbroadcast(dense(ct), a);
  return sameShape(ct, a) ? ct : unbroadcast(ct, a);
}

/** Brings a tangent to the output's shape (broadcasting an argument's tangent up) and dtype. */
export function fitTangent(t: Value | Masked | Scattered, out: Value): Value | Masked {
  if (t instanceof Scattered) t = dense(t);
  if (t instanceof Masked) {
    const m = fitMasked(t, out);
    if (m !== null) return m;
    t = dense(t);
  }
  if (sameShape(t, out)) return t;
  if (typeof concrete(out) === "number") return t;
  return broadcastTo(t, shapeOf(out), dtypeOfValue(out));
}
