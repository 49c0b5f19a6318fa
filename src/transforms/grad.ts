// Reverse mode's drivers: grad, valueAndGrad, vjp and linearize. Each records f once on a
// tape (the forward sweep) and then sweeps it: backwards for cotangents, forwards for
// linearize's tangents.

import { shapeStr, sizeOf } from "../array/ndarray.js";
import { ArgumentError, NonScalarOutputError } from "../base/errors.js";
import { flatten, LEAF, unflatten, type TreeDef } from "../core/pytree.js";
import { runWith, Scattered, shapeOf, transformRunning, ZERO, type Masked, type MaybeZero, type Value } from "../core/tracer.js";
import { argnumsCache, asLeafOf, checkFloatOutputs, outputTree, checkLeaves, checkTransform, matchTree, onesLike, zerosLike, type ArgnumsOption, type Fn, type GradOf, type Pick, type ScalarOut } from "./args.js";
import { dense, denseOrZero } from "./chain.js";
import { Tape, type TapeNode } from "./reverse.js";

export interface Traced {
  /** Each selected argument's structure and its input nodes. */
  readonly inputs: readonly { readonly def: TreeDef; readonly nodes: readonly TapeNode[] }[];
  readonly outDef: TreeDef;
  readonly outLeaves: readonly Value[];
  readonly tape: Tape;
}

/** Runs f once on tape nodes for the selected arguments (the forward sweep of reverse mode). */
export function record(op: string, f: Fn<unknown[], unknown>, args: readonly unknown[], argnums: readonly number[]): Traced {
  const tape = new Tape();
  const callArgs = args.slice();
  const inputs = argnums.map((k) => {
    const a = args[k];
    if (typeof a === "number") {
      // A plain number argument: one input node, no structure to flatten or check.
      const node = tape.input(a);
      callArgs[k] = node;
      return { def: LEAF, nodes: [node] };
    }
    const { def, leaves } = flatten(a);
    checkLeaves(op, k, leaves, def);
    const nodes = leaves.map((l) => tape.input(l));
    callArgs[k] = def.kind === "leaf" ? nodes[0] : unflatten(def, nodes);
    return { def, nodes };
  });
  // Only a tape no other transform encloses may pool its arrays: an enclosing one may have
  // taken any concrete array made here (a cotangent, say) as a constant of its own.
  if (!transformRunning()) tape.poolable = true;
  const out = tape.logged(() => runWith(tape, () => f(...callArgs)));
  const { def: outDef, leaves: outLeaves } = outputTree(op, out, true, op === "grad" || op === "hessian" ? NonScalarOutputError : ArgumentError);
  return { inputs, outDef, outLeaves, tape };
}

export function primalOf(tape: Tape, v: Value): Value {
  return tape.own(v) ? v.primal : v;
}

/** Cotangents of the selected arguments for output cotangents `cts` (one per output leaf). */
export function pull(t: Traced, cts: readonly MaybeZero[]): unknown[] {
  const seeds: [TapeNode, Value | Masked][] = [];
  t.outLeaves.forEach((l, i) => {
    const ct = cts[i]!;
    if (ct !== ZERO && t.tape.own(l)) seeds.push([l, ct instanceof Scattered ? dense(ct) : ct]);
  });
  const adj = t.tape.backward(seeds);
  return t.inputs.map(({ def, nodes }) => {
    const g = nodes.map((n) => {
      const a = adj(n.index);
      return a === ZERO ? zerosLike(n.primal) : asLeafOf(a, n.primal);
    });
    return def.kind === "leaf" ? g[0] : unflatten(def, g);
  });
}

function scalarOutput(op: string, t: Traced): Value {
  const leaves = t.outLeaves;
  const only = leaves[0];
  if (leaves.length !== 1 || only === undefined || t.outDef.kind !== "leaf") {
    throw new NonScalarOutputError(op, `the function returned ${leaves.length === 1 ? "a container" : `${leaves.length} values`}; ${op} needs a single scalar output (use vjp for several outputs, or jacobian)`);
  }
  checkFloatOutputs(op, leaves);
  const shape = shapeOf(only);
  if (sizeOf(shape) !== 1) {
    throw new NonScalarOutputError(op, `the function returned an array of shape ${shapeStr(shape)}; ${op} needs a scalar output: reduce it (sum, mean), or use vjp(f, x) with a cotangent, or jacobian(f)`);
  }
  return only;
}

// ---------------------------------------------------------------- reverse mode

/**
 * The gradient of a scalar function, with the structure of the differentiated argument
 * (a number for a number, a number[] for a number[], an NDArray for an NDArray).
 *
 * @example
 * ```ts
 * const f = (x: number[]) => w.mul(w.square(x[0]!), x[1]!);
 * w.grad(f)([3, 2]);                     // [12, 9]
 * w.grad((a: number, b: number) => w.mul(a, b), { argnums: [0, 1] })(2, 5);   // [5, 2]
 * ```
 */
export function grad<A extends unknown[]>(f: Fn<A, ScalarOut>): Fn<A, GradOf<A[0]>>;
export function grad<A extends unknown[], const N extends number | readonly number[]>(f: Fn<A, ScalarOut>, opts: ArgnumsOption<N>): Fn<A, GradOf<Pick<A, N>>>;
export function grad(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): Fn<unknown[], unknown> {
  const vg = valueAndGrad(f as Fn<unknown[], ScalarOut>, opts);
  return (...args) => vg(...args)[1];
}

/**
 * [f(x), grad f(x)] from one forward and one reverse sweep.
 *
 * @example
 * ```ts
 * const [loss, g] = w.valueAndGrad((p: { w: NDArray }) => w.sum(w.square(p.w)))({ w: w.array([1, 2]) });
 * // loss = 5 (a 0-d array), g = { w: array([2, 4]) }
 * ```
 */
export function valueAndGrad<A extends unknown[], R extends ScalarOut>(f: Fn<A, R>): Fn<A, [R, GradOf<A[0]>]>;
export function valueAndGrad<A extends unknown[], R extends ScalarOut, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): Fn<A, [R, GradOf<Pick<A, N>>]>;
export function valueAndGrad(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): Fn<unknown[], [unknown, unknown]> {
  checkTransform("grad", f, opts);
  const many = Array.isArray(opts.argnums);
  const argnumsFor = argnumsCache("grad", opts.argnums);
  return (...args) => {
    const argnums = argnumsFor(args.length);
    const t = record("grad", f, args, argnums);
    const out = scalarOutput("grad", t);
    const grads = pull(t, [onesLike(out)]);
    const value = primalOf(t.tape, out);
    // Swept once, never again: its typed arrays, and the buffers of its intermediate arrays
    // (all but the value and the gradients), serve the next tape.
    t.tape.release([value, grads]);
    return [value, many ? grads : grads[0]];
  };
}

/**
 * Reverse mode in general: [f(...primals), pullback], where pullback(ȳ) returns the
 * cotangents of all arguments (a tuple). ȳ has the structure of the output.
 *
 * @example
 * ```ts
 * const [y, pullback] = w.vjp((x: NDArray) => w.sin(x), w.array([0, 1]));
 * pullback(w.array([1, 1]));            // [array([1, 0.5403…])]
 * ```
 */
export function vjp<A extends unknown[], R>(f: Fn<A, R>, ...primals: A): [R, (cotangent: R) => A] {
  checkTransform("vjp", f);
  const argnums = primals.map((_, i) => i);
  const t = record("vjp", f as Fn<unknown[], unknown>, primals, argnums);
  const out = unflatten(t.outDef, t.outLeaves.map((l) => primalOf(t.tape, l))) as R;
  const outPrimals = t.outLeaves.map((l) => primalOf(t.tape, l));
  const pullback = (cotangent: R): A => pull(t, matchTree("vjp", "cotangent", "output", t.outDef, outPrimals, cotangent)) as A;
  return [out, pullback];
}

/**
 * Returns `[f(...primals), jvp]`: f runs once, recorded; `jvp(...tangents)` then returns J·tangents by a
 * tangent sweep over that recording, without running f again — as many times as you like.
 *
 * @example
 * ```ts
 * const [y, jvpAt] = w.linearize((x: number) => w.exp(x), 1);
 * jvpAt(2);                             // 2e: J·2, f not run again
 * ```
 */
export function linearize<A extends unknown[], R>(f: Fn<A, R>, ...primals: A): [R, (...tangents: A) => R] {
  checkTransform("linearize", f);
  const t = record("linearize", f as Fn<unknown[], unknown>, primals, primals.map((_, i) => i));
  const out = unflatten(t.outDef, t.outLeaves.map((l) => primalOf(t.tape, l))) as R;
  const jvpAt = (...tangents: A): R => {
    if (tangents.length !== primals.length) {
      throw new ArgumentError("linearize", `got ${tangents.length} tangents for ${primals.length} arguments; pass one tangent per argument`);
    }
    const seeds: (readonly [TapeNode, Value])[] = [];
    t.inputs.forEach(({ def, nodes }, k) => {
      const what = primals.length === 1 ? "tangent" : `tangent of argument ${k}`;
      const leaves = matchTree("linearize", what, "primal", def, nodes.map((n) => n.primal), tangents[k]);
      nodes.forEach((n, i) => seeds.push([n, leaves[i]!]));
    });
    const tan = t.tape.forward(seeds);
    return unflatten(t.outDef, t.outLeaves.map((l) => {
      const ti = t.tape.own(l) ? denseOrZero(tan[l.index]!) : ZERO;
      return ti === ZERO ? zerosLike(primalOf(t.tape, l)) : ti;
    })) as R;
  };
  return [out, jvpAt];
}


