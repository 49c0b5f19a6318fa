// Derived functions, built from primitives with numerically stable formulas. Their
// derivatives come from the primitives' rules; the subgradients at kinks are documented.

import type { NDArray } from "../array/ndarray.js";
import type { Value } from "../core/tracer.js";
import {
  abs, add, div, exp, greater, log, log1p, max, maximum, mul, neg, reshape, shapeOf, sqrt, stopGradient, sub, sum, where,
  type Operand, type R1, type R2,
} from "../ops/api.js";

type Axes = number | readonly number[];
type V = NDArray;

/**
 * log(1 + eˣ), as x + log1p(e⁻ˣ) for x > 0 and log1p(eˣ) otherwise: no overflow for large |x|.
 * Each branch is smooth and finite everywhere (its exponent is ≤ 0), so derivatives of every
 * order are right at 0 too: softplus'(0) = 1/2, softplus''(0) = 1/4. (The former
 * max(x, 0) + log1p(e^−|x|) had kinks at 0 that cancel in value but gave softplus''(0) = 0.)
 */
export function softplus<A extends Operand>(x: A): R1<A>;
export function softplus(x: Value): Value {
  const v = x as V;
  const pos = greater(v, 0);
  return add(where(pos, v, 0), log1p(exp(where(pos, neg(v), v))));
}

/** 1 / (1 + e⁻ˣ), as exp(−softplus(−x)): accurate in both tails, never NaN. */
export function sigmoid<A extends Operand>(x: A): R1<A>;
export function sigmoid(x: Value): Value {
  return exp(neg(softplus(neg(x as V))));
}

/** max(x, 0), with the subgradient 0 at x = 0 (as PyTorch and JAX). */
export function relu<A extends Operand>(x: A): R1<A>;
export function relu(x: Value): Value {
  return where(greater(x as V, 0), x as V, 0);
}

function keptMax(x: V, axis: Axes | undefined): V {
  // The shift is a constant: it cancels exactly in the value, so no derivative flows through it.
  const m = stopGradient(max(x, axis, true));
  return where(greater(abs(m), Number.MAX_VALUE), 0, m);
}

/** log Σ exp(x) over `axis` (all axes by default), shifted by the max for stability. */
export function logsumexp(x: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function logsumexp(x: Value, axis?: Axes, keepdims = false): Value {
  const v = x as V;
  const m = keptMax(v, axis);
  const s = add(log(sum(exp(sub(v, m)), axis, true)), m);
  return keepdims ? s : reshape(s, shapeOf(sum(v, axis, false)));
}

/** exp(x) / Σ exp(x) along `axis` (default the last). */
export function softmax(x: Operand, axis?: number): NDArray;
export function softmax(x: Value, axis = -1): Value {
  const v = x as V;
  const e = exp(sub(v, keptMax(v, axis)));
  return div(e, sum(e, axis, true));
}

/** x − logsumexp(x) along `axis` (default the last). */
export function logSoftmax(x: Operand, axis?: number): NDArray;
export function logSoftmax(x: Value, axis = -1): Value {
  return sub(x as V, logsumexp(x as V, axis, true));
}

/**
 * The Euclidean norm √Σx² over `axis` (all by default). At x = 0 the gradient is the
 * subgradient 0 (not NaN): the square root is taken of a value that is safe there.
 */
export function norm(x: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function norm(x: Value, axis?: Axes, keepdims = false): Value {
  const v = x as V;
  const s = sum(mul(v, v), axis, keepdims);
  const pos = greater(s, 0);
  return where(pos, sqrt(where(pos, s, 1)), 0);
}

/** √(a² + b²) without overflow; its gradient at (0, 0) is the subgradient (0, 0). */
export function hypot<A extends Operand, B extends Operand>(a: A, b: B): R2<A, B>;
export function hypot(a: Value, b: Value): Value {
  const x = a as V, y = b as V;
  const m = stopGradient(maximum(abs(x), abs(y)));
  const pos = greater(m, 0);
  const safe = where(pos, m, 1);
  const xs = div(x, safe), ys = div(y, safe);
  const r = sqrt(add(mul(xs, xs), mul(ys, ys)));
  const rs = where(pos, r, 1);
  return where(pos, mul(safe, rs), 0);
}
