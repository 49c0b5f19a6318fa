// Exact rational numbers on BigInt, for the coefficients of expanded polynomials: the
// logistic map's derivative at n = 12 has coefficients near 10^1230, far past float64.
// Integers (denominator 1) take a fast path with no gcd.

import { ArgumentError } from "../base/errors.js";

const abs = (a: bigint): bigint => (a < 0n ? -a : a);

export function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** An exact rational number (bigint numerator and denominator, in lowest terms). */
export class Rational {
  /** Numerator and denominator in lowest terms; the denominator is positive. */
  private constructor(readonly num: bigint, readonly den: bigint) {}

  static readonly ZERO = new Rational(0n, 1n);
  static readonly ONE = new Rational(1n, 1n);

  /** The integer n. */
  static int(n: bigint | number): Rational {
    return new Rational(BigInt(n), 1n);
  }

  /** num / den in lowest terms. */
  static of(num: bigint, den: bigint): Rational {
    if (den === 0n) throw new ArgumentError("rational", `division by zero (${num}/0)`);
    if (den < 0n) [num, den] = [-num, -den];
    if (den === 1n) return new Rational(num, 1n);
    if ((den & (den - 1n)) === 0n) {
      // A power of two (every float64 is one over a power of two): the gcd is the smaller
      // power of two, found in linear time where Euclid would be quadratic on 10^5-bit numbers.
      if (num === 0n) return new Rational(0n, 1n);
      const shift = BigInt(Math.min(bitLength(num & -num), bitLength(den)) - 1);
      return new Rational(num >> shift, den >> shift);
    }
    const g = gcd(num, den);
    return g === 1n ? new Rational(num, den) : new Rational(num / g, den / g);
  }

  /**
   * The rational a number literal stands for, read from its shortest decimal form: 0.3 is
   * 3/10 (what the user wrote), not the binary fraction nearest it. Non-finite → undefined.
   */
  static fromNumber(v: number): Rational | undefined {
    if (!Number.isFinite(v)) return undefined;
    if (Number.isSafeInteger(v)) return new Rational(BigInt(v), 1n);
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(v));
    if (!m) return undefined;
    const [, sign, whole, frac = "", exp = "0"] = m;
    const e = Number(exp) - frac.length;
    let n = BigInt(whole! + frac) * (sign === "-" ? -1n : 1n);
    if (e >= 0) return new Rational(n * 10n ** BigInt(e), 1n);
    return Rational.of(n, 10n ** BigInt(-e));
  }

  /** The exact value of a float64 (0.3 is 5404319552844595/18014398509481984). Non-finite → undefined. */
  static exact(v: number): Rational | undefined {
    if (!Number.isFinite(v)) return undefined;
    if (Number.isInteger(v)) return new Rational(BigInt(v), 1n);
    // Scale by 2 until integral: at most 1074 doublings (exact in float64).
    let k = 0;
    let m = v;
    while (!Number.isInteger(m)) {
      m *= 2;
      k++;
    }
    return Rational.of(BigInt(m), 1n << BigInt(k));
  }

  get isZero(): boolean {
    return this.num === 0n;
  }
  get isOne(): boolean {
    return this.num === 1n && this.den === 1n;
  }
  get isInteger(): boolean {
    return this.den === 1n;
  }
  get sign(): -1 | 0 | 1 {
    return this.num < 0n ? -1 : this.num > 0n ? 1 : 0;
  }

  /** this + o. */
  add(o: Rational): Rational {
    if (this.den === 1n && o.den === 1n) return new Rational(this.num + o.num, 1n);
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  /** this − o. */
  sub(o: Rational): Rational {
    return this.add(o.neg());
  }
  /** this · o. */
  mul(o: Rational): Rational {
    if (this.den === 1n && o.den === 1n) return new Rational(this.num * o.num, 1n);
    return Rational.of(this.num * o.num, this.den * o.den);
  }
  /** this / o. */
  div(o: Rational): Rational {
    return Rational.of(this.num * o.den, this.den * o.num);
  }
  /** −this. */
  neg(): Rational {
    return new Rational(-this.num, this.den);
  }
  /** |this|. */
  abs(): Rational {
    return this.num < 0n ? this.neg() : this;
  }
  /** this^k for an integer k (negative k inverts; 0^negative is an ArgumentError). */
  pow(k: number): Rational {
    if (k < 0) return Rational.ONE.div(this).pow(-k);
    return new Rational(this.num ** BigInt(k), this.den ** BigInt(k));
  }
  /** Exact equality. */
  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }

  /** The nearest float64 (to within an ulp; ±Infinity past float64's range). */
  toNumber(): number {
    if (this.den === 1n) return Number(this.num);
    const n = Number(this.num), d = Number(this.den);
    if (Number.isSafeInteger(n) && Number.isSafeInteger(d)) return n / d;
    // Scale the quotient to 64 significant bits, then shift back.
    const shift = BigInt(Math.max(0, 64 - (bitLength(this.num) - bitLength(this.den))));
    const q = Number((this.num << shift) / this.den);
    return q * 2 ** -Number(shift);
  }

  /** A decimal string when the value has a short exact one (3/10 → "0.3"), otherwise "p/q". */
  toString(): string {
    if (this.den === 1n) return String(this.num);
    const dec = this.toDecimal();
    return dec ?? `${this.num}/${this.den}`;
  }

  /** The exact decimal expansion when the denominator is 2^a·5^b and the expansion is short. */
  toDecimal(maxDigits = 20): string | undefined {
    let d = this.den, twos = 0, fives = 0;
    while (d % 2n === 0n) [d, twos] = [d / 2n, twos + 1];
    while (d % 5n === 0n) [d, fives] = [d / 5n, fives + 1];
    if (d !== 1n) return undefined;
    const k = Math.max(twos, fives);
    if (k > maxDigits) return undefined;
    const scaled = (abs(this.num) * 10n ** BigInt(k)) / this.den;
    const digits = scaled.toString().padStart(k + 1, "0");
    const text = `${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`.replace(/\.?0+$/, "");
    return (this.num < 0n ? "-" : "") + text;
  }
}

/** The number of bits in |n| (0 for 0). */
export function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  const hex = abs(n).toString(16);
  return (hex.length - 1) * 4 + parseInt(hex[0]!, 16).toString(2).length;
}
