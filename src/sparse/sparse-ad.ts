// Sparse Jacobians and Hessians by coloring: the pattern is detected once (detect.ts), colored
// (coloring.ts), and each evaluation is one compiled program of a JVP per column color (or a
// VJP per row color, whichever needs fewer), or an HVP per star color, whose results hold every
// nonzero entry; the entries are then read out by precomputed indices.
//
// Reuse across calls: pattern, coloring and program are kept. The program is compile's, so its
// guards record f's branches, and each compiled variant is tied to the pattern of its branch. A
// call whose x runs a variant of another known pattern switches to it; one that runs a variant
// not seen before (x took a new branch) detects the pattern again at x: an equal pattern is
// reused, a new one gets its own coloring and seeds.

import { NDArray, shapeStr, sizeOf, zeros, type Shape } from "../array/ndarray.js";
import { beginLog, endLog, recycle } from "../array/pool.js";
import { ArgumentError, ShapeError } from "../base/errors.js";
import { checkOptions } from "../base/options.js";
import { compile, type Compiled } from "../compile/compile.js";
import type { CompiledVariant } from "../compile/variant.js";
import { concrete, type Tensor, type Value } from "../core/tracer.js";
import * as o from "../ops/api.js";
import { checkTransform } from "../transforms/args.js";
import { hvp } from "../transforms/jacobian.js";
import { jvp } from "../transforms/jvp.js";
import { vjp } from "../transforms/grad.js";
import { colorColumns, colorRows, starColoring, starRecovery, type Coloring } from "./coloring.js";
import { detectJacobian, hessianSparsity, pointOf, SparsityPattern } from "./detect.js";
import { SparseMatrix, type SparseMode } from "./sparse-matrix.js";

/** Options of sparseJacobian and sparseHessian. */
export interface SparseOptions {
  /** A known pattern (m × n; n × n for a Hessian): skips detection. It must hold every nonzero of f's derivative. */
  readonly sparsity?: SparsityPattern;
  /** Jacobians: "forward" (JVPs per column color), "reverse" (VJPs per row color), or "auto" (default: the fewer colors; forward on a tie). */
  readonly mode?: "forward" | "reverse" | "auto";
}

/** A colored pattern: the seeds of its products and where each entry is read from them. */
interface Plan {
  readonly pattern: SparsityPattern;
  readonly coloring: Coloring;
  readonly mode: SparseMode;
  /** Seeds, one per color, each shaped like x (forward, star) or like f's output (reverse). */
  readonly seeds: readonly Tensor[];
  /** Per product (color): the entries it holds, and the element of the product each is read from. */
  readonly reads: readonly { readonly entry: Int32Array; readonly at: Int32Array }[];
}

/** s_c = the indicator of color c, in the shape of `like` (a number when it is one). */
function seedsOf(col: Coloring, like: Tensor): Tensor[] {
  return Array.from({ length: col.count }, (_, c) => {
    if (!(like instanceof NDArray)) return col.colors[0] === c ? 1 : 0;
    const s = zeros(like.shape, like.dtype === "float32" ? "float32" : "float64");
    for (let j = 0; j < s.size; j++) if (col.colors[j] === c) s.data[j] = 1;
    return s;
  });
}

function planFor(pattern: SparsityPattern, mode: SparseMode, coloring: Coloring, like: Tensor): Plan {
  const rows = pattern.rows, cols = pattern.cols, nnz = pattern.nnz;
  let color: Int32Array, at: Int32Array;
  if (mode === "star") ({ color, at } = starRecovery(pattern, coloring));
  else {
    color = new Int32Array(nnz);
    at = new Int32Array(nnz);
    for (let k = 0; k < nnz; k++) {
      // forward: (J·s_{c_j})[i]; reverse: (s_{c_i}ᵀ·J)[j]
      color[k] = coloring.colors[mode === "forward" ? cols[k]! : rows[k]!]!;
      at[k] = mode === "forward" ? rows[k]! : cols[k]!;
    }
  }
  // Grouped by product, so that reading out is one tight loop over each product's array.
  const count = new Int32Array(coloring.count);
  for (let k = 0; k < nnz; k++) count[color[k]!]!++;
  const reads = Array.from(count, (c) => ({ entry: new Int32Array(c), at: new Int32Array(c) }));
  count.fill(0);
  for (let k = 0; k < nnz; k++) {
    const c = color[k]!, r = reads[c]!, j = count[c]!++;
    r.entry[j] = k;
    r.at[j] = at[k]!;
  }
  return { pattern, coloring, mode, seeds: seedsOf(coloring, like), reads };
}

const flat = (v: unknown): Value => o.reshape(v as Value, [sizeOf(o.shapeOf(v as Value))]);

/** The values of the plan's entries from the products. */
function readOut(plan: Plan, products: readonly unknown[], dtype: "float64" | "float32"): SparseMatrix {
  const data = products.map((p) => {
    const c = concrete(p as Value);
    return c instanceof NDArray ? c.data : [Number(c)];
  });
  const values = dtype === "float32" ? new Float32Array(plan.pattern.nnz) : new Float64Array(plan.pattern.nnz);
  plan.reads.forEach(({ entry, at }, c) => {
    const d = data[c]!;
    for (let j = 0; j < entry.length; j++) values[entry[j]!] = d[at[j]!]!;
  });
  return new SparseMatrix(plan.pattern, values, plan.coloring, plan.mode);
}

type Kind = "jacobian" | "hessian";

function checkPattern(op: string, p: unknown, m: number, n: number): SparsityPattern {
  if (!(p instanceof SparsityPattern)) throw new ArgumentError(op, `sparsity must be a SparsityPattern (from jacobianSparsity/hessianSparsity, or SparsityPattern.fromEntries), got ${typeof p}`);
  if (p.shape[0] !== m || p.shape[1] !== n) {
    throw new ShapeError(op, `the sparsity pattern is ${p.shape[0]} × ${p.shape[1]} but f's ${op === "sparseHessian" ? "Hessian" : "Jacobian"} at x is ${m} × ${n} (${m} output elements, ${n} input elements); detect it with ${op === "sparseHessian" ? "hessianSparsity" : "jacobianSparsity"}(f, x), or omit it`);
  }
  return p;
}

function makeSparse(op: "sparseJacobian" | "sparseHessian", kind: Kind, f: (x: Value) => unknown, opts: SparseOptions): (x: number | NDArray) => SparseMatrix {
  checkTransform(op, f);
  checkOptions(op, opts, kind === "hessian" ? ["sparsity"] : ["sparsity", "mode"]);
  const modeOpt = opts.mode ?? "auto";
  if (modeOpt !== "auto" && modeOpt !== "forward" && modeOpt !== "reverse") throw new ArgumentError(op, `mode must be "forward", "reverse" or "auto", got ${String(modeOpt)}`);
  const plans: Plan[] = [];
  let current: Plan | null = null;
  let key = "";

  // The products: one per color, each flattened. The seeds are arguments (one per color), so one
  // program serves every plan with as many colors, and reads them in place.
  const products = (mode: SparseMode) => (x: Value, ...seeds: Value[]): Value[] => {
    if (mode === "star") return seeds.map((s) => flat(hvp(f as (x: Value) => number, x, s)));
    if (mode === "forward") return seeds.map((s) => flat(jvp(f, [x], [s])[1]));
    const [, pull] = vjp(f, x);
    return seeds.map((s) => flat(pull(s)[0]));
  };
  const programs = new Map<SparseMode, Compiled<(x: Value, ...s: Value[]) => Value[]>>();
  const programFor = (mode: SparseMode) => {
    let g = programs.get(mode);
    if (g === undefined) programs.set(mode, (g = compile(products(mode))));
    return g;
  };

  const detect = (x: Tensor, n: number, dtype: "float64" | "float32"): Plan => {
    let pattern: SparsityPattern, mode: SparseMode, coloring: Coloring, like: Tensor = x;
    if (kind === "hessian") {
      pattern = opts.sparsity !== undefined ? checkPattern(op, opts.sparsity, n, n) : hessianSparsity(f as (x: NDArray) => unknown, x as NDArray);
      mode = "star";
      coloring = starColoring(pattern);
    } else {
      let out: Tensor;
      if (opts.sparsity !== undefined) {
        out = concrete(f(x) as Value);
        pattern = checkPattern(op, opts.sparsity, out instanceof NDArray ? out.size : 1, n);
      } else ({ pattern, out } = detectJacobian(op, f, x));
      const byCols = modeOpt === "reverse" ? null : colorColumns(pattern);
      const byRows = modeOpt === "forward" ? null : colorRows(pattern);
      if (byRows === null || (byCols !== null && byCols.count <= byRows.count)) { mode = "forward"; coloring = byCols!; }
      else { mode = "reverse"; coloring = byRows; like = out; }
    }
    const found = plans.find((p) => p.mode === mode && p.pattern.equals(pattern));
    if (found !== undefined) return found;
    const plan = planFor(pattern, mode, coloring, like);
    plans.push(plan);
    return plan;
  };

  // The plan of the branch each compiled variant runs (a variant's guards fix f's branches, and so its pattern).
  const owner = new Map<CompiledVariant, Plan>();

  // One run of the products. A run of an already generated variant allocates its products fresh
  // (from the buffer pool), and nothing but this closure sees them: once read out they go back
  // to the pool, so the next call takes them from there instead of faulting in new memory. A run
  // that traced or ran f eagerly is left alone: its results may be constants the new variant
  // keeps. It ran a variant known before this call exactly when its last compiled variant has an
  // owner already (a traced one gets its owner after the run; an eager run leaves none).
  let log: Set<ArrayBufferLike> | null = null;
  const run = (mode: SparseMode, value: Tensor, seeds: readonly Tensor[]): unknown[] => {
    const g = programFor(mode), l = beginLog();
    let r: unknown[];
    try {
      r = g(value, ...seeds);
    } finally {
      endLog(l);
    }
    const v = g.lastCompiled;
    log = v !== undefined && owner.has(v) ? l : null;
    return r;
  };
  const read = (plan: Plan, products: unknown[], dtype: "float64" | "float32"): SparseMatrix => {
    const m = readOut(plan, products, dtype);
    if (log !== null) recycle(products.flatMap((p) => (p instanceof NDArray ? [p.data] : [])), log, new Set());
    log = null;
    return m;
  };

  return (x: number | NDArray): SparseMatrix => {
    const { value, shape, n } = pointOf(op, x);
    const dtype = value instanceof NDArray && value.dtype === "float32" ? "float32" : "float64";
    const k = `${typeof value}:${dtype}:${shapeStr(shape)}`;
    if (k !== key) { plans.length = 0; owner.clear(); current = null; key = k; }
    let ran: CompiledVariant | undefined;
    if (current !== null) {
      const r = run(current.mode, value, current.seeds);
      if (opts.sparsity !== undefined) return read(current, r, dtype);
      ran = programFor(current.mode).lastCompiled;
      const mine = ran === undefined ? undefined : owner.get(ran);
      if (mine === current) return read(current, r, dtype);
      if (mine !== undefined) {
        // x is on the branch of another known plan: run its program.
        const r2 = run(mine.mode, value, mine.seeds), g = programFor(mine.mode);
        if (g.lastCompiled !== undefined && owner.get(g.lastCompiled) === mine) { current = mine; return read(mine, r2, dtype); }
      }
    }
    // First call, or a branch not seen with this plan: detect the pattern at x.
    const plan = detect(value, n, dtype);
    const r = run(plan.mode, value, plan.seeds), g = programFor(plan.mode);
    if (ran !== undefined) owner.set(ran, plan);
    if (g.lastCompiled !== undefined) owner.set(g.lastCompiled, plan);
    current = plan;
    return read(plan, r, dtype);
  };
}

/**
 * The sparse Jacobian of f: R^n → R^m (x one array or number; the matrix is output elements ×
 * input elements, both flattened), by one JVP per color of a column coloring of its pattern (or
 * one VJP per color of a row coloring, whichever needs fewer). The pattern is detected on the
 * first call (or given as `sparsity`); pattern, coloring and the compiled program are reused
 * by later calls, and a call whose x takes another branch of f detects its pattern again.
 *
 * @example
 * ```ts
 * const J = w.sparseJacobian((x: NDArray) => w.mul(x, w.sin(x)))(w.array([1, 2, 3]));
 * J.nnz; J.colors; J.get(1, 1);   // 3, 1, sin 2 + 2 cos 2
 * ```
 */
export function sparseJacobian<X extends number | NDArray>(f: (x: X) => unknown, opts: SparseOptions = {}): (x: X) => SparseMatrix {
  return makeSparse("sparseJacobian", "jacobian", f as (x: Value) => unknown, opts) as (x: X) => SparseMatrix;
}

/**
 * The sparse Hessian of a scalar f (n × n), by one Hessian-vector product per color of a star
 * coloring of its pattern (Gebremedhin–Manne–Pothen), each entry recovered directly. The
 * pattern is detected on the first call (or given as `sparsity`, n × n, symmetric); pattern,
 * coloring and the compiled program are reused as for sparseJacobian.
 *
 * @example
 * ```ts
 * const rosen = (x: NDArray) => w.sum(w.add(w.mul(100, w.square(w.sub(w.slice(x, [1]), w.square(w.slice(x, [0], [-1]))))), w.square(w.sub(1, w.slice(x, [0], [-1])))));
 * const H = w.sparseHessian(rosen)(w.array([1, 2, 3, 4]));
 * H.colors;   // 3 (tridiagonal)
 * ```
 */
export function sparseHessian<X extends number | NDArray>(f: (x: X) => unknown, opts: SparseOptions = {}): (x: X) => SparseMatrix {
  return makeSparse("sparseHessian", "hessian", f as (x: Value) => unknown, opts) as (x: X) => SparseMatrix;
}
