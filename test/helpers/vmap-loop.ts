// What vmap must equal: the function on each example in a JS loop, stacked along axis 0.

import * as w from "../../src/index.js";
import type { NDArray } from "../../src/index.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** Example b of `x` along `axis`. */
export function example(x: NDArray, axis: number, b: number): NDArray {
  const nd = x.ndim, ax = axis < 0 ? axis + nd : axis;
  const starts = x.shape.map((_, i) => (i === ax ? b : 0));
  const ends = x.shape.map((d, i) => (i === ax ? b + 1 : d));
  return w.reshape(w.slice(x, starts, ends), x.shape.filter((_, i) => i !== ax));
}

/** f on each example (args with a null axis shared), its array outputs stacked along axis 0 with their dtype kept. */
export function perExample(f: F, args: readonly unknown[], axes: readonly (number | null)[], size: number): NDArray {
  const outs: NDArray[] = [];
  for (let b = 0; b < size; b++) {
    const r = f(...args.map((a, i) => (axes[i] === null ? a : example(a as NDArray, axes[i]!, b))));
    outs.push(typeof r === "number" ? w.array(r) : (r as NDArray));
  }
  const dtype = outs[0]!.dtype;
  const s = w.stack(outs.map((o) => (o.dtype === "bool" ? w.astype(o, "float64") : o)), 0);
  return s.dtype === dtype ? s : w.astype(s, dtype);
}
