// Cotangents that are rows of an array (core/tracer.ts's Scattered): what `index` (x[i])
// sends back in reverse mode. A sum of them is a longer list, O(1) per row; the array is built
// once, when something needs it: a typed array filled in place for concrete rows, or one
// stack + scatterAdd for traced ones (so a staged gradient gets two lines, not one per read).

import { allocate, NDArray, sizeOf } from "../array/ndarray.js";
import { Scattered, Tracer, type Value } from "../core/tracer.js";
import { astype, scatterAdd, stack } from "../ops/api.js";
import { array } from "../array/ndarray.js";

/** The rows added into one array. */
export function denseRows(s: Scattered): Value {
  const rows: Value[] = [], at: number[] = [];
  let traced = false;
  for (let r: Scattered | null = s; r !== null; r = r.rest) {
    rows.push(r.value);
    at.push(r.index);
    traced ||= r.value instanceof Tracer;
  }
  if (!traced) {
    const out = allocate(s.dtype, sizeOf(s.shape));
    const inner = sizeOf(s.shape.slice(1));
    for (let k = 0; k < rows.length; k++) {
      const v = rows[k]!, base = at[k]! * inner;
      if (typeof v === "number") out[base] += v;
      else if (typeof v === "boolean") out[base] += v ? 1 : 0;
      else { const d = (v as NDArray).data; for (let j = 0; j < inner; j++) out[base + j] += d[j]!; }
    }
    return new NDArray(out, s.shape);
  }
  const g = stack(rows.reverse());
  const idx = array(at.reverse(), { dtype: "int32" });
  return scatterAdd(astype(g, s.dtype), idx, 0, s.shape);
}

/** Two lists of rows of one array, joined. */
export function addRows(a: Scattered, b: Scattered): Scattered {
  // Prepend the shorter list onto the longer (each read adds one row: O(1)).
  let [long, short] = a.count >= b.count ? [a, b] : [b, a];
  const parts: Scattered[] = [];
  for (let r: Scattered | null = short; r !== null; r = r.rest) parts.push(r);
  for (let k = parts.length - 1; k >= 0; k--) long = new Scattered(long.shape, long.dtype, parts[k]!.index, parts[k]!.value, long);
  return long;
}

export function sameRowsShape(a: Scattered, b: Scattered): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}
