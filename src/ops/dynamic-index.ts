// `dynamicIndex`: x[i] where the index i is itself a traced value — what fromJS's `x[i]` reads
// inside a structured loop, whose counter is a traced number (a foriLoop's index), so the body is
// traced once for every step. `index` (element.ts) takes its index as a parameter and cannot.
// `addAt` is its transpose: a 1-D array with a number added at a traced position.
//
//   dynamicIndex(x, i) = x[i]            JVP: ẋ ↦ ẋ[i]          VJP: ḡ ↦ addAt(0, i, ḡ)
//   addAt(a, i, v)     = a, a[i] += v    JVP: ȧ + addAt(0, i, v̇)  VJP: ḡ ↦ (ḡ, ḡ[i])
//
// The index carries no derivative (it is an integer). Both check it at run time: an index that
// is not an integer in [0, n) is a ShapeError naming the op, the index and the length.
// The table entries are spread into the primitive table by prims.ts.

import { NDArray, shapeStr, zeros } from "../array/ndarray.js";
import { DTypeError, ShapeError } from "../base/errors.js";
import type { Lowering } from "../core/lowering.js";
import { bind, type Aval, type Primitive } from "../core/primitive.js";
import type { Tensor, Value } from "../core/tracer.js";
import * as o from "./api.js";
import { PRIM_TABLE } from "./prims.js";

/** A 0-d operand as a JS number (a 0-d array of any dtype counts). */
function scalarValue(i: Tensor): number {
  if (typeof i === "number") return i;
  if (typeof i === "boolean") return NaN;
  return i.data[0]!;
}

/** Throws the ShapeError of an index that is not an integer in [0, n). */
export function checkIndex(op: string, k: number, n: number): void {
  if (!(Number.isInteger(k) && k >= 0 && k < n)) {
    throw new ShapeError(op, `index ${k} is out of range for an array of length ${n}; a traced index must be an integer in [0, ${n - 1}] (plain JavaScript would read undefined)`);
  }
}

/** addAt's range check. */
function checkAddAt(k: number, n: number): void {
  checkIndex("addAt", k, n);
}

/** x.data[k] after the range check: the one read every lowering of dynamicIndex runs. */
export function readAt(x: NDArray, k: number): number {
  checkIndex("dynamicIndex", k, x.shape[0]!);
  return x.data[k]!;
}

/** Zeros of a (float, 1-d: checked by the shape rules) operand's shape and dtype. */
function zerosOfVector(x: Value): NDArray {
  return zeros(o.shapeOf(x), o.dtypeOfValue(x));
}

function vectorAval(op: string, a: Aval, what: string): void {
  if (a.shape.length !== 1) throw new ShapeError(op, `${what} must be a 1-d array, got shape ${shapeStr(a.shape)}; index a row first, or use take for several axes`);
  if (a.dtype !== "float64" && a.dtype !== "float32") throw new DTypeError(op, `${what} must be a float64 or float32 array, got ${a.dtype}`);
}

function scalarAval(op: string, a: Aval, what: string): void {
  if (a.shape.length !== 0) throw new ShapeError(op, `${what} must be a number, got shape ${shapeStr(a.shape)}`);
  if (a.dtype === "bool") throw new DTypeError(op, `${what} must be a number, got a bool`);
}

/** Compiled lines read the element inline (one call V8 inlines), not through a kernel call with an argument array. */
const readLowering: Lowering<undefined> = {
  emit: (line, ctx) => [`const ${ctx.local(line.out)} = ${ctx.constant(readAt)}(${ctx.atom(line.ins[0]!)}, ${ctx.atom(line.ins[1]!)});`],
};

export function dynamicIndexPrims() {
  const dynamicIndex: Primitive<undefined> = {
    name: "dynamicIndex",
    broadcasts: false,
    infer: ([x, i]) => {
      vectorAval("dynamicIndex", x!, "the array");
      scalarAval("dynamicIndex", i!, "the index");
      return { shape: [], dtype: "number", js: true };
    },
    impl: ([x, i]) => readAt(x as NDArray, scalarValue(i!)),
    rule: {
      kind: "linear",
      jvp: [(t, [, i]) => dynamicIndex_(t, i!), null],
      vjp: [(g, [x, i]) => addAt(zerosOfVector(x!), i!, g), null],
    },
    display: { primal: ([x, i]) => `${x}[${i}]` },
    lower: readLowering,
  };

  const addAtPrim: Primitive<undefined> = {
    name: "addAt",
    broadcasts: false,
    infer: ([a, i, v]) => {
      vectorAval("addAt", a!, "the array");
      scalarAval("addAt", i!, "the index");
      scalarAval("addAt", v!, "the value added");
      return { shape: a!.shape, dtype: a!.dtype, js: false };
    },
    impl: ([a, i, v]) => {
      const arr = a as NDArray, k = scalarValue(i!);
      checkAddAt(k, arr.shape[0]!);
      const out = new NDArray(arr.data.slice(), arr.shape);
      out.data[k] += scalarValue(v!);
      return out;
    },
    rule: {
      kind: "linear",
      jvp: [
        (t) => t,
        null,
        (t, [a, i]) => addAt(zerosOfVector(a!), i!, t),
      ],
      vjp: [(g) => g, null, (g, [, i]) => dynamicIndex_(g, i!)],
    },
    display: { primal: ([a, i, v]) => `${a} + ${v} at [${i}]` },
    lower: { addsAt: { check: checkAddAt } },
  };
  return { dynamicIndex, addAt: addAtPrim };
}

// The entries are looked up on first use: prims.ts imports this module to build its table.

/** x[i] of a 1-d array for a traced (or plain) integer index i, differentiable in x. Throws ShapeError for an index outside [0, n). */
export function dynamicIndex_(x: Value, i: Value): Value {
  return bind(PRIM_TABLE.dynamicIndex, [x, i], undefined);
}
export { dynamicIndex_ as dynamicIndex };

/** A copy of the 1-d array `a` with `v` added at the (traced or plain) integer index i: the transpose of dynamicIndex. */
export function addAt(a: Value, i: Value, v: Value): Value {
  return bind(PRIM_TABLE.addAt, [a, i, v], undefined);
}
