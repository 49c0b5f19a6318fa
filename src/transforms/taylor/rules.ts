// Taylor rules: how each primitive maps its arguments' truncated Taylor series to its output's
// (jet). One entry per primitive of the table, typed so that a primitive added to
// src/ops/prims.ts without a Taylor rule here is a compile error. Four kinds:
//   termwise     the derivative is locally constant in the primal (linear and structural ops,
//                selects, |x|): every coefficient goes through the primitive's own JVP rule,
//                read from its table entry, so no fact about it is repeated here;
//   constant     the output carries no derivative (comparisons, rounding, random draws):
//                its series is zero;
//   series       a nonlinear op: its recurrence (series.ts), O(K²) per line;
//   unsupported  no rule yet: jet refuses with a MissingRuleError saying why and what to do.

import { MissingRuleError } from "../../base/errors.js";
import type { Primitive } from "../../core/primitive.js";
import { ZERO, type Value } from "../../core/tracer.js";
import * as o from "../../ops/api.js";
import type { MatmulParams } from "../../ops/prims.js";
import { choleskySeriesRule, detSeriesRule, eighSeriesRule, qrSeriesRule, slogdetSeriesRule, solveSeriesRule, triangularSeriesRule } from "./linalg.js";
import type { PRIM_TABLE, PrimName } from "../../ops/prims.js";
import {
  addC, constantPower, constantSeries, convolve, derivative, exponential, integerPower, integrate, integrateQuotient, logarithm, negC, product, quotient, quotientOf,
  root, scaleC, shift, sinCos, subC, type Coef, type Series,
} from "./series.js";

export type ParamsOf<K extends PrimName> = (typeof PRIM_TABLE)[K] extends Primitive<infer Q> ? Q : never;

/** The output's series (coefficients 0 … K; [0] is ignored: jet binds the primitive for the primal) from the arguments'. */
export type SeriesFn<Q> = (xs: readonly Series[], out: Value, params: Q, K: number) => Series;

export type TaylorRule<Q> =
  | { readonly kind: "termwise" }
  | { readonly kind: "constant" }
  | { readonly kind: "series"; readonly apply: SeriesFn<Q> }
  | { readonly kind: "unsupported"; readonly why: string };

const TERMWISE = { kind: "termwise" } as const;
const CONSTANT = { kind: "constant" } as const;
const series = <Q>(apply: SeriesFn<Q>): TaylorRule<Q> => ({ kind: "series", apply });
const unary = (f: (a: Series, out: Value, K: number) => Series): TaylorRule<undefined> => series((xs, out, _p, K) => f(xs[0]!, out, K));

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** The series of 1 − a² (sign −1) or 1 + a² (sign +1). */
function onePlusSquare(a: Series, K: number, sign: 1 | -1): Series {
  const sq = product(a, a, K);
  return sq.map((c, k) => (k === 0 ? o.add(1, o.mul(sign, c as Value)) : scaleC(c, sign)));
}

/** The series of erf a (sign +1) or erfc a (sign −1): b' = ±(2/√π)·e^(−a²)·a'. */
function erfSeries(a: Series, out: Value, K: number, sign: 1 | -1): Series {
  const g = exponential(product(a, a, K).map((c) => negC(c)) as Series, K);
  return integrate(a, out, K, (m) => scaleC(g[m]!, sign * TWO_OVER_SQRT_PI));
}

/** The series of asin a: b'·√(1 − a²) = a'. */
function asinSeries(a: Series, out: Value, K: number): Series {
  return integrateQuotient(a, root(onePlusSquare(a, K, -1), K), out, K);
}

/** a^c: an integer literal exponent by repeated products (exact at a = 0); a constant one by its recurrence; a series one as exp(c·ln a). */
function powSeries([a, c]: readonly Series[], out: Value, K: number): Series {
  if (constantSeries(c!)) {
    const e = c![0]!;
    if (typeof e === "number" && Number.isInteger(e) && Math.abs(e) <= 64) {
      const p = integerPower(a!, Math.abs(e), K);
      return e >= 0 ? p : quotient([1, ...p.slice(1).map(() => ZERO)] as Series, p, K, out);
    }
    return constantPower(a!, e as Value, out, K);
  }
  return exponential(product(c!, logarithm(a!, K), K), K, out);
}

/** atan2(y, x): b' = (x·y' − y·x')/(x² + y²), integrated. */
function atan2Series([y, x]: readonly Series[], out: Value, K: number): Series {
  const dy = derivative(y!, K), dx = derivative(x!, K);
  const w: Coef[] = [];
  for (let m = 0; m < K; m++) w.push(subC(convolve(x!, dy as Series, m), convolve(y!, dx as Series, m)));
  const d = product(x!, x!, K).map((c, k) => (k === 0 ? o.add(c as Value, o.mul(y![0] as Value, y![0] as Value)) : addC(c, convolve(y!, y!, k))));
  const q = quotientOf(w, d as Series, K);
  return [out, ...q.map((c, m) => scaleC(c, 1 / (m + 1)))];
}

/** op(a) @ op(b), both operands' series: the Cauchy product with matmul for multiplication. */
function matmulSeries([a, b]: readonly Series[], out: Value, p: MatmulParams | undefined, K: number): Series {
  const mm = (x: Coef, y: Coef): Coef => (x === ZERO || y === ZERO ? ZERO : o.bindMatmul(x, y, p));
  const s: Series = [out];
  for (let k = 1; k <= K; k++) {
    let t: Coef = ZERO;
    for (let j = 0; j <= k; j++) t = addC(t, mm(a![j]!, b![k - j]!));
    s.push(t);
  }
  return s;
}

type TaylorTable = { readonly [K in PrimName]: TaylorRule<ParamsOf<K>> };

export const TAYLOR: TaylorTable = {
  // Random draws, integer results, piecewise-constant ops: no derivative, zero series.
  randomSplit: CONSTANT, randomFoldIn: CONSTANT, randomUniform: CONSTANT, randomNormal: CONSTANT, randomInt: CONSTANT, randomPermutation: CONSTANT,
  isnan: CONSTANT, isfinite: CONSTANT, argmax: CONSTANT, argmin: CONSTANT, argsort: CONSTANT, sign: CONSTANT,
  greater: CONSTANT, greaterEqual: CONSTANT, less: CONSTANT, lessEqual: CONSTANT, equal: CONSTANT, notEqual: CONSTANT,
  stopGradient: CONSTANT, floor: CONSTANT, ceil: CONSTANT, round: CONSTANT, trunc: CONSTANT,

  // Linear algebra (linalg.ts): the defining identity solved order by order.
  solve: series((xs, out, _p, K) => solveSeriesRule(xs, out, K)), triangularSolve: series((xs, out, p, K) => triangularSeriesRule(xs, out, p, K)),
  cholesky: series((xs, out, _p, K) => choleskySeriesRule(xs, out, K)),
  det: series((xs, out, _p, K) => detSeriesRule(xs, out, K)), slogdet: series((xs, out, _p, K) => slogdetSeriesRule(xs, out, K)),
  eigh: series((xs, out, _p, K) => eighSeriesRule(xs, out, K)),
  qr: series((xs, out, _p, K) => qrSeriesRule(xs, out, K)),

  // Linear, structural and piecewise-linear ops: their JVP rule, coefficient by coefficient.
  add: TERMWISE, sub: TERMWISE, neg: TERMWISE, abs: TERMWISE, maximum: TERMWISE, minimum: TERMWISE, where: TERMWISE, remainder: TERMWISE,
  toScalar: TERMWISE, astype: TERMWISE, sum: TERMWISE, max: TERMWISE, min: TERMWISE, reshape: TERMWISE, transpose: TERMWISE, broadcastTo: TERMWISE,
  slice: TERMWISE, unslice: TERMWISE, concat: TERMWISE, pad: TERMWISE, take: TERMWISE, scatterAdd: TERMWISE, cumsum: TERMWISE,
  takeAlongAxis: TERMWISE, scatterAlongAxis: TERMWISE, index: TERMWISE, dynamicIndex: TERMWISE, addAt: TERMWISE,

  // Bilinear: the Cauchy product.
  mul: series(([a, b], _out, _p, K) => product(a!, b!, K)),
  matmul: series(matmulSeries),

  div: series(([a, c], out, _p, K) => quotient(a!, c!, K, out)),
  pow: series((xs, out, _p, K) => powSeries(xs, out, K)),
  atan2: series((xs, out, _p, K) => atan2Series(xs, out, K)),
  square: unary((a, _out, K) => product(a, a, K)),
  sqrt: unary((a, out, K) => root(a, K, out)),
  exp: unary((a, out, K) => exponential(a, K, out)),
  expm1: unary((a, out, K) => integrate(a, out, K, (m, b) => (m === 0 ? o.add(b[0] as Value, 1) : b[m]!))),
  log: unary((a, out, K) => logarithm(a, K, out)),
  log1p: unary((a, out, K) => integrateQuotient(a, shift(a, 1), out, K)),
  sin: unary((a, out, K) => sinCos(a, out, o.cos(a[0] as Value), K, -1)[0]),
  cos: unary((a, out, K) => sinCos(a, o.sin(a[0] as Value), out, K, -1)[1]),
  sinh: unary((a, out, K) => sinCos(a, out, o.cosh(a[0] as Value), K, 1)[0]),
  cosh: unary((a, out, K) => sinCos(a, o.sinh(a[0] as Value), out, K, 1)[1]),
  // tan' = 1 + tan², tanh' = 1 − tanh²: u's coefficient m needs only b_0 … b_m.
  tan: unary((a, out, K) => integrate(a, out, K, (m, b) => (m === 0 ? o.add(1, o.mul(out, out)) : convolve(b, b, m)))),
  tanh: unary((a, out, K) => integrate(a, out, K, (m, b) => (m === 0 ? o.sub(1, o.mul(out, out)) : negC(convolve(b, b, m))))),
  atan: unary((a, out, K) => integrateQuotient(a, onePlusSquare(a, K, 1), out, K)),
  asin: unary((a, out, K) => asinSeries(a, out, K)),
  acos: unary((a, out, K) => asinSeries(a, out, K).map((c, k) => (k === 0 ? out : negC(c)))),
  erf: unary((a, out, K) => erfSeries(a, out, K, 1)),
  erfc: unary((a, out, K) => erfSeries(a, out, K, -1)),
};

/** The refusal for a primitive with no Taylor rule (a loop, a custom rule's line, a linear-algebra op). */
export function noTaylorRule(name: string, why: string): MissingRuleError {
  return new MissingRuleError(name, `jet (Taylor mode): ${why}`);
}
