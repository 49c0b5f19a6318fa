// The public transforms: grad, valueAndGrad, vjp, jvp, jacfwd, jacrev, jacobian, hessian, hvp.
// Each call takes a fresh level, so transforms nest to any depth without confusing their
// perturbations; gradients and tangents have the structure of the arguments.

import { NDArray, shapeStr, sizeOf, zeros, type Shape } from "../array/ndarray.js";
import { ArgnumsError, ArgumentError, NonScalarOutputError, ShapeError } from "../core/errors.js";
import { showValue } from "../core/primitive.js";
import { flatten, LEAF, unflatten, type TreeDef } from "../core/pytree.js";
import { concrete, shapeOf, ZERO, type MaybeZero, type Value } from "../core/tracer.js";
import { dtypeOfValue, reshape, stack, toScalar } from "../ops/api.js";
import { ForwardInterpreter } from "./forward.js";
import { Tape, type TapeNode } from "./reverse.js";

/** A differentiable function's scalar output. */
export type ScalarOut = number | NDArray;
type Fn<A extends unknown[], R> = (...args: A) => R;

/** The Jacobian's structure: for each output leaf, the input's structure with blocks of shape out ++ in. */
export type JacobianOf<O, I> = O extends number
  ? I
  : O extends NDArray
    ? I extends number | NDArray ? NDArray : LeavesAs<I, NDArray>
    : { [K in keyof O]: JacobianOf<O[K], I> };
type LeavesAs<T, L> = T extends number | NDArray ? L : { [K in keyof T]: LeavesAs<T[K], L> };
type Pick<A extends unknown[], N> = N extends number ? A[N] : { [K in keyof N]: N[K] extends number ? A[N[K]] : never };

export interface ArgnumsOption<N extends number | readonly number[]> {
  /** Which arguments to differentiate with respect to (default 0). An array gives a tuple. */
  readonly argnums?: N;
}

// ---------------------------------------------------------------- helpers

export function zerosLike(v: Value): Value {
  const c = concrete(v);
  if (typeof c === "number" || typeof c === "boolean") return 0;
  return zeros(c.shape, c.dtype === "float32" ? "float32" : "float64");
}

export function onesLike(v: Value): Value {
  const c = concrete(v);
  if (typeof c === "number" || typeof c === "boolean") return 1;
  const out = zeros(c.shape, c.dtype === "float32" ? "float32" : "float64");
  out.data.fill(1);
  return out;
}

/**
 * A transform's own arguments: a function and an options object. Checked up front because
 * calling a non-function (or reading argnums of null) surfaced as an internal TypeError.
 */
function checkTransform(op: string, f: unknown, opts?: unknown): void {
  if (typeof f !== "function") {
    throw new ArgumentError(op, `expected the function to transform, got ${f === null ? "null" : typeof f}; pass e.g. ${op}((x) => mul(x, x))`);
  }
  if (opts !== undefined && (typeof opts !== "object" || opts === null)) {
    throw new ArgumentError(op, `options must be an object such as { argnums: [0, 1] }, got ${opts === null ? "null" : typeof opts}`);
  }
}

function normArgnums(op: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  if (argnums !== undefined && typeof argnums !== "number" && !Array.isArray(argnums)) {
    throw new ArgnumsError(op, `argnums ${showValue(argnums)} must be an argument index or an array of them, e.g. 0 or [0, 1]`);
  }
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : [...argnums];
  if (list.length === 0) throw new ArgnumsError(op, "argnums is empty; name at least one argument, e.g. { argnums: 0 }");
  for (const k of list) {
    if (!Number.isInteger(k) || k < 0 || k >= nargs) {
      throw new ArgnumsError(op, `argnums ${showValue(argnums)} names argument ${showValue(k)}, but the function was called with ${nargs} argument${nargs === 1 ? "" : "s"}; use indices in [0, ${nargs - 1}]`);
    }
  }
  if (new Set(list).size !== list.length) throw new ArgnumsError(op, `argnums ${showValue(argnums)} repeats an argument; name each once`);
  return list;
}

/** normArgnums for one transform's fixed argnums, validated once per argument count. */
function argnumsCache(op: string, argnums: number | readonly number[] | undefined): (nargs: number) => number[] {
  let n = -1;
  let list: number[] = [];
  return (nargs) => {
    if (nargs !== n) {
      list = normArgnums(op, argnums, nargs);
      n = nargs;
    }
    return list;
  };
}

function checkLeaves(op: string, argIndex: number, leaves: readonly Value[], def: TreeDef): void {
  if (leaves.length === 0) {
    throw new ArgumentError(op, `argument ${argIndex} (${def.kind === "static" ? typeof (def as { value: unknown }).value : "a container"}) holds no number or NDArray to differentiate; pass numbers, NDArrays, or arrays/objects of them`);
  }
  for (const l of leaves) {
    const c = concrete(l);
    if (c instanceof NDArray && c.dtype !== "float64" && c.dtype !== "float32") {
      throw new ArgumentError(op, `argument ${argIndex} holds a ${c.dtype}${shapeStr(c.shape)} array; only float64/float32 arrays are differentiable (convert with astype)`);
    }
  }
}

/** The leaf's structure-preserving adjoint: numbers stay numbers. */
function asLeafOf(v: Value, like: Value): Value {
  if (typeof v !== "number" && typeof concrete(like) === "number" && typeof concrete(v) !== "number") return toScalar(v);
  return v;
}

interface Traced {
  /** Each selected argument's structure and its input nodes. */
  readonly inputs: readonly { readonly def: TreeDef; readonly nodes: readonly TapeNode[] }[];
  readonly outDef: TreeDef;
  readonly outLeaves: readonly Value[];
  readonly tape: Tape;
}

/** Runs f once on tape nodes for the selected arguments (the forward sweep of reverse mode). */
function record(op: string, f: Fn<unknown[], unknown>, args: readonly unknown[], argnums: readonly number[]): Traced {
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
  let out: unknown;
  try {
    out = f(...callArgs);
  } finally {
    tape.active = false;
  }
  const { def: outDef, leaves: outLeaves } = flatten(out);
  return { inputs, outDef, outLeaves, tape };
}

function primalOf(tape: Tape, v: Value): Value {
  return tape.own(v) ? v.primal : v;
}

/** Cotangents of the selected arguments for output cotangents `cts` (one per output leaf). */
function pull(t: Traced, cts: readonly MaybeZero[]): unknown[] {
  const seeds: [TapeNode, Value][] = [];
  t.outLeaves.forEach((l, i) => {
    const ct = cts[i]!;
    if (ct !== ZERO && t.tape.own(l)) seeds.push([l, ct]);
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
 */
export function grad<A extends unknown[]>(f: Fn<A, ScalarOut>): Fn<A, A[0]>;
export function grad<A extends unknown[], const N extends number | readonly number[]>(f: Fn<A, ScalarOut>, opts: ArgnumsOption<N>): Fn<A, Pick<A, N>>;
export function grad(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): Fn<unknown[], unknown> {
  const vg = valueAndGrad(f as Fn<unknown[], ScalarOut>, opts);
  return (...args) => vg(...args)[1];
}

/** [f(x), grad f(x)] from one forward and one reverse sweep. */
export function valueAndGrad<A extends unknown[]>(f: Fn<A, ScalarOut>): Fn<A, [ScalarOut, A[0]]>;
export function valueAndGrad<A extends unknown[], const N extends number | readonly number[]>(f: Fn<A, ScalarOut>, opts: ArgnumsOption<N>): Fn<A, [ScalarOut, Pick<A, N>]>;
export function valueAndGrad(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): Fn<unknown[], [unknown, unknown]> {
  checkTransform("grad", f, opts);
  const many = Array.isArray(opts.argnums);
  const argnumsFor = argnumsCache("grad", opts.argnums);
  return (...args) => {
    const argnums = argnumsFor(args.length);
    const t = record("grad", f, args, argnums);
    const out = scalarOutput("grad", t);
    const grads = pull(t, [onesLike(out)]);
    t.tape.release(); // swept once, never again: its buffers serve the next tape
    return [primalOf(t.tape, out), many ? grads : grads[0]];
  };
}

/**
 * Reverse mode in general: [f(...primals), pullback], where pullback(ȳ) returns the
 * cotangents of all arguments (a tuple). ȳ has the structure of the output.
 */
export function vjp<A extends unknown[], R>(f: Fn<A, R>, ...primals: A): [R, (cotangent: R) => A] {
  checkTransform("vjp", f);
  const argnums = primals.map((_, i) => i);
  const t = record("vjp", f as Fn<unknown[], unknown>, primals, argnums);
  const out = unflatten(t.outDef, t.outLeaves.map((l) => primalOf(t.tape, l))) as R;
  const pullback = (cotangent: R): A => {
    const { leaves } = flatten(cotangent);
    if (leaves.length !== t.outLeaves.length) {
      throw new ShapeError("vjp", `the cotangent has ${leaves.length} leaves but the output has ${t.outLeaves.length}; pass a cotangent with the output's structure`);
    }
    leaves.forEach((c, i) => {
      const so = shapeOf(t.outLeaves[i]!), sc = shapeOf(c);
      if (so.length !== sc.length || so.some((d, k) => d !== sc[k])) {
        throw new ShapeError("vjp", `cotangent leaf ${i} has shape ${shapeStr(sc)} but the output has ${shapeStr(so)}; they must match`);
      }
    });
    return pull(t, leaves) as A;
  };
  return [out, pullback];
}

/**
 * [f(...primals), jvp]: f runs once, recorded; `jvp(...tangents)` then returns J·tangents by a
 * tangent sweep over that recording, without running f again — as many times as you like.
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
    t.inputs.forEach(({ nodes }, k) => {
      const leaves = flatten(tangents[k]).leaves;
      if (leaves.length !== nodes.length) {
        throw new ShapeError("linearize", `argument ${k}: the tangent has ${leaves.length} leaves but the primal has ${nodes.length}; give the tangent the primal's structure`);
      }
      nodes.forEach((n, i) => {
        const sp = shapeOf(n.primal), st = shapeOf(leaves[i]!);
        if (sp.length !== st.length || sp.some((d, j) => d !== st[j])) {
          throw new ShapeError("linearize", `argument ${k} leaf ${i}: tangent shape ${shapeStr(st)} differs from primal shape ${shapeStr(sp)}`);
        }
        seeds.push([n, leaves[i]!]);
      });
    });
    const tan = t.tape.forward(seeds);
    return unflatten(t.outDef, t.outLeaves.map((l) => {
      const ti = t.tape.own(l) ? tan[l.index]! : ZERO;
      return ti === ZERO ? zerosLike(primalOf(t.tape, l)) : ti;
    })) as R;
  };
  return [out, jvpAt];
}

// ---------------------------------------------------------------- forward mode

/** Forward mode: [f(...primals), J·tangents] in one pass. Tangents have the structure of the primals. */
export function jvp<A extends unknown[], R>(f: Fn<A, R>, primals: A, tangents: A): [R, R] {
  checkTransform("jvp", f);
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new ArgumentError("jvp", `primals and tangents must be arrays with one entry per argument, got ${typeof primals} and ${typeof tangents}; e.g. jvp(f, [x], [1])`);
  }
  if (primals.length !== tangents.length) {
    throw new ArgumentError("jvp", `got ${primals.length} primals but ${tangents.length} tangents; pass one tangent per argument`);
  }
  const fi = new ForwardInterpreter();
  const callArgs = primals.map((p, k) => {
    const { def, leaves } = flatten(p);
    const tl = flatten(tangents[k]).leaves;
    if (tl.length !== leaves.length) {
      throw new ShapeError("jvp", `argument ${k}: the tangent has ${tl.length} leaves but the primal has ${leaves.length}; give the tangent the primal's structure`);
    }
    const wrapped = leaves.map((l, i) => {
      const sp = shapeOf(l), st = shapeOf(tl[i]!);
      if (sp.length !== st.length || sp.some((d, j) => d !== st[j])) {
        throw new ShapeError("jvp", `argument ${k} leaf ${i}: tangent shape ${shapeStr(st)} differs from primal shape ${shapeStr(sp)}`);
      }
      return fi.lift(l, tl[i]!);
    });
    return def.kind === "leaf" ? wrapped[0] : unflatten(def, wrapped);
  }) as A;
  let out: R;
  try {
    out = f(...callArgs);
  } finally {
    fi.active = false;
  }
  const { def, leaves } = flatten(out);
  const ps: Value[] = [], ts: Value[] = [];
  for (const l of leaves) {
    const [p, t] = fi.split(l);
    ps.push(p);
    ts.push(t === ZERO ? zerosLike(p) : t);
  }
  return [unflatten(def, ps) as R, unflatten(def, ts) as R];
}

// ---------------------------------------------------------------- Jacobians

/** One basis direction of a leaf: 1 for a number, a one-hot array for an array. */
function basis(leaf: Value, e: number): Value {
  const c = concrete(leaf);
  if (typeof c === "number" || typeof c === "boolean") return 1;
  const b = zeros(c.shape, c.dtype === "float32" ? "float32" : "float64");
  b.data[e] = 1;
  return b;
}

function leafSize(v: Value): number {
  return sizeOf(shapeOf(v));
}

function isJsNumber(v: Value): boolean {
  return typeof concrete(v) === "number";
}

/** Stacks per-element results into a block of shape `lead ++ trail`. */
function assemble(parts: readonly Value[], leadShape: Shape, trailShape: Shape, stackFirst: boolean): Value {
  // No parts: one side is empty, and so is the block.
  if (parts.length === 0) return zeros([...leadShape, ...trailShape]);
  // A single part holds the whole block but not always its shape: size-1 axes of the other side
  // are missing (jacfwd of sum over a [1] input gave shape [] instead of [1]; a number part for a
  // 0-d array gave a number), so reshape it to lead ++ trail.
  if (parts.length === 1) return reshape(parts[0]!, [...leadShape, ...trailShape]);
  const stacked = stack(parts as NDArray[], stackFirst ? 0 : shapeOf(parts[0]!).length);
  return reshape(stacked, [...leadShape, ...trailShape]);
}

interface JacInput {
  readonly argnums: number[];
  readonly defs: TreeDef[];
  readonly leaves: Value[];
  /** leaf index → [argument slot, leaf index within it] */
  readonly owner: [number, number][];
}

function selectInputs(op: string, args: readonly unknown[], argnums: number[]): JacInput {
  const defs: TreeDef[] = [], leaves: Value[] = [], owner: [number, number][] = [];
  argnums.forEach((k, slot) => {
    const fl = flatten(args[k]);
    checkLeaves(op, k, fl.leaves, fl.def);
    defs.push(fl.def);
    fl.leaves.forEach((l, j) => {
      leaves.push(l);
      owner.push([slot, j]);
    });
  });
  return { argnums, defs, leaves, owner };
}

/** Builds the Jacobian structure from blocks[outLeaf][inLeaf]. */
function buildJacobian(outDef: TreeDef, input: JacInput, many: boolean, blocks: Value[][]): unknown {
  const perOut = blocks.map((row) => {
    const trees = input.defs.map((def, slot) => {
      const mine = row.filter((_, j) => input.owner[j]![0] === slot);
      return def.kind === "leaf" ? mine[0] : unflatten(def, mine);
    });
    return many ? trees : trees[0];
  });
  return outDef.kind === "leaf" ? perOut[0] : unflatten(outDef, perOut);
}

function withArgs(args: readonly unknown[], input: JacInput, leaves: readonly Value[]): unknown[] {
  const callArgs = args.slice();
  let pos = 0;
  input.argnums.forEach((k, slot) => {
    const def = input.defs[slot]!;
    const n = input.owner.filter(([s]) => s === slot).length;
    const mine = leaves.slice(pos, pos + n);
    pos += n;
    callArgs[k] = def.kind === "leaf" ? mine[0] : unflatten(def, mine);
  });
  return callArgs;
}

function jacForward(f: Fn<unknown[], unknown>, args: readonly unknown[], input: JacInput, many: boolean): unknown {
  let outDef: TreeDef | undefined;
  let outPrimals: Value[] = [];
  // columns[i][j]: tangents of output leaf i, one per element of input leaf j.
  const columns: Value[][][] = [];
  input.leaves.forEach((leaf, j) => {
    const n = leafSize(leaf);
    for (let e = 0; e < n; e++) {
      const fi = new ForwardInterpreter();
      const leaves = input.leaves.slice();
      leaves[j] = fi.lift(leaf, basis(leaf, e));
      let out: unknown;
      try {
        out = f(...withArgs(args, input, leaves));
      } finally {
        fi.active = false;
      }
      const fl = flatten(out);
      if (outDef === undefined) {
        outDef = fl.def;
        outPrimals = fl.leaves.map((l) => fi.split(l)[0]);
        for (let i = 0; i < fl.leaves.length; i++) columns.push(input.leaves.map(() => []));
      }
      fl.leaves.forEach((l, i) => {
        const [p, t] = fi.split(l);
        columns[i]![j]!.push(t === ZERO ? zerosLike(p) : t);
      });
    }
  });
  if (outDef === undefined) {
    // Every selected leaf is empty, so no JVP ran (and buildJacobian read an undefined outDef):
    // evaluate f once for the output's structure; each block is empty.
    const fl = flatten(f(...args));
    outDef = fl.def;
    outPrimals = fl.leaves;
    for (let i = 0; i < fl.leaves.length; i++) columns.push(input.leaves.map(() => []));
  }
  const blocks = outPrimals.map((op, i) =>
    input.leaves.map((leaf, j) => {
      const parts = columns[i]![j]!;
      if (isJsNumber(leaf)) return parts[0]!;
      return assemble(parts, shapeOf(op), shapeOf(leaf), false);
    }),
  );
  return buildJacobian(outDef!, input, many, blocks);
}

function jacReverse(t: Traced, input: JacInput, many: boolean): unknown {
  const flatGrads = (cts: MaybeZero[]): Value[] => (pull(t, cts) as unknown[]).flatMap((g, slot) => (input.defs[slot]!.kind === "leaf" ? [g as Value] : flatten(g).leaves));
  const outs = t.outLeaves;
  const blocks = outs.map((ol, i) => {
    const n = leafSize(ol);
    // rows[e][j]: gradient of element e of output leaf i with respect to input leaf j.
    const rows: Value[][] = [];
    for (let e = 0; e < n; e++) {
      const cts = outs.map((_, k) => (k === i ? basis(ol, e) : ZERO));
      rows.push(flatGrads(cts));
    }
    return input.leaves.map((leaf, j) => {
      const parts = rows.map((r) => r[j]!);
      if (isJsNumber(ol)) return parts[0]!;
      return assemble(parts, shapeOf(ol), shapeOf(leaf), true);
    });
  });
  return buildJacobian(t.outDef, input, many, blocks);
}

function jacWith(mode: "forward" | "reverse" | "auto", op: string, f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]>) {
  const many = Array.isArray(opts.argnums);
  const jf = (...args: unknown[]): unknown => {
    const argnums = normArgnums(op, opts.argnums, args.length);
    const input = selectInputs(op, args, argnums);
    if (mode === "forward") {
      jf.lastMode = "forward";
      return jacForward(f, args, input, many);
    }
    // Reverse mode records once; auto mode uses that recording to count the outputs, then
    // picks forward when inputs ≤ outputs (n JVPs) and reverse otherwise (m VJPs).
    const t = record(op, f, args, argnums);
    const nIn = input.leaves.reduce<number>((s, l) => s + leafSize(l), 0);
    const nOut = t.outLeaves.reduce<number>((s, l) => s + leafSize(l), 0);
    if (mode === "auto" && nIn <= nOut) {
      t.tape.release(); // recorded only to count the outputs
      jf.lastMode = "forward";
      return jacForward(f, args, input, many);
    }
    jf.lastMode = "reverse";
    return jacReverse(t, input, many);
  };
  jf.lastMode = undefined as "forward" | "reverse" | undefined;
  return jf;
}

/** A Jacobian function that also reports which mode its last call used. */
export type JacobianFn<A extends unknown[], J> = Fn<A, J> & { lastMode: "forward" | "reverse" | undefined };

/** Jacobian by forward mode: one JVP per input element. Rows are indexed by outputs. */
export function jacfwd<A extends unknown[], R>(f: Fn<A, R>): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacfwd<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacfwd(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("jacfwd", f, opts);
  return jacWith("forward", "jacfwd", f, opts);
}

/** Jacobian by reverse mode: one VJP per output element, from a single recording. */
export function jacrev<A extends unknown[], R>(f: Fn<A, R>): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacrev<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacrev(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("jacrev", f, opts);
  return jacWith("reverse", "jacrev", f, opts);
}

/** Jacobian by the cheaper mode: forward when inputs ≤ outputs, reverse otherwise. */
export function jacobian<A extends unknown[], R>(f: Fn<A, R>): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacobian<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacobian(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("jacobian", f, opts);
  return jacWith("auto", "jacobian", f, opts);
}

/** The Hessian, forward-over-reverse (jacfwd of grad): number[] → number[][]. */
export function hessian<A extends unknown[]>(f: Fn<A, ScalarOut>): Fn<A, JacobianOf<A[0], A[0]>>;
export function hessian<A extends unknown[], const N extends number | readonly number[]>(f: Fn<A, ScalarOut>, opts: ArgnumsOption<N>): Fn<A, JacobianOf<Pick<A, N>, Pick<A, N>>>;
export function hessian(f: Fn<unknown[], ScalarOut>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("hessian", f, opts);
  return jacWith("forward", "hessian", grad(f, opts) as Fn<unknown[], unknown>, opts);
}

/**
 * Hessian-vector product H(x)·v, forward-over-reverse: one JVP of the gradient, a small
 * constant times the cost of f, with the structure of x.
 */
export function hvp<X>(f: (x: X) => ScalarOut, x: X, v: X): X {
  checkTransform("hvp", f);
  return jvp((y: X) => grad(f)(y), [x], [v])[1];
}

export { dtypeOfValue };
