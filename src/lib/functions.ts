// Derived functions, built from primitives with numerically stable formulas. Their
// derivatives come from the primitives' rules; the subgradients at kinks are documented.

import type { NDArray } from "../array/ndarray.js";
import { checkOperand, operandShape } from "../core/primitive.js";
import { normAxes } from "../array/broadcast.js";
import type { Value } from "../core/tracer.js";
import {
  abs, add, div, equal, exp, greater, less, lessEqual, log, log1p, max, maximum, mul, neg, reshape, shapeOf, sqrt, square, stopGradient, sub, sum, where,
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

/**
 * max(x, 0), with the subgradient 0 at x = 0 (as PyTorch and JAX). NaN stays NaN (the test is
 * x ≤ 0, false for NaN), and its derivative there is 1 (PyTorch's threshold rule).
 */
export function relu<A extends Operand>(x: A): R1<A>;
export function relu(x: Value): Value {
  return where(lessEqual(x as V, 0), 0, x as V);
}

/** The axes checked under the user's op (max, which keptMax calls, would name itself). */
function axisOf(op: string, x: Value, axis: Axes | undefined): void {
  const nd = operandShape(op, x).length;
  if (axis !== undefined) normAxes(op, axis, nd);
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
  axisOf("logsumexp", v, axis);
  const m = keptMax(v, axis);
  const s = add(log(sum(exp(sub(v, m)), axis, true)), m);
  return keepdims ? s : reshape(s, shapeOf(sum(v, axis, false)));
}

/** exp(x) / Σ exp(x) along `axis` (default the last). */
export function softmax(x: Operand, axis?: number): NDArray;
export function softmax(x: Value, axis = -1): Value {
  const v = x as V;
  axisOf("softmax", v, axis);
  const e = exp(sub(v, keptMax(v, axis)));
  return div(e, sum(e, axis, true));
}

/** x − logsumexp(x) along `axis` (default the last). */
export function logSoftmax(x: Operand, axis?: number): NDArray;
export function logSoftmax(x: Value, axis = -1): Value {
  axisOf("logSoftmax", x, axis);
  return sub(x as V, logsumexp(x as V, axis, true));
}

/**
 * The divisor that keeps m·√Σ(x/m)² in range: m itself where it is positive and finite, else
 * 1 (at 0 the caller selects 0; at ∞ and NaN the unscaled sum gives ∞ and NaN by itself).
 */
function scaleOf(m: V): V {
  return where(greater(m, 0), where(less(m, Infinity), m, 1), 1);
}

/**
 * The Euclidean norm √Σx² over `axis` (all by default), scaled by the largest |x| as hypot is:
 * no overflow at 1e200, no underflow at 1e-200 (and a gradient there). At x = 0 the gradient is
 * the subgradient 0 (not NaN); a NaN element gives NaN, an infinite one ∞.
 */
export function norm(x: Operand, axis?: Axes, keepdims?: boolean): NDArray;
export function norm(x: Value, axis?: Axes, keepdims = false): Value {
  checkOperand("norm", 0, x);
  const v = x as V;
  const shape = shapeOf(v);
  if (shape.some((d) => d === 0)) return sqrt(sum(mul(v, v), axis, keepdims)); // no element to scale by: the norm is 0
  const m = stopGradient(max(abs(v), axis, true));
  const safe = scaleOf(m);
  const r = where(equal(m, 0), 0, mul(safe, sqrt(sum(square(div(v, safe)), axis, true))));
  return keepdims ? r : reshape(r, shapeOf(sum(v, axis, false)));
}

/**
 * √(a² + b²) without overflow or underflow (scaled by max(|a|, |b|)); its gradient at (0, 0)
 * is the subgradient (0, 0). hypot(∞, b) is ∞; a NaN argument gives NaN.
 */
export function hypot<A extends Operand, B extends Operand>(a: A, b: B): R2<A, B>;
export function hypot(a: Value, b: Value): Value {
  const x = a as V, y = b as V;
  const m = stopGradient(maximum(abs(x), abs(y)));
  const safe = scaleOf(m);
  return where(equal(m, 0), 0, mul(safe, sqrt(add(square(div(x, safe)), square(div(y, safe))))));
}
