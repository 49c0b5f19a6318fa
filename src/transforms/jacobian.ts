// Jacobian assembly: jacfwd (one JVP per input element), jacrev (one VJP per output element
// from a single recording), jacobian (the cheaper of the two), hessian and hvp.

import { MissingRuleError } from "../base/errors.js";
import { NDArray, ones, sizeOf, zeros, type Shape } from "../array/ndarray.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { concrete, Masked, runWith, shapeOf, ZERO, type MaybeZero, type Value } from "../core/tracer.js";
import { astype, dtypeOfValue, reshape, stack } from "../ops/api.js";
import { checkLeaves, checkTransform, matchTree, normArgnums, zerosLike, outputTree, type ArgnumsOption, type Fn, type JacobianOf, type Pick, type ScalarOut } from "./args.js";
import { ForwardInterpreter } from "./forward.js";
import { grad, pull, record, type Traced } from "./grad.js";
import { jvp } from "./jvp.js";

/**
 * One basis direction of a leaf: 1 for a number; for an array, 1 at element e and a structural
 * zero at every other element (a selection), so ∂yᵢ/∂xⱼ of an elementwise function is exactly 0
 * off the diagonal even where the diagonal is singular (jacfwd(sqrt) at 0 is [[∞, 0], …], not NaN).
 */
function basis(leaf: Value, e: number): Value | Masked {
  const c = concrete(leaf);
  if (typeof c === "number" || typeof c === "boolean") return 1;
  const hit = zeros(c.shape, "bool");
  hit.data[e] = 1;
  return new Masked(ones(c.shape, c.dtype === "float32" ? "float32" : "float64"), { cond: hit, keep: true, next: null });
}

function leafSize(v: Value): number {
  return sizeOf(shapeOf(v));
}

function isJsNumber(v: Value): boolean {
  return typeof concrete(v) === "number";
}

/**
 * Stacks per-element results into a block of shape `lead ++ trail`, of the float dtype the two
 * leaves share: float32 when either is float32 (a number's per-element parts are numbers, and
 * stacking them gave float64 where jacrev gave float32).
 */
function assemble(parts: readonly Value[], leadShape: Shape, trailShape: Shape, stackFirst: boolean, leaves: readonly [Value, Value]): Value {
  const dtype = leaves.some((l) => dtypeOfValue(l) === "float32") ? "float32" : "float64";
  // No parts: one side is empty, and so is the block.
  if (parts.length === 0) return zeros([...leadShape, ...trailShape], dtype);
  // A single part holds the whole block but not always its shape: size-1 axes of the other side
  // are missing (jacfwd of sum over a [1] input gave shape [] instead of [1]; a number part for a
  // 0-d array gave a number), so reshape it to lead ++ trail.
  const block = parts.length === 1
    ? reshape(parts[0]!, [...leadShape, ...trailShape])
    : reshape(stack(parts as NDArray[], stackFirst ? 0 : shapeOf(parts[0]!).length), [...leadShape, ...trailShape]);
  return dtypeOfValue(block) === dtype ? block : astype(block, dtype);
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
      const out = runWith(fi, () => f(...withArgs(args, input, leaves)));
      const fl = outputTree("jacfwd", out, true);
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
    const fl = outputTree("jacfwd", f(...args), true);
    outDef = fl.def;
    outPrimals = fl.leaves;
    for (let i = 0; i < fl.leaves.length; i++) columns.push(input.leaves.map(() => []));
  }
  const blocks = outPrimals.map((op, i) =>
    input.leaves.map((leaf, j) => {
      const parts = columns[i]![j]!;
      if (isJsNumber(leaf)) return parts[0]!;
      return assemble(parts, shapeOf(op), shapeOf(leaf), false, [op, leaf]);
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
      return assemble(parts, shapeOf(ol), shapeOf(leaf), true, [ol, leaf]);
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
    // picks forward when inputs ≤ outputs (n JVPs) and reverse otherwise (m VJPs) — unless
    // the recording holds a customVjp rule, which forward mode cannot use.
    const t = record(op, f, args, argnums);
    const nIn = input.leaves.reduce<number>((s, l) => s + leafSize(l), 0);
    const nOut = t.outLeaves.reduce<number>((s, l) => s + leafSize(l), 0);
    if (mode === "auto" && nIn <= nOut && !t.tape.customVjp) {
      try {
        const jac = jacForward(f, args, input, many);
        t.tape.release(); // recorded only to count the outputs
        jf.lastMode = "forward";
        return jac;
      } catch (e) {
        // A customVjp reached only under forward mode: rerun in reverse, on the recording.
        if (!(e instanceof MissingRuleError && e.op.startsWith("customVjp"))) throw e;
      }
    }
    jf.lastMode = "reverse";
    return jacReverse(t, input, many);
  };
  jf.lastMode = undefined as "forward" | "reverse" | undefined;
  return jf;
}

/** A Jacobian function that also reports which mode its last call used. */
export type JacobianFn<A extends unknown[], J> = Fn<A, J> & { lastMode: "forward" | "reverse" | undefined };

/**
 * Jacobian by forward mode: one JVP per input element. Rows are indexed by outputs.
 *
 * @example
 * ```ts
 * w.jacfwd((x: NDArray) => w.mul(x, x))(w.array([1, 2]));   // array([[2, 0], [0, 4]])
 * ```
 */
export function jacfwd<A extends unknown[], R>(f: Fn<A, R>): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacfwd<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacfwd(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("jacfwd", f, opts);
  return jacWith("forward", "jacfwd", f, opts);
}

/**
 * Jacobian by reverse mode: one VJP per output element, from a single recording.
 *
 * @example
 * ```ts
 * w.jacrev((x: NDArray) => w.sum(w.exp(x)))(w.array([0, 1]));   // array([1, 2.718…])
 * ```
 */
export function jacrev<A extends unknown[], R>(f: Fn<A, R>): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacrev<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacrev(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("jacrev", f, opts);
  return jacWith("reverse", "jacrev", f, opts);
}

/**
 * Jacobian by the cheaper mode: forward when inputs ≤ outputs, reverse otherwise.
 *
 * @example
 * ```ts
 * const J = w.jacobian((x: NDArray) => w.stack([w.sum(x), w.prod(x)]));
 * J(w.array([2, 3]));                   // array([[1, 1], [3, 2]]); J.lastMode === "forward"
 * ```
 */
export function jacobian<A extends unknown[], R>(f: Fn<A, R>): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacobian<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: ArgnumsOption<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacobian(f: Fn<unknown[], unknown>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("jacobian", f, opts);
  return jacWith("auto", "jacobian", f, opts);
}

/**
 * The Hessian, forward-over-reverse (jacfwd of grad): number[] → number[][].
 *
 * @example
 * ```ts
 * w.hessian((x: number[]) => w.mul(w.square(x[0]!), x[1]!))([1, 2]);   // [[4, 2], [2, 0]]
 * ```
 */
export function hessian<A extends unknown[]>(f: Fn<A, ScalarOut>): Fn<A, JacobianOf<A[0], A[0]>>;
export function hessian<A extends unknown[], const N extends number | readonly number[]>(f: Fn<A, ScalarOut>, opts: ArgnumsOption<N>): Fn<A, JacobianOf<Pick<A, N>, Pick<A, N>>>;
export function hessian(f: Fn<unknown[], ScalarOut>, opts: ArgnumsOption<number | readonly number[]> = {}): unknown {
  checkTransform("hessian", f, opts);
  return jacWith("forward", "hessian", grad(f, opts) as Fn<unknown[], unknown>, opts);
}

/**
 * Hessian-vector product H(x)·v, forward-over-reverse: one JVP of the gradient, a small
 * constant times the cost of f, with the structure of x.
 *
 * @example
 * ```ts
 * w.hvp((x: NDArray) => w.sum(w.pow(x, 3)), w.array([1, 2]), w.array([1, 0]));   // array([6, 0])
 * ```
 */
export function hvp<X>(f: (x: X) => ScalarOut, x: X, v: X): X {
  checkTransform("hvp", f);
  // v is checked against x here, so that a mismatch names hvp (not the jvp inside it).
  const { def, leaves } = flatten(x, [], "hvp");
  const vs = matchTree("hvp", "vector v", "point x", def, leaves, v);
  return jvp((y: X) => grad(f)(y) as X, [x], [unflatten(def, vs) as X])[1];
}

