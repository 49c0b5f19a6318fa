// What a primitive is, and how an op finds the interpreter that must process it.
//
// A primitive is declared once (src/ops/prims.ts) with its shape/dtype rule, its concrete
// implementation and its derivative rule. Derivative rules are written with the library's
// own ops, so the derivative of a derivative is just another trace through the same table.

import { ArgumentError, TracerError } from "../base/errors.js";
import { describe } from "../base/format.js";
import type { Aval } from "../array/aval.js";
import type { Shape } from "../array/ndarray.js";
import type { Elementary } from "./algebra.js";
import type { Body } from "./ir.js";
import type { Lowering, Rewrite } from "./lowering.js";

export type { Aval };
import { NDArray } from "../array/ndarray.js";
import { shapeOf, Tracer, ZERO, type MaybeZero, type Tensor, type Value, type Zero } from "./tracer.js";

/** ∂out/∂args[i] for an elementwise primitive, as a value of out's shape (or broadcastable). */
export type PartialFn<P> = (args: readonly Value[], out: Value, params: P) => MaybeZero;
/** The linear map t ↦ J_i·t (JVP) or g ↦ J_iᵀ·g (VJP) for argument i. */
export type LinearFn<P> = (seed: Value, args: readonly Value[], out: Value, params: P) => MaybeZero;

/** A linear op's tangent from every argument's tangent at once (ZERO: none reached that argument). */
export type AllLinearFn<P> = (tangents: readonly (Value | Zero)[], args: readonly Value[], out: Value, params: P) => Value;

export type IndexedLinearFn<P> = (seed: Value, i: number, args: readonly Value[], out: Value, params: P) => MaybeZero;

/**
 * The derivative rule. `partials`: elementwise ops give ∂out/∂arg_i and the engine applies the
 * chain rule (t·∂ forward, g·∂ backward, reduced by `unbroadcast`). `linear`: structural ops
 * give the JVP and the VJP (its transpose) for each argument side by side. `none`: the output
 * carries no derivative (comparisons, stopGradient). A null entry marks an argument that
 * carries no derivative (where's condition, gather's indices).
 */
export type Rule<P> =
  | { readonly kind: "partials"; readonly partials: readonly (PartialFn<P> | null)[] }
  | {
      readonly kind: "linear";
      readonly jvp: readonly (LinearFn<P> | null)[];
      readonly vjp: readonly (LinearFn<P> | null)[];
      /**
       * For ops with any number of arguments (concat): one rule taking the argument index, and
       * optionally `jvpAll`, the line's tangent from all the arguments' at once (ZERO where none).
       */
      readonly variadic?: { readonly jvp: IndexedLinearFn<P>; readonly vjp: IndexedLinearFn<P>; readonly jvpAll?: AllLinearFn<P> };
    }
  | { readonly kind: "none"; readonly why: string }
  | { readonly kind: "program"; readonly rules: ProgramRules<P> };

/**
 * The rules of a primitive that runs programs of its own (a loop, a checkpointed call): each
 * transform treats the whole line at once, since its derivative is a program too (a loop's
 * JVP is a loop over the body's JVP; its VJP a loop over the body's VJP, run backwards). Rules
 * bind primitives on the values one level down, so every lower transform (compile's stager,
 * an outer derivative) sees the derivative lines as lines of its own.
 */
export interface ProgramRules<P> {
  /** Forward mode: the outputs and their tangents (ZERO where none), from the operands' tangents. */
  jvp(primals: readonly Value[], tangents: readonly MaybeZero[], params: P): { readonly outs: readonly Value[]; readonly tangents: readonly MaybeZero[] };
  /**
   * Reverse mode's forward half: the outputs and the pullback from their cotangents (ZERO where
   * none) to the operands' (ZERO for an operand not `active`, i.e. not differentiated). `stored`
   * is what the pullback keeps alive until the backward sweep (for memory reports).
   */
  vjp(primals: readonly Value[], active: readonly boolean[], params: P): {
    readonly outs: readonly Value[];
    readonly pullback: (cts: readonly (Value | Zero)[], current?: readonly MaybeZero[]) => readonly MaybeZero[];
    readonly stored?: StoredReport;
    /**
     * Set when the pullback takes `current`, the operands' adjoints so far, and returns their
     * totals: it adds its contributions in the order the unrolled lines would have (checkpoint's
     * gradient is then bit for bit the plain one, not the same sum associated otherwise).
     */
    readonly accumulates?: boolean;
  };
}

/** What a line of the tape keeps for the backward sweep beyond its operands and outputs. */
export interface StoredReport {
  /** Bytes of the values kept (carries, snapshots). */
  readonly bytes: number;
  /** Loop carries kept (each a full carry). */
  readonly carries: number;
}

/** How the trace printer shows a line and its partial derivatives (survey notation). */
export interface Display<P> {
  /** e.g. ["ln ", a] → "ln v-1"; args are already-formatted operand names. */
  primal(args: readonly string[], params: P): string;
  /** ∂out/∂arg_i in terms of the operand names, e.g. "cos v0". */
  partials?: readonly ((args: readonly string[], out: string, params: P) => string)[];
}

export interface Primitive<P> {
  readonly name: string;
  /** Elementwise with NumPy broadcasting: tangents are broadcast and cotangents unbroadcast. */
  readonly broadcasts: boolean;
  /** Shape/dtype rule: throws ShapeError / DTypeError naming the op, the shapes and the fix. */
  infer(avals: readonly Aval[], params: P): Aval;
  /** Concrete implementation on already-checked arguments. */
  impl(args: readonly Tensor[], params: P, out: Aval): Tensor;
  /**
   * Elementwise primitives: the scalar function itself, the single source of both the fast
   * path for plain numbers (no shape rule, no allocation) and the generated array kernels.
   */
  readonly scalar?: (a: number, b: number) => number | boolean;
  readonly rule: Rule<P>;
  /**
   * Elementary functions: their partials written once over core/algebra.ts's Algebra (the
   * source of `rule` and of `display.partials`, and symbolic differentiation's rule), and the
   * names the expression language calls them by.
   */
  readonly elementary?: Elementary;
  readonly display?: Display<P>;
  /** How compile lowers its lines (core/lowering.ts); KERNEL: call `impl`. Required, so a missing one is a type error. */
  readonly lower: Lowering<P>;
  /** The optimizer's exact algebraic identities for this primitive (x·1 → x, …). */
  readonly rewrite?: Rewrite<P>;
  /** Nested programs this primitive runs (loops, fused loops): see the note in core/ir.ts. */
  readonly bodies?: (params: P) => readonly Body[];
  /**
   * A primitive with several outputs gives their abstract values; binding it (and its impl)
   * then returns an array of them, and its line defines that many consecutive variables.
   */
  readonly outputs?: (params: P) => readonly Aval[];
}

/**
 * Every field of a primitive, in one order: the table rebuilds its entries with exactly these
 * (prims.ts), so that all entries share one shape in V8. Adding a field to Primitive without
 * listing it here is a type error (below), so no field is ever dropped by that rebuild.
 */
export const PRIMITIVE_FIELDS = ["name", "scalar", "broadcasts", "infer", "impl", "rule", "elementary", "display", "lower", "rewrite", "bodies", "outputs"] as const;
type Unlisted = Exclude<keyof Primitive<unknown>, (typeof PRIMITIVE_FIELDS)[number]>;
const everyFieldListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFieldListed;

/** The primitive rebuilt with every field in PRIMITIVE_FIELDS order: one V8 shape for all primitives, wherever declared. */
export function withPrimitiveShape<P>(d: Primitive<P>): Primitive<P> {
  const e: Record<string, unknown> = {};
  for (const f of PRIMITIVE_FIELDS) e[f] = d[f];
  return e as unknown as Primitive<P>;
}

export function avalOf(v: Tensor): Aval {
  if (typeof v === "number") return NUMBER_AVAL;
  if (typeof v === "boolean") return BOOL_AVAL;
  return { shape: v.shape, dtype: v.dtype, js: false };
}
const NUMBER_AVAL: Aval = Object.freeze({ shape: Object.freeze([]) as Shape, dtype: "number", js: true });
const BOOL_AVAL: Aval = Object.freeze({ shape: Object.freeze([]) as Shape, dtype: "bool", js: true });

/** The ArgumentError for an op's argument that is not a value, with what to do about the usual causes. */
function notAnOperand(op: string, i: number, v: unknown): ArgumentError {
  let hint = "";
  if (typeof v === "function") hint = ` (did you mean to call it${v.name ? `, ${v.name}(…)` : ""}?)`;
  else if (v === undefined) hint = " (a missing argument, or x[i] read from an NDArray or a traced array, which gives undefined: use take(x, i), slice(x, …) or x.item())";
  else if (v instanceof Promise) hint = " (await it first)";
  return new ArgumentError(op, `argument ${i + 1} is ${describe(v)}${hint}; pass a number, an NDArray, or a value traced from one`);
}

/**
 * Throws ArgumentError naming the op unless `v` is a number, a boolean, an NDArray or a tracer.
 * Ops that read an argument's shape before binding call it first, so junk input (undefined, a
 * string, a plain array) gets this error instead of an internal TypeError from `shapeOf`.
 */
export function checkOperand(op: string, i: number, v: unknown): asserts v is Value {
  if (typeof v !== "number" && typeof v !== "boolean" && !(v instanceof NDArray) && !(v instanceof Tracer)) {
    throw notAnOperand(op, i, v);
  }
}

/** The shape of an op's argument `i` (0-based), after checking it is a value at all. */
export function operandShape(op: string, v: unknown, i = 0): Shape {
  checkOperand(op, i, v);
  return shapeOf(v);
}

/** Computes a loop line's outputs by other means than its kernel (compile's generated code); null: use the kernel. */
export type LoopRunner = (prim: Primitive<unknown>, args: readonly Tensor[], params: unknown) => Tensor[] | null;
let loopRunner: LoopRunner | null = null;

/**
 * Installs the runner of loop lines evaluated on concrete values (compile/loop-eval.ts installs
 * one: without it, core would import compile); returns the one it replaces.
 */
export function setLoopRunner(r: LoopRunner | null): LoopRunner | null {
  const old = loopRunner;
  loopRunner = r;
  return old;
}

/** Evaluates a primitive on concrete values after its shape/dtype rule has accepted them. */
export function evalConcrete<P>(prim: Primitive<P>, args: readonly Value[], params: P): Tensor {
  // A loop line on concrete values (an eager transform's scan, its checkpointed reverse sweep):
  // its generated code steps without the interpreter's per-op objects, hundreds of MB per W7 gradient.
  if (loopRunner !== null && prim.bodies !== undefined) {
    const r = loopRunner(prim as Primitive<unknown>, args as readonly Tensor[], params);
    if (r !== null) return r as unknown as Tensor;
  }
  return evalKernel(prim, args, params);
}

/** evalConcrete by the primitive's kernel alone (a loop line's body through the interpreter). */
export function evalKernel<P>(prim: Primitive<P>, args: readonly Value[], params: P): Tensor {
  const f = prim.scalar;
  if (f !== undefined && typeof args[0] === "number" && (args.length === 1 || (args.length === 2 && typeof args[1] === "number"))) {
    return f(args[0], args[1] as number);
  }
  const avals = new Array<Aval>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== "number" && typeof a !== "boolean" && !(a instanceof NDArray)) {
      throw notAnOperand(prim.name, i, a);
    }
    avals[i] = avalOf(a);
  }
  return prim.impl(args as readonly Tensor[], params, prim.infer(avals, params));
}

/** Applies a primitive: the highest-level tracer among the arguments decides who processes it. */
export function bind<P>(prim: Primitive<P>, args: readonly Value[], params: P): Value {
  let top: Tracer | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Tracer && (top === null || a.interp.level > top.interp.level)) top = a;
  }
  if (top === null) return evalConcrete(prim, args, params);
  const interp = top.interp;
  if (!interp.active) {
    throw new TracerError(
      prim.name,
      `a value traced by a transform that has already returned (level ${interp.level}) was used again; return it from the transformed function instead of keeping it in an outer variable`,
    );
  }
  return interp.process(prim as Primitive<unknown>, args, params);
}

/**
 * bind for one or two arguments without building an argument array on the way to an
 * interpreter that can take them directly (the scalar hot path of reverse mode).
 */
export function bind2<P>(prim: Primitive<P>, a: Value, b: Value | undefined, params: P): Value {
  const ta = a instanceof Tracer, tb = b instanceof Tracer;
  if (!ta && !tb) return evalConcrete(prim, b === undefined ? [a] : [a, b], params);
  const top = ta && (!tb || (a as Tracer).interp.level >= (b as Tracer).interp.level) ? (a as Tracer) : (b as Tracer);
  const interp = top.interp;
  if (!interp.active) return bind(prim, b === undefined ? [a] : [a, b], params);
  if (interp.process2 !== undefined) return interp.process2(prim as Primitive<unknown>, a, b, params);
  return interp.process(prim as Primitive<unknown>, b === undefined ? [a] : [a, b], params);
}

export function isZero(v: MaybeZero): v is typeof ZERO {
  return v === ZERO;
}
