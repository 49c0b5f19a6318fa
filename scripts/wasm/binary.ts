// The four arithmetic ops (add, sub, mul, div) as WebAssembly SIMD loops over rows: each row
// reads A and B either along the row (v) or as one element splat across it (s), and each
// operand's row start moves by its own stride, so one function serves a flat op, a row
// broadcast ([B, n] · [n]: stride 0) and a column one ([B, n] · [B, 1]: a splat per row). The
// lane instructions round exactly as the JavaScript loop does (float32 included: a float64
// result of two float32 operands rounds to the same float32), so results are bit-identical.

import { get, inc, locals, params, set, whileAtLeast, type ElemType } from "./wat.js";

export const BINARY_OPS = ["add", "sub", "mul", "div"] as const;
/** How A and B are read along a row: vector (v) or one element splat (s); ss never reaches the kernel. */
export const BINARY_MIXES = ["vv", "vs", "sv"] as const;

/**
 * OP_T_MIX(a, b, o, rows, inner, sa, sb): for each of `rows` rows, o[i] = A op B for i < inner
 * (o contiguous), then a += sa and b += sb (byte strides, 0 for a broadcast row).
 */
function binary(t: ElemType, op: (typeof BINARY_OPS)[number], mix: (typeof BINARY_MIXES)[number]): string {
  const T = t.name, S = t.size, v = t.v;
  const va = mix[0] === "v", vb = mix[1] === "v";
  const lane = (isVec: boolean, p: string, splat: string, off = 0) => (isVec ? `(v128.load offset=${off} ${get(p)})` : get(splat));
  const one = (isVec: boolean, p: string) => `(${T}.load ${get(p)})`;
  // Two vectors a step (independent loads and stores), then one, then single elements.
  const two = `(v128.store ${get("q")} (${v}.${op} ${lane(va, "pa", "xs")} ${lane(vb, "pb", "ys")}))
    (v128.store offset=16 ${get("q")} (${v}.${op} ${lane(va, "pa", "xs", 16)} ${lane(vb, "pb", "ys", 16)}))
    ${inc("q", 32)} ${va ? inc("pa", 32) : ""} ${vb ? inc("pb", 32) : ""}`;
  const vec = `(v128.store ${get("q")} (${v}.${op} ${lane(va, "pa", "xs")} ${lane(vb, "pb", "ys")}))
    ${inc("q", 16)} ${va ? inc("pa", 16) : ""} ${vb ? inc("pb", 16) : ""}`;
  const el = `(${T}.store ${get("q")} (${T}.${op} ${one(va, "pa")} ${one(vb, "pb")}))
    ${inc("q", S)} ${va ? inc("pa", S) : ""} ${vb ? inc("pb", S) : ""}`;
  const row = `${set("pa", get("a"))} ${set("pb", get("b"))} ${set("q", get("o"))} ${set("i", get("inner"))}
    ${va ? "" : set("xs", `(${v}.splat (${T}.load ${get("a")}))`)}
    ${vb ? "" : set("ys", `(${v}.splat (${T}.load ${get("b")}))`)}
    ${whileAtLeast("i", 2 * t.lanes, two, "v2")}
    ${whileAtLeast("i", t.lanes, vec, "v1")}
    ${whileAtLeast("i", 1, el, "e")}
    ${set("o", get("q"))} ${inc("a", get("sa"))} ${inc("b", get("sb"))}`;
  return `(func (export "${op}_${T}_${mix}") ${params("i32", ["a", "b", "o", "rows", "inner", "sa", "sb"])}
  ${locals("i32", ["i", "pa", "pb", "q"])} ${locals("v128", ["xs", "ys"])}
  ${whileAtLeast("rows", 1, row, "r")}
)`;
}

/** The arithmetic functions for one element type. */
export function binaryModule(t: ElemType): string {
  return BINARY_OPS.flatMap((op) => BINARY_MIXES.map((m) => binary(t, op, m))).join("\n");
}
