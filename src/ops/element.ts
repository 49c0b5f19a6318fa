// `index`: one element (or one row) of an array along axis 0, what `x[i]` reads in plain JS.
// The table entry is spread into the primitive table by prims.ts; fromJS (src/source/) binds
// it for every `x[i]` on an array argument. A 1-d array gives a plain JS number (as reading a
// Float64Array or Float32Array does), an n-d array its row of shape shape[1:].
//
//   JVP: ṫ ↦ ṫ[i]        VJP: ḡ ↦ zeros of x's shape with ḡ at row i, as a list of rows
//                               (core/tracer.ts's Scattered) until an array is needed.

import { shapeStr } from "../array/ndarray.js";
import { NDArray } from "../array/ndarray.js";
import { ShapeError } from "../base/errors.js";
import { KERNEL } from "../core/lowering.js";
import { bind, type Primitive } from "../core/primitive.js";
import { Scattered, type Value } from "../core/tracer.js";
import * as o from "./api.js";
import { PRIM_TABLE } from "./prims.js";

export interface IndexParams {
  readonly i: number;
}

function rowOf(a: NDArray, i: number): NDArray | number {
  if (a.shape.length === 1) return a.data[i]!;
  const rest = a.shape.slice(1);
  const n = rest.reduce((s, d) => s * d, 1);
  return new NDArray(a.data.slice(i * n, (i + 1) * n), rest);
}

export function elementPrims() {
  const index: Primitive<IndexParams> = {
    name: "index",
    broadcasts: false,
    infer: ([a], p) => {
      if (a!.shape.length === 0) throw new ShapeError("index", `cannot index a 0-d value (shape ${shapeStr(a!.shape)}) with [${p.i}]; it has no elements to pick`);
      const n = a!.shape[0]!;
      if (!Number.isInteger(p.i) || p.i < 0 || p.i >= n) throw new ShapeError("index", `index ${p.i} is out of range for an array of shape ${shapeStr(a!.shape)}; use an integer in [0, ${n - 1}]`);
      if (a!.shape.length === 1) return { shape: [], dtype: "number", js: true };
      return { shape: a!.shape.slice(1), dtype: a!.dtype, js: false };
    },
    impl: ([a], p) => rowOf(a as NDArray, p.i),
    rule: {
      kind: "linear",
      jvp: [(t, _a, _o, p) => indexOp(t, p.i)],
      // One row of a zero array, kept as a row: n reads of x cost O(n) in reverse mode, not O(n) each.
      vjp: [(g, [a], _o, p) => new Scattered(o.shapeOf(a!), o.dtypeOfValue(a!), p.i, g, null)],
    },
    display: { primal: ([a], p) => `${a}[${p.i}]` },
    lower: KERNEL,
  };
  return { index };
}

/** x[i] along axis 0 (a number for a 1-d array), differentiable. `i` must be an integer. */
export function indexOp(x: Value, i: number): Value {
  return bind(PRIM_TABLE.index, [x], { i });
}
export { indexOp as index };
