// Two instances of the partials' algebra (core/algebra.ts): on traced values, where a partial
// becomes the primitive's AD rule, and on strings, where it becomes the trace tables' survey
// notation (cos v0, 1/v-1, 2·v0). The third, on the expression AST, is symbolic
// differentiation's (src/symbolic/diff.ts). Each instance folds only what is exact.

import type { Algebra, Elementary, Partial } from "../core/algebra.js";
import type { PartialFn } from "../core/primitive.js";
import { Masked, select, ZERO, type MaybeZero, type Value } from "../core/tracer.js";
import * as o from "./api.js";

/**
 * NaN as the extreme value (+∞ for max, −∞ for min): the output of max/maximum is the NaN
 * input, so that input is the one selected and receives the derivative, in both modes alike.
 */
export function nanAsExtreme(v: Value, largest: boolean): Value {
  if (typeof v === "number") return v !== v ? (largest ? Infinity : -Infinity) : v;
  return o.where(o.notEqual(v, v), largest ? Infinity : -Infinity, v);
}

/**
 * A 0/½/1 mask in the dtype of `like`. where(c, 1, 0) with JS-number branches is float64, and a
 * float32 tangent or cotangent multiplied by it threw DTypeError (max, min, maximum, minimum and
 * everything built on them failed to differentiate float32 arrays), so cast it.
 */
export function maskLike(mask: Value, like: Value): Value {
  return o.dtypeOfValue(like) === "float32" ? o.astype(mask, "float32") : mask;
}

const isNum = (v: Value): v is number => typeof v === "number";

/**
 * The AD instance: each operation is the library's op, so the partial is traced like any code
 * (derivatives of derivatives come from the same table). Exact folds only: 1·x = x, x¹ = x,
 * x⁰ = 1 (true of every float, NaN and −0 included).
 */
export const TRACED: Algebra<Value> = {
  num: (c) => c,
  add: (a, b) => o.add(a, b),
  sub: (a, b) => o.sub(a, b),
  mul: (a, b) => (a === 1 ? b : b === 1 ? a : o.mul(a, b)),
  div: (a, b) => o.div(a, b),
  neg: (a) => o.neg(a),
  square: (a) => o.square(a),
  sqrt: (a) => o.sqrt(a),
  exp: (a) => o.exp(a),
  log: (a) => o.log(a),
  sin: (a) => o.sin(a),
  cos: (a) => o.cos(a),
  sinh: (a) => o.sinh(a),
  cosh: (a) => o.cosh(a),
  pow: (a, b) => (b === 1 ? a : b === 0 ? 1 : o.pow(a, b)),
  sign: (a) => o.sign(a),
  // 1 where a is selected, ½ at a tie, and a structural zero where b is (the unselected side of a select).
  pick: (a, b, largest) => {
    if (isNum(a) && isNum(b)) {
      const x = nanAsExtreme(a, largest) as number, y = nanAsExtreme(b, largest) as number;
      return (x === y ? 0.5 : (largest ? x > y : x < y) ? 1 : ZERO) as Value;
    }
    const x = nanAsExtreme(a, largest), y = nanAsExtreme(b, largest);
    const tie = o.equal(x, y);
    const weight = typeof tie === "boolean" ? (tie ? 0.5 : 1) : maskLike(o.where(tie, 0.5, 1), isNum(a) ? b : a);
    return select(largest ? o.greaterEqual(x, y) : o.lessEqual(x, y), true, weight) as Value;
  },
  unlessZero: (x, f) => {
    if (isNum(x)) return x === 0 ? (ZERO as unknown as Value) : f(x);
    const nonzero = o.notEqual(x, 0);
    if (typeof nonzero === "boolean") return nonzero ? f(x) : (ZERO as unknown as Value);
    return select(nonzero, true, f(o.where(nonzero, x, 1))) as Value;
  },
};

/** The AD rule's partials of an elementary entry: its one statement, on traced values. */
export function tracedPartials(el: Elementary): readonly PartialFn<undefined>[] {
  return el.partials.map((p) => (args: readonly Value[], out: Value): MaybeZero => p(TRACED, args, out) as MaybeZero | Masked);
}

// ---------------------------------------------------------------- strings

/** A formula in survey notation, with how tightly it binds (for parentheses) and its value if it is a number. */
interface Text {
  readonly s: string;
  /** 0 a sum, 1 a product or quotient, 2 a negation, 3 a power or square, 4 an application (cos v0), 5 an atom. */
  readonly prec: number;
  readonly num?: number;
}

const atom = (s: string): Text => {
  const n = /^−?\d+(\.\d+)?(e[+-]?\d+)?$/.test(s) ? Number(s.replace("−", "-")) : undefined;
  return n === undefined ? { s, prec: 5 } : { s, prec: n < 0 ? 2 : 5, num: n };
};
const number = (c: number): Text => (c < 0 ? { s: `−${String(-c)}`, prec: 2, num: c } : { s: String(c), prec: 5, num: c });
const wrap = (t: Text, min: number): string => (t.prec < min ? `(${t.s})` : t.s);
const apply = (fn: string) => (a: Text): Text => ({ s: a.prec === 5 ? `${fn} ${a.s}` : `${fn}(${a.s})`, prec: 4 });
const both = (a: Text, b: Text, f: (x: number, y: number) => number): Text | null => (a.num !== undefined && b.num !== undefined ? number(f(a.num, b.num)) : null);

/** The display instance: survey notation (cos v0, 1/v-1, 2·v0, √(1−v0²)), numbers folded. */
export const DISPLAY: Algebra<Text> = {
  num: number,
  add: (a, b) => both(a, b, (x, y) => x + y) ?? (b.num !== undefined && b.num < 0 ? { s: `${a.s}−${String(-b.num)}`, prec: 0 } : { s: `${a.s}+${b.s}`, prec: 0 }),
  sub: (a, b) => both(a, b, (x, y) => x - y) ?? { s: `${a.s}−${wrap(b, 1)}`, prec: 0 },
  mul: (a, b) => both(a, b, (x, y) => x * y) ?? (a.num === 1 ? b : b.num === 1 ? a : { s: `${wrap(a, 1)}·${wrap(b, 2)}`, prec: 1 }),
  // c/x with c = 1/k reads 1/(k·x), as the survey writes sqrt's derivative.
  div: (a, b) => {
    const k = a.num === undefined || a.num === 0 ? NaN : 1 / a.num;
    if (Number.isInteger(k) && k > 1) return { s: `1/(${k}${b.prec === 5 ? b.s : `(${b.s})`})`, prec: 1 };
    return both(a, b, (x, y) => x / y) ?? { s: `${wrap(a, 1)}/${wrap(b, 3)}`, prec: 1 };
  },
  neg: (a) => (a.num !== undefined ? number(-a.num) : { s: `−${wrap(a, 1)}`, prec: a.prec === 1 ? 1 : 2 }),
  square: (a) => ({ s: `${wrap(a, 5)}²`, prec: 3 }),
  sqrt: (a) => ({ s: `√${wrap(a, 5)}`, prec: 4 }),
  exp: apply("exp"),
  log: apply("ln"),
  sin: apply("sin"),
  cos: apply("cos"),
  sinh: apply("sinh"),
  cosh: apply("cosh"),
  pow: (a, b) => (b.num === 1 ? a : b.num === 0 ? number(1) : { s: `${wrap(a, 5)}^${b.prec === 5 ? b.s : `(${b.s})`}`, prec: 3 }),
  sign: apply("sign"),
  // The Iverson bracket [a > b] (½ at a tie).
  pick: (a, b, largest) => ({ s: `[${a.s} ${largest ? ">" : "<"} ${b.s}]`, prec: 5 }),
  unlessZero: (x, f) => f(x),
};

/** The trace tables' partials of an elementary entry: its one statement, on the operands' names. */
export function displayPartials(el: Elementary): readonly ((args: readonly string[], out: string) => string)[] {
  return el.partials.map((p: Partial) => (args: readonly string[], out: string) => p(DISPLAY, args.map(atom), atom(out)).s);
}
