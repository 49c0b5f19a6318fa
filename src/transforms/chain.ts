// The chain rule, applied to one line of the trace. Every interpreter that propagates
// derivatives (eager forward mode, the reverse sweep, the survey-style tables) calls these
// two functions, so a rule is read from the table in exactly one way.

import { MissingRuleError } from "../base/errors.js";
import type { Primitive } from "../core/primitive.js";
import { concrete, shapeOf, ZERO, type MaybeZero, type Value } from "../core/tracer.js";
import { bind2 } from "../core/primitive.js";
import { add, broadcastTo, dtypeOfValue, neg, unbroadcast } from "../ops/api.js";
import { P } from "../ops/prims.js";

/** seed · ∂ with zeros absorbing (see P.chainMul), skipping the multiply for ∂ = ±1 (add, sub, neg). */
export function scale(seed: Value, p: MaybeZero): MaybeZero {
  if (p === ZERO) return ZERO;
  if (typeof seed === "number" && typeof p === "number") return seed === 0 || p === 0 ? 0 : seed * p;
  if (p === 1) return seed;
  if (p === -1) return neg(seed as number);
  return bind2(P.chainMul, seed, p, undefined);
}

/** t₁ + t₂ where either may be a structural zero. */
export function addMaybe(a: MaybeZero, b: MaybeZero): MaybeZero {
  if (a === ZERO) return b;
  if (b === ZERO) return a;
  return add(a as number, b as number);
}

function sameShape(a: Value, b: Value): boolean {
  if (typeof a === "number" && typeof b === "number") return true;
  const sa = shapeOf(a), sb = shapeOf(b);
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return false;
  return (typeof concrete(a) === "number") === (typeof concrete(b) === "number");
}

function missing(prim: Primitive<unknown>, mode: string): never {
  throw new MissingRuleError(prim.name, `has no ${mode} rule for this argument; add one to its entry in src/ops/prims.ts`);
}

/** The tangent contributed by argument i: J_i · t. */
export function jvpTerm(prim: Primitive<unknown>, i: number, t: Value, args: readonly Value[], out: Value, params: unknown): MaybeZero {
  const rule = prim.rule;
  if (rule.kind === "partials") {
    const p = rule.partials[i];
    return p ? scale(t, p(args, out, params)) : ZERO;
  }
  if (rule.kind === "none") return ZERO;
  if (rule.variadic) return rule.variadic.jvp(t, i, args, out, params);
  const f = rule.jvp[i];
  if (f === undefined) missing(prim, "JVP");
  return f === null ? ZERO : f(t, args, out, params);
}

/** The cotangent sent to argument i: J_iᵀ · g, summed back to the argument's shape. */
export function vjpTerm(prim: Primitive<unknown>, i: number, g: Value, args: readonly Value[], out: Value, params: unknown): MaybeZero {
  const rule = prim.rule;
  let ct: MaybeZero;
  if (rule.kind === "partials") {
    const p = rule.partials[i];
    ct = p ? scale(g, p(args, out, params)) : ZERO;
  } else if (rule.kind === "none") {
    return ZERO;
  } else if (rule.variadic) {
    ct = rule.variadic.vjp(g, i, args, out, params);
  } else {
    const f = rule.vjp[i];
    if (f === undefined) missing(prim, "VJP");
    ct = f === null ? ZERO : f(g, args, out, params);
  }
  if (ct === ZERO || !prim.broadcasts) return ct;
  const a = args[i]!;
  return sameShape(ct, a) ? ct : unbroadcast(ct, a);
}

/** Brings a tangent to the output's shape (broadcasting an argument's tangent up). */
export function fitTangent(t: Value, out: Value): Value {
  if (sameShape(t, out)) return t;
  if (typeof concrete(out) === "number") return t;
  return broadcastTo(t, shapeOf(out), dtypeOfValue(out));
}
