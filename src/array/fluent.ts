// The fluent form (`x.mul(y).sum()`), shared by concrete arrays and traced arrays so
// that code written against NDArray runs unchanged inside every transform.
// The ops are installed late (by src/ops/api.ts) to keep this module free of import cycles.

import type { NDArray, Shape } from "./ndarray.js";

type Operand = number | NDArray;
type Axes = number | readonly number[];

export interface FluentOps {
  add(a: Operand, b: Operand): NDArray;
  sub(a: Operand, b: Operand): NDArray;
  mul(a: Operand, b: Operand): NDArray;
  div(a: Operand, b: Operand): NDArray;
  pow(a: Operand, b: Operand): NDArray;
  neg(a: Operand): NDArray;
  exp(a: Operand): NDArray;
  log(a: Operand): NDArray;
  sin(a: Operand): NDArray;
  cos(a: Operand): NDArray;
  tanh(a: Operand): NDArray;
  sqrt(a: Operand): NDArray;
  abs(a: Operand): NDArray;
  sum(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
  mean(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
  max(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
  min(a: Operand, axis?: Axes, keepdims?: boolean): NDArray;
  reshape(a: Operand, shape: Shape): NDArray;
  transpose(a: Operand, perm?: readonly number[]): NDArray;
  matmul(a: Operand, b: Operand): NDArray;
}

let ops: FluentOps | undefined;

export function installFluent(o: FluentOps): void {
  ops = o;
}

function get(): FluentOps {
  // Always set once src/index.ts (or src/ops/api.ts) has loaded; a missing install is a bug here.
  if (ops === undefined) throw new Error("wengert: fluent ops used before src/ops/api.js was loaded");
  return ops;
}

export abstract class Fluent {
  /** `x.add(b)` is `add(x, b)`. */
  add(b: Operand): NDArray { return get().add(this as unknown as NDArray, b); }
  /** `x.sub(b)` is `sub(x, b)`. */
  sub(b: Operand): NDArray { return get().sub(this as unknown as NDArray, b); }
  /** `x.mul(b)` is `mul(x, b)`. */
  mul(b: Operand): NDArray { return get().mul(this as unknown as NDArray, b); }
  /** `x.div(b)` is `div(x, b)`. */
  div(b: Operand): NDArray { return get().div(this as unknown as NDArray, b); }
  /** `x.pow(b)` is `pow(x, b)`. */
  pow(b: Operand): NDArray { return get().pow(this as unknown as NDArray, b); }
  /** `x.neg()` is `neg(x)`. */
  neg(): NDArray { return get().neg(this as unknown as NDArray); }
  /** `x.exp()` is `exp(x)`. */
  exp(): NDArray { return get().exp(this as unknown as NDArray); }
  /** `x.log()` is `log(x)`. */
  log(): NDArray { return get().log(this as unknown as NDArray); }
  /** `x.sin()` is `sin(x)`. */
  sin(): NDArray { return get().sin(this as unknown as NDArray); }
  /** `x.cos()` is `cos(x)`. */
  cos(): NDArray { return get().cos(this as unknown as NDArray); }
  /** `x.tanh()` is `tanh(x)`. */
  tanh(): NDArray { return get().tanh(this as unknown as NDArray); }
  /** `x.sqrt()` is `sqrt(x)`. */
  sqrt(): NDArray { return get().sqrt(this as unknown as NDArray); }
  /** `x.abs()` is `abs(x)`. */
  abs(): NDArray { return get().abs(this as unknown as NDArray); }
  /** `x.sum(axis, keepdims)` is `sum(x, axis, keepdims)`. */
  sum(axis?: Axes, keepdims?: boolean): NDArray { return get().sum(this as unknown as NDArray, axis, keepdims); }
  /** `x.mean(axis, keepdims)` is `mean(x, axis, keepdims)`. */
  mean(axis?: Axes, keepdims?: boolean): NDArray { return get().mean(this as unknown as NDArray, axis, keepdims); }
  /** `x.max(axis, keepdims)` is `max(x, axis, keepdims)`. */
  max(axis?: Axes, keepdims?: boolean): NDArray { return get().max(this as unknown as NDArray, axis, keepdims); }
  /** `x.min(axis, keepdims)` is `min(x, axis, keepdims)`. */
  min(axis?: Axes, keepdims?: boolean): NDArray { return get().min(this as unknown as NDArray, axis, keepdims); }
  /** `x.reshape(shape)` is `reshape(x, shape)`. */
  reshape(shape: Shape): NDArray { return get().reshape(this as unknown as NDArray, shape); }
  /** `x.transpose(perm)` is `transpose(x, perm)`. */
  transpose(perm?: readonly number[]): NDArray { return get().transpose(this as unknown as NDArray, perm); }
  /** `x.matmul(b)` is `matmul(x, b)`. */
  matmul(b: Operand): NDArray { return get().matmul(this as unknown as NDArray, b); }
  get T(): NDArray { return get().transpose(this as unknown as NDArray); }
}
