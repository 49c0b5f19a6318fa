// The fluent form (`x.mul(y).sum()`), on concrete arrays and traced values alike, so that code
// written against NDArray runs unchanged inside every transform. The methods are the ops of
// this layer, installed here on NDArray's and Tracer's prototypes (the layers below cannot
// import the ops), with their types added to both classes by module augmentation. Importing
// this module has that side effect: package.json's "sideEffects" names it, so a bundler keeps it.

import { NDArray, type Shape } from "../array/ndarray.js";
import { Tracer } from "../core/tracer.js";
import * as o from "./api.js";
import type { Operand } from "./api.js";
type Axes = number | readonly number[];

/** The fluent methods: each `x.f(…)` is the op `f(x, …)`. */
export interface FluentMethods {
  /** `x.add(b)` is `add(x, b)`. */
  add(b: Operand): NDArray;
  /** `x.sub(b)` is `sub(x, b)`. */
  sub(b: Operand): NDArray;
  /** `x.mul(b)` is `mul(x, b)`. */
  mul(b: Operand): NDArray;
  /** `x.div(b)` is `div(x, b)`. */
  div(b: Operand): NDArray;
  /** `x.pow(b)` is `pow(x, b)`. */
  pow(b: Operand): NDArray;
  /** `x.neg()` is `neg(x)`. */
  neg(): NDArray;
  /** `x.exp()` is `exp(x)`. */
  exp(): NDArray;
  /** `x.log()` is `log(x)`. */
  log(): NDArray;
  /** `x.sin()` is `sin(x)`. */
  sin(): NDArray;
  /** `x.cos()` is `cos(x)`. */
  cos(): NDArray;
  /** `x.tanh()` is `tanh(x)`. */
  tanh(): NDArray;
  /** `x.sqrt()` is `sqrt(x)`. */
  sqrt(): NDArray;
  /** `x.abs()` is `abs(x)`. */
  abs(): NDArray;
  /** `x.sum(axis, keepdims)` is `sum(x, axis, keepdims)`. */
  sum(axis?: Axes, keepdims?: boolean): NDArray;
  /** `x.mean(axis, keepdims)` is `mean(x, axis, keepdims)`. */
  mean(axis?: Axes, keepdims?: boolean): NDArray;
  /** `x.max(axis, keepdims)` is `max(x, axis, keepdims)`. */
  max(axis?: Axes, keepdims?: boolean): NDArray;
  /** `x.min(axis, keepdims)` is `min(x, axis, keepdims)`. */
  min(axis?: Axes, keepdims?: boolean): NDArray;
  /** `x.reshape(shape)` is `reshape(x, shape)`. */
  reshape(shape: Shape): NDArray;
  /** `x.transpose(perm)` is `transpose(x, perm)`. */
  transpose(perm?: readonly number[]): NDArray;
  /** `x.matmul(b)` is `matmul(x, b)`. */
  matmul(b: Operand): NDArray;
  /** `x.T` is `transpose(x)`. */
  readonly T: NDArray;
}

declare module "../array/ndarray.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface NDArray extends FluentMethods {}
}
declare module "../core/tracer.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tracer extends FluentMethods {}
}

type Op = (x: unknown, ...rest: unknown[]) => NDArray;
/** The ops behind the methods, by name (read at call time: this module loads while api.ts does). */
const NAMES: readonly Exclude<keyof FluentMethods, "T">[] = ["add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "sum", "mean", "max", "min", "reshape", "transpose", "matmul"];
const ops = o as unknown as Record<string, Op>;

function install(proto: object): void {
  for (const name of NAMES) {
    Object.defineProperty(proto, name, { value: function (this: unknown, ...rest: unknown[]) { return ops[name]!(this, ...rest); }, writable: true, configurable: true });
  }
  Object.defineProperty(proto, "T", { get(this: unknown) { return ops.transpose!(this); }, configurable: true });
}

install(NDArray.prototype);
install(Tracer.prototype);
