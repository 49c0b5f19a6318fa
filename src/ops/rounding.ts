// JavaScript's `%` and Math.floor/ceil/round/trunc as primitives: the table entries (spread
// into the primitive table by prims.ts, which hands over its elementwise builders so this file
// needs nothing of prims.ts at load time) and the public ops.
//
//   remainder(a, b) = a − b·trunc(a/b)   (JS `%`: the sign of the dividend)
//     ∂/∂a = 1, ∂/∂b = −trunc(a/b), away from the jumps where a/b is an integer.
//   floor, ceil, round (JS rounding: halves toward +∞), trunc: piecewise constant, so their
//   derivative is 0 wherever it exists; like sign they carry none (rule kind "none").

import { bind2, checkOperand, type Display, type PartialFn, type Primitive } from "../core/primitive.js";
import type { Value } from "../core/tracer.js";
import type { R1, R2 } from "./api.js";
import * as o from "./api.js";
import { PRIM_TABLE } from "./prims.js";

export interface ElementwiseBuilders {
  unary(name: string, f: (a: number) => number, partial: PartialFn<undefined>, display: Display<undefined>): Primitive<undefined>;
  binary(name: string, f: (a: number, b: number) => number, partials: readonly [PartialFn<undefined>, PartialFn<undefined>], display: Display<undefined>): Primitive<undefined>;
}

const PIECEWISE_CONSTANT = (name: string): string => `${name} is piecewise constant: its derivative is 0 wherever it exists`;

function rounding(b: ElementwiseBuilders, name: string, f: (a: number) => number): Primitive<undefined> {
  return {
    ...b.unary(name, f, () => 0, { primal: ([a]) => `${name} ${a}` }),
    rule: { kind: "none", why: PIECEWISE_CONSTANT(name) },
  };
}

/** The table entries; `b` is prims.ts's elementwise builders. */
export function roundingPrims(b: ElementwiseBuilders) {
  return {
    remainder: b.binary(
      "remainder",
      (a, c) => a % c,
      [() => 1, ([a, c]) => o.neg(trunc(o.div(a!, c!)))],
      { primal: ([a, c]) => `${a} mod ${c}`, partials: [() => "1", ([a, c]) => `−trunc(${a}/${c})`] },
    ),
    floor: rounding(b, "floor", (a) => Math.floor(a)),
    ceil: rounding(b, "ceil", (a) => Math.ceil(a)),
    round: rounding(b, "round", (a) => Math.round(a)),
    trunc: rounding(b, "trunc", (a) => Math.trunc(a)),
  };
}

type Un = <A extends Value>(a: A) => R1<A>;
type Bin = <A extends Value, B extends Value>(a: A, b: B) => R2<A, B>;

// The entries are looked up on first use: prims.ts imports this module to build its table.
function unaryOp(name: "floor" | "ceil" | "round" | "trunc", f: (x: number) => number): Un {
  return ((a: Value) => (typeof a === "number" ? f(a) : bind2(PRIM_TABLE[name], a, undefined, undefined))) as Un;
}

/** ⌊x⌋ elementwise (derivative 0). */
export const floor = unaryOp("floor", Math.floor);
/** ⌈x⌉ elementwise (derivative 0). */
export const ceil = unaryOp("ceil", Math.ceil);
/** x rounded as Math.round does (halves toward +∞; derivative 0). */
export const round = unaryOp("round", Math.round);
/** x with its fraction dropped (toward 0; derivative 0). */
export const trunc = unaryOp("trunc", Math.trunc);

/** a − b·trunc(a/b), JavaScript's `a % b` (the result has the sign of a). */
export const remainder: Bin = ((a: Value, b: Value) => {
  if (typeof a === "number" && typeof b === "number") return a % b;
  if (b === undefined) checkOperand("remainder", 1, b);
  return bind2(PRIM_TABLE.remainder, a, b, undefined);
}) as Bin;
