// NumPy broadcasting and dtype promotion: the shape/dtype rules every elementwise op shares.

import { DTypeError, ShapeError } from "../base/errors.js";
import { showValue } from "../base/format.js";
import type { Aval } from "./aval.js";
import { shapeStr, type DType, type Shape } from "./ndarray.js";

function avalStr(a: Aval): string {
  return a.js ? (a.dtype === "bool" ? "boolean" : "number") : `${a.dtype}${shapeStr(a.shape)}`;
}

export function describeAvals(avals: readonly Aval[]): string {
  return avals.map(avalStr).join(" and ");
}

/** The broadcast shape of several shapes, or a ShapeError naming the op and the axes that clash. */
export function broadcastShapes(op: string, shapes: readonly Shape[]): number[] {
  let nd = 0;
  for (const s of shapes) nd = Math.max(nd, s.length);
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    const off = nd - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!, o = out[off + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) { out[off + i] = d; continue; }
      throw new ShapeError(
        op,
        `shapes ${shapes.map(shapeStr).join(" and ")} do not broadcast: axis ${i - s.length} has sizes ${o} and ${d}; ` +
          `make the sizes equal or 1 (e.g. reshape one operand, or transpose it if the arguments are in the wrong order)`,
      );
    }
  }
  return out;
}

/** Broadcast strides of `shape` aligned to the right of `outShape` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const nd = outShape.length, off = nd - shape.length;
  const strides = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[off + i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return strides;
}

/** A broadcast walk with size-1 axes dropped and contiguous runs merged: sizes and each operand's strides. */
export interface MergedAxes {
  readonly dims: number[];
  readonly as: number[];
  readonly bs: number[];
}

/**
 * Merges the axes of `shape` that both operands (read at strides `sa`, `sb`) traverse
 * contiguously, dropping size-1 axes: [n, m] + [n, m] becomes one axis of n·m, and
 * [128, 256] + [256] stays two (128 rows of 256, B's rows at stride 0).
 */
export function mergeAxes(shape: Shape, sa: readonly number[], sb: readonly number[]): MergedAxes {
  const dims: number[] = [], as: number[] = [], bs: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!, k = dims.length - 1;
    if (n === 1) continue;
    if (k >= 0 && as[k] === sa[d]! * n && bs[k] === sb[d]! * n) {
      dims[k]! *= n;
      as[k] = sa[d]!;
      bs[k] = sb[d]!;
    } else { dims.push(n); as.push(sa[d]!); bs.push(sb[d]!); }
  }
  return { dims, as, bs };
}

/**
 * Result dtype of arithmetic: float32 wins over plain numbers and int32, float64 arrays and
 * float32 arrays do not mix silently, and bools take no part in arithmetic.
 */
export function arithmeticDType(op: string, avals: readonly Aval[]): DType | "number" {
  let result: DType | "number" = "number";
  let anyArray = false;
  for (const a of avals) {
    if (a.dtype === "bool") {
      throw new DTypeError(op, `got a bool operand (${describeAvals(avals)}); convert it with astype(x, "float64"), or select with where(cond, a, b)`);
    }
    if (a.js) continue;
    anyArray = true;
    if (a.dtype === "float32" || a.dtype === "float64") {
      if (result !== "number" && result !== a.dtype) {
        throw new DTypeError(op, `operands ${describeAvals(avals)} mix float32 and float64; convert one with astype(x, "float32") or astype(x, "float64")`);
      }
      result = a.dtype;
    }
  }
  if (result === "number" && anyArray) result = "float64";
  return result;
}

/**
 * Result dtype of ops that move values without arithmetic (concat, stack, where's branches):
 * arrays all of one int32 or bool dtype keep it, as in NumPy and JAX; anything else is
 * arithmetic's rule (int32 mixed with floats promotes, bool mixed with others is refused).
 */
export function selectionDType(op: string, avals: readonly Aval[]): DType | "number" {
  const d = avals[0]!.dtype;
  if ((d === "int32" || d === "bool") && avals.every((a) => !a.js && a.dtype === d)) return d;
  return arithmeticDType(op, avals);
}

export function allJs(avals: readonly Aval[]): boolean {
  for (const a of avals) if (!a.js) return false;
  return true;
}

export function elementwiseAval(op: string, avals: readonly Aval[]): Aval {
  const js = allJs(avals);
  const dtype = arithmeticDType(op, avals);
  if (js) return { shape: [], dtype, js };
  return { shape: broadcastShapes(op, avals.map((a) => a.shape)), dtype, js };
}

/** Normalizes `axis` (negative counts from the end) or throws naming the op and the rank. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(op, `axis ${showValue(axis)} is out of range for an array of rank ${ndim}; use an integer in [${-ndim}, ${ndim - 1}]`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Sorted, unique, normalized axes; undefined means all axes. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  // Not a number nor an array (a string, null): an error naming the op, not a TypeError from .map.
  if (!Array.isArray(list)) throw new ShapeError(op, `axis ${showValue(axes)} must be an integer or an array of integers; use e.g. 0, -1 or [0, 2]`);
  const out = [...new Set(list.map((a) => normAxis(op, a, ndim)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new ShapeError(op, `repeated axis in [${list.join(",")}]; name each axis once`);
  return out;
}
