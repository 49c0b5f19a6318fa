// Graph colorings that compress a sparse Jacobian or Hessian into a few products (Gebremedhin,
// Manne & Pothen, "What color is your Jacobian?", SIAM Review 2005). Greedy, in natural order
// (banded matrices, the common case, then get the optimal band width of colors).
//   columns  distance-2 coloring of the columns in the bipartite graph (Algorithm 3.2): no two
//            columns of a color share a row, so J·s_c holds each J_ij of a column of color c
//            alone in row i — one JVP per color (forward mode);
//   rows     the same on Jᵀ — one VJP per color (reverse mode);
//   star     a distance-1 coloring of the adjacency graph of a symmetric H in which every path
//            on four vertices uses three colors (Algorithm 4.1): H·s_c recovers every H_ij
//            directly from row i or row j — one HVP per color, often half as many as columns.

import type { SparsityPattern } from "./detect.js";

/** A coloring of a pattern's columns, rows or vertices: one product (JVP, VJP, HVP) per color. */
export interface Coloring {
  /** Number of colors. */
  readonly count: number;
  /** The color (0 … count − 1) of each column (rows for a row coloring, vertices for a star coloring). */
  readonly colors: Int32Array;
}

/** Smallest color not marked `stamp` in `forbidden` (which grows as needed). */
function firstFree(forbidden: Int32Array, stamp: number): number {
  let c = 0;
  while (c < forbidden.length && forbidden[c] === stamp) c++;
  return c;
}

/** Distance-2 coloring of the columns of p: two columns sharing a row get different colors. */
export function colorColumns(p: SparsityPattern): Coloring {
  const t = p.transpose(); // rows of t = columns of p
  const n = p.shape[1], colors = new Int32Array(n).fill(-1);
  let forbidden = new Int32Array(16).fill(-1), count = 0;
  for (let j = 0; j < n; j++) {
    for (let a = t.rowPtr[j]!; a < t.rowPtr[j + 1]!; a++) {
      const i = t.colIdx[a]!;
      for (let b = p.rowPtr[i]!; b < p.rowPtr[i + 1]!; b++) {
        const c = colors[p.colIdx[b]!]!;
        if (c >= 0) forbidden[c] = j;
      }
    }
    const c = firstFree(forbidden, j);
    colors[j] = c;
    if (c + 1 > count) count = c + 1;
    if (count >= forbidden.length) { const g = new Int32Array(forbidden.length * 2).fill(-1); g.set(forbidden); forbidden = g; }
  }
  return { count, colors };
}

/** Distance-2 coloring of the rows of p (for reverse mode). */
export function colorRows(p: SparsityPattern): Coloring {
  return colorColumns(p.transpose());
}

/**
 * Star coloring of the adjacency graph of a symmetric pattern (diagonal entries ignored), by
 * Algorithm 4.1 of Gebremedhin–Manne–Pothen: for vertex v, a color is forbidden if a neighbor
 * w has it; or if a vertex x two steps away has it and either w is still uncolored or x has
 * another neighbor colored like w (v-w-x-y would be a two-colored path on four vertices).
 */
export function starColoring(p: SparsityPattern): Coloring {
  const n = p.shape[0], ptr = p.rowPtr, adj = p.colIdx;
  const colors = new Int32Array(n).fill(-1);
  let forbidden = new Int32Array(16).fill(-1), count = 0;
  for (let v = 0; v < n; v++) {
    for (let a = ptr[v]!; a < ptr[v + 1]!; a++) {
      const w = adj[a]!;
      if (w === v) continue;
      const cw = colors[w]!;
      if (cw >= 0) forbidden[cw] = v;
      for (let b = ptr[w]!; b < ptr[w + 1]!; b++) {
        const x = adj[b]!;
        if (x === w || x === v) continue;
        const cx = colors[x]!;
        if (cx < 0) continue;
        if (cw < 0) { forbidden[cx] = v; continue; }
        for (let c = ptr[x]!; c < ptr[x + 1]!; c++) {
          const y = adj[c]!;
          if (y !== w && y !== x && colors[y] === cw) { forbidden[cx] = v; break; }
        }
      }
    }
    const c = firstFree(forbidden, v);
    colors[v] = c;
    if (c + 1 > count) count = c + 1;
    if (count >= forbidden.length) { const g = new Int32Array(forbidden.length * 2).fill(-1); g.set(forbidden); forbidden = g; }
  }
  return { count, colors };
}

/**
 * Where each entry of a symmetric pattern is read from H·S (S the star coloring's seed matrix):
 * entry k = (i, j) is (H·s_{c_j})[i] when i has no other neighbor of color c_j, else
 * (H·s_{c_i})[j] (one of the two holds in a star coloring). Returns per entry its product
 * (a color) and the element of that product to read.
 */
export function starRecovery(p: SparsityPattern, col: Coloring): { color: Int32Array; at: Int32Array } {
  const n = p.shape[0], ptr = p.rowPtr, adj = p.colIdx, colors = col.colors;
  const color = new Int32Array(p.nnz), at = new Int32Array(p.nnz);
  // How many entries of row i have color c (in a proper coloring, the diagonal never has a neighbor's color).
  const neighborsOfColor = (i: number, c: number): number => {
    let k = 0;
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) if (colors[adj[a]!] === c) k++;
    return k;
  };
  for (let i = 0; i < n; i++) {
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) {
      const j = adj[a]!;
      if (i === j || neighborsOfColor(i, colors[j]!) === 1) { color[a] = colors[j]!; at[a] = i; }
      else { color[a] = colors[i]!; at[a] = j; }
    }
  }
  return { color, at };
}

/** Checks a star coloring's defining property on p (tests use it): distance-1 proper, and every path on four vertices uses at least three colors. */
export function isStarColoring(p: SparsityPattern, col: Coloring): boolean {
  const n = p.shape[0], ptr = p.rowPtr, adj = p.colIdx, c = col.colors;
  for (let v = 0; v < n; v++) for (let a = ptr[v]!; a < ptr[v + 1]!; a++) if (adj[a] !== v && c[adj[a]!] === c[v]) return false;
  // A two-colored P4 x-w-v-y... : for each edge (w, v), a neighbor x ≠ v of w colored like v and a neighbor y ≠ w of v colored like w.
  for (let w = 0; w < n; w++) {
    for (let a = ptr[w]!; a < ptr[w + 1]!; a++) {
      const v = adj[a]!;
      if (v === w) continue;
      let xs = false, ys = false;
      for (let b = ptr[w]!; b < ptr[w + 1]!; b++) if (adj[b] !== v && adj[b] !== w && c[adj[b]!] === c[v]) xs = true;
      for (let b = ptr[v]!; b < ptr[v + 1]!; b++) if (adj[b] !== w && adj[b] !== v && c[adj[b]!] === c[w]) ys = true;
      if (xs && ys) return false;
    }
  }
  return true;
}
