// Kernels that work along one axis: arg-reductions, cumulative sums, stable sorting and
// gathers/scatters of one index per position. Each views the array as (outer, n, inner)
// around the axis, so one loop shape serves every rank.

import { allocate, NDArray, sizeOf, type DType, type Shape } from "./ndarray.js";

/** The (outer, n, inner) view of `shape` around `axis`. */
export function axisView(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, n: shape[axis]!, inner };
}

/** Index of the first maximum (or minimum) along `axis`; a NaN wins at its first position (as NumPy). */
export function argExtremum(a: NDArray, axis: number, outShape: Shape, isMax: boolean): NDArray {
  const { outer, n, inner } = axisView(a.shape, axis);
  const out = new Int32Array(outer * inner), d = a.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = d[base]!, at = 0;
      if (best === best) {
        for (let k = 1; k < n; k++) {
          const v = d[base + k * inner]!;
          if (v !== v) { at = k; break; }
          if (isMax ? v > best : v < best) { best = v; at = k; }
        }
      }
      out[o * inner + i] = at;
    }
  }
  return new NDArray(out, outShape);
}

/** Running sums along `axis` (from the end when `reverse`), accumulated in float64. */
export function cumsum(a: NDArray, axis: number, reverse: boolean, dtype: DType): NDArray {
  const { outer, n, inner } = axisView(a.shape, axis);
  const out = allocate(dtype, a.size), d = a.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let s = 0;
      for (let j = 0; j < n; j++) {
        const p = base + (reverse ? n - 1 - j : j) * inner;
        s += d[p]!;
        out[p] = s;
      }
    }
  }
  return new NDArray(out, a.shape);
}

/**
 * The permutation that sorts each line along `axis`: stable (equal values keep their order),
 * NaN after every number ascending and before every number descending.
 */
export function argsort(a: NDArray, axis: number, descending: boolean): NDArray {
  const { outer, n, inner } = axisView(a.shape, axis);
  const out = new Int32Array(a.size), d = a.data;
  const idx = new Array<number>(n), key = new Float64Array(n);
  const sign = descending ? -1 : 1;
  const cmp = (x: number, y: number): number => {
    const u = key[x]!, v = key[y]!;
    const un = u !== u, vn = v !== v;
    if (un || vn) return un === vn ? x - y : (un ? 1 : -1) * sign;
    return u < v ? -sign : u > v ? sign : x - y;
  };
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let k = 0; k < n; k++) { idx[k] = k; key[k] = d[base + k * inner]!; }
      idx.sort(cmp);
      for (let k = 0; k < n; k++) out[base + k * inner] = idx[k]!;
    }
  }
  return new NDArray(out, a.shape);
}

/** out[..., j, ...] = a[..., idx[..., j, ...], ...] along `axis` (idx has a's shape but for that axis). */
export function takeAlong(a: NDArray, idx: NDArray, axis: number): NDArray {
  const { outer, n, inner } = axisView(a.shape, axis);
  const m = idx.shape[axis]!;
  const out = allocate(a.dtype, idx.size), d = a.data, ix = idx.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const dst = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = d[(o * n + ix[dst + i]!) * inner + i]!;
    }
  }
  return new NDArray(out, idx.shape);
}

/** The transpose of takeAlong: zeros of `shape`, with g[..., j, ...] added at idx[..., j, ...]. */
export function scatterAlong(g: NDArray, idx: NDArray, axis: number, shape: Shape, dtype: DType): NDArray {
  const { outer, n, inner } = axisView(shape, axis);
  const m = idx.shape[axis]!;
  const out = allocate(dtype, sizeOf(shape)), d = g.data, ix = idx.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * n + ix[src + i]!) * inner + i]! += d[src + i]!;
    }
  }
  return new NDArray(out, shape);
}
