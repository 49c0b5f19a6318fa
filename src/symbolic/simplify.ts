// Simplification: constant folding, the identities (x·1, x + 0, x·0, x^1, x^0), like terms
// and like powers (2x + 3x = 5x, x·x = x², x/x = 1), a common factor pulled out of longer
// sums, and expansion to a polynomial where the expression is one.
//
// It works by reading the expression as a polynomial whose "variables" are its variables and
// its atoms — the subexpressions that are not polynomial arithmetic, simplified inside:
// sin(x), 1/(x + 1), x^0.5. Polynomial arithmetic with exact rational coefficients then does
// the collecting, and the polynomial is written back as a tree (polynomial.ts). So
// d/dx[x·sin x] = 1·sin x + x·cos x becomes sin(x) + x*cos(x), and 4(1 − x) − 4x becomes 4 − 8x.
//
// Expansion stops where it would not pay: a product whose result would pass `maxTerms`
// terms, or have a coefficient float64 cannot hold exactly (beyond 2^53), is kept as a
// product of its (simplified) factors — so every printed coefficient is exact, and the
// logistic map's 12th derivative simplifies to a product of polynomials that still
// evaluates to 8 digits, where its full expansion (polynomial.ts, exactly) would not fit
// float64 at all. `{ expand: false }` never distributes a product over a sum.

import { checkOptions, optionKeys } from "../base/options.js";
import { ArgumentError } from "../base/errors.js";
import { FUNCTIONS, functionPrimitive, print, variables, type Expr, type FunctionName } from "../expr/index.js";
import { RAW, variable } from "./build.js";
import { expand, Polynomial, powerBits } from "./polynomial.js";
import { Rational } from "./rational.js";
import { overExpr } from "../expr/ast.js";

/** Options of `simplify`: which rewrites to apply. */
export interface SimplifyOptions {
  /** Distribute products over sums (default true). */
  readonly expand?: boolean;
  /** Largest number of terms an expanded product may have (default 2000, at most 4096). */
  readonly maxTerms?: number;
  /** Pull a common factor out of sums of three or more terms (default true). */
  readonly factor?: boolean;
}

/** Float64 functions for folding calls on constants: each function's primitive's scalar function. */
const EVAL = (name: FunctionName): ((...a: number[]) => number) => functionPrimitive(name).scalar as (...a: number[]) => number;

/** Most terms a sum may have: a longer one is a tree too deep for the recursive walkers (print, compile). */
const MAX_TERMS = 4096;

/** Largest coefficient, in bits, an expanded product may produce: beyond 2^53 float64 would round it. */
const MAX_BITS = 53;

/** Algebraic simplification of an expression (constant folding, identities, like terms). */
export function simplify(e: Expr, opts: SimplifyOptions = {}): Expr {
  opts = checkOptions("simplify", opts, optionKeys<SimplifyOptions>({ expand: true, maxTerms: true, factor: true }));
  return overExpr("simplify", e, (x) => new Simplifier(x, opts).run());
}

class Simplifier {
  private readonly atoms = new Map<string, Expr>();
  private readonly memo = new Map<Expr, Polynomial | undefined>();
  private readonly trees = new Map<Expr, Expr>();
  private readonly order: string[];
  private readonly expandProducts: boolean;
  private readonly maxTerms: number;
  private readonly factor: boolean;

  constructor(private readonly root: Expr, opts: SimplifyOptions) {
    this.order = variables(root);
    this.expandProducts = opts.expand ?? true;
    this.maxTerms = opts.maxTerms ?? 2000;
    this.factor = opts.factor ?? true;
    if (!Number.isInteger(this.maxTerms) || this.maxTerms < 1 || this.maxTerms > MAX_TERMS) {
      throw new ArgumentError("simplify", `maxTerms must be an integer in [1, ${MAX_TERMS}], got ${String(opts.maxTerms)}`);
    }
  }

  run(): Expr {
    return this.tree(this.root);
  }

  /** The simplified tree of a subexpression. */
  private tree(e: Expr): Expr {
    const hit = this.trees.get(e);
    if (hit) return hit;
    const out = this.write(this.poly(e));
    this.trees.set(e, out);
    return out;
  }

  private poly(e: Expr): Polynomial {
    return expand(e, {
      memo: this.memo,
      maxPowerBits: MAX_BITS,
      other: (x) => this.other(x),
      multiply: (a, b) => this.multiply(a, b),
    })!;
  }

  private write(p: Polynomial): Expr {
    return p.toExpr({ order: this.order, atom: (name) => this.atoms.get(name) ?? variable(name), factor: this.factor });
  }

  /** The polynomial `name` for an atom (registered on first sight, so atoms print in order of appearance). */
  private atom(e: Expr, exponent = 1): Polynomial {
    if (e.kind === "var") return Polynomial.factor(e.name, exponent);
    const name = "\u0002" + print(e);
    if (!this.atoms.has(name)) {
      this.atoms.set(name, e);
      this.order.push(name);
    }
    return Polynomial.factor(name, exponent);
  }

  /** A polynomial as one factor: itself when it is a single term, else an atom of its tree. */
  private asFactor(p: Polynomial, exponent = 1): Polynomial {
    if (p.size <= 1) return p.pow(exponent);
    return this.atom(this.write(p), exponent);
  }

  private multiply(a: Polynomial, b: Polynomial): Polynomial | undefined {
    if (a.size <= 1 || b.size <= 1) return a.mul(b);
    if (!this.expandProducts || a.size * b.size > 64 * this.maxTerms * this.maxTerms) return undefined;
    const r = a.mul(b);
    return r.size > this.maxTerms || r.coefficientBits > MAX_BITS ? undefined : r;
  }

  /** What expand cannot take apart: calls, divisions by non-constants, other powers, declined products. */
  private other(x: Expr): Polynomial {
    switch (x.kind) {
      case "num":
      case "var":
      case "neg":
        return this.atom(x);
      case "call": {
        if (x.name === "pow") return this.power(x.args[0]!, x.args[1]!);
        const args = x.args.map((a) => this.poly(a));
        const consts = args.map((p) => p.constantValue);
        if (consts.every((c) => c !== undefined)) {
          const v = EVAL(x.name)(...consts.map((c) => c!.toNumber()));
          if (Number.isSafeInteger(v)) return Polynomial.constant(Rational.int(v));
        }
        if (FUNCTIONS[x.name] !== args.length) throw new ArgumentError("simplify", `${x.name} takes ${FUNCTIONS[x.name]} arguments, got ${args.length}`);
        return this.atom(RAW.call(x.name, ...args.map((p) => this.write(p))));
      }
      case "binary": {
        if (x.op === "^") return this.power(x.left, x.right);
        const a = this.poly(x.left), b = this.poly(x.right);
        if (x.op === "/") {
          const c = b.constantValue;
          if (c !== undefined) return c.isZero ? this.atom(RAW.div(this.write(a), this.write(b))) : a.scale(Rational.ONE.div(c));
          if (a.sub(b).isZero) return Polynomial.constant(Rational.ONE);
          // A sum over a non-constant stays one fraction, (x - y)/abs(x - y), and a power of a
          // sum stays a power in the denominator, 1/(x + 1)^2.
          return this.asFactor(a).mul(this.denominator(x.right, b));
        }
        // A product expand declined: keep the factors apart.
        return this.asFactor(a).mul(this.asFactor(b));
      }
    }
  }

  /** 1/b as a factor: a monomial inverted, or an atom to a negative power. */
  private denominator(e: Expr, b: Polynomial): Polynomial {
    const pw = e.kind === "binary" && e.op === "^" ? [e.left, e.right] : e.kind === "call" && e.name === "pow" ? e.args : undefined;
    if (pw) {
      const base = this.poly(pw[0]!), k = this.poly(pw[1]!).constantValue;
      if (base.size > 1 && k !== undefined && k.isInteger && k.sign > 0) return this.asFactor(base, -Number(k.num));
    }
    return this.asFactor(b, -1);
  }

  private power(base: Expr, exponent: Expr): Polynomial {
    const b = this.poly(base), k = this.poly(exponent).constantValue;
    if (k !== undefined && k.isInteger) {
      const n = Number(k.num);
      if (b.size <= 1 && !(b.isZero && n < 0) && powerBits(b, n) <= MAX_BITS) return b.pow(n);
      if (b.size > 1) return this.asFactor(b, n);
    }
    const cb = b.constantValue;
    if (k !== undefined && cb !== undefined) {
      const v = Math.pow(cb.toNumber(), k.toNumber());
      if (Number.isSafeInteger(v)) return Polynomial.constant(Rational.int(v));
    }
    if (k !== undefined && k.isZero) return Polynomial.constant(Rational.ONE);
    if (k !== undefined && k.isOne) return b;
    return this.atom(RAW.pow(this.write(b), this.tree(exponent)));
  }
}
