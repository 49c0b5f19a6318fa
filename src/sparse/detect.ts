// Sparsity detection: f is run once at the point x with tracers that carry, for each element,
// the set of inputs it may depend on (index sets, pushed through the rule table in rules.ts).
// The tracers hold x's values too, so f's control flow follows x's branches: the pattern is
// the one for that branch (sparseJacobian ties it to the compiled program's guards). Values
// that vary with x but carry no derivative (comparisons, argsort) stay tracers with empty sets,
// so that an index or condition computed from x is treated conservatively where it is used.
// The Hessian's pattern is the Jacobian pattern of the gradient (the tape's rules traced the
// same way), made symmetric.

import { NDArray, sizeOf, zeros, type Shape } from "../array/ndarray.js";
import { ArgumentError, MissingRuleError } from "../base/errors.js";
import { bind, evalConcrete, type Primitive } from "../core/primitive.js";
import { concrete, newLevel, runWith, Tracer, type Interpreter, type Tensor, type Value } from "../core/tracer.js";
import { PRIM_TABLE } from "../ops/prims.js";
import { checkTransform, outputTree } from "../transforms/args.js";
import { grad } from "../transforms/grad.js";
import { unrollLoopLine } from "../transforms/loops/unroll.js";
import { gatherSets, IndexSets, scatterSets, SetBuilder, Stamps, unionSets } from "./index-sets.js";
import { allOf, broadcastMap, codes, shapeOfTensor, sizeOfTensor, SPARSITY, type ArgInfo, type SparsityRule } from "./rules.js";

export class SparsityTracer extends Tracer {
  get kind(): string { return "sparsity"; }
  constructor(interp: SparsityInterpreter, primal: Value, readonly sets: IndexSets) {
    super(interp, primal);
  }
}

const TABLE = SPARSITY as unknown as Record<string, SparsityRule<unknown>>;
const PRIMS = PRIM_TABLE as unknown as Record<string, Primitive<unknown>>;

export class SparsityInterpreter implements Interpreter {
  readonly level = newLevel();
  active = true;
  readonly stamps: Stamps;
  constructor(readonly nInputs: number) {
    this.stamps = new Stamps(nInputs);
  }

  private info(a: Value): ArgInfo {
    if (a instanceof SparsityTracer && a.interp === this) return { value: concrete(a.primal), sets: a.sets.isEmpty() ? null : a.sets, varying: true };
    return { value: concrete(a), sets: null, varying: false };
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const loop = unrollLoopLine(prim, args, params);
    if (loop !== null) return loop as unknown as Value;
    const rule = PRIMS[prim.name] === prim ? TABLE[prim.name] : undefined;
    if (rule === undefined) throw new MissingRuleError(prim.name, "sparsity detection has no rule for this primitive (src/sparse/rules.ts)");
    const infos = args.map((a) => this.info(a));
    const primals = args.map((a) => (a instanceof SparsityTracer && a.interp === this ? a.primal : a));
    const out = bind(prim, primals, params);
    const value = concrete(out);
    // A JS boolean steers JS control flow: it is the point's branch, not data.
    if (typeof value === "boolean") return out;
    const m = sizeOfTensor(value);
    const sets = rule.kind === "none" ? IndexSets.empty(m) : this.apply(prim, rule, infos, value, params);
    return new SparsityTracer(this, out, sets);
  }

  private apply(prim: Primitive<unknown>, rule: Exclude<SparsityRule<unknown>, { kind: "none" }>, args: readonly ArgInfo[], out: Tensor, params: unknown): IndexSets {
    const m = sizeOfTensor(out), stamps = this.stamps;
    // No argument depends on an input (only varying indices or conditions): neither does the output.
    if (args.every((a) => a.sets === null)) return IndexSets.empty(m);
    switch (rule.kind) {
      case "elementwise": {
        const partials = prim.rule.kind === "partials" ? prim.rule.partials : null;
        const used = args.filter((a, i) => a.sets !== null && (partials === null || partials[i] !== null));
        if (used.length === 0) return IndexSets.empty(m);
        const shape = shapeOfTensor(out);
        return unionSets(used.map((a) => a.sets!), used.map((a) => broadcastMap(a.value, shape)), m, stamps);
      }
      case "gather": {
        // An index array that varies with x could read any element: depend on all of them.
        if (args.some((a) => a.varying && a.sets === null && isIndexArray(a.value))) return allOf(args, m, stamps);
        const p = rule.params ? rule.params(params) : params;
        const offsets: number[] = [];
        let total = 0;
        const codeArgs = args.map((a) => {
          if (isIndexArray(a.value)) return a.value;
          offsets.push(total);
          const c = a.sets === null ? zerosLikeCodes(a.value) : codes(a.value, total);
          total += sizeOfTensor(a.value);
          return c;
        });
        const got = evalConcrete(prim, codeArgs, p);
        const data = got instanceof NDArray ? got.data : [Number(got)];
        const owners = args.filter((a) => !isIndexArray(a.value));
        const b = new SetBuilder(m, stamps);
        for (let o = 0; o < m; o++) {
          const c = data[o]! - 1;
          if (c >= 0) {
            let k = offsets.length - 1;
            while (offsets[k]! > c) k--;
            b.add(owners[k]!.sets!, c - offsets[k]!);
          }
          b.end();
        }
        return b.done();
      }
      case "scatter": {
        const data = args[0]!;
        if (data.sets === null) return IndexSets.empty(m);
        if (args.some((a) => a.varying && a.sets === null && isIndexArray(a.value))) return allOf(args, m, stamps);
        const outCodes = codes(out instanceof NDArray ? out : new NDArray(new Float64Array(1), [])) as NDArray;
        const where = rule.map(outCodes, args.map((a) => a.value), params);
        const w = where instanceof NDArray ? where.data : [Number(where)];
        const map = new Int32Array(w.length);
        for (let e = 0; e < w.length; e++) map[e] = w[e]! - 1;
        return scatterSets(data.sets, map, m, stamps);
      }
      case "rule":
        return rule.apply(args, out, params, stamps);
    }
  }
}

function isIndexArray(v: Tensor): boolean {
  return v instanceof NDArray && v.dtype === "int32";
}

function zerosLikeCodes(v: Tensor): Tensor {
  return v instanceof NDArray ? zeros(v.shape, "float64") : 0;
}

/** A sparsity pattern: the structurally nonzero entries of an m × n matrix, row by row (CSR), columns sorted. */
export class SparsityPattern {
  constructor(readonly shape: readonly [number, number], readonly rowPtr: Int32Array, readonly colIdx: Int32Array) {}

  get nnz(): number {
    return this.colIdx.length;
  }

  /** The row of each entry, in order. */
  get rows(): Int32Array {
    const r = new Int32Array(this.nnz);
    for (let i = 0; i < this.shape[0]; i++) r.fill(i, this.rowPtr[i]!, this.rowPtr[i + 1]!);
    return r;
  }

  get cols(): Int32Array {
    return this.colIdx;
  }

  /** Whether (i, j) may be nonzero. */
  has(i: number, j: number): boolean {
    return findIn(this.colIdx, this.rowPtr[i]!, this.rowPtr[i + 1]!, j) >= 0;
  }

  /** A 0/1 float64 matrix of the pattern. */
  toDense(): NDArray {
    const [m, n] = this.shape, d = zeros([m, n]);
    for (let i = 0; i < m; i++) for (let k = this.rowPtr[i]!; k < this.rowPtr[i + 1]!; k++) d.data[i * n + this.colIdx[k]!] = 1;
    return d;
  }

  /** The transposed pattern (n × m). */
  transpose(): SparsityPattern {
    const [m, n] = this.shape, count = new Int32Array(n + 1);
    for (const j of this.colIdx) count[j + 1]!++;
    for (let j = 0; j < n; j++) count[j + 1]! += count[j]!;
    const fill = count.slice(0, n), idx = new Int32Array(this.nnz);
    for (let i = 0; i < m; i++) for (let k = this.rowPtr[i]!; k < this.rowPtr[i + 1]!; k++) idx[fill[this.colIdx[k]!]!++] = i;
    return new SparsityPattern([n, m], count, idx);
  }

  /** The same entries (shape and positions). */
  equals(o: SparsityPattern): boolean {
    if (o.shape[0] !== this.shape[0] || o.shape[1] !== this.shape[1] || o.nnz !== this.nnz) return false;
    for (let i = 0; i < this.rowPtr.length; i++) if (this.rowPtr[i] !== o.rowPtr[i]) return false;
    for (let k = 0; k < this.colIdx.length; k++) if (this.colIdx[k] !== o.colIdx[k]) return false;
    return true;
  }

  /** From index sets (one row per output element), columns sorted. */
  static fromSets(sets: IndexSets, n: number): SparsityPattern {
    const m = sets.size, ptr = sets.ptr.slice(), idx = sets.idx.slice();
    for (let i = 0; i < m; i++) idx.subarray(ptr[i]!, ptr[i + 1]!).sort();
    return new SparsityPattern([m, n], ptr, idx);
  }

  /** From (row, column) lists; duplicates merged. */
  static fromEntries(shape: readonly [number, number], rows: ArrayLike<number>, cols: ArrayLike<number>): SparsityPattern {
    const [m, n] = shape;
    const stamps = new Stamps(n), count = new Int32Array(m + 1);
    for (let k = 0; k < rows.length; k++) count[rows[k]! + 1]!++;
    for (let i = 0; i < m; i++) count[i + 1]! += count[i]!;
    const fill = count.slice(0, m), byRow = new Int32Array(rows.length);
    for (let k = 0; k < rows.length; k++) byRow[fill[rows[k]!]!++] = cols[k]!;
    const b = new SetBuilder(m, stamps, rows.length);
    const row = new IndexSets(count, byRow);
    for (let i = 0; i < m; i++) { b.add(row, i); b.end(); }
    return SparsityPattern.fromSets(b.done(), n);
  }
}

/** Position of j in the sorted run a[lo..hi), or −1. */
export function findIn(a: Int32Array, lo: number, hi: number, j: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1, v = a[mid]!;
    if (v === j) return mid;
    if (v < j) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** The one array (or number) argument of the sparse transforms, or an ArgumentError naming the op. */
export function pointOf(op: string, x: unknown): { value: Tensor; shape: Shape; n: number } {
  const c = x instanceof Tracer ? concrete(x) : x;
  if (typeof c === "number") return { value: c, shape: [], n: 1 };
  if (c instanceof NDArray && (c.dtype === "float64" || c.dtype === "float32")) return { value: c, shape: c.shape, n: c.size };
  throw new ArgumentError(op, `x must be one float64/float32 NDArray or a number (the Jacobian is taken with respect to all its elements), got ${c instanceof NDArray ? `a ${c.dtype} array` : typeof x}`);
}

/** The index sets of f's output at x (one row per output element), and the output's value. */
function outputSets(op: string, f: (x: Value) => unknown, x: Tensor, n: number): { sets: IndexSets; out: Tensor } {
  const interp = new SparsityInterpreter(n);
  const input = new SparsityTracer(interp, x, IndexSets.identity(0, n));
  const result = runWith(interp, () => f(input));
  const { leaves } = outputTree(op, result, true);
  if (leaves.length !== 1) throw new ArgumentError(op, `f must return one number or array, got ${leaves.length} outputs; concatenate them (e.g. concat of their flattened values)`);
  const y = leaves[0]!;
  const out = concrete(y);
  if (y instanceof SparsityTracer && y.interp === interp) return { sets: y.sets, out };
  return { sets: IndexSets.empty(sizeOf(shapeOfTensor(out))), out };
}

/**
 * The sparsity pattern of f's Jacobian at x (m × n: output elements by input elements, both
 * flattened in row-major order), detected by tracing index sets through f. Conservative: every
 * entry that can be nonzero on x's branch is in the pattern.
 *
 * @example
 * ```ts
 * const p = w.jacobianSparsity((x: NDArray) => w.mul(x, x), w.array([1, 2, 3]));
 * p.nnz;   // 3 (the diagonal)
 * ```
 */
export function jacobianSparsity<X extends number | NDArray>(f: (x: X) => unknown, x: X): SparsityPattern {
  return detectJacobian("jacobianSparsity", f as (x: Value) => unknown, x).pattern;
}

/** The Jacobian pattern of f at x and f's output there (sparseJacobian shapes its reverse seeds by it). */
export function detectJacobian(op: string, f: (x: Value) => unknown, x: unknown): { pattern: SparsityPattern; out: Tensor } {
  checkTransform(op, f);
  const { value, n } = pointOf(op, x);
  const { sets, out } = outputSets(op, f, value, n);
  return { pattern: SparsityPattern.fromSets(sets, n), out };
}

/**
 * The sparsity pattern of the Hessian of a scalar f at x (n × n, symmetric): the Jacobian
 * pattern of its gradient, traced through the reverse-mode rules, unioned with its transpose.
 *
 * @example
 * ```ts
 * const p = w.hessianSparsity((x: NDArray) => w.sum(w.mul(w.slice(x, [1]), w.slice(x, [0], [2]))), w.array([1, 2, 3]));
 * p.nnz;   // 4 (the two off-diagonal pairs)
 * ```
 */
export function hessianSparsity<X extends number | NDArray>(f: (x: X) => unknown, x: X): SparsityPattern {
  checkTransform("hessianSparsity", f);
  const { value, n } = pointOf("hessianSparsity", x);
  const g = grad(f as (x: Value) => number) as (x: Value) => unknown;
  const { sets } = outputSets("hessianSparsity", g, value, n);
  return symmetric(SparsityPattern.fromSets(sets, n));
}

/** p ∪ pᵀ for a square pattern. */
export function symmetric(p: SparsityPattern): SparsityPattern {
  const t = p.transpose();
  if (t.equals(p)) return p;
  const rows = [...p.rows, ...t.rows], cols = [...p.cols, ...t.cols];
  return SparsityPattern.fromEntries(p.shape, rows, cols);
}
