// The result of sparseJacobian and sparseHessian: the values on a sparsity pattern (CSR),
// with the coloring that compressed them.

import { NDArray, zeros, type DType } from "../array/ndarray.js";
import { ShapeError } from "../base/errors.js";
import type { Coloring } from "./coloring.js";
import { findIn, type SparsityPattern } from "./detect.js";

/** How the values were computed: JVPs per column color, VJPs per row color, or HVPs per star color. */
export type SparseMode = "forward" | "reverse" | "star";

/** A sparse derivative: values on a sparsity pattern (CSR, row by row), with the coloring whose products computed them. */
export class SparseMatrix {
  constructor(
    readonly pattern: SparsityPattern,
    /** One value per entry of the pattern, in its (row, then column) order. */
    readonly values: Float64Array | Float32Array,
    /** The coloring of columns (forward), rows (reverse) or vertices (star). */
    readonly coloring: Coloring,
    readonly mode: SparseMode,
  ) {}

  get shape(): readonly [number, number] {
    return this.pattern.shape;
  }

  get nnz(): number {
    return this.pattern.nnz;
  }

  get rows(): Int32Array {
    return this.pattern.rows;
  }

  get cols(): Int32Array {
    return this.pattern.cols;
  }

  /** Number of colors: the JVPs, VJPs or HVPs one evaluation costs. */
  get colors(): number {
    return this.coloring.count;
  }

  get dtype(): DType {
    return this.values instanceof Float32Array ? "float32" : "float64";
  }

  /** Entry (i, j): its value, or 0 off the pattern. */
  get(i: number, j: number): number {
    const [m, n] = this.shape;
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= m || j >= n) {
      throw new ShapeError("SparseMatrix.get", `entry (${i}, ${j}) is outside the ${m} × ${n} matrix; use integers 0 ≤ i < ${m}, 0 ≤ j < ${n}`);
    }
    const p = this.pattern, k = findIn(p.colIdx, p.rowPtr[i]!, p.rowPtr[i + 1]!, j);
    return k < 0 ? 0 : this.values[k]!;
  }

  /** The dense m × n matrix. */
  toDense(): NDArray {
    const [m, n] = this.shape, p = this.pattern, d = zeros([m, n], this.dtype);
    for (let i = 0; i < m; i++) for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) d.data[i * n + p.colIdx[k]!] = this.values[k]!;
    return d;
  }
}
