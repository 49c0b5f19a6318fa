// The minimizers work on one flat float64 vector; users write f on their own structure. A
// Packing maps between the two: x0's pytree (numbers, arrays, typed arrays in nested arrays
// and objects) ↔ a Float64Array, and, inside a traced function, a 1-d array v ↔ x's
// structure made of slices of v (so derivatives with respect to v are those with respect to x).

import { NDArray, type Shape } from "../../array/ndarray.js";
import { ArgumentError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import { flatten, unflatten } from "../../core/pytree.js";
import { concrete, type Value } from "../../core/tracer.js";
import { astype, concat, dtypeOfValue, reshape, slice, toScalar } from "../../ops/api.js";

interface LeafInfo {
  readonly offset: number;
  readonly size: number;
  /** null for a plain number. */
  readonly shape: Shape | null;
  readonly dtype: "float32" | "float64";
}

export interface Packing {
  readonly size: number;
  /** x's structure from a flat vector (concrete arrays). */
  toTree(v: Float64Array): unknown;
  /** x's structure from a traced 1-d array of the vector's length. */
  toTracedTree(v: Value): unknown;
  /** A tree of x's structure (x itself, or a gradient) as a flat vector. */
  toVector(tree: unknown): Float64Array;
  /** A traced tree of x's structure as one traced 1-d array. */
  toTracedVector(tree: unknown): Value;
}

export function packing(op: string, x0: unknown): Packing {
  const { def, leaves } = flatten(x0);
  if (leaves.length === 0) throw new ArgumentError(op, `x0 ${showValue(x0)} holds no numbers; pass a number, an array, or a tree of them`);
  let offset = 0;
  const info: LeafInfo[] = leaves.map((l, i) => {
    const c = concrete(l);
    if (typeof c === "number") return { offset: offset++, size: 1, shape: null, dtype: "float64" };
    if (!(c instanceof NDArray) || (c.dtype !== "float64" && c.dtype !== "float32")) {
      throw new ArgumentError(op, `leaf ${i} of x0 is ${showValue(c)}; the variables must be numbers or float arrays`);
    }
    const li: LeafInfo = { offset, size: c.size, shape: c.shape, dtype: c.dtype };
    offset += c.size;
    return li;
  });
  const size = offset;
  const single = def.kind === "leaf" && info[0]!.shape !== null && info[0]!.shape.length === 1 && info[0]!.dtype === "float64";
  return {
    size,
    toTree: (v) => unflatten(def, info.map((li) => {
      if (li.shape === null) return v[li.offset]!;
      const data = li.dtype === "float32" ? Float32Array.from(v.subarray(li.offset, li.offset + li.size)) : v.slice(li.offset, li.offset + li.size);
      return new NDArray(data, li.shape);
    })),
    toTracedTree: (v) => {
      if (single) return v;
      return unflatten(def, info.map((li) => {
        const part = slice(v, [li.offset], [li.offset + li.size]);
        if (li.shape === null) return toScalar(part);
        const shaped = reshape(part, li.shape);
        return li.dtype === "float32" ? astype(shaped, "float32") : shaped;
      }));
    },
    toVector: (tree) => {
      const out = new Float64Array(size);
      flatten(tree).leaves.forEach((l, i) => {
        const c = concrete(l), li = info[i]!;
        if (typeof c === "number") out[li.offset] = c;
        else out.set((c as NDArray).data, li.offset);
      });
      return out;
    },
    toTracedVector: (tree) => {
      const ls = flatten(tree).leaves;
      if (single) return ls[0]!;
      return concat(ls.map((l) => {
        const flat = reshape(l, [-1]);
        return dtypeOfValue(flat) === "float32" ? astype(flat, "float64") : flat;
      }));
    },
  };
}
