// Truncated Taylor series arithmetic for jet (Taylor mode). A series is its coefficients
// c[0] … c[K] in the normalized convention x(t) = Σ c_k t^k (c_k = x^(k)(0)/k!), where the
// recurrences are short; jet converts to and from JAX's derivative convention at its boundary.
// c[0] is the primal; any other coefficient may be ZERO (structurally zero: never multiplied).
// Every coefficient is computed with the library's ops, so jet composes with every other
// transform (compile stages it, grad differentiates it).
//
// The recurrences are the standard ones (Griewank & Walther, Evaluating Derivatives, ch. 13):
// each coefficient of order k costs O(k) products, so a whole series costs O(K²) per line.

import { ZERO, type Value, type Zero } from "../../core/tracer.js";
import * as o from "../../ops/api.js";

export type Coef = Value | Zero;
/** Coefficients 0 … K of one value; [0] is the primal (never ZERO). */
export type Series = Coef[];

export function addC(a: Coef, b: Coef): Coef {
  if (a === ZERO) return b;
  if (b === ZERO) return a;
  return o.add(a, b);
}

export function subC(a: Coef, b: Coef): Coef {
  if (b === ZERO) return a;
  if (a === ZERO) return o.neg(b);
  return o.sub(a, b);
}

export function mulC(a: Coef, b: Coef): Coef {
  if (a === ZERO || b === ZERO) return ZERO;
  return o.mul(a, b);
}

/** s·a for a plain number s (1 and 0 exactly). */
export function scaleC(a: Coef, s: number): Coef {
  if (a === ZERO || s === 0) return ZERO;
  return s === 1 ? a : o.mul(a, s);
}

export function divC(a: Coef, b: Value): Coef {
  return a === ZERO ? ZERO : o.div(a, b);
}

export function negC(a: Coef): Coef {
  return a === ZERO ? ZERO : o.neg(a);
}

/** Σ_{j=lo..hi} w(j)·a_j·b_{k−j} (the Cauchy product's k-th coefficient, weighted and clipped). */
export function convolve(a: Series, b: Series, k: number, lo = 0, hi = k, w: (j: number) => number = () => 1): Coef {
  let s: Coef = ZERO;
  for (let j = lo; j <= hi; j++) s = addC(s, scaleC(mulC(a[j]!, b[k - j]!), w(j)));
  return s;
}

/** The series of a·b. */
export function product(a: Series, b: Series, K: number): Series {
  const out: Series = [o.mul(a[0] as Value, b[0] as Value)];
  for (let k = 1; k <= K; k++) out.push(convolve(a, b, k));
  return out;
}

/** The series of a/c: b_k = (a_k − Σ_{j=1..k} c_j b_{k−j}) / c_0. */
export function quotient(a: Series, c: Series, K: number, b0: Value = o.div(a[0] as Value, c[0] as Value)): Series {
  const b: Series = [b0];
  for (let k = 1; k <= K; k++) b.push(divC(subC(a[k]!, convolve(c, b, k, 1, k)), c[0] as Value));
  return b;
}

/** The series of √a: b_k = (a_k − Σ_{j=1..k−1} b_j b_{k−j}) / (2 b_0). */
export function root(a: Series, K: number, b0: Value = o.sqrt(a[0] as Value)): Series {
  const b: Series = [b0];
  const twoB0 = o.mul(2, b0);
  for (let k = 1; k <= K; k++) b.push(divC(subC(a[k]!, convolve(b, b, k, 1, k - 1)), twoB0));
  return b;
}

/**
 * b with b' = u·a' and b(0) = b0, where u's coefficient m may depend on b_0 … b_m (exp: u = b;
 * tan: u = 1 + b²): b_k = (1/k) Σ_{j=1..k} j·a_j·u_{k−j}.
 */
export function integrate(a: Series, b0: Value, K: number, u: (m: number, b: Series) => Coef): Series {
  const b: Series = [b0];
  const us: Series = [];
  for (let k = 1; k <= K; k++) {
    us.push(u(k - 1, b));
    b.push(scaleC(convolve(a, us, k, 1, k, (j) => j), 1 / k));
  }
  return b;
}

/** b with b'·d = a' and b(0) = b0 (log: d = a; atan: d = 1 + a²): b_k = (a_k − (1/k) Σ_{j=1..k−1} j·b_j·d_{k−j}) / d_0. */
export function integrateQuotient(a: Series, d: Series, b0: Value, K: number): Series {
  const b: Series = [b0];
  for (let k = 1; k <= K; k++) b.push(divC(subC(a[k]!, scaleC(convolve(b, d, k, 1, k - 1, (j) => j), 1 / k)), d[0] as Value));
  return b;
}

/** sin and cos (sign −1), or sinh and cosh (sign +1), of a together: s' = c·a', c' = sign·s·a'. */
export function sinCos(a: Series, s0: Value, c0: Value, K: number, sign: 1 | -1): [Series, Series] {
  const s: Series = [s0], c: Series = [c0];
  for (let k = 1; k <= K; k++) {
    s.push(scaleC(convolve(a, c, k, 1, k, (j) => j), 1 / k));
    c.push(scaleC(convolve(a, s, k, 1, k, (j) => j), sign / k));
  }
  return [s, c];
}

/** The series of e^a. */
export function exponential(a: Series, K: number, b0: Value = o.exp(a[0] as Value)): Series {
  return integrate(a, b0, K, (m, b) => b[m]!);
}

/** The series of ln a. */
export function logarithm(a: Series, K: number, b0: Value = o.log(a[0] as Value)): Series {
  return integrateQuotient(a, a, b0, K);
}

/** c + a for a plain number c (only the constant coefficient moves). */
export function shift(a: Series, c: number): Series {
  return [o.add(a[0] as Value, c), ...a.slice(1)];
}

/** The series of a^n for a non-negative integer n, by repeated squaring (exact where a_0 = 0, unlike the general recurrence). */
export function integerPower(a: Series, n: number, K: number): Series {
  let result: Series | null = null, base = a;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = result === null ? base : product(result, base, K);
    if (e > 1) base = product(base, base, K);
  }
  if (result !== null) return result;
  const one: Series = [o.add(o.mul(a[0] as Value, 0), 1)];
  for (let k = 1; k <= K; k++) one.push(ZERO);
  return one;
}

/**
 * The series of a^c for a constant exponent c (no series of its own):
 * b_k = (1/(k·a_0)) Σ_{j=1..k} (c·j − (k − j))·a_j·b_{k−j}, from a·b' = c·a'·b.
 */
export function constantPower(a: Series, c: Value, b0: Value, K: number): Series {
  const b: Series = [b0];
  for (let k = 1; k <= K; k++) {
    let s: Coef = ZERO;
    for (let j = 1; j <= k; j++) {
      const t = mulC(a[j]!, b[k - j]!);
      if (t === ZERO) continue;
      // (c·j − (k − j))·t, with c possibly traced
      s = addC(s, o.mul(t, o.sub(o.mul(c, j), k - j)));
    }
    b.push(s === ZERO ? ZERO : o.div(s, o.mul(a[0] as Value, k)));
  }
  return b;
}

/** Whether every coefficient but the primal is ZERO. */
export function constantSeries(a: Series): boolean {
  for (let k = 1; k < a.length; k++) if (a[k] !== ZERO) return false;
  return true;
}

/** A constant's series: v, then K zeros. */
export function constant(v: Value, K: number): Series {
  const s: Series = [v];
  for (let k = 1; k <= K; k++) s.push(ZERO);
  return s;
}

/** w/d where w's coefficients may all be ZERO (w_0 included): q_m = (w_m − Σ_{j=1..m} d_j q_{m−j}) / d_0, m < n. */
export function quotientOf(w: readonly Coef[], d: Series, n: number): Coef[] {
  const q: Coef[] = [];
  for (let m = 0; m < n; m++) q.push(divC(subC(w[m]!, convolve(d, q, m, 1, m)), d[0] as Value));
  return q;
}

/** The derivative's series: (a')_m = (m+1)·a_{m+1}, m = 0 … K−1 (primal slot may be ZERO here, so typed loosely). */
export function derivative(a: Series, K: number): Coef[] {
  const d: Coef[] = [];
  for (let m = 0; m < K; m++) d.push(scaleC(a[m + 1]!, m + 1));
  return d;
}
