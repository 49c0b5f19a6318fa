// Custom derivative rules, in the spirit of JAX's custom_jvp/custom_vjp and ChainRulesCore's
// frule/rrule. Arguments and outputs are pytrees (numbers and NDArrays inside plain arrays and
// objects), and every derivative a rule returns is checked against the value it belongs to.
//  - customVjp under reverse mode uses the user's pullback, and nested reverse or
//    forward-over-reverse (hessian, hvp) differentiate that pullback. Forward mode refuses, as
//    JAX does: a VJP rule says nothing about tangents, and differentiating f instead would
//    silently ignore the rule. jacobian picks reverse mode for such a function by itself.
//  - customJvp under forward mode uses the user's JVP rule; under reverse mode that rule is
//    transposed: it is linear in the tangents, so recording it once on a fresh tape and
//    sweeping that tape backwards gives exactly its transpose.
//  - Under vmap both are custom functions again one level down, over the batches, with the
//    user's functions batched (vmap-custom.ts): the rule stays the rule below vmap too.

import { zeros } from "../array/ndarray.js";
import { ArgumentError, MissingRuleError } from "../base/errors.js";
import { KERNEL } from "../core/lowering.js";
import type { Primitive } from "../core/primitive.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { dtypeOf, runWith, shapeOf, Tracer, ZERO, type Interpreter, type MaybeZero, type Value, type Zero } from "../core/tracer.js";
import { astype, concat, reshape, slice, toScalar } from "../ops/api.js";
import { matchTree, zerosLike } from "./args.js";
import { denseOrZero } from "./chain.js";
import { ForwardInterpreter } from "./forward.js";
import { Tape, TapeNode } from "./reverse.js";
import { BatchInterpreter } from "./batch.js";
import { batchCustomJvp, batchCustomVjp } from "./vmap-custom.js";

/** The user's functions must be functions (calling a non-function was an internal TypeError). */
function checkFns(op: string, fns: Record<string, unknown>): void {
  for (const [name, fn] of Object.entries(fns)) {
    if (typeof fn !== "function") throw new ArgumentError(op, `${name} must be a function, got ${fn === null ? "null" : typeof fn}`);
  }
}

/** A rule's [value, derivative] result; anything else is the user's error, reported as such (not "not iterable"). */
function pairFrom(op: string, rule: string, second: string, v: unknown): [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) {
    throw new ArgumentError(op, `${rule} must return a pair [output, ${second}], got ${Array.isArray(v) ? `an array of ${v.length}` : typeof v}`);
  }
  return v as [unknown, unknown];
}

/** "customVjp(name)": the op the messages name, with the user's function when it has a name. */
function opName(kind: string, f: (...a: never[]) => unknown): string {
  return f.name ? `${kind}(${f.name})` : kind;
}

function forwardRefusal(name: string): MissingRuleError {
  return new MissingRuleError(
    name,
    "has a reverse rule only (customVjp), so forward mode (jvp, jacfwd, linearize, forwardTrace) cannot differentiate it: differentiating the function itself would silently ignore the rule. Give it a forward rule with customJvp, or use reverse mode: grad, vjp or jacrev (jacobian picks reverse mode for it by itself)",
  );
}

/** The arguments flattened: each one's structure, and all leaves in order. */
interface FlatArgs {
  readonly defs: TreeDef[];
  /** The leaves of argument k are leaves[starts[k] .. starts[k + 1]). */
  readonly starts: number[];
  readonly leaves: Value[];
}

function flattenArgs(op: string, args: readonly unknown[]): FlatArgs {
  const defs: TreeDef[] = [], starts: number[] = [0], leaves: Value[] = [];
  for (const a of args) {
    defs.push(flatten(a, leaves, op).def);
    starts.push(leaves.length);
  }
  return { defs, starts, leaves };
}

/** The arguments rebuilt from (new) leaves. */
function rebuild(fa: FlatArgs, leaves: readonly unknown[]): unknown[] {
  return fa.defs.map((d, k) => unflatten(d, leaves.slice(fa.starts[k], fa.starts[k + 1])));
}

function topInterp(leaves: readonly Value[]): Interpreter | null {
  let top: Tracer | null = null;
  for (const a of leaves) if (a instanceof Tracer && (top === null || a.level > top.level)) top = a;
  return top === null ? null : top.interp;
}

function isFloat(v: Value): boolean {
  const d = dtypeOf(v);
  return d === "number" || d === "float64" || d === "float32";
}

// ---------------------------------------------------------------- several outputs, one line

/**
 * A tape line has one output. A rule with several float output leaves records one line whose
 * output is all of them packed into a flat float64 array (float32 leaves cast exactly both
 * ways); each output leaf is an ordinary slice of that line, so their cotangents reach the
 * rule packed the same way, all at once.
 */
interface Packing {
  readonly shapes: (readonly number[])[];
  readonly kinds: string[];
  readonly offsets: number[];
}

function packingOf(values: readonly Value[]): Packing {
  const shapes = values.map((v) => shapeOf(v)), offsets = [0];
  for (const s of shapes) offsets.push(offsets[offsets.length - 1]! + s.reduce((p, d) => p * d, 1));
  return { shapes, kinds: values.map((v) => dtypeOf(v)), offsets };
}

function pack(p: Packing, values: readonly (Value | Zero)[]): Value {
  return concat(values.map((v, j) => {
    const n = p.offsets[j + 1]! - p.offsets[j]!;
    if (v === ZERO) return zeros([n]);
    const flat = reshape(v, [n]);
    return p.kinds[j] === "float32" ? astype(flat, "float64") : flat;
  }), 0);
}

function unpack(p: Packing, packed: Value): Value[] {
  return p.shapes.map((shape, j) => {
    const part = reshape(slice(packed, [p.offsets[j]!], [p.offsets[j + 1]!]), shape);
    const kind = p.kinds[j];
    return kind === "number" ? toScalar(part) : kind === "float32" ? astype(part, "float32") : part;
  });
}

/**
 * A tape line for a rule. `pullback(g)` gives the cotangents of the argument leaves for the
 * output cotangent g, once per g; `tangent(t, i)` is the line's JVP for argument leaf i, used
 * when a recording is swept forward (linearize, forwardTrace). A line without one refuses
 * rather than contribute a silent zero.
 */
function customLine(name: string, pullback: (g: Value) => readonly MaybeZero[], tangent: ((t: Value, i: number) => MaybeZero) | null): Primitive<unknown> {
  let lastG: Value | undefined;
  let lastCts: readonly MaybeZero[] = [];
  const never = (): never => {
    throw new ArgumentError(name, "a custom rule line is never re-evaluated");
  };
  return {
    name,
    broadcasts: false,
    infer: never,
    impl: never,
    rule: {
      kind: "linear",
      jvp: [],
      vjp: [],
      variadic: {
        jvp: (t, i) => {
          if (tangent === null) throw forwardRefusal(name);
          return tangent(t, i);
        },
        vjp: (g, i) => {
          if (g !== lastG) {
            lastCts = pullback(g);
            lastG = g;
          }
          return lastCts[i] ?? ZERO;
        },
      },
    },
    display: { primal: (args) => `${name}(${args.join(", ")})` },
    lower: KERNEL,
  };
}

/**
 * Records a rule on `tape` for argument leaves `args` (this level's values) and output leaves
 * `outs` (one level down), returning the output leaves as this level sees them. `pullback`
 * maps the output leaves' cotangents (ZERO where none) to the argument leaves' cotangents;
 * `tangents(t, i)`, when given, maps argument leaf i's tangent to the output leaves' tangents.
 */
function recordRule(
  tape: Tape,
  name: string,
  args: readonly Value[],
  outs: readonly Value[],
  pullback: (gs: readonly (Value | Zero)[]) => readonly MaybeZero[],
  tangents: ((t: Value, i: number) => readonly (Value | Zero)[]) | null,
): Value[] {
  const diff = outs.flatMap((o, j) => (isFloat(o) ? [j] : []));
  if (diff.length === 0) return outs.slice();
  const spread = (gs: readonly (Value | Zero)[]): (Value | Zero)[] => {
    const all: (Value | Zero)[] = outs.map(() => ZERO);
    diff.forEach((j, k) => (all[j] = gs[k]!));
    return all;
  };
  if (diff.length === 1) {
    const j = diff[0]!;
    const line = customLine(name, (g) => pullback(spread([g])), tangents && ((t, i) => tangents(t, i)[j]!));
    const result = outs.slice();
    result[j] = tape.record(line, args, outs[j]!, undefined);
    return result;
  }
  const p = packingOf(diff.map((j) => outs[j]!));
  const line = customLine(name, (g) => pullback(spread(unpack(p, g))), tangents && ((t, i) => {
    const ts = tangents(t, i);
    return diff.every((j) => ts[j] === ZERO) ? ZERO : pack(p, diff.map((j) => ts[j]!));
  }));
  const node = tape.record(line, args, pack(p, diff.map((j) => outs[j]!)), undefined);
  const parts = unpack(p, node);
  const result = outs.slice();
  diff.forEach((j, k) => (result[j] = parts[k]!));
  return result;
}

// ---------------------------------------------------------------- the two kinds of rule

/**
 * f with a hand-written reverse rule. `fwd(...args)` returns [f(...args), residuals];
 * `bwd(residuals, ȳ)` returns one cotangent per argument, each with its argument's structure,
 * shapes and dtypes (null for none). Arguments and outputs may be pytrees.
 *
 * @example
 * ```ts
 * // log(1 + eˣ) with a hand-written, overflow-free backward pass
 * const softplus = w.customVjp(
 *   (x: NDArray) => w.softplus(x),
 *   (x: NDArray) => [w.softplus(x), x],
 *   (x: NDArray, g: NDArray) => [w.mul(g, w.sigmoid(x))],
 * );
 * w.grad((x: NDArray) => w.sum(softplus(x)))(w.array([0, 100]));   // array([0.5, 1])
 * ```
 */
export function customVjp<A extends unknown[], R, Res>(
  f: (...args: A) => R,
  fwd: (...args: A) => [R, Res],
  bwd: (residuals: Res, cotangent: R) => { [K in keyof A]: A[K] | null },
): (...args: A) => R {
  checkFns("customVjp", { f, fwd, bwd });
  const name = opName("customVjp", f);
  return (...args: A): R => {
    const fa = flattenArgs(name, args);
    const interp = topInterp(fa.leaves);
    if (interp instanceof BatchInterpreter) return batchCustomVjp(interp, name, customVjp as never, { f, fwd, bwd } as never, args) as R;
    if (interp instanceof ForwardInterpreter) throw forwardRefusal(name);
    if (!(interp instanceof Tape)) {
      interp?.onCustomRule?.();
      return f(...args);
    }
    interp.customVjp = true;
    const primals = fa.leaves.map((l) => (interp.own(l) ? l.primal : l));
    const [out, res] = pairFrom(name, "fwd", "residuals", fwd(...(rebuild(fa, primals) as A)));
    const { def: outDef, leaves: outs } = flatten(out, [], name);
    const pullback = (gs: readonly (Value | Zero)[]): MaybeZero[] => {
      const ct = unflatten(outDef, gs.map((g, j) => (g === ZERO ? zerosLike(outs[j]!) : g)));
      const cts = bwd(res as Res, ct as R) as unknown;
      if (!Array.isArray(cts) || cts.length !== args.length) {
        throw new ArgumentError(name, `bwd returned ${Array.isArray(cts) ? `${cts.length} cotangents` : typeof cts} for ${args.length} argument${args.length === 1 ? "" : "s"}; return one per argument (null for none)`);
      }
      return cts.flatMap((c: unknown, k: number): MaybeZero[] => {
        const like = primals.slice(fa.starts[k], fa.starts[k + 1]);
        if (c === null) return like.map(() => ZERO);
        return matchTree(name, `bwd's cotangent for argument ${k}`, `argument`, fa.defs[k]!, like, c);
      });
    };
    return unflatten(outDef, recordRule(interp, name, fa.leaves, outs, pullback, null)) as R;
  };
}

/**
 * f with a hand-written forward rule: `jvpRule(primals, tangents)` returns [f(...primals), ḟ],
 * linear in the tangents, ḟ with the output's structure, shapes and dtypes. Reverse mode
 * transposes it automatically. Arguments and outputs may be pytrees.
 *
 * @example
 * ```ts
 * // √x with the tangent ẋ/(2√x), and 0 (not ∞·0) at x = 0
 * const safeSqrt = w.customJvp(
 *   (x: number) => w.sqrt(x),
 *   ([x]: [number], [t]: [number]) => [w.sqrt(x), w.where(w.greater(x, 0), w.div(t, w.mul(2, w.sqrt(x))), 0)],
 * );
 * ```
 */
export function customJvp<A extends unknown[], R>(
  f: (...args: A) => R,
  jvpRule: (primals: A, tangents: A) => [R, R],
): (...args: A) => R {
  checkFns("customJvp", { f, jvpRule });
  const name = opName("customJvp", f);
  /** The rule's output and its checked output tangent leaves (run where the tangents live). */
  const apply = (fa: FlatArgs, ps: readonly Value[], ts: readonly Value[]): { def: TreeDef; outs: Value[]; touts: Value[] } => {
    const [out, tOut] = pairFrom(name, "jvpRule", "output tangent", jvpRule(rebuild(fa, ps) as A, rebuild(fa, ts) as A));
    const { def, leaves: outs } = flatten(out, [], name);
    return { def, outs, touts: matchTree(name, "jvpRule's output tangent", "output", def, outs, tOut) };
  };
  return (...args: A): R => {
    const fa = flattenArgs(name, args);
    const interp = topInterp(fa.leaves);
    if (interp instanceof BatchInterpreter) return batchCustomJvp(interp, name, customJvp as never, { f, jvpRule } as never, args) as R;
    if (interp instanceof ForwardInterpreter) {
      const ps: Value[] = [], ts: Value[] = [];
      for (const l of fa.leaves) {
        const [p, t] = interp.split(l);
        ps.push(p);
        ts.push(t === ZERO ? zerosLike(p) : t);
      }
      const { def, outs, touts } = apply(fa, ps, ts);
      return unflatten(def, outs.map((o, j) => (isFloat(o) ? interp.lift(o, touts[j]!) : o))) as R;
    }
    if (interp instanceof Tape) {
      const ps = fa.leaves.map((l) => (interp.own(l) ? l.primal : l));
      // Record the rule's tangent computation on its own tape, the tangents as its inputs.
      const inner = new Tape();
      const tIn = ps.map((p, i) => (interp.own(fa.leaves[i]!) && isFloat(p) ? inner.input(zerosLike(p)) : zerosLike(p)));
      const { def, outs, touts } = runWith(inner, () => apply(fa, ps, tIn));
      const pullback = (gs: readonly (Value | Zero)[]): MaybeZero[] => {
        const seeds: [TapeNode, Value][] = [];
        touts.forEach((t, j) => { if (inner.own(t) && gs[j] !== ZERO) seeds.push([t, gs[j] as Value]); });
        if (seeds.length === 0) return tIn.map(() => ZERO);
        const adj = inner.backward(seeds);
        return tIn.map((t) => (inner.own(t) ? adj(t.index) : ZERO));
      };
      // Forward: the rule's own tangent computation, replayed by a sweep over its recording.
      const tangents = (t: Value, i: number): (Value | Zero)[] => {
        const input = tIn[i]!;
        if (!inner.own(input)) return touts.map(() => ZERO);
        const tan = inner.forward([[input, t]]);
        return touts.map((o) => (inner.own(o) ? denseOrZero(tan[o.index]!) : ZERO));
      };
      return unflatten(def, recordRule(interp, name, fa.leaves, outs, pullback, tangents)) as R;
    }
    interp?.onCustomRule?.();
    return f(...args);
  };
}
