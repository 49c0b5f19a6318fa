// Custom derivative rules, in the spirit of JAX's custom_jvp/custom_vjp and ChainRulesCore's
// frule/rrule. Both work under forward and reverse mode and under nesting:
//  - customVjp under reverse mode uses the user's pullback; under forward mode it
//    differentiates f itself (a VJP rule says nothing about tangents).
//  - customJvp under forward mode uses the user's JVP rule; under reverse mode that rule is
//    transposed: it is linear in the tangents, so recording it once on a fresh tape and
//    sweeping that tape backwards gives exactly its transpose.

import { NDArray } from "../array/ndarray.js";
import { ArgumentError, MissingRuleError } from "../base/errors.js";
import type { Primitive } from "../core/primitive.js";
import { runWith, Tracer, ZERO, type MaybeZero, type Value } from "../core/tracer.js";
import { ForwardInterpreter } from "./forward.js";
import { Tape, TapeNode } from "./reverse.js";
import { zerosLike } from "./args.js";

type Leaf = number | NDArray;

function topTracer(args: readonly unknown[]): Tracer | null {
  let top: Tracer | null = null;
  for (const a of args) if (a instanceof Tracer && (top === null || a.level > top.level)) top = a;
  return top;
}

function checkArgs(op: string, args: readonly unknown[]): void {
  args.forEach((a, i) => {
    if (typeof a !== "number" && !(a instanceof Tracer) && !(a instanceof NDArray)) {
      throw new ArgumentError(op, `argument ${i} is ${typeof a}; custom rules take numbers and NDArrays as positional arguments`);
    }
  });
}

/** The user's functions must be functions (calling a non-function was an internal TypeError). */
function checkFns(op: string, fns: Record<string, unknown>): void {
  for (const [name, fn] of Object.entries(fns)) {
    if (typeof fn !== "function") throw new ArgumentError(op, `${name} must be a function, got ${fn === null ? "null" : typeof fn}`);
  }
}

/** A rule's [value, derivative] result; anything else is the user's error, reported as such (not "not iterable"). */
function pairFrom<T>(op: string, rule: string, v: unknown): [T, T] {
  if (!Array.isArray(v) || v.length !== 2) {
    throw new ArgumentError(op, `${rule} must return a pair [output, ${op === "customJvp" ? "output tangent" : "residuals"}], got ${Array.isArray(v) ? `an array of ${v.length}` : typeof v}`);
  }
  return v as [T, T];
}

/** A tape line whose pullback is computed once per cotangent by `pullbackAll`. */
/**
 * `tangent(t, i)` is the line's JVP for argument i, used when a recording is swept forward
 * (linearize, forwardTrace); a line without one refuses rather than contribute a silent zero.
 */
function customLine(name: string, pullbackAll: (g: Value) => readonly MaybeZero[], tangent?: (t: Value, i: number) => MaybeZero): Primitive<unknown> {
  let lastG: Value | undefined;
  let lastCts: readonly MaybeZero[] = [];
  const cached = (g: Value): readonly MaybeZero[] => {
    if (g !== lastG) {
      lastCts = pullbackAll(g);
      lastG = g;
    }
    return lastCts;
  };
  return {
    name,
    broadcasts: false,
    infer: () => {
      throw new ArgumentError(name, "a custom rule line is never re-evaluated");
    },
    impl: () => {
      throw new ArgumentError(name, "a custom rule line is never re-evaluated");
    },
    rule: {
      kind: "linear",
      jvp: [],
      vjp: [],
      variadic: {
        jvp: (t, i) => {
          if (tangent === undefined) {
            throw new MissingRuleError(name, "a customVjp line has no forward rule, so a recorded trace holding one cannot be swept forward (linearize, forwardTrace); use jvp, which differentiates f itself, or give the function a customJvp rule");
          }
          return tangent(t, i);
        },
        vjp: (g, i) => cached(g)[i] ?? ZERO,
      },
    },
    display: { primal: (args) => `${name}(${args.join(", ")})` },
  };
}

function splitTape(tape: Tape, args: readonly Value[]): { primals: Value[]; parents: (TapeNode | null)[] } {
  return { primals: args.map((a) => (tape.own(a) ? a.primal : a)), parents: args.map((a) => (tape.own(a) ? a : null)) };
}

/**
 * f with a hand-written reverse rule. `fwd(...args)` returns [f(...args), residuals];
 * `bwd(residuals, ȳ)` returns one cotangent per argument.
 */
export function customVjp<A extends Leaf[], R extends Leaf, Res>(
  f: (...args: A) => R,
  fwd: (...args: A) => [R, Res],
  bwd: (residuals: Res, cotangent: R) => { [K in keyof A]: A[K] | null },
): (...args: A) => R {
  checkFns("customVjp", { f, fwd, bwd });
  return (...args: A): R => {
    checkArgs("customVjp", args);
    const top = topTracer(args);
    if (top === null || !(top.interp instanceof Tape)) return f(...args);
    const tape = top.interp;
    const { primals } = splitTape(tape, args as unknown as Value[]);
    const [out, res] = pairFrom<unknown>("customVjp", "fwd", fwd(...(primals as unknown as A))) as [R, Res];
    const line = customLine("customVjp", (g) => {
      const cts = bwd(res, g as R) as readonly (Value | null)[];
      if (!Array.isArray(cts) || cts.length !== args.length) throw new ArgumentError("customVjp", `bwd returned ${Array.isArray(cts) ? cts.length : typeof cts} cotangents for ${args.length} arguments; return one per argument (null for none)`);
      return cts.map((c) => (c === null ? ZERO : c));
    });
    return tape.record(line, args.slice() as unknown as Value[], out as Value, undefined) as unknown as R;
  };
}

/**
 * f with a hand-written forward rule: `jvp(primals, tangents)` returns [f(primals), ḟ], linear
 * in the tangents. Reverse mode transposes it automatically.
 */
export function customJvp<A extends Leaf[], R extends Leaf>(
  f: (...args: A) => R,
  jvpRule: (primals: A, tangents: A) => [R, R],
): (...args: A) => R {
  checkFns("customJvp", { f, jvpRule });
  return (...args: A): R => {
    checkArgs("customJvp", args);
    const top = topTracer(args);
    if (top === null) return f(...args);
    const interp = top.interp;
    if (interp instanceof ForwardInterpreter) {
      const primals: Value[] = [], tangents: Value[] = [];
      for (const a of args as unknown as Value[]) {
        const [p, t] = interp.split(a);
        primals.push(p);
        tangents.push(t === ZERO ? zerosLike(p) : t);
      }
      const [out, tOut] = pairFrom<R>("customJvp", "jvpRule", jvpRule(primals as unknown as A, tangents as unknown as A));
      return interp.lift(out as Value, tOut as Value) as unknown as R;
    }
    if (interp instanceof Tape) {
      const { primals, parents } = splitTape(interp, args as unknown as Value[]);
      // Record the rule's tangent computation on its own tape, tangents as inputs.
      const inner = new Tape();
      const tIn = primals.map((p, i) => (parents[i] ? inner.input(zerosLike(p)) : zerosLike(p)));
      const [out, tOut] = runWith(inner, () => pairFrom<R>("customJvp", "jvpRule", jvpRule(primals as unknown as A, tIn as unknown as A)));
      const line = customLine(
        "customJvp",
        (g) => {
          if (!inner.own(tOut as Value)) return primals.map(() => ZERO);
          const adj = inner.backward([[tOut as unknown as TapeNode, g]]);
          return tIn.map((t) => (inner.own(t) ? adj(t.index) : ZERO));
        },
        // Forward: the rule's own tangent computation, replayed by a sweep over its recording.
        (t, i) => {
          const input = tIn[i]!;
          if (!inner.own(tOut as Value) || !inner.own(input)) return ZERO;
          return inner.forward([[input, t]])[(tOut as unknown as TapeNode).index]!;
        },
      );
      return interp.record(line, args.slice() as unknown as Value[], out as Value, undefined) as unknown as R;
    }
    return f(...args);
  };
}
