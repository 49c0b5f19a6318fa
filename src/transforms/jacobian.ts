// Jacobian assembly: jacfwd (one JVP per input element), jacrev (one VJP per output element
// from a single recording), jacobian (the cheaper of the two), hessian and hvp.

import { ArgumentError, MissingRuleError } from "../base/errors.js";
import { optionKeys } from "../base/options.js";
import { sizeOf, zeros } from "../array/ndarray.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { concrete, runWith, shapeOf, ZERO, type MaybeZero, type Value, type Zero } from "../core/tracer.js";
import { astype, broadcastTo, concat, dtypeOfValue, reshape, slice, toScalar, transpose } from "../ops/api.js";
import { checkFloatLeaves, checkFloatOutputs, checkLeaves, checkTransform, matchTree, normArgnums, zerosLike, outputTree, type ArgnumsOption, type Fn, type JacobianOf, type Pick, type ScalarOut } from "./args.js";
import { ForwardInterpreter } from "./forward.js";
import { BatchInterpreter } from "./batch.js";
import { batchPass } from "./batch-pass.js";
import { RowBatch } from "./basis-rows.js";
import { grad, primalOf, pull, record, type Traced } from "./grad.js";
import { jvp } from "./jvp.js";

function leafSize(v: Value): number {
  return sizeOf(shapeOf(v));
}

function isJsNumber(v: Value): boolean {
  return typeof concrete(v) === "number";
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

/** How batched Jacobians split their basis (see JacobianOptions). */
interface Batching {
  readonly chunkSize: number | undefined;
  readonly structured: boolean;
}

/**
 * Elements of the widest argument leaf a pass's basis may span: basis vectors per pass = this /
 * the widest leaf (at least one). Dense batches are memory-bound: at 64K elements (512 KiB of
 * float64) a pass's batches stay in cache, and W5's [1000, 1000] dense pass took 1.7× as long
 * as one chunk of 8 MB batches as in chunks of 64 rows; a batch that size still outweighs a
 * pass's per-op overhead (a few µs). A structured basis costs O(B) per op until an op densifies
 * it, so its passes are overhead-bound: as few as the memory of a densified batch allows (4M).
 */
const CHUNK_ELEMENTS = { dense: 1 << 16, structured: 1 << 22 } as const;

function chunkOf(op: string, b: Batching, n: number, leaves: readonly Value[]): number {
  if (b.chunkSize !== undefined) {
    if (!Number.isInteger(b.chunkSize) || b.chunkSize < 1) throw new ArgumentError(op, `chunkSize ${String(b.chunkSize)} must be a positive integer (basis vectors per pass)`);
    return Math.min(b.chunkSize, Math.max(n, 1));
  }
  const widest = leaves.reduce<number>((m, l) => Math.max(m, leafSize(l)), 1);
  return Math.max(1, Math.min(n, Math.floor(CHUNK_ELEMENTS[b.structured ? "structured" : "dense"] / widest)));
}

/**
 * Rows first … first + B − 1 of the identity over a leaf's elements (rows outside it zero), as
 * one batched value: rows of one entry each (structured) or a dense [B, …shape] array.
 */
function basisBatch(bi: BatchInterpreter, leaf: Value, first: number, structured: boolean): Value {
  const B = bi.size, shape = shapeOf(leaf);
  if (isJsNumber(leaf)) {
    const v = zeros([B]);
    if (first <= 0 && -first < B) v.data[-first] = 1;
    return bi.lift(v, { shape: [], dtype: "number", js: true });
  }
  const dtype = dtypeOfValue(leaf) === "float32" ? "float32" : "float64";
  const rows = RowBatch.basis(B, shape, first, dtype);
  return bi.lift(structured ? rows : rows.dense(), { shape, dtype, js: false });
}

/** A batched derivative as the dense batch [B, …shape] (zeros where none reached it). */
function batchOf(bi: BatchInterpreter, d: Value | Zero, like: Value): Value {
  if (d !== ZERO && bi.own(d)) return d.val;
  const s = shapeOf(like);
  if (d === ZERO) return zeros([bi.size, ...s], dtypeOfValue(like) === "float32" ? "float32" : "float64");
  return broadcastTo(d, [bi.size, ...s]);
}

/**
 * One block of the Jacobian from its rows stacked along axis 0 ([n, …rowShape]: a row per
 * element of the leaf the basis ran over): of shape lead ++ trail, where the rows' axis goes
 * last (forward mode: columns) or first (reverse mode: rows).
 */
function block(rows: Value, nLead: number, lead: Value, trail: Value, rowsFirst: boolean): Value {
  const leadShape = shapeOf(lead), trailShape = shapeOf(trail);
  let b = rows;
  if (!rowsFirst && nLead > 0) b = transpose(b, [...Array.from({ length: nLead }, (_, i) => i + 1), 0]);
  const dtype = [lead, trail].some((l) => dtypeOfValue(l) === "float32") ? "float32" : "float64";
  if (isJsNumber(lead) && isJsNumber(trail)) return toScalar(b);
  const out = reshape(b, [...leadShape, ...trailShape]);
  return dtypeOfValue(out) === dtype ? out : astype(out, dtype);
}

/** Offsets of each leaf's elements in the concatenated basis. */
function offsetsOf(leaves: readonly Value[]): number[] {
  const off = [0];
  for (const l of leaves) off.push(off[off.length - 1]! + leafSize(l));
  return off;
}

/** Rows lo … hi − 1 (along axis 0) of a batch. */
function rowsOf(v: Value, lo: number, hi: number): Value {
  const s = shapeOf(v);
  if (lo === 0 && hi === s[0]) return v;
  return slice(v, [lo, ...s.slice(1).map(() => 0)], [hi, ...s.slice(1)]);
}

/** Jacobian by forward mode: the basis pushed through one pass (a chunk of it per pass), as vmap of jvp. */
function jacForward(op: string, f: Fn<unknown[], unknown>, args: readonly unknown[], input: JacInput, many: boolean, batching: Batching): unknown {
  const off = offsetsOf(input.leaves), n = off[off.length - 1]!;
  if (n === 0) {
    // Every selected leaf is empty: evaluate f once for the output's structure; each block is empty.
    const fl = outputTree(op, f(...args), true);
    checkFloatOutputs(op, fl.leaves);
    const blocks = fl.leaves.map((ol) => input.leaves.map((leaf) => zeros([...shapeOf(ol), ...shapeOf(leaf)], [ol, leaf].some((l) => dtypeOfValue(l) === "float32") ? "float32" : "float64")));
    return buildJacobian(fl.def, input, many, blocks);
  }
  const chunk = chunkOf(op, batching, n, input.leaves);
  let outDef: TreeDef | undefined, outPrimals: Value[] = [];
  // parts[i][j]: batches of rows (one per basis vector of input leaf j) of output leaf i's tangent.
  const parts: Value[][][] = [];
  for (let c0 = 0; c0 < n; c0 += chunk) {
    const bi = new BatchInterpreter(Math.min(chunk, n - c0));
    const fi = new ForwardInterpreter();
    const B = bi.size;
    // Tangents are read (selections made dense) while the batch's interpreter is still active;
    // the basis is made in the pass too, so that a dense one goes back to the pool after it.
    const rows: Value[] = [];
    batchPass(bi, () => {
      const leaves = input.leaves.map((leaf, j) => (off[j + 1]! <= c0 || off[j]! >= c0 + B ? leaf : fi.lift(leaf, basisBatch(bi, leaf, c0 - off[j]!, batching.structured))));
      const out = runWith(fi, () => f(...withArgs(args, input, leaves)));
      const fl = outputTree(op, out, true);
      if (outDef === undefined) {
        checkFloatOutputs(op, fl.leaves.map((l) => fi.split(l)[0]));
        outDef = fl.def;
        outPrimals = fl.leaves.map((l) => fi.split(l)[0]);
        for (let i = 0; i < fl.leaves.length; i++) parts.push(input.leaves.map(() => []));
      }
      fl.leaves.forEach((l, i) => {
        const [p, t] = fi.split(l);
        const tb = batchOf(bi, t, p);
        input.leaves.forEach((_, j) => {
          const lo = Math.max(off[j]!, c0) - c0, hi = Math.min(off[j + 1]!, c0 + B) - c0;
          if (lo < hi) rows.push(rowsOf(tb, lo, hi));
          if (lo < hi) parts[i]![j]!.push(rows[rows.length - 1]!);
        });
      });
    }, () => [rows, outPrimals]);
  }
  const blocks = outPrimals.map((op_, i) => input.leaves.map((leaf, j) => {
    const ps = parts[i]![j]!;
    return block(ps.length === 1 ? ps[0]! : concat(ps, 0), shapeOf(op_).length, op_, leaf, false);
  }));
  return buildJacobian(outDef!, input, many, blocks);
}

/** Jacobian by reverse mode: one recording, its pullback applied to the basis of each output leaf in one pass (a chunk per pass). */
function jacReverse(op: string, t: Traced, input: JacInput, many: boolean, batching: Batching): unknown {
  const flatGrads = (cts: MaybeZero[]): Value[] => (pull(t, cts) as unknown[]).flatMap((g, slot) => (input.defs[slot]!.kind === "leaf" ? [g as Value] : flatten(g).leaves));
  const outs = t.outLeaves;
  const blocks = outs.map((ol, i) => {
    const m = leafSize(ol), olPrimal = primalOf(t.tape, ol);
    // rows[j]: batches of rows of ∂(output leaf i)/∂(input leaf j), one per output element.
    const rows: Value[][] = input.leaves.map(() => []);
    const chunk = chunkOf(op, batching, m, input.leaves);
    for (let c0 = 0; c0 < m; c0 += chunk) {
      const bi = new BatchInterpreter(Math.min(chunk, m - c0));
      const grads = batchPass(bi, () => {
        const gs = flatGrads(outs.map((_, k) => (k === i ? basisBatch(bi, olPrimal, c0, batching.structured) : ZERO)));
        return gs.map((g, j) => batchOf(bi, g, input.leaves[j]!));
      }, (gs) => gs);
      grads.forEach((g, j) => rows[j]!.push(g));
    }
    return input.leaves.map((leaf, j) => {
      if (m === 0) return zeros([...shapeOf(ol), ...shapeOf(leaf)], [ol, leaf].some((l) => dtypeOfValue(l) === "float32") ? "float32" : "float64");
      const rs = rows[j]!;
      return block(rs.length === 1 ? rs[0]! : concat(rs, 0), shapeOf(ol).length, ol, leaf, true);
    });
  });
  return buildJacobian(t.outDef, input, many, blocks);
}

function jacWith(mode: "forward" | "reverse" | "auto", op: string, f: Fn<unknown[], unknown>, opts: JacobianOptions<number | readonly number[]>) {
  const many = Array.isArray(opts.argnums);
  const batching: Batching = { chunkSize: opts.chunkSize, structured: opts.structured !== false };
  const jf = (...args: unknown[]): unknown => {
    const argnums = normArgnums(op, opts.argnums, args.length);
    const input = selectInputs(op, args, argnums);
    if (mode === "forward") {
      jf.lastMode = "forward";
      return jacForward(op, f, args, input, many, batching);
    }
    // Reverse mode records once; auto mode uses that recording to count the outputs, then
    // picks forward when inputs ≤ outputs (n JVPs) and reverse otherwise (m VJPs) — unless
    // the recording holds a customVjp rule, which forward mode cannot use.
    const t = record(op, f, args, argnums);
    checkFloatOutputs(op, t.outLeaves);
    const nIn = input.leaves.reduce<number>((s, l) => s + leafSize(l), 0);
    const nOut = t.outLeaves.reduce<number>((s, l) => s + leafSize(l), 0);
    if (mode === "auto" && nIn <= nOut && !t.tape.customVjp) {
      try {
        const jac = jacForward(op, f, args, input, many, batching);
        t.tape.release(); // recorded only to count the outputs
        jf.lastMode = "forward";
        return jac;
      } catch (e) {
        // A customVjp reached only under forward mode: rerun in reverse, on the recording.
        if (!(e instanceof MissingRuleError && e.op.startsWith("customVjp"))) throw e;
      }
    }
    jf.lastMode = "reverse";
    return jacReverse(op, t, input, many, batching);
  };
  jf.lastMode = undefined as "forward" | "reverse" | undefined;
  return jf;
}

/** How the batched Jacobians run (jacfwd, jacrev, jacobian, hessian). */
export interface BatchOptions {
  /**
   * Basis vectors pushed through one pass (default: as many as fit about 4M elements of the
   * widest argument leaf, or 64K with `structured: false`, whose dense batches then stay in
   * cache); smaller bounds the memory of the batched pass.
   */
  readonly chunkSize?: number;
  /**
   * Keep the basis structured (rows of the identity as one entry each) through the ops that
   * allow it, so that elementwise work costs O(nonzeros) (default true); false: dense batches.
   */
  readonly structured?: boolean;
}

/** argnums and the batching options. */
export interface JacobianOptions<N extends number | readonly number[]> extends ArgnumsOption<N>, BatchOptions {}

const JACOBIAN_KEYS = optionKeys<JacobianOptions<number>>({ argnums: true, chunkSize: true, structured: true });

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
export function jacfwd<A extends unknown[], R>(f: Fn<A, R>, opts?: BatchOptions & { readonly argnums?: undefined }): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacfwd<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: JacobianOptions<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacfwd(f: Fn<unknown[], unknown>, opts: JacobianOptions<number | readonly number[]> = {}): unknown {
  checkTransform("jacfwd", f, opts, JACOBIAN_KEYS);
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
export function jacrev<A extends unknown[], R>(f: Fn<A, R>, opts?: BatchOptions & { readonly argnums?: undefined }): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacrev<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: JacobianOptions<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacrev(f: Fn<unknown[], unknown>, opts: JacobianOptions<number | readonly number[]> = {}): unknown {
  checkTransform("jacrev", f, opts, JACOBIAN_KEYS);
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
export function jacobian<A extends unknown[], R>(f: Fn<A, R>, opts?: BatchOptions & { readonly argnums?: undefined }): JacobianFn<A, JacobianOf<R, A[0]>>;
export function jacobian<A extends unknown[], R, const N extends number | readonly number[]>(f: Fn<A, R>, opts: JacobianOptions<N>): JacobianFn<A, JacobianOf<R, Pick<A, N>>>;
export function jacobian(f: Fn<unknown[], unknown>, opts: JacobianOptions<number | readonly number[]> = {}): unknown {
  checkTransform("jacobian", f, opts, JACOBIAN_KEYS);
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
export function hessian<A extends unknown[]>(f: Fn<A, ScalarOut>, opts?: BatchOptions & { readonly argnums?: undefined }): Fn<A, JacobianOf<A[0], A[0]>>;
export function hessian<A extends unknown[], const N extends number | readonly number[]>(f: Fn<A, ScalarOut>, opts: JacobianOptions<N>): Fn<A, JacobianOf<Pick<A, N>, Pick<A, N>>>;
export function hessian(f: Fn<unknown[], ScalarOut>, opts: JacobianOptions<number | readonly number[]> = {}): unknown {
  checkTransform("hessian", f, opts, JACOBIAN_KEYS);
  return jacWith("forward", "hessian", grad(f, { argnums: opts.argnums }) as Fn<unknown[], unknown>, opts);
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
  checkFloatLeaves("hvp", 0, leaves);
  const vs = matchTree("hvp", "vector v", "point x", def, leaves, v);
  return jvp((y: X) => grad(f)(y) as X, [x], [unflatten(def, vs) as X])[1];
}

