// Checks of arguments at the public boundary, shared by every export that takes options,
// functions, counts, shapes or sizes, so that junk input is a typed error naming the user's
// op, never an internal TypeError/RangeError (null.x, "abc".map, a typed array of length −1),
// a hang, or an engine's allocation failure.

import { ArgumentError, ShapeError } from "./errors.js";
import { describe, showValue } from "./format.js";

/** The most elements one array may hold: the largest typed array JavaScript engines allocate. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/** A pytree (or nested array) deeper than this is refused before anything recurses over it. */
export const MAX_DEPTH = 1000;

/** A function argument. */
export function fnArg<F>(op: string, f: F, what = "the function"): F {
  if (typeof f !== "function") throw new ArgumentError(op, `${what} must be a function, got ${describe(f)}`);
  return f;
}

/** An integer in [lo, hi]. */
export function intArg(op: string, what: string, v: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ArgumentError(op, `${what} must be an integer in [${lo}, ${hi === Number.MAX_SAFE_INTEGER ? "2^53" : hi}], got ${showValue(v)}`);
  }
  return v;
}

/** A number (finite unless `finite` is false; never a string, which JS would coerce). */
export function numberArg(op: string, what: string, v: unknown, finite = true): number {
  if (typeof v !== "number" || (finite && !Number.isFinite(v))) throw new ArgumentError(op, `${what} must be a ${finite ? "finite " : ""}number, got ${describe(v)}`);
  return v;
}

/** A string. */
export function stringArg(op: string, what: string, v: unknown): string {
  if (typeof v !== "string") throw new ArgumentError(op, `${what} must be a string, got ${describe(v)}`);
  return v;
}

/** A plain array (or typed array) argument. */
export function listArg<T>(op: string, what: string, v: unknown): readonly T[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new ArgumentError(op, `${what} must be an array, got ${describe(v)}`);
  return v as unknown as readonly T[];
}

/** The number of elements of `shape`, refused past MAX_ELEMENTS (the engine could not allocate it). */
export function checkSize(op: string, shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (n > MAX_ELEMENTS) throw new ShapeError(op, `shape [${shape.join(", ")}] has ${n.toExponential(3)} elements; an array holds at most 2^32 − 1 (the largest typed array JavaScript allocates)`);
  return n;
}

/** A shape parameter: an array of non-negative integers (or one integer), of a size that can exist. */
export function shapeParam(op: string, shape: unknown): number[] {
  const s = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(s) || s.length > 64 || !s.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ArgumentError(op, `shape ${showValue(shape)} must be an array of non-negative integers such as [3, 2] (or [] for one number)`);
  }
  checkSize(op, s);
  return [...s] as number[];
}

/**
 * Runs an allocation, turning the engine's failure (RangeError: Array buffer allocation
 * failed) into a ShapeError that says how much was asked for.
 */
export function allocating<T>(op: string, n: number, bytesPerElement: number, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof RangeError) throw new ShapeError(op, `could not allocate ${n} elements (${(n * bytesPerElement / 2 ** 30).toFixed(1)} GiB): ${e.message}`);
    throw e;
  }
}

/**
 * Runs `f`, turning a call-stack overflow (a recursive walk over an input nested deeper than
 * the stack allows) into an ArgumentError naming the op, instead of a RangeError.
 */
export function guardStack<T>(op: string, what: string, f: () => T): T {
  // Only the outermost guard converts, so that the error names the op the user called
  // (simplify), not one it calls inside (expandPolynomial).
  if (guarding > 0) return f();
  guarding++;
  try {
    return f();
  } catch (e) {
    // V8 reports an overflow as a RangeError, or as a SyntaxError when a regular expression was being compiled.
    if ((e instanceof RangeError || e instanceof SyntaxError) && /stack/i.test(e.message)) throw new ArgumentError(op, `${what} is nested too deeply for the call stack; split it into smaller parts (or run node with a larger --stack-size)`);
    throw e;
  } finally {
    guarding--;
  }
}

let guarding = 0;
