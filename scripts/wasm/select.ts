// where(c, a, b) as a WebAssembly loop: the condition's bytes widen to lane masks and
// v128.bitselect picks each lane, so the loop has no branch to mispredict (relu's condition is
// as good as random, and the JavaScript loop's branch cost it 3–5× here). Bits are copied, never
// computed: the result is exactly the JavaScript kernel's.

import { get, i32, inc, locals, params, set, type ElemType } from "./wat.js";

/** Operand mixes: each of a and b is a vector (v) or one scalar (s) for every element. */
export const SELECT_MIXES = ["vv", "vs", "sv", "ss"] as const;

/** The lane mask of `t.lanes` condition bytes at `c`: all ones where the byte is not 0. */
function mask(t: ElemType): string {
  const ne = (load: string) => `(i8x16.ne ${load} (v128.const i32x4 0 0 0 0))`;
  if (t.lanes === 4) return `(i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s ${ne(`(v128.load32_zero ${get("c")})`)}))`;
  return `(i64x2.extend_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s ${ne(`(v128.load16_splat ${get("c")})`)})))`;
}

/**
 * select_T_MIX(c, a, b, o, n, x, y): o[i] = c[i] ? A[i] : B[i] for i < n, where c holds bytes,
 * A is the vector at a (mix "v·") or the scalar x ("s·"), and B the vector at b or the scalar y.
 */
function select(t: ElemType, mix: (typeof SELECT_MIXES)[number]): string {
  const T = t.name, S = t.size, L = t.lanes;
  const va = mix[0] === "v", vb = mix[1] === "v";
  const vec = (isVec: boolean, p: string, splat: string) => (isVec ? `(v128.load ${get(p)})` : get(splat));
  const one = (isVec: boolean, p: string, s: string) => (isVec ? `(${T}.load ${get(p)})` : get(s));
  const step = (lanes: number) => [
    inc("c", lanes), inc("o", lanes * S), va ? inc("a", lanes * S) : "", vb ? inc("b", lanes * S) : "", inc("n", -lanes),
  ].join(" ");
  return `(func (export "select_${T}_${mix}") ${params("i32", ["c", "a", "b", "o", "n"])} ${params(T, ["x", "y"])}
  ${locals("v128", ["xs", "ys"])}
  ${set("xs", `(${t.v}.splat ${get("x")})`)} ${set("ys", `(${t.v}.splat ${get("y")})`)}
  (block $v_end (loop $v_top
    (br_if $v_end (i32.lt_s ${get("n")} ${i32(L)}))
    (v128.store ${get("o")} (v128.bitselect ${vec(va, "a", "xs")} ${vec(vb, "b", "ys")} ${mask(t)}))
    ${step(L)}
    (br $v_top)))
  (block $s_end (loop $s_top
    (br_if $s_end (i32.le_s ${get("n")} ${i32(0)}))
    (${T}.store ${get("o")} (select ${one(va, "a", "x")} ${one(vb, "b", "y")} (i32.load8_u ${get("c")})))
    ${step(1)}
    (br $s_top)))
)`;
}

/** The select functions for one element type. */
export function selectModule(t: ElemType): string {
  return SELECT_MIXES.map((m) => select(t, m)).join("\n");
}
