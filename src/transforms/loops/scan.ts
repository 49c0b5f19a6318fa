// Structured loops, with JAX's semantics (lax.scan, lax.fori_loop, lax.while_loop):
//
//   scan(body, init, xs?, { length?, reverse?, checkpoints? })  → [carry, ys]
//       body(carry, x) → [carry, y]; xs is sliced along its leading axis per step (a slice of a
//       1-D array is a number), the ys are stacked along a new leading axis; xs and y may be
//       null (then `length` gives the number of steps); `reverse` runs the steps from the
//       last slice to the first (ys still line up with xs).
//   foriLoop(lower, upper, body, init)  → carry      body(i, carry) → carry, i = lower … upper − 1
//   whileLoop(cond, body, init, { maxIter? })  → carry   while cond(carry): carry = body(carry)
//
// The carry keeps its type from step to step (checked: a typed error names the loop, the step,
// the leaf and both types). Native `if` on numbers works inside a body, as everywhere.

import { ArgumentError, DTypeError, IterationLimitError, TracerError } from "../../base/errors.js";
import { checkOptions } from "../../base/options.js";
import { describe, showValue } from "../../base/format.js";
import { bind } from "../../core/primitive.js";
import { flatten, unflatten, type TreeDef } from "../../core/pytree.js";
import { concrete, Tracer, transformRunning, type Tensor, type Value } from "../../core/tracer.js";
import { NDArray } from "../../array/ndarray.js";
import { value } from "../../ops/api.js";
import { checkFunction } from "./options.js";
import { unscoped } from "../../array/pool.js";
import { hasGuards, LoopBody, LoopRetrace, type BodyFn } from "./body.js";
import { checkCarry, hasTracer, sameDef, structureText, treeType, typeOnly, typeText, leafType, type TreeType } from "./carry.js";
import { scanned, sliceAt, sliceOf, Stacker, unflattenY, yLeaves, zeroSlices, type Scanned } from "./slices.js";
import type { CheckpointOption } from "./revolve.js";
import { SCAN, type ScanParams } from "./scan-prim.js";

/** Options of `scan`: the length when there are no xs, reverse order, and checkpoints. */
export interface ScanOptions {
  /** The number of steps: required when xs is null, and equal to xs's leading axis otherwise. */
  readonly length?: number;
  /** Run the steps from the last slice of xs to the first; ys[t] still belongs to xs[t]. */
  readonly reverse?: boolean;
  /**
   * Reverse mode: store only a few carries and recompute the others — a number of snapshots
   * (binomial checkpointing with that many), "binomial" (as few as need one extra forward sweep,
   * about √(2T)) or "sqrt" (a snapshot every ⌈√T⌉ steps). The gradient is the same.
   */
  readonly checkpoints?: CheckpointOption;
}

/** One step's slice of a scanned value: an array loses its leading axis (a 1-D array gives numbers). */
export type SliceOf<X> = X extends NDArray ? number | NDArray
  : X extends Float64Array | Float32Array ? number
  : X extends null | undefined ? X
  : { [K in keyof X]: SliceOf<X[K]> };

/**
 * What a body may return for a carry of type C: the same type, where a number may also come back
 * as a (0-d) array — the ops on a slice `number | NDArray` give that, and a 0-d float64 array
 * counts as a number.
 */
export type CarryOut<C> = unknown extends C ? C
  : C extends number ? number | NDArray
  : C extends NDArray | Float64Array | Float32Array | boolean | null | undefined ? C
  : { [K in keyof C]: CarryOut<C[K]> };

/** Per-step outputs stacked along a new leading axis. */
export type Stacked<Y> = Y extends number | NDArray | boolean ? NDArray
  : Y extends null | undefined ? Y
  : { [K in keyof Y]: Stacked<Y[K]> };

export function checkCheckpoints(op: string, c: unknown, named: boolean): CheckpointOption | undefined {
  if (c === undefined) return undefined;
  if (typeof c === "number" && Number.isInteger(c) && c >= 1) return c;
  if (named && (c === "binomial" || c === "sqrt")) return c;
  throw new ArgumentError(op, `checkpoints ${showValue(c)} must be a number of snapshots (an integer ≥ 1)${named ? ', "binomial" or "sqrt"' : " (≥ 2)"}`);
}

/**
 * A loop body kept across calls by a caller that can tell when an earlier call's trace still
 * holds (fromJS's loop sites: the same loop of the source, inputs of the same types, the same
 * constants): the body is then not traced again, only evaluated, and its variants carry over.
 */
export interface BodyKeeper {
  /** What an earlier call kept, with the tracers this call's body closes over in place of that call's. */
  readonly kept: { readonly body: LoopBody; readonly yDef: TreeDef; readonly consts: readonly Tracer[] } | undefined;
  /** After a fresh trace: the body, its per-step output structure and the tracers it captured (the caller decides whether to keep it). */
  keep(body: LoopBody, yDef: TreeDef, captured: readonly Tracer[]): void;
}

/** body's [carry, y], or the error that names what it returned instead. */
function pairOf(op: string, step: number, out: unknown): readonly [unknown, unknown] {
  if (!Array.isArray(out) || out.length !== 2) {
    throw new ArgumentError(op, `step ${step}: the body returned ${Array.isArray(out) ? `an array of ${out.length}` : describe(out)}; it must return a pair [carry, y] (y may be null)`);
  }
  return out as unknown as readonly [unknown, unknown];
}

/**
 * Scans `body` over the leading axis of `xs`, carrying `init` from step to step: returns the
 * final carry and the per-step outputs stacked along a new leading axis.
 *
 * @example
 * ```ts
 * // running sums: the final carry and every step's output
 * const [total, partial] = w.scan((c: number, x: number) => [w.add(c, x), w.add(c, x)], 0, w.array([1, 2, 3]));   // 6, array([1, 3, 6])
 * ```
 */
export function scan<C, XS = null, Y = null, X = SliceOf<XS>>(
  body: (carry: C, x: X) => readonly [CarryOut<C>, Y],
  init: C,
  xs?: XS | null,
  opts?: ScanOptions,
): [C, Stacked<Y>] {
  return scanWith(body as never, init, xs, opts) as [C, Stacked<Y>];
}

/** scan, with a loop body an earlier call may have kept (fromJS's loops; see BodyKeeper). */
export function scanWith(body: (carry: unknown, x: unknown) => readonly [unknown, unknown], init: unknown, xs?: unknown, opts?: ScanOptions, keeper?: BodyKeeper): [unknown, unknown] {
  checkFunction("scan", "body", body);
  const o = checkOptions("scan", opts, ["length", "reverse", "checkpoints"]);
  if (o.reverse !== undefined && typeof o.reverse !== "boolean") throw new ArgumentError("scan", `reverse ${showValue(o.reverse)} must be true or false`);
  checkCheckpoints("scan", o.checkpoints, true);
  const carry = treeType("scan", "carry", init);
  const X = scanned("scan", xs, o.length);
  const f = body as (c: unknown, x: unknown) => unknown;
  const reverse = o.reverse === true;
  // No steps, or no transform running (every value concrete, numbers stay numbers): run natively.
  if (X.T === 0 || !transformRunning()) return unrolledScan("scan", f, carry, X, reverse);
  try {
    return scanLine("scan", f, carry, X, reverse, o.checkpoints as CheckpointOption | undefined, false, keeper);
  } catch (e) {
    // The loop cannot stay one line (a later branch reads a traced value the first did not):
    // run it step by step instead, every op processed by the active transforms.
    if (e instanceof LoopRetrace) return unrolledScan("scan", f, carry, X, reverse);
    throw e;
  }
}

/** What a scan body's step function shares with scanLine: its LoopBody, and y's structure once met. */
interface StepState { lb: LoopBody | null; yDef: TreeDef | null }

/**
 * The body's step function, made here so that its closure holds the carry's type and xs'
 * structure only: the LoopBody it serves outlives the trace (a compiled program keeps it), and
 * scanLine's scope holds the traced values the loop started from.
 */
function stepFn(op: string, f: (c: unknown, x: unknown) => unknown, carry: TreeType, xDef: TreeDef, nk: number, nx: number, state: StepState): BodyFn {
  return (_consts, inputs) => {
    const step = state.lb!.step;
    const c = unflatten(carry.def, inputs.slice(0, nk));
    const x = unflatten(xDef, inputs.slice(nk, nk + nx));
    const [next, y] = pairOf(op, step, f(c, x));
    const k = checkCarry(op, `step ${step}:`, carry, next);
    const { def, leaves } = yLeaves(y);
    if (state.yDef === null) state.yDef = def;
    else if (!sameDef(def, state.yDef)) {
      throw new ArgumentError("scan", `step ${step}: the per-step output has another structure (${structureText(def)}) than at the first step (${structureText(state.yDef)}); y keeps its structure from step to step`);
    }
    return [...k, ...(leaves as Value[])];
  };
}

/**
 * The scan as one line: the body traced at the first step's values into a list, the loop bound
 * as a scan line on the body's captured tracers, the initial carry and the scanned arrays. With
 * nothing traced at all (no transform sees the loop), the steps after the first run natively.
 */
function scanLine(op: string, f: (c: unknown, x: unknown) => unknown, type: TreeType & { values: readonly Value[] }, X: Scanned, reverse: boolean, checkpoints: CheckpointOption | undefined, lenient: boolean, keeper?: BodyKeeper): [unknown, unknown] {
  const nk = type.values.length, nx = X.leaves.length, T = X.T;
  const state: StepState = { lb: null, yDef: null };
  const fn = stepFn(op, f, typeOnly(type), X.def, nk, nx, state);
  const kept = keeper?.kept;
  const lb = kept?.body ?? new LoopBody(op, fn, 0, true);
  state.lb = lb;
  const t0 = reverse ? T - 1 : 0;
  lb.step = 0;
  let first: Tensor[];
  try {
    const step0 = [...type.values.map(concrete), ...X.leaves.map((x) => sliceOf(concrete(x) as NDArray, t0))];
    if (kept !== undefined) {
      // An earlier call's trace: evaluated at the first step (a branch it did not meet is traced now, from this call's body).
      state.yDef = kept.yDef;
      lb.rebind(fn, kept.consts);
      first = unscoped(() => lb.run([...kept.consts.map(concrete), ...step0]) as Tensor[]);
    } else {
      first = lb.traceFirst([], step0);
      keeper?.keep(lb, state.yDef!, lb.captured);
    }
  } catch (e) {
    // A body that computes with JS operators on its values (c + 1) cannot be traced; natively
    // it runs on plain numbers (and on traced values it throws the TracerError that says why).
    // `lenient`: any error of the first trace means the same (foriLoop's index used as a JS
    // number, x[i]); the native run raises the real error, if any.
    if (e instanceof TracerError || lenient) throw new LoopRetrace(e instanceof Error ? e.message : String(e));
    throw e;
  }
  if (lb.captured.length === 0 && !hasTracer(type.values) && !hasTracer(X.leaves)) {
    // Nothing the loop reads is traced: it is a constant to every transform. Step 0 is done.
    return unrolledScan(op, f, type, X, reverse, { carry: unflatten(type.def, first.slice(0, nk)), y: unflattenY(state.yDef!, first.slice(nk)) });
  }
  // Branches: meet every step's outcome now, while every transform the body closes over is
  // still recording (a variant traced later, in a backward sweep, could not read them).
  if (hasGuards(lb.variants[0]!)) {
    const cs = lb.captured.map(concrete);
    let c = first.slice(0, nk);
    for (let k = 1; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      lb.step = k;
      c = (lb.run([...cs, ...c, ...X.leaves.map((x) => sliceOf(concrete(x) as NDArray, t))]) as Tensor[]).slice(0, nk);
    }
  }
  const ny = first.length - nk;
  const params: ScanParams = { body: lb, length: T, reverse, nConsts: lb.captured.length, nCarry: nk, nY: ny, save: null, checkpoints };
  const outs = bind(SCAN, [...lb.captured, ...type.values, ...X.leaves], params) as unknown as Value[];
  return [unflatten(type.def, outs.slice(0, nk)), unflattenY(state.yDef!, outs.slice(nk))];
}

/**
 * The steps run one by one, each op processed by whatever transform is active (`done`: the
 * first step's carry and output, when it has run already).
 */
function unrolledScan(op: string, body: (c: unknown, x: unknown) => unknown, type: TreeType & { values: readonly unknown[] }, X: Scanned, reverse: boolean, done?: { carry: unknown; y: unknown }): [unknown, unknown] {
  const T = X.T;
  let c = unflatten(type.def, type.values);
  const ys = new Stacker(op, T);
  if (done !== undefined) { c = done.carry; ys.push(0, reverse ? T - 1 : 0, done.y); }
  for (let k = done === undefined ? 0 : 1; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const [next, y] = pairOf(op, k, body(c, sliceAt(X, t)));
    c = unflatten(type.def, checkCarry(op, `step ${k}:`, type, next));
    ys.push(k, t, y);
  }
  if (T === 0) {
    // No steps: the body runs once on zero slices only to tell the structure of y.
    const [, y] = pairOf(op, 0, body(c, zeroSlices(X)));
    ys.push(0, 0, y);
  }
  return [c, ys.result()];
}

/** An integer bound of foriLoop (a traced bound is read as a constant: under compile, a guard). */
function bound(op: string, name: string, v: unknown): number {
  const n = v instanceof Tracer ? value(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new ArgumentError(op, `${name} ${showValue(n instanceof NDArray ? n.toArray() : n)} must be an integer`);
  return n;
}

/**
 * body(i, carry) for i = lower, …, upper − 1; returns the final carry.
 *
 * Under a transform the loop is one line of the trace (a scan over the indices), and `i` is a
 * traced number: compute with it through ops (w.add(i, 1), w.equal(i, 0), w.mul(x, i)). A body
 * that uses it as a JS number (i < 3, x[i], i + 1) cannot be traced; that loop runs unrolled,
 * each step with a plain i, as without a transform. Never compare it with === (a traced value
 * is an object, never equal to a number): use w.equal.
 *
 * @example
 * ```ts
 * w.grad((x: number) => w.foriLoop(0, 3, (_i, c: number) => w.mul(c, x), 1))(2);   // d(x³)/dx = 12
 * ```
 */
export function foriLoop<C>(lower: number, upper: number, body: (i: number, carry: C) => CarryOut<C>, init: C): C {
  return foriLoopWith(lower, upper, body as never, init) as C;
}

/** foriLoop's body as a scan's over the indices (made apart from foriLoopWith's scope, which holds the carry's values). */
function indexedBody(body: (i: number, carry: unknown) => unknown): (c: unknown, i: unknown) => [unknown, null] {
  return (c, i) => [body(i as number, c), null];
}

/** foriLoop, with a loop body an earlier call may have kept (fromJS's loops; see BodyKeeper). */
export function foriLoopWith(lower: number, upper: number, body: (i: number, carry: unknown) => unknown, init: unknown, keeper?: BodyKeeper): unknown {
  const lo = bound("foriLoop", "lower", lower), hi = bound("foriLoop", "upper", upper);
  checkFunction("foriLoop", "body", body);
  const type = treeType("foriLoop", "carry", init);
  const native = (): unknown => {
    let c = unflatten(type.def, type.values);
    for (let i = lo; i < hi; i++) c = unflatten(type.def, checkCarry("foriLoop", `step ${i - lo} (i = ${i}):`, type, body(i, c)));
    return c;
  };
  if (hi <= lo || !transformRunning()) return native();
  const idx = new NDArray(Float64Array.from({ length: hi - lo }, (_, k) => lo + k), [hi - lo]);
  try {
    return scanLine("foriLoop", indexedBody(body), type, scanned("foriLoop", idx, undefined), false, undefined, true, keeper)[0];
  } catch (e) {
    if (e instanceof LoopRetrace) return native();
    throw e;
  }
}

export { whileLoop, type WhileOptions } from "./while.js";
