// Exact multivariate (Laurent) polynomials with rational coefficients: expansion of an
// expression to a polynomial where it is one, and the way back to an expression.
//
// Monomials are products of named factors to integer powers; the names are variables here,
// and any atom (sin(x), 1/(x+1)) when simplify.ts uses the same machinery. Coefficients are
// exact BigInt rationals, so expansion never rounds: turning the result back into a tree
// rounds each coefficient to float64 once (and refuses where one overflows).

import { checkOptions, optionKeys } from "../base/options.js";
import { ArgumentError } from "../base/errors.js";
import { print, type Expr } from "../expr/index.js";
import { num, RAW, variable } from "./build.js";
import { bitLength, gcd, Rational } from "./rational.js";
import { overExpr } from "../expr/ast.js";

/** A product of factors, sorted by name, each with a non-zero integer exponent. */
export type Monomial = readonly (readonly [name: string, exponent: number])[];

export interface Term {
  readonly monomial: Monomial;
  readonly coef: Rational;
}

const keyOf = (m: Monomial): string => m.map(([v, e]) => `${v}\u0001${e}`).join("\u0000");

function mulMonomials(a: Monomial, b: Monomial): Monomial {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: [string, number][] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i], y = b[j];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      out.push([x![0], x![1]]);
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      out.push([y[0], y[1]]);
      j++;
    } else {
      const e = x[1] + y[1];
      if (e !== 0) out.push([x[0], e]);
      i++;
      j++;
    }
  }
  return out;
}

/** Thrown (and caught) where a coefficient does not fit float64. */
export class CoefficientRangeError extends ArgumentError {}

export interface ToExprOptions {
  /** Factor order: these names first, in this order; the rest by name. */
  readonly order?: readonly string[];
  /** The tree for a factor's name (default: the variable of that name). */
  readonly atom?: (name: string) => Expr;
  /**
   * Pull a common factor (the integer content and the common monomial) out of sums of three
   * or more terms, as the survey prints 16(1 − 10x + 24x² − 16x³); a binomial stays as 4 − 8x.
   * Default true.
   */
  readonly factor?: boolean;
  /**
   * How a coefficient too large for float64 is written: "float64" (default) rounds every
   * coefficient to the nearest float64 and throws CoefficientRangeError where one overflows;
   * "exact" writes such a coefficient's exact digits as a leaf (for display and size
   * counting: evaluate a float64 tree instead).
   */
  readonly coefficients?: "float64" | "exact";
}

/** A multivariate polynomial with exact rational coefficients (used by `expandPolynomial`). */
export class Polynomial {
  private constructor(readonly terms: ReadonlyMap<string, Term>) {}

  static readonly ZERO = new Polynomial(new Map());

  /** The constant polynomial `c`. */
  static constant(c: Rational): Polynomial {
    return c.isZero ? Polynomial.ZERO : new Polynomial(new Map([["", { monomial: [], coef: c }]]));
  }

  /** name^exponent (exponent a non-zero integer). */
  static factor(name: string, exponent = 1): Polynomial {
    if (!Number.isInteger(exponent)) throw new ArgumentError("polynomial", `exponent must be an integer, got ${exponent}`);
    if (exponent === 0) return Polynomial.constant(Rational.ONE);
    const m: Monomial = [[name, exponent]];
    return new Polynomial(new Map([[keyOf(m), { monomial: m, coef: Rational.ONE }]]));
  }

  /** The sum of `terms` (like terms combined). */
  static fromTerms(terms: Iterable<Term>): Polynomial {
    const map = new Map<string, Term>();
    for (const t of terms) add(map, t.monomial, t.coef);
    return new Polynomial(map);
  }

  get size(): number {
    return this.terms.size;
  }
  get isZero(): boolean {
    return this.terms.size === 0;
  }
  /** The value when the polynomial is a constant (0 for the zero polynomial), else undefined. */
  get constantValue(): Rational | undefined {
    if (this.terms.size === 0) return Rational.ZERO;
    const t = this.terms.get("");
    return this.terms.size === 1 && t ? t.coef : undefined;
  }
  /** The single term, when there is exactly one. */
  get singleTerm(): Term | undefined {
    return this.terms.size === 1 ? this.terms.values().next().value : undefined;
  }
  /** True when no exponent is negative. */
  get isPolynomial(): boolean {
    for (const t of this.terms.values()) if (t.monomial.some(([, e]) => e < 0)) return false;
    return true;
  }
  /** Highest total degree (−Infinity for 0). */
  get degree(): number {
    let d = -Infinity;
    for (const t of this.terms.values()) d = Math.max(d, t.monomial.reduce((s, [, e]) => s + e, 0));
    return d;
  }
  /** Bits in the largest numerator or denominator (how far past float64's 1024 the coefficients reach). */
  get coefficientBits(): number {
    let b = 0;
    for (const t of this.terms.values()) b = Math.max(b, bitLength(t.coef.num), bitLength(t.coef.den));
    return b;
  }
  /** The factor names, sorted. */
  get names(): string[] {
    const s = new Set<string>();
    for (const t of this.terms.values()) for (const [v] of t.monomial) s.add(v);
    return [...s].sort();
  }

  /** this + o. */
  add(o: Polynomial): Polynomial {
    if (o.isZero) return this;
    if (this.isZero) return o;
    const map = new Map(this.terms);
    for (const t of o.terms.values()) add(map, t.monomial, t.coef);
    return new Polynomial(map);
  }
  /** this − o. */
  sub(o: Polynomial): Polynomial {
    return this.add(o.neg());
  }
  /** −this. */
  neg(): Polynomial {
    return this.scale(Rational.ONE.neg());
  }
  /** c · this. */
  scale(c: Rational): Polynomial {
    if (c.isZero) return Polynomial.ZERO;
    if (c.isOne) return this;
    const map = new Map<string, Term>();
    for (const [k, t] of this.terms) map.set(k, { monomial: t.monomial, coef: t.coef.mul(c) });
    return new Polynomial(map);
  }
  /** this · o. */
  mul(o: Polynomial): Polynomial {
    if (this.size > o.size) return o.mul(this);
    if (this.size * o.size >= 4096) {
      const fast = kroneckerMul(this, o);
      if (fast) return fast;
    }
    const map = new Map<string, Term>();
    for (const a of this.terms.values()) {
      for (const b of o.terms.values()) add(map, mulMonomials(a.monomial, b.monomial), a.coef.mul(b.coef));
    }
    return new Polynomial(map);
  }
  /** this^k, k a non-negative integer (any integer for a single term). */
  pow(k: number): Polynomial {
    if (!Number.isInteger(k)) throw new ArgumentError("polynomial", `power must be an integer, got ${k}`);
    if (k < 0) {
      const t = this.singleTerm;
      if (!t) throw new ArgumentError("polynomial", "a negative power of a sum is not a polynomial");
      return Polynomial.fromTerms([{ monomial: t.monomial.map(([v, e]) => [v, e * k] as const), coef: t.coef.pow(k) }]);
    }
    let result = Polynomial.constant(Rational.ONE);
    let base: Polynomial = this;
    while (k > 0) {
      if (k & 1) result = result.mul(base);
      k >>= 1;
      if (k > 0) base = base.mul(base);
    }
    return result;
  }

  /** The exact value at a point (every factor name needs a value). */
  evaluateExact(at: Readonly<Record<string, Rational>>): Rational {
    let s = Rational.ZERO;
    for (const t of this.terms.values()) {
      let p = t.coef;
      for (const [v, e] of t.monomial) {
        const x = at[v];
        if (x === undefined) throw new ArgumentError("polynomial", `no value for '${v}'`);
        p = p.mul(x.pow(e));
      }
      s = s.add(p);
    }
    return s;
  }

  /**
   * Terms in print order: ascending degree (counting positive powers, then negative ones);
   * within a degree, higher powers of earlier names first.
   */
  sortedTerms(order: readonly string[] = []): Term[] {
    const rank = rankOf(order, this.names);
    const vec = (m: Monomial): number[] => {
      const v = new Array<number>(rank.size).fill(0);
      for (const [n, e] of m) v[rank.get(n)!] = e;
      return v;
    };
    const items = [...this.terms.values()].map((t) => ({
      t,
      up: t.monomial.reduce((s, [, e]) => s + Math.max(e, 0), 0),
      down: t.monomial.reduce((s, [, e]) => s + Math.max(-e, 0), 0),
      v: vec(t.monomial),
    }));
    items.sort((a, b) => {
      if (a.up !== b.up) return a.up - b.up;
      if (a.down !== b.down) return a.down - b.down;
      for (let i = 0; i < a.v.length; i++) if (a.v[i] !== b.v[i]) return b.v[i]! - a.v[i]!;
      return 0;
    });
    return items.map((i) => i.t);
  }

  /** The expression tree: a sum of terms in print order, with a common factor pulled out (see ToExprOptions). */
  toExpr(opts: ToExprOptions = {}): Expr {
    const order = opts.order ?? [];
    const atom = opts.atom ?? variable;
    const rank = rankOf(order, this.names);
    const coefficients = opts.coefficients ?? "float64";
    let terms = this.sortedTerms(order);
    if (terms.length === 0) return num(0);
    let common: Term | undefined;
    if ((opts.factor ?? true) && terms.length >= 3) {
      common = commonFactor(terms);
      if (common.coef.isOne && common.monomial.length === 0) common = undefined;
      else terms = terms.map((t) => ({ monomial: mulMonomials(t.monomial, common!.monomial.map(([v, e]) => [v, -e] as const)), coef: t.coef.div(common!.coef) }));
    }
    let sum: Expr | undefined;
    for (const t of terms) {
      const negative = t.coef.sign < 0;
      const body = termExpr({ monomial: t.monomial, coef: t.coef.abs() }, rank, atom, coefficients, sum === undefined && negative);
      sum = sum === undefined ? body : negative ? RAW.sub(sum, body) : RAW.add(sum, body);
    }
    if (!common) return sum!;
    const factor = termExpr(common, rank, atom, coefficients, false);
    // 16*(…), or x^2*(…) — the product of the common factor and the parenthesized sum.
    return RAW.mul(factor, sum!);
  }

  /** The exact form as text: toExpr with exact coefficients, printed. */
  toString(opts: Omit<ToExprOptions, "coefficients"> = {}): string {
    return print(this.toExpr({ ...opts, coefficients: "exact" }));
  }
}

/** The coefficients of a univariate polynomial with integer coefficients and no negative power, by exponent. */
function dense(p: Polynomial): { name: string; coefs: bigint[] } | undefined {
  let name: string | undefined;
  let deg = 0;
  for (const t of p.terms.values()) {
    if (!t.coef.isInteger || t.monomial.length > 1) return undefined;
    const f = t.monomial[0];
    if (f) {
      if (f[1] < 0 || (name !== undefined && f[0] !== name)) return undefined;
      name = f[0];
      deg = Math.max(deg, f[1]);
    }
  }
  if (name === undefined) return undefined;
  const coefs = new Array<bigint>(deg + 1).fill(0n);
  for (const t of p.terms.values()) coefs[t.monomial[0]?.[1] ?? 0] = t.coef.num;
  return { name, coefs };
}

/**
 * Univariate integer products by Kronecker substitution: each polynomial becomes one big
 * integer (its value at x = 2^B, B bits per coefficient), one BigInt multiplication (V8
 * multiplies large BigInts in quasi-linear time) does the convolution, and the product's
 * coefficients are read back from its hex digits. The logistic map's l₁₁² takes 60 ms
 * this way, 2.5 s term by term.
 */
function kroneckerMul(a: Polynomial, b: Polynomial): Polynomial | undefined {
  const da = dense(a), db = dense(b);
  if (!da || !db || da.name !== db.name) return undefined;
  const bits = (cs: bigint[]): number => cs.reduce((m, c) => Math.max(m, bitLength(c)), 0);
  // Every product coefficient is below min(len)·max|a|·max|b| < 2^(B−1) in magnitude.
  const B = Math.ceil((bits(da.coefs) + bits(db.coefs) + Math.ceil(Math.log2(Math.min(da.coefs.length, db.coefs.length) + 1)) + 2) / 4) * 4;
  const digits = B / 4;
  const pack = (cs: bigint[]): bigint => {
    const hex = (sign: 1n | -1n): string => {
      let s = "0x0";
      for (let k = cs.length - 1; k >= 0; k--) {
        const c = cs[k]! * sign;
        s += c > 0n ? c.toString(16).padStart(digits, "0") : "0".repeat(digits);
      }
      return s;
    };
    return BigInt(hex(1n)) - BigInt(hex(-1n));
  };
  const n = da.coefs.length + db.coefs.length - 1;
  // Offset every digit by 2^(B−1) so that all are non-negative, then read them off in hex.
  const half = (1n << BigInt(B - 1)).toString(16).padStart(digits, "0");
  const offset = BigInt("0x" + half.repeat(n));
  const hex = (pack(da.coefs) * pack(db.coefs) + offset).toString(16).padStart(n * digits, "0");
  const terms: Term[] = [];
  const halfValue = 1n << BigInt(B - 1);
  for (let k = 0; k < n; k++) {
    const at = hex.length - (k + 1) * digits;
    const c = BigInt("0x" + hex.slice(at, at + digits)) - halfValue;
    if (c === 0n) continue;
    terms.push({ monomial: k === 0 ? [] : [[da.name, k]], coef: Rational.int(c) });
  }
  return Polynomial.fromTerms(terms);
}

function add(map: Map<string, Term>, monomial: Monomial, coef: Rational): void {
  if (coef.isZero) return;
  const k = keyOf(monomial);
  const old = map.get(k);
  if (!old) {
    map.set(k, { monomial, coef });
    return;
  }
  const c = old.coef.add(coef);
  if (c.isZero) map.delete(k);
  else map.set(k, { monomial: old.monomial, coef: c });
}

function rankOf(order: readonly string[], names: readonly string[]): Map<string, number> {
  const rank = new Map<string, number>();
  for (const n of order) if (!rank.has(n)) rank.set(n, rank.size);
  for (const n of [...names].sort()) if (!rank.has(n)) rank.set(n, rank.size);
  return rank;
}

/** The positive integer content (gcd of numerators over lcm of denominators, kept only when an integer) and the common monomial. */
function commonFactor(terms: readonly Term[]): Term {
  let g = 0n;
  let denOne = true;
  for (const t of terms) {
    if (t.coef.den !== 1n) denOne = false;
    g = gcd(g, t.coef.num);
    if (g === 1n) break;
  }
  const coef = denOne && g > 1n ? Rational.int(g) : Rational.ONE;
  // Common monomial: names present in every term, at their least exponent (when positive).
  let mono = new Map<string, number>(terms[0]!.monomial);
  for (const t of terms.slice(1)) {
    const m = new Map(t.monomial);
    mono = new Map([...mono].filter(([v]) => m.has(v)).map(([v, e]) => [v, Math.min(e, m.get(v)!)] as [string, number]));
  }
  const monomial = [...mono].filter(([, e]) => e > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { monomial, coef };
}

/** A non-negative integer coefficient as a leaf: float64 when it fits, else (with "exact") its digits. */
function integerLeaf(c: Rational, mode: "float64" | "exact"): Expr {
  const v = c.toNumber();
  if (Number.isSafeInteger(v)) return num(v);
  if (mode === "exact") return variable(c.toString());
  if (!Number.isFinite(v)) throw new CoefficientRangeError("polynomial", `the coefficient ${abbreviate(c.toString())} (${bitLength(c.num)} bits) is beyond float64's range`);
  return num(v);
}

/** A non-integer coefficient as one literal, when a float64 literal stands for it exactly (0.3, 0.5). */
function decimalLeaf(c: Rational): Expr | undefined {
  const dec = c.toDecimal();
  if (dec === undefined) return undefined;
  const v = Number(dec);
  const back = Rational.fromNumber(v);
  return back && back.equals(c) ? num(v) : undefined;
}

function abbreviate(digits: string): string {
  return digits.length <= 20 ? digits : `${digits.slice(0, 8)}…(${digits.length} digits)`;
}

/**
 * One term, |coefficient| · factors⁺ / factors⁻. With `leadingMinus` the sign goes on the
 * first factor so the tree prints as -3*x and parses back identically.
 */
function termExpr(t: Term, rank: Map<string, number>, atom: (name: string) => Expr, mode: "float64" | "exact", leadingMinus: boolean): Expr {
  const sorted = [...t.monomial].sort((a, b) => rank.get(a[0])! - rank.get(b[0])!);
  const power = (v: string, e: number): Expr => (e === 1 ? atom(v) : RAW.pow(atom(v), num(e)));
  const up = sorted.filter(([, e]) => e > 0).map(([v, e]) => power(v, e));
  const down = sorted.filter(([, e]) => e < 0).map(([v, e]) => power(v, -e));
  const c = t.coef;
  const product = (leaves: Expr[]): Expr => leaves.reduce((a, b) => RAW.mul(a, b));
  let numerator: Expr[];
  let denominator: Expr[] = down;
  // 0.5*x, but 1/(2*sqrt(x)) rather than 0.5/sqrt(x).
  const leaf = c.isInteger ? integerLeaf(c, mode) : down.length === 0 ? decimalLeaf(c) : undefined;
  if (leaf) {
    numerator = c.isOne && up.length > 0 ? up : [leaf, ...up];
  } else {
    const p = Rational.int(c.num), q = Rational.int(c.den);
    numerator = p.isOne && up.length > 0 ? up : [integerLeaf(p, mode), ...up];
    denominator = [integerLeaf(q, mode), ...down];
  }
  if (leadingMinus) numerator = [RAW.neg(numerator[0]!), ...numerator.slice(1)];
  const top = product(numerator);
  return denominator.length === 0 ? top : RAW.div(top, product(denominator));
}

/** About how many bits the coefficient of p^k has, for a single term p (0 for 0 and ±1). */
export function powerBits(p: Polynomial, k: number): number {
  const t = p.singleTerm;
  if (!t) return 0;
  const bits = Math.max(bitLength(t.coef.num), bitLength(t.coef.den));
  return bits <= 1 && t.coef.abs().isOne ? 0 : bits * Math.abs(k);
}

export interface ExpandOptions {
  /**
   * A node the expansion cannot take apart (a call, a division by a non-constant, a
   * symbolic or fractional power, or a product `multiply` declined): its polynomial (an
   * atom, for simplify), or undefined when the expression is not a polynomial. Default:
   * undefined.
   */
  readonly other?: (e: Expr, expand: (e: Expr) => Polynomial | undefined) => Polynomial | undefined;
  /** The product of two expanded operands, or undefined to decline it (default: always multiply). */
  readonly multiply?: (a: Polynomial, b: Polynomial) => Polynomial | undefined;
  /** Largest integer power of a sum that is expanded (default 64). */
  readonly maxPower?: number;
  /** Largest coefficient, in bits, a power of a single term may produce (default 65536); a larger one goes to `other`. */
  readonly maxPowerBits?: number;
  /** Results by node, shared between calls that use the same hooks. */
  readonly memo?: Map<Expr, Polynomial | undefined>;
}

/**
 * The expression expanded to a polynomial with exact rational coefficients (number literals
 * read as the decimals they print as), or undefined where it is not a polynomial in its
 * variables. Shared subtrees (the same object reached twice) are expanded once.
 */
export function expand(e: Expr, opts: ExpandOptions = {}): Polynomial | undefined {
  opts = checkOptions("expandPolynomial", opts, optionKeys<ExpandOptions>({ other: true, multiply: true, maxPower: true, maxPowerBits: true, memo: true }));
  return overExpr("expandPolynomial", e, (x) => expandImpl(x, opts));
}

function expandImpl(e: Expr, opts: ExpandOptions): Polynomial | undefined {
  const memo = opts.memo ?? new Map<Expr, Polynomial | undefined>();
  const multiply = opts.multiply ?? ((a: Polynomial, b: Polynomial) => a.mul(b));
  const maxPower = opts.maxPower ?? 64;
  const maxPowerBits = opts.maxPowerBits ?? 65536;
  const other = (x: Expr): Polynomial | undefined => (opts.other ? opts.other(x, go) : undefined);
  const power = (x: Expr, base: Expr, exponent: Expr): Polynomial | undefined => {
    const k = go(exponent)?.constantValue;
    const b = k !== undefined && k.isInteger && k.sign >= 0 ? go(base) : undefined;
    if (!b || k === undefined) return other(x);
    const n = Number(k.num);
    if (b.size <= 1) return powerBits(b, n) > maxPowerBits ? other(x) : b.pow(n);
    if (n > maxPower) return other(x);
    let result: Polynomial | undefined = Polynomial.constant(Rational.ONE);
    for (let i = 0; i < n && result; i++) result = multiply(result, b);
    return result ?? other(x);
  };
  function go(x: Expr): Polynomial | undefined {
    if (memo.has(x)) return memo.get(x);
    let p: Polynomial | undefined;
    switch (x.kind) {
      case "num": {
        const r = Rational.fromNumber(x.value);
        p = r ? Polynomial.constant(r) : other(x);
        break;
      }
      case "var":
        p = Polynomial.factor(x.name);
        break;
      case "neg":
        p = go(x.arg)?.neg();
        break;
      case "call":
        p = x.name === "pow" ? power(x, x.args[0]!, x.args[1]!) : other(x);
        break;
      case "binary": {
        if (x.op === "^") {
          p = power(x, x.left, x.right);
          break;
        }
        const a = go(x.left);
        const b = a && go(x.right);
        if (!a || !b) {
          p = undefined;
          break;
        }
        if (x.op === "+") p = a.add(b);
        else if (x.op === "-") p = a.sub(b);
        else if (x.op === "*") p = multiply(a, b) ?? other(x);
        else {
          const c = b.constantValue;
          p = c !== undefined && !c.isZero ? a.scale(Rational.ONE.div(c)) : other(x);
        }
        break;
      }
    }
    memo.set(x, p);
    return p;
  }
  return go(e);
}
