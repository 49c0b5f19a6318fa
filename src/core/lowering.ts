// What compile needs to know of a primitive, declared in the primitive's own table entry:
// how a line of it becomes JavaScript and bytecode (`Lowering`), and which algebraic
// identities the optimizer may apply to it (`Rewrite`). src/compile/ reads only these fields
// and names no primitive, so a primitive's every fact stays in its one entry.

import type { Shape } from "../array/ndarray.js";
import type { Aval } from "../array/aval.js";
import type { Atom, Eqn, WengertList } from "./ir.js";
import type { Primitive } from "./primitive.js";
import type { Value } from "./tracer.js";

/**
 * How compile lowers a line. Every field is optional: a line whose primitive says nothing more
 * calls the primitive's kernel (`impl`), and a line on plain JS numbers of an elementwise
 * primitive calls its scalar function. `{}` (KERNEL) is the lowering of most structural ops.
 */
export interface Lowering<P> {
  /**
   * The line as a JavaScript expression of its operands' expressions, when they and the result
   * are plain JS numbers or booleans (`a + b`, `Math.sin(a)`, `c ? a : b`). For a primitive that
   * broadcasts it is also each element's expression in a fused loop, and it is this primitive's
   * case in the bytecode interpreter. It must compute exactly what `scalar` computes.
   */
  readonly js?: (a: readonly string[], params: P) => string;
  /** The result is argument 0 itself, for every kind of operand (stopGradient): no code at all. */
  readonly identity?: boolean;
  /** The result may share argument 0's memory (a view: reshape, slice): never reuse that buffer while it lives. */
  readonly aliases?: boolean;
  /** The elementwise sum of its two arguments (add): a fused loop may accumulate placements into it. */
  readonly sums?: boolean;
  /**
   * A copy of 1-d argument 0 with argument 2 added at the index argument 1 (addAt): a loop may
   * add a carry's such sums in place (compile/accumulate.ts). `check` throws the line's error
   * for an index that is not an integer in [0, length).
   */
  readonly addsAt?: { readonly check: (index: number, length: number) => void };
  /**
   * This line places its one argument inside zeros (unslice, the transpose of a slice): the
   * flat offset of a contiguous placement of an argument of `inShape`, or null when it is not
   * contiguous. A fused loop then adds the argument in place instead of materializing zeros.
   */
  readonly placement?: (params: P, inShape: Shape) => number | null;
  /** Lines that are programs (fused loops, structured loops): their JavaScript, statement by statement. */
  readonly emit?: (line: Eqn, ctx: EmitContext) => readonly string[];
  /**
   * With `emit`: the outputs the emitted code writes in full before reading (so a reusable
   * workspace buffer may be offered for them through ctx.buffer); by default none.
   */
  readonly workspace?: (line: Eqn) => readonly number[];
  /**
   * With `emit`: outputs the line can write straight into the zero-padded arrays that unslices
   * (and an add of two) make of them (a scan's per-step outputs: compile/place.ts), and the
   * params of the line that also outputs those arrays, after its other outputs.
   */
  readonly places?: {
    readonly outputs: (line: Eqn) => readonly number[];
    readonly with: (line: Eqn, groups: readonly PlacedGroup[]) => unknown;
  };
}

/**
 * One zero-padded array a line writes some of its outputs into (Lowering.places): the unslice of
 * one output (one part), or the add of the unslices of two (two parts, summed as the add does).
 */
export interface PlacedGroup {
  /** The parts: which output of the line (0 its first), at which flat offset of the array. */
  readonly parts: readonly { readonly output: number; readonly offset: number }[];
  /** The array's type (the unslice's or the add's output). */
  readonly aval: Aval;
}

/** The lowering of a primitive whose lines call its kernel. */
export const KERNEL: Lowering<unknown> = Object.freeze({});

/** A loop body as the code of its line sees it: its traced variants, and its interpreter for a step none holds for. */
export interface RunnableBody {
  readonly variants: readonly WengertList[];
  /** The step being run, for messages. */
  step: number;
  /** The body's outputs at these inputs (tracing the variant they need). */
  run(inputs: readonly Value[]): readonly Value[];
}

/** What a primitive's `emit` may ask of the code generator. */
export interface EmitContext {
  /** The list the line belongs to (its avals and constants). */
  readonly list: WengertList;
  /** An operand's expression. */
  atom(a: Atom): string;
  /** The local a result variable is bound to. */
  local(v: number): string;
  /** An expression naming a value the generated code holds (an array, a function, a shape). */
  constant(v: unknown): string;
  /** A reusable workspace buffer for output variable v, or null for a fresh array. */
  buffer(v: number): string | null;
  /** The JavaScript expression of an elementwise line on plain numbers (its js lowering, or a call of its scalar function). */
  scalar(prim: Primitive<unknown>, args: readonly string[], params: unknown): string;
  /** A fresh prefix for the locals of one emitted line. */
  fresh(): string;
  /**
   * A nested list (a loop body) as statements: its inputs bound to `inputs` (expressions), `miss`
   * the statement that runs when one of its guards fails; gives the statements and the
   * expressions of its outputs. `offered[j]`: a typed array (an expression) output j may be
   * written into; `buffered[j]` says whether it was.
   */
  inline(list: WengertList, inputs: readonly string[], miss: string, offered?: readonly (string | null)[]): { readonly code: readonly string[]; readonly outs: readonly string[]; readonly buffered: readonly boolean[] };
  /** The statement that abandons the program when a guard of this line fails (inside a loop body: leave the variant). */
  readonly miss: string;
  /**
   * Where set (a loop line evaluated by its own code while compile stages it): the statement for
   * a step of `body` at step `step` (an expression) that none of its variants holds for, on
   * those inputs; else such a step runs `miss`.
   */
  readonly stepMiss?: (body: RunnableBody, step: string, inputs: readonly string[]) => string;
}

/**
 * An algebraic identity of the primitive, for the optimizer: the atom the line `prim(ins)` may
 * be replaced by, or null. Only identities exact in IEEE arithmetic belong here (x·1 = x, but
 * not x·0 = 0, which is NaN at x = ∞; x + (−0) = x, but not x + 0 = x, which is +0 at x = −0).
 */
export type Rewrite<P> = (ins: readonly Atom[], ctx: RewriteContext, params: P) => Atom | null;

export interface RewriteContext {
  /** The value every element of constant operand `a` has; null for a variable or a constant whose elements differ. */
  constantOf(a: Atom): number | null;
  /** Whether operand `a` has the line's own shape, dtype and kind (so the line may be replaced by it). */
  fits(a: Atom): boolean;
  /** The line's output abstract value. */
  readonly aval: Aval;
}
