// det: the determinant by expansion along the first row into minors, recursively, as
// GradBench's C++ reference does (after cmpad's det_of_minor): exponential time on purpose,
// every minor of every level computed again wherever the recursion meets it. `gradient` is
// ∂det/∂A by reverse mode through the whole expansion.
//
// The recursion is evaluated level by level instead of depth first: level d holds every minor
// the recursion computes after removing rows 0…d−1 (one per ordered choice of removed columns:
// ℓ!/(ℓ−d)! of them), each the sum over its remaining columns j of ±A[d, j]·(its sub-minor).
// That is the same expansion tree, with the same products and the same sums in the same order
// (j ascending), as the recursive program's; only the order in which independent nodes are
// visited differs. Each level is a gather of A's row d, a product and a row sum on arrays, so
// compile turns the whole program into a few loops over memory instead of e·ℓ! traced scalars.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { InputError, int, object, vector } from "./input.js";
import { compiledFor } from "./prepared.js";

/**
 * Level d of the expansion: cols[p, j] is where ±A[d, j-th remaining column of minor p] is in
 * [A, −A] (the second half for odd j, whose term the recursion subtracts).
 */
interface Level { readonly minors: number; readonly width: number; readonly cols: NDArray }

const plans = new Map<number, Level[]>();

/** The expansion tree for ℓ×ℓ matrices (cached per ℓ: it depends on ℓ only). */
function plan(ell: number): Level[] {
  const cached = plans.get(ell);
  if (cached !== undefined) return cached;
  const levels: Level[] = [];
  // rem[p·width + k]: minor p's k-th remaining column, ascending (the recursion's linked list
  // keeps that order).
  let rem = Int32Array.from({ length: ell }, (_, i) => i);
  let count = 1;
  for (let d = 0; d < ell; d++) {
    const width = ell - d;
    const cols = new Int32Array(count * width);
    const next = new Int32Array(count * width * (width - 1));
    for (let p = 0; p < count; p++) {
      for (let j = 0; j < width; j++) {
        cols[p * width + j] = (j % 2 === 0 ? 0 : ell * ell) + d * ell + rem[p * width + j]!;
        // Child p·width + j: the parent's columns without the j-th.
        const child = (p * width + j) * (width - 1);
        for (let k = 0, o = 0; k < width; k++) if (k !== j) next[child + o++] = rem[p * width + k]!;
      }
    }
    levels.push({ minors: count, width, cols: w.array(cols, { dtype: "int32", shape: [count, width] }) });
    rem = next;
    count *= width;
  }
  plans.set(ell, levels);
  return levels;
}

/** det A of the row-major ℓ×ℓ matrix A (shape [ℓ²]), by minors. */
export function detByMinors(ell: number): (A: NDArray) => NDArray {
  const levels = plan(ell);
  return (A) => {
    const signed = w.concat([A, w.neg(A)]);
    // The last level: 1×1 minors, the entry itself (with the sign of an even column: +).
    let minors = w.reshape(w.take(signed, levels[ell - 1]!.cols), [levels[ell - 1]!.minors]);
    for (let d = ell - 2; d >= 0; d--) {
      const { minors: n, width, cols } = levels[d]!;
      const M0j = w.take(signed, cols); // (n, width): ± row d of each minor
      minors = w.sum(w.mul(M0j, w.reshape(minors, [n, width])), 1); // Σ_j ±M[0, j]·det(S_j)
    }
    return w.reshape(minors, []);
  };
}

function read(input: unknown): { ell: number; A: NDArray } {
  const o = object(input);
  const ell = int(o, "ell");
  if (ell < 1) throw new InputError(`input.ell must be ≥ 1, got ${ell}`);
  return { ell, A: w.array(vector(o.A, "input.A", ell * ell)) };
}

export const functions: Module = {
  primal: compiledFor((input) => { const { ell, A } = read(input); return { f: detByMinors(ell), args: [A] as [NDArray] }; }),
  gradient: compiledFor((input) => { const { ell, A } = read(input); return { f: w.grad(detByMinors(ell)), args: [A] as [NDArray] }; }),
};
