// Values, tracers and levels: the vocabulary every interpreter shares.
//
// A concrete value (`Tensor`) is a JS number, a JS boolean (the result of comparing
// numbers) or an NDArray. A `Tracer` stands for a value inside an active transform; it
// belongs to one interpreter, and that interpreter's `level` orders the nesting: the
// tracer with the highest level among an op's arguments decides who processes the op,
// and every lower-level value is a constant to it. Each transform call takes a fresh,
// increasing level, so two nested derivatives can never confuse their perturbations.

import { NDArray, shapeStr, TRACED_VALUE, type DType, type Shape } from "../array/ndarray.js";
import { formatArray } from "../array/print.js";
import { TracerError, operatorMisuse } from "../base/errors.js";
import type { Primitive } from "./primitive.js";

/** A concrete value: a number, a boolean or an NDArray. */
export type Tensor = number | boolean | NDArray;
/** What ops take and return: a concrete value, or inside a transform a traced one. */
export type Value = Tensor | Tracer;

/** A structurally zero tangent or cotangent: never materialized, never multiplied. */
export const ZERO: unique symbol = Symbol("wengert.zero");
export type Zero = typeof ZERO;

/**
 * The elements a select kept: those where `cond` equals `keep` (and `next` keeps them too).
 * Conditions are bool arrays (or staged ones); a JS-boolean condition never makes a Selection,
 * it selects ZERO or the whole value outright.
 */
export interface Selection {
  readonly cond: Value;
  readonly keep: boolean;
  readonly next: Selection | null;
}

/**
 * A tangent or cotangent that is `value` on the selected elements and a structural zero on the
 * others: what where(c, a, b), maximum and the max/min reductions send to each side. Chain-rule
 * products keep the selection (the unselected elements of `value` may hold anything, ∞ or NaN
 * included: they are never read), so a zero that a select put there absorbs every later factor,
 * while an arithmetic zero follows IEEE (0·∞ = NaN). It becomes an ordinary value, where(cond,
 * value, 0), only where it must: a sum with another derivative, a structural op, an output.
 */
export class Masked {
  constructor(readonly value: Value, readonly sel: Selection) {}
}

/**
 * A cotangent of an array that is zero but for a few rows: `value` added at row `index` of an
 * array of `shape` and `dtype`, on top of `rest` (what x[i] reads send back, one row each). The
 * list is only made an array when something needs one, so n element reads of an array cost
 * O(n) in reverse mode, not O(n) each.
 */
export class Scattered {
  readonly count: number;
  constructor(readonly shape: Shape, readonly dtype: DType, readonly index: number, readonly value: Value, readonly rest: Scattered | null) {
    this.count = rest === null ? 1 : rest.count + 1;
  }
}

/** A derivative as the chain rule passes it: a value, a structural zero, a selection, or rows of an array. */
export type MaybeZero = Value | Zero | Masked | Scattered;

/** `v` on the elements where `cond` is `keep`, structurally zero elsewhere (ZERO outright for a JS boolean). */
export function select(cond: Value, keep: boolean, v: Value): Value | Zero | Masked {
  if (typeof cond === "boolean") return cond === keep ? v : ZERO;
  return new Masked(v, { cond, keep, next: null });
}

export interface Interpreter {
  readonly level: number;
  /** False once the transform that owns this level has returned. */
  active: boolean;
  /** Applies `prim` to `args`, at least one of which is a tracer of this interpreter. */
  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value;
  /** Optional allocation-free form for one or two arguments (`b` undefined for one). */
  process2?(prim: Primitive<unknown>, a: Value, b: Value | undefined, params: unknown): Value;
  /**
   * Optional: told when `value(t)` reads the concrete value under one of this interpreter's
   * tracers (compile's stager records it as a guard: the program is only valid while the
   * input reproduces that value).
   */
  onConcrete?(t: Tracer): void;
  /**
   * Optional: told when a custom rule (customVjp, customJvp) ran its plain function because this
   * interpreter has no use for the rule (compile's stager: replaying that program under an
   * enclosing transform would differentiate the function instead of using the rule).
   */
  onCustomRule?(): void;
  /**
   * Optional: true when one of this interpreter's values stands for many (vmap's batch). A
   * comparison of 0-d arrays then stays a bool array, for where: one JS boolean, which it gives
   * elsewhere for native `if`, cannot stand for a batch.
   */
  readonly batched?: boolean;
}

let levelCounter = 0;

/** A fresh level, higher than every level handed out before. */
export function newLevel(): number {
  return ++levelCounter;
}

/**
 * Runs `f` with `interp` active and deactivates it afterwards, also when f throws: the one
 * place an interpreter's lifetime ends (a tracer that escapes is then refused by bind).
 */
export function runWith<T>(interp: Interpreter, f: () => T): T {
  running++;
  try {
    return f();
  } finally {
    running--;
    interp.active = false;
  }
}

let running = 0;

/**
 * Whether some transform is running now, so that a value may be traced. With none, every value
 * is concrete: a loop runs its body natively, step by step, without tracing it.
 */
export function transformRunning(): boolean {
  return running > 0;
}

const SCALAR_SHAPE: Shape = Object.freeze([]) as Shape;

/**
 * A value being traced by a transform (forward, reverse, compile, …) at one level. User code
 * receives tracers in place of numbers and arrays and passes them to wengert's ops, which record
 * them; a tracer prints as its kind, level, shape and value.
 */
export abstract class Tracer {
  readonly interp: Interpreter;
  /** The value one level down: a tracer of a lower level, or a concrete value. */
  readonly primal: Value;

  constructor(interp: Interpreter, primal: Value) {
    this.interp = interp;
    this.primal = primal;
  }

  get level(): number { return this.interp.level; }
  get shape(): Shape { return shapeOf(this.primal); }
  get dtype(): DType | "number" { return dtypeOf(this.primal); }
  get ndim(): number { return this.shape.length; }
  get size(): number { let n = 1; for (const d of this.shape) n *= d; return n; }

  /** Which transform traces this value ("reverse", "forward", "compile", …): what printing shows. */
  abstract get kind(): string;

  /** Refuses silent conversion to a JS number, which would drop the derivative. */
  valueOf(): never {
    throw operatorMisuse("a traced value", "x");
  }

  /** Template strings and `String(x)` give the printed form; arithmetic (`x * 2`) throws, since it would drop the derivative. */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === "string") return this.toString();
    return this.valueOf();
  }

  /**
   * Its kind, level, dtype and shape, and the value it currently holds; never the tape behind
   * it: `Tracer(reverse, level 2, float32[2,3]) array([[…]], dtype=float32)`.
   */
  toString(): string {
    const c = concrete(this.primal);
    const type = typeof c === "number" ? "number" : typeof c === "boolean" ? "boolean" : `${c.dtype}${shapeStr(c.shape)}`;
    const head = `Tracer(${this.kind}, level ${this.level}, ${type})`;
    if (c instanceof NDArray) {
      const text = formatArray(c);
      return text.includes("\n") ? `${head}\n${text}` : `${head} ${text}`;
    }
    return `${head} ${String(c)}`;
  }

  /** How console.log and util.inspect show it (Node): as toString, not the interpreter's internals. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** A traced value is not data: JSON.stringify gets a TracerError naming the fix, not a circular-structure TypeError. */
  toJSON(): never {
    throw new TracerError(
      "toJSON",
      `JSON.stringify of a traced value (${this.kind} mode, level ${this.level}): it stands for a value inside a transform and is not data; serialize value(x), its constant copy, or return x from the transformed function and serialize the result`,
    );
  }
}

export function shapeOf(v: Value): Shape {
  if (typeof v === "number" || typeof v === "boolean") return SCALAR_SHAPE;
  if (v instanceof NDArray) return v.shape;
  return shapeOf(v.primal);
}

/** "number" for plain JS numbers (weakly typed float64), "bool" for JS booleans. */
export function dtypeOf(v: Value): DType | "number" {
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (v instanceof NDArray) return v.dtype;
  return dtypeOf(v.primal);
}

/** The concrete value under every tracer level (a constant: no derivative flows). */
export function concrete(v: Value): Tensor {
  while (v instanceof Tracer) v = v.primal;
  return v;
}



// Array-level code tells a traced value by this mark (array/ndarray.ts's isTracedValue).
Object.defineProperty(Tracer.prototype, TRACED_VALUE, { value: true });
