// What a function rewritten by fromJS calls instead of JavaScript's operators (the `$` of its
// generated source). Every helper keeps plain JavaScript's meaning on plain values — numbers
// take one `typeof` test and the native operator, strings still concatenate — and sends traced
// values (and 0-d NDArrays) through wengert's ops, so transforms see every operation.
//
// Loaded by the rewritten code itself, at run time and from the bundler plugin's output, so it
// must not import the parser.

import { NDArray } from "../array/ndarray.js";
import { ArgumentError, TracerError } from "../base/errors.js";
import { Tracer, transformRunning, type Value } from "../core/tracer.js";
import { hypot as hypot2 } from "../lib/functions.js";
import { bind2, type Primitive } from "../core/primitive.js";
import * as o from "../ops/api.js";
import { PRIM_TABLE, type PrimName } from "../ops/prims.js";
import { index } from "../ops/element.js";
import { dynamicIndex } from "../ops/dynamic-index.js";
import { ceil, floor, remainder, round, trunc } from "../ops/rounding.js";
import { foriLoopWith, scanWith, whileLoop as structuredWhile } from "../transforms/loops/scan.js";
import { forgetLoops, keeperFor, noteRandom, type LoopSites } from "./loop-cache.js";

export { loopSites } from "./loop-cache.js";

type Num = number | Tracer | NDArray;

/** A traced value or an NDArray: what JavaScript's own operators cannot handle. */
function isArrayish(v: unknown): v is Tracer | NDArray {
  return v instanceof Tracer || v instanceof NDArray;
}

function rank(v: Tracer | NDArray): number {
  return v.shape.length;
}

/**
 * The operand of an operator as wengert sees it. Plain JS arithmetic has no meaning for arrays
 * (`x + y` of two Float64Arrays concatenates strings), so an operator on an array is refused;
 * a 0-d array (what sum(x) returns) counts as a number.
 */
function operand(op: string, v: unknown): Num {
  if (typeof v === "number") return v;
  if (isArrayish(v)) {
    if (rank(v) > 0) {
      throw new ArgumentError(op, `got an array of shape [${v.shape.join(",")}]; JavaScript's operators work on numbers, so read its elements (x[i]) in a loop, or call wengert's ops (w.mul, w.sum …) on whole arrays`);
    }
    return v;
  }
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null) return 0;
  if (v === undefined) return NaN;
  throw new ArgumentError(op, `cannot combine a traced number with ${typeof v === "string" ? `the string ${JSON.stringify(v)}` : `a value of type ${typeof v}`}; convert it to a number first`);
}

/** operand(op, v), first testing the common cases: a number, and a tracer of a number (a scalar with no shape to read). */
function num(op: string, v: unknown): Num {
  return scalar(v) ? v : operand(op, v);
}

/** A number or a traced number: an operand a primitive takes as it is. */
function scalar(v: unknown): v is number | Tracer {
  return typeof v === "number" || (v instanceof Tracer && typeof v.primal === "number");
}
/** Both operands scalars; an operator calls this only when not both are plain numbers. */
function scalars(a: unknown, b: unknown): boolean {
  return scalar(a) && scalar(b);
}
/**
 * An operator's traced (or mixed) case: operands made numbers or refused, then wengert's op —
 * its primitive bound directly where it has one (`traced` a primitive's name): every operator
 * shares this code, and a call to one function, bind2, stays monomorphic where calls to each
 * op's own function would not.
 */
function slow(op: string, native: (a: never, b: never) => unknown, traced: PrimName | ((a: Num, b: Num) => Value)) {
  if (typeof traced === "string") {
    const prim = PRIM_TABLE[traced] as Primitive<undefined>;
    return (a: unknown, b: unknown): unknown => {
      if (!isArrayish(a) && !isArrayish(b)) return native(a as never, b as never);
      return bind2(prim, num(op, a), num(op, b), undefined);
    };
  }
  return (a: unknown, b: unknown): unknown => {
    if (!isArrayish(a) && !isArrayish(b)) return native(a as never, b as never);
    return traced(num(op, a), num(op, b));
  };
}

const addS = slow("+", (a: number, b: number) => a + b, "add");
const subS = slow("-", (a: number, b: number) => a - b, "sub");
const mulS = slow("*", (a: number, b: number) => a * b, "mul");
const divS = slow("/", (a: number, b: number) => a / b, "div");
const remS = slow("%", (a: number, b: number) => a % b, "remainder");
const powS = slow("**", (a: number, b: number) => a ** b, "pow");
const ltS = slow("<", (a: number, b: number) => a < b, o.less);
const leS = slow("<=", (a: number, b: number) => a <= b, o.lessEqual);
const gtS = slow(">", (a: number, b: number) => a > b, o.greater);
const geS = slow(">=", (a: number, b: number) => a >= b, o.greaterEqual);

// Each operator is its own small function, inlined into the rewritten code: plain numbers take
// the native operator, a traced number binds the operator's own primitive at once (one check per
// operand, and V8 specializes each operator on its primitive where a shared closure could not),
// everything else (strings, arrays, booleans …) goes to the shared slow path.
export function add(a: unknown, b: unknown): unknown { return typeof a === "number" && typeof b === "number" ? a + b : scalars(a, b) ? bind2(PRIM_TABLE.add, a as Num, b as Num, undefined) : addS(a, b); }
export function sub(a: unknown, b: unknown): unknown { return typeof a === "number" && typeof b === "number" ? a - b : scalars(a, b) ? bind2(PRIM_TABLE.sub, a as Num, b as Num, undefined) : subS(a, b); }
export function mul(a: unknown, b: unknown): unknown { return typeof a === "number" && typeof b === "number" ? a * b : scalars(a, b) ? bind2(PRIM_TABLE.mul, a as Num, b as Num, undefined) : mulS(a, b); }
export function div(a: unknown, b: unknown): unknown { return typeof a === "number" && typeof b === "number" ? a / b : scalars(a, b) ? bind2(PRIM_TABLE.div, a as Num, b as Num, undefined) : divS(a, b); }
export function rem(a: unknown, b: unknown): unknown { return typeof a === "number" && typeof b === "number" ? a % b : scalars(a, b) ? bind2(PRIM_TABLE.remainder, a as Num, b as Num, undefined) : remS(a, b); }
export function pow(a: unknown, b: unknown): unknown { return typeof a === "number" && typeof b === "number" ? a ** b : scalars(a, b) ? bind2(PRIM_TABLE.pow, a as Num, b as Num, undefined) : powS(a, b); }
// Comparisons of traced numbers are concrete booleans (compile records each as a guard).
export function lt(a: unknown, b: unknown): boolean { return typeof a === "number" && typeof b === "number" ? a < b : (ltS(a, b) as boolean); }
export function le(a: unknown, b: unknown): boolean { return typeof a === "number" && typeof b === "number" ? a <= b : (leS(a, b) as boolean); }
export function gt(a: unknown, b: unknown): boolean { return typeof a === "number" && typeof b === "number" ? a > b : (gtS(a, b) as boolean); }
export function ge(a: unknown, b: unknown): boolean { return typeof a === "number" && typeof b === "number" ? a >= b : (geS(a, b) as boolean); }

function binary(op: string, native: (a: never, b: never) => unknown, traced: (a: Num, b: Num) => Value) {
  const s = slow(op, native, traced);
  return (a: unknown, b: unknown): unknown => (typeof a === "number" && typeof b === "number" ? native(a as never, b as never) : s(a, b));
}

/** `a === b`: a traced number equals a number of the same value; it is never === a non-number. */
export function eq(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  const ta = isArrayish(a), tb = isArrayish(b);
  if (!ta && !tb) return a === b;
  if (ta && tb && a === b) return true;
  if ((ta || typeof a === "number") && (tb || typeof b === "number")) {
    if ((ta && rank(a as Tracer) > 0) || (tb && rank(b as Tracer) > 0)) return false; // object identity
    return o.equal(a as number, b as number) as unknown as boolean;
  }
  return false;
}
export function ne(a: unknown, b: unknown): boolean {
  return !eq(a, b);
}
/** `a == b`: as ===, except that a traced number also loosely equals booleans, null-free strings… by their numeric value. */
export function looseEq(a: unknown, b: unknown): boolean {
  const ta = isArrayish(a), tb = isArrayish(b);
  if (!ta && !tb) return a == b; // eslint-disable-line eqeqeq
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (ta && tb) return eq(a, b);
  const other = ta ? b : a;
  if (typeof other === "object") return ta && tb ? a === b : false;
  return eq(ta ? a : Number(a), tb ? b : Number(b));
}
export function looseNe(a: unknown, b: unknown): boolean {
  return !looseEq(a, b);
}

/** JavaScript truthiness: a traced number is truthy when it is neither 0 nor NaN (two guards under compile). */
export function truthy(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0 && v === v;
  if (isArrayish(v)) {
    if (rank(v) > 0) return true; // an object
    const x = v as unknown as number;
    return (o.notEqual(x, 0) as unknown as boolean) && (o.equal(x, x) as unknown as boolean);
  }
  return Boolean(v);
}

export function neg(a: unknown): unknown {
  if (typeof a === "number") return -a;
  if (isArrayish(a)) return o.neg(operand("-", a) as number);
  return -(a as number);
}
/** Unary `+`: ToNumber; a traced number is already one. */
export function pos(a: unknown): unknown {
  if (typeof a === "number") return a;
  if (isArrayish(a)) return operand("+", a);
  return +(a as number);
}

/** `typeof x`: a traced number is a "number", a traced array an "object" (as a Float64Array is). */
export function typeOf(v: unknown): string {
  if (v instanceof Tracer) return typeof o.concrete(v) === "number" ? "number" : "object";
  return typeof v;
}

/** Bitwise operators work on int32 values: no derivative exists, so traced operands are refused. */
export function bit(op: string, a: unknown, b: unknown): number {
  if (isArrayish(a) || isArrayish(b)) {
    throw new TracerError(op, `the bitwise operator ${op} truncates to a 32-bit integer, which has no derivative; use Math.trunc(x) (or Math.floor) on traced numbers`);
  }
  switch (op) {
    case "|": return (a as number) | (b as number);
    case "&": return (a as number) & (b as number);
    case "^": return (a as number) ^ (b as number);
    case "<<": return (a as number) << (b as number);
    case ">>": return (a as number) >> (b as number);
    default: return (a as number) >>> (b as number);
  }
}
export function bitNot(a: unknown): number {
  if (isArrayish(a)) throw new TracerError("~", "the bitwise operator ~ truncates to a 32-bit integer, which has no derivative; use Math.trunc(x) on traced numbers");
  return ~(a as number);
}

// ---------------------------------------------------------------- arrays

/** An index as a JS integer: a traced index is read as a constant (compile guards on its value). */
function key(k: unknown): unknown {
  if (isArrayish(k)) return o.value(operand("[]", k) as number);
  return k;
}

/** `x[k]`: an element of an array argument (traced or an NDArray) through the differentiable `index`; native otherwise. */
export function get(x: unknown, k: unknown): unknown {
  if (typeof k === "number" && (Array.isArray(x) || ArrayBuffer.isView(x))) return (x as number[])[k]; // a plain read
  if (x instanceof NDArray && x.shape.length === 1 && typeof k === "number" && Number.isInteger(k) && k >= 0) return x.data[k]; // nothing traced: a plain read
  if (isArrayish(x)) {
    // A traced index (a structured loop's counter, or computed from one) of a 1-d array: one
    // line reading the element wherever the index lands, so the body is traced once for every step.
    if (isArrayish(k) && rank(k) === 0 && rank(x) === 1) return dynamicIndex(x, k);
    const i = key(k);
    if (typeof i === "number" && Number.isInteger(i) && i >= 0) {
      if (i >= x.shape[0]!) return undefined; // as reading past the end of a typed array
      return index(x, i);
    }
    if (i === "length") return x.shape[0];
    throw new ArgumentError("[]", `cannot read [${String(i)}] of an array of shape [${x.shape.join(",")}]; index it with an integer in [0, ${x.shape[0]! - 1}]`);
  }
  return (x as Record<PropertyKey, unknown>)[key(k) as PropertyKey];
}

/** `x[k] = v`: native on plain arrays and objects; arrays passed in (and typed arrays receiving traced values) are refused. */
export function set(x: unknown, k: unknown, v: unknown): unknown {
  if (isArrayish(x)) {
    throw new ArgumentError("[]=", `cannot assign into an array argument (shape [${x.shape.join(",")}]): under a transform it is a traced value; copy it first (const y = Array.from(x)) and write into the copy`);
  }
  if (isArrayish(v) && ArrayBuffer.isView(x)) {
    throw new ArgumentError("[]=", `cannot store a traced number in a ${x.constructor.name}, which holds plain numbers only; use a plain array (const out = new Array(n).fill(0)) inside differentiated code`);
  }
  (x as Record<PropertyKey, unknown>)[key(k) as PropertyKey] = v;
  return v;
}

/** `x.length`: an array argument's length along axis 0. */
export function len(x: unknown): unknown {
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return (x as unknown[]).length;
  if (isArrayish(x)) return x.shape.length === 0 ? undefined : x.shape[0];
  return (x as { length: unknown }).length;
}

/** What `for…of`, spread and array destructuring iterate: the elements of an array argument. */
export function iter(x: unknown): Iterable<unknown> {
  if (isArrayish(x)) {
    if (rank(x) === 0) throw new ArgumentError("for…of", "a number is not iterable");
    const n = x.shape[0]!;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = index(x, i);
    return out;
  }
  return x as Iterable<unknown>;
}

/** Array.from(x, f?) that also copies array arguments element by element. */
export function arrayFrom(x: unknown, f?: (v: unknown, i: number) => unknown): unknown[] {
  if (isArrayish(x)) {
    const els = iter(x) as unknown[];
    return f === undefined ? els : els.map((v, i) => f(v, i));
  }
  return f === undefined ? Array.from(x as ArrayLike<unknown>) : Array.from(x as ArrayLike<unknown>, f);
}

// ---------------------------------------------------------------- Math and Number

function unaryMath(name: string, native: (x: number) => number, traced: PrimName | ((x: Value) => Value)) {
  const op = `Math.${name}`; // built once: this runs on every traced call
  if (typeof traced === "string") {
    // A primitive of its own: bound directly, as in slow().
    const prim = PRIM_TABLE[traced] as Primitive<undefined>;
    return (x: unknown): unknown => (typeof x === "number" ? native(x) : scalar(x) ? bind2(prim, x, undefined, undefined) : isArrayish(x) ? bind2(prim, num(op, x), undefined, undefined) : native(x as number));
  }
  return (x: unknown): unknown => (typeof x === "number" ? native(x) : isArrayish(x) ? traced(num(op, x)) : native(x as number));
}

/** Math.* functions with no derivative here: plain numbers only. */
function numbersOnly(name: string, f: (...a: number[]) => number) {
  return (...args: unknown[]): number => {
    if (args.some(isArrayish)) throw new TracerError(`Math.${name}`, `Math.${name} has no derivative in wengert; call it on plain numbers only, or write the function with supported operations`);
    return f(...(args as number[]));
  };
}

const log = (x: Value) => o.log(x);
const LN2 = Math.LN2, LN10 = Math.LN10;

function extremum(name: "max" | "min", native: (...a: number[]) => number, pick: (a: Value, b: Value) => Value) {
  return (...args: unknown[]): unknown => {
    let traced = false;
    for (const a of args) if (typeof a !== "number") { traced ||= isArrayish(a); }
    if (!traced) return native(...(args as number[]));
    let acc: Value = operand(`Math.${name}`, args[0]);
    for (let i = 1; i < args.length; i++) acc = pick(acc, operand(`Math.${name}`, args[i]));
    return acc;
  };
}

function hypot(...args: unknown[]): unknown {
  if (!args.some(isArrayish)) return Math.hypot(...(args as number[]));
  const xs = args.map((a) => operand("Math.hypot", a));
  if (xs.length === 1) return o.abs(xs[0]!);
  let acc: Value = xs[0]!;
  for (let i = 1; i < xs.length; i++) acc = hypot2(acc as number, xs[i]! as number);
  return acc;
}

const MATH_FUNCTIONS = {
  abs: unaryMath("abs", Math.abs, "abs"), sign: unaryMath("sign", Math.sign, "sign"),
  sqrt: unaryMath("sqrt", Math.sqrt, "sqrt"), exp: unaryMath("exp", Math.exp, "exp"), expm1: unaryMath("expm1", Math.expm1, "expm1"),
  log: unaryMath("log", Math.log, "log"), log1p: unaryMath("log1p", Math.log1p, "log1p"),
  log2: unaryMath("log2", Math.log2, (x) => o.div(log(x), LN2)), log10: unaryMath("log10", Math.log10, (x) => o.div(log(x), LN10)),
  sin: unaryMath("sin", Math.sin, "sin"), cos: unaryMath("cos", Math.cos, "cos"), tan: unaryMath("tan", Math.tan, "tan"),
  asin: unaryMath("asin", Math.asin, "asin"), acos: unaryMath("acos", Math.acos, "acos"), atan: unaryMath("atan", Math.atan, "atan"),
  sinh: unaryMath("sinh", Math.sinh, "sinh"), cosh: unaryMath("cosh", Math.cosh, "cosh"), tanh: unaryMath("tanh", Math.tanh, "tanh"),
  // Inverse hyperbolics from their closed forms (derivatives 1/√(x²+1), 1/√(x²−1), 1/(1−x²)).
  asinh: unaryMath("asinh", Math.asinh, (x) => o.mul(o.sign(x), o.log(o.add(o.abs(x), o.sqrt(o.add(o.mul(x, x), 1)))))),
  acosh: unaryMath("acosh", Math.acosh, (x) => o.log(o.add(x, o.sqrt(o.sub(o.mul(x, x), 1))))),
  atanh: unaryMath("atanh", Math.atanh, (x) => o.mul(0.5, o.log1p(o.div(o.mul(2, x), o.sub(1, x))))),
  cbrt: unaryMath("cbrt", Math.cbrt, (x) => o.mul(o.sign(x), o.pow(o.abs(x), 1 / 3))),
  floor: unaryMath("floor", Math.floor, floor), ceil: unaryMath("ceil", Math.ceil, ceil),
  round: unaryMath("round", Math.round, round), trunc: unaryMath("trunc", Math.trunc, trunc),
  atan2: binary("Math.atan2", Math.atan2, o.atan2), pow: binary("Math.pow", Math.pow, o.pow),
  max: extremum("max", Math.max, o.maximum), min: extremum("min", Math.min, o.minimum),
  hypot,
  fround: numbersOnly("fround", Math.fround), clz32: numbersOnly("clz32", Math.clz32), imul: numbersOnly("imul", Math.imul),
  random: (): number => { noteRandom(); return Math.random(); },
};

/** What `Math` means inside a fromJS function: the functions above, and Math's constants. */
export const math: Readonly<Record<string, unknown>> = Object.freeze({
  ...MATH_FUNCTIONS,
  E: Math.E, LN10: Math.LN10, LN2: Math.LN2, LOG10E: Math.LOG10E, LOG2E: Math.LOG2E, PI: Math.PI, SQRT1_2: Math.SQRT1_2, SQRT2: Math.SQRT2,
});

/** The names of Math's members that fromJS knows (the rest are refused at rewrite time). */
export const MATH_NAMES: ReadonlySet<string> = new Set(Object.keys(math));

/** Number.isFinite: under compile, two guards (x < ∞ and x > −∞). */
export function isFinite(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (isArrayish(v) && rank(v) === 0) return lt(v, Infinity) && gt(v, -Infinity);
  return false;
}
/** Number.isNaN: a traced number is NaN when it differs from itself. */
export function isNaN(v: unknown): boolean {
  if (typeof v === "number") return Number.isNaN(v);
  if (isArrayish(v) && rank(v) === 0) return !(o.equal(v, v) as unknown as boolean); // not eq: it is true of the same object
  return false;
}
/** Object.is: NaN is NaN, and +0 is not −0 (read through 1/x), for traced numbers too. */
export function objectIs(a: unknown, b: unknown): boolean {
  const ta = isArrayish(a), tb = isArrayish(b);
  if ((!ta && !tb) || (ta && rank(a) > 0) || (tb && rank(b) > 0)) return Object.is(a, b);
  if (typeof a !== "number" && !ta) return false;
  if (typeof b !== "number" && !tb) return false;
  if (isNaN(a)) return isNaN(b);
  if (!eq(a, b)) return false;
  return !eq(a, 0) || lt(div(1, a), 0) === lt(div(1, b), 0);
}

/**
 * xs.includes(v), xs.indexOf(v), xs.lastIndexOf(v) on an array or typed array: elements are
 * compared as === compares them (includes also finds NaN), so a traced number is found by value.
 */
export function search(xs: unknown, method: string, ...args: unknown[]): unknown {
  const m = (xs as Record<string, unknown> | null | undefined)?.[method];
  if (!(Array.isArray(xs) || ArrayBuffer.isView(xs)) || typeof m !== "function") return (m as (...a: unknown[]) => unknown).apply(xs, args);
  const [v, from] = args;
  const list = xs as ArrayLike<unknown>;
  const n = list.length;
  const last = method === "lastIndexOf";
  let start = from === undefined ? (last ? n - 1 : 0) : Math.trunc(Number(isArrayish(from) ? o.value(from as Tracer) : from));
  if (start < 0) start += n;
  const same = method === "includes" ? (x: unknown) => eq(x, v) || (isNaN(x) && isNaN(v)) : (x: unknown) => eq(x, v);
  if (last) { for (let i = Math.min(start, n - 1); i >= 0; i--) if (same(list[i])) return i; return -1; }
  for (let i = Math.max(start, 0); i < n; i++) if (same(list[i])) return method === "includes" ? true : i;
  return method === "includes" ? false : -1;
}

/** The global isFinite/isNaN convert their argument first. */
export function globalIsFinite(v: unknown): boolean {
  return isArrayish(v) ? isFinite(v) : globalThis.isFinite(v as number);
}
export function globalIsNaN(v: unknown): boolean {
  return isArrayish(v) ? isNaN(v) : globalThis.isNaN(v as number);
}
/** Number.isInteger and Number.isSafeInteger read the value (a guard under compile). */
function isIntegerOf(test: (n: number) => boolean) {
  return (v: unknown): boolean => (isArrayish(v) && rank(v) === 0 ? test(o.value(v) as number) : test(v as number));
}

/** `Number` inside a fromJS function: callable (Number(x) of a traced number is itself), with Number's statics. */
export const number: NumberConstructor = Object.assign(
  function Number_(v?: unknown): number { return isArrayish(v) ? (operand("Number", v) as number) : Number(v); },
  {
    isFinite, isNaN, isInteger: isIntegerOf(Number.isInteger), isSafeInteger: isIntegerOf(Number.isSafeInteger),
    parseFloat: Number.parseFloat, parseInt: Number.parseInt,
    EPSILON: Number.EPSILON, MAX_SAFE_INTEGER: Number.MAX_SAFE_INTEGER, MIN_SAFE_INTEGER: Number.MIN_SAFE_INTEGER,
    MAX_VALUE: Number.MAX_VALUE, MIN_VALUE: Number.MIN_VALUE, NaN: Number.NaN,
    NEGATIVE_INFINITY: Number.NEGATIVE_INFINITY, POSITIVE_INFINITY: Number.POSITIVE_INFINITY,
  },
) as unknown as NumberConstructor;


// ---------------------------------------------------------------- structured loops

/**
 * Whether analysable loops run through foriLoop/whileLoop (on by default): under a transform
 * such a loop is one line of the trace, its body traced once (x[i] at the traced counter is a
 * dynamicIndex line), and compile turns it into a JavaScript loop. Off, every loop runs as
 * written (unrolled into the trace): the reference the tests compare with.
 */
let structured = true;

/** For tests and for the loops work: route analysable loops through foriLoop/whileLoop (true) or run them as plain loops. */
export function useStructuredLoops(on: boolean): void {
  structured = on;
  forgetLoops();
}

/** A carry foriLoop/whileLoop can hold: numbers and arrays (traced or not), nothing else. */
function structurable(carry: readonly unknown[]): boolean {
  for (const c of carry) if (typeof c !== "number" && !isArrayish(c)) return false;
  return true;
}

/**
 * `for (let i = lo; i < hi; i++)` over carried variables, as foriLoop(lo, hi, body, carry);
 * a carry of other values (strings, undefined, objects) runs as an ordinary loop. `reads`: the
 * [x, k] of the body's reads x[i + k] (rewrite.ts); when every x is a 1-d array that covers
 * lo + k … hi − 1 + k (float64 or float32), the loop is a scan over those slices, and the body reads element j of
 * its step from `elements` (elt) — a number per step, whose cotangent is a number per step too,
 * where x[i] at the traced counter would send back an array the size of x. `sites`, `site` and
 * `outer` (the values of the outer variables the body reads) let a later call reuse the body's
 * trace (loop-cache.ts).
 */
export function fori(lo: unknown, hi: unknown, body: (i: number, carry: unknown[], elements?: unknown[]) => unknown[], carry: unknown[], reads?: readonly (readonly [unknown, number])[], sites?: LoopSites, site?: number, outer?: () => unknown[]): unknown[] {
  if (structured && structurable(carry) && typeof lo === "number" && Number.isInteger(lo) && (typeof hi === "number" ? Number.isInteger(hi) : isArrayish(hi))) {
    const traced = transformRunning();
    const xs = reads !== undefined && traced && typeof hi === "number" && hi > lo ? slices(reads, lo, hi) : null;
    const keeper = traced ? keeperFor(sites, site ?? 0, xs !== null ? "scan" : "fori", carry, outer) : undefined;
    if (xs !== null) {
      const n = hi as number - lo, steps = new Float64Array(n);
      for (let k = 0; k < n; k++) steps[k] = lo + k;
      return (scanWith((c, e) => [body((e as number[])[0]!, c as unknown[], e as unknown[]), null], carry, [new NDArray(steps, [n]), ...xs], undefined, keeper)[0]) as unknown[];
    }
    return foriLoopWith(lo, hi as number, (i, c) => body(i, c as unknown[]), carry, keeper) as unknown[];
  }
  let c = carry;
  for (let i = lo as number; lt(i, hi); i++) c = body(i, c);
  return c;
}

/** The slices x[lo + k … hi + k) of the reads, or null unless each x is a 1-d array covering its slice. */
function slices(reads: readonly (readonly [unknown, number])[], lo: number, hi: number): Value[] | null {
  const out: Value[] = [];
  for (const [x, k] of reads) {
    // float32 too: a scan's gradient of a float32 scanned array is float32, as dynamicIndex's is.
    if (!isArrayish(x) || rank(x) !== 1 || (x.dtype !== "float64" && x.dtype !== "float32") || lo + k < 0 || hi + k > x.shape[0]!) return null;
    out.push(o.slice(x, [lo + k], [hi + k]));
  }
  return out;
}

/** x[k] read as element `slot` of a step's `elements` (a scanned slice), or as get(x, k) when the loop scans none. */
export function elt(elements: readonly unknown[] | undefined, slot: number, x: unknown, k: unknown): unknown {
  return elements === undefined ? get(x, k) : elements[slot];
}

/** `while (cond) body` over carried variables, as whileLoop(cond, body, carry) (or an ordinary loop, as fori). */
export function whileLoop(cond: (carry: unknown[]) => boolean, body: (carry: unknown[]) => unknown[], carry: unknown[]): unknown[] {
  if (structured && structurable(carry)) return structuredWhile(cond, body, carry);
  let c = carry;
  while (cond(c)) c = body(c);
  return c;
}
