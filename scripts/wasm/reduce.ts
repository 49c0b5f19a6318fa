// Reductions of an (outer, r, inner) block along r as WebAssembly SIMD loops: sum, max and min.
// Sums accumulate in float64 for both element types, as the JavaScript kernel does (only the
// order of the additions differs: four partial sums); max and min propagate NaN, as the
// JavaScript kernel does, through the lane instructions' own NaN rule.

import { get, i32, inc, locals, params, set, whileAtLeast, type ElemType } from "./wat.js";

export const REDUCE_KINDS = ["sum", "max", "min"] as const;
type Kind = (typeof REDUCE_KINDS)[number];

const ZERO = "(v128.const i32x4 0 0 0 0)";
/** The f64x2 of lanes 2, 3 of an f32x4 (as lanes 0, 1, ready for promote_low). */
const high = (x: string) => `(i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${x} ${x})`;
/** A value of type t as float64 (the accumulators' type). */
const wide = (t: ElemType, x: string) => (t.name === "f32" ? `(f64.promote_f32 ${x})` : x);
const narrow = (t: ElemType, x: string) => (t.name === "f32" ? `(f32.demote_f64 ${x})` : x);

/** sum_T(s, outer, r, inner, d, acc): d[o, i] = Σ_k s[o, k, i]; acc is scratch of inner float64. */
function sum(t: ElemType): string {
  const T = t.name, S = t.size;
  // Rows (inner = 1): four float64 partial sums, four elements a step.
  const rowStep = T === "f32"
    ? `${set("x", `(v128.load ${get("s")})`)}
       ${set("a0", `(f64x2.add ${get("a0")} (f64x2.promote_low_f32x4 ${get("x")}))`)}
       ${set("a1", `(f64x2.add ${get("a1")} (f64x2.promote_low_f32x4 ${high(get("x"))}))`)}
       ${inc("s", 16)}`
    : `${set("a0", `(f64x2.add ${get("a0")} (v128.load ${get("s")}))`)}
       ${set("a1", `(f64x2.add ${get("a1")} (v128.load offset=16 ${get("s")}))`)}
       ${inc("s", 32)}`;
  const rows = `${set("k", get("r"))} ${set("a0", ZERO)} ${set("a1", ZERO)}
    ${whileAtLeast("k", 4, rowStep, "rk")}
    ${set("a0", `(f64x2.add ${get("a0")} ${get("a1")})`)}
    ${set("t", `(f64.add (f64x2.extract_lane 0 ${get("a0")}) (f64x2.extract_lane 1 ${get("a0")}))`)}
    ${whileAtLeast("k", 1, `${set("t", `(f64.add ${get("t")} ${wide(t, `(${T}.load ${get("s")})`)})`)} ${inc("s", S)}`, "rt")}
    (${T}.store ${get("d")} ${narrow(t, get("t"))}) ${inc("d", S)}`;
  // Columns (inner > 1): add each of the r rows into the float64 accumulator row, then store it.
  const colStep = T === "f32"
    ? `${set("x", `(v128.load ${get("s")})`)}
       (v128.store ${get("p")} (f64x2.add (v128.load ${get("p")}) (f64x2.promote_low_f32x4 ${get("x")})))
       (v128.store offset=16 ${get("p")} (f64x2.add (v128.load offset=16 ${get("p")}) (f64x2.promote_low_f32x4 ${high(get("x"))})))
       ${inc("s", 16)} ${inc("p", 32)}`
    : `(v128.store ${get("p")} (f64x2.add (v128.load ${get("p")}) (v128.load ${get("s")}))) ${inc("s", 16)} ${inc("p", 16)}`;
  const cols = `(memory.fill ${get("acc")} ${i32(0)} (i32.shl ${get("inner")} ${i32(3)}))
    ${set("k", get("r"))}
    ${whileAtLeast("k", 1, `${set("p", get("acc"))} ${set("i", get("inner"))}
      ${whileAtLeast("i", t.lanes, colStep, "cv")}
      ${whileAtLeast("i", 1, `(f64.store ${get("p")} (f64.add (f64.load ${get("p")}) ${wide(t, `(${T}.load ${get("s")})`)})) ${inc("s", S)} ${inc("p", 8)}`, "ct")}`, "ck")}
    ${set("p", get("acc"))} ${set("i", get("inner"))}
    ${whileAtLeast("i", 1, `(${T}.store ${get("d")} ${narrow(t, `(f64.load ${get("p")})`)}) ${inc("d", S)} ${inc("p", 8)}`, "co")}`;
  return `(func (export "sum_${T}") ${params("i32", ["s", "outer", "r", "inner", "d", "acc"])}
  ${locals("i32", ["k", "i", "p"])} ${locals("v128", ["a0", "a1", "x"])} ${locals("f64", ["t"])}
  (if (i32.eq ${get("inner")} ${i32(1)})
    (then ${whileAtLeast("outer", 1, rows, "ro")})
    (else ${whileAtLeast("outer", 1, cols, "co_o")}))
)`;
}

/** max_T / min_T (s, outer, r, inner, d): d[o, i] = max_k s[o, k, i] (−∞ for r = 0; NaN if any is NaN). */
function extremum(t: ElemType, kind: "max" | "min"): string {
  const T = t.name, S = t.size, v = t.v;
  const start = kind === "max" ? "-inf" : "inf";
  const lanes = Array.from({ length: t.lanes }, (_, l) => `(${v}.extract_lane ${l} ${get("m")})`);
  const fold = lanes.slice(1).reduce((acc, x) => `(${T}.${kind} ${acc} ${x})`, lanes[0]!);
  const rows = `${set("k", get("r"))} ${set("m", `(${v}.splat (${T}.const ${start}))`)}
    ${whileAtLeast("k", t.lanes, `${set("m", `(${v}.${kind} ${get("m")} (v128.load ${get("s")}))`)} ${inc("s", 16)}`, "rk")}
    ${set("t", fold)}
    ${whileAtLeast("k", 1, `${set("t", `(${T}.${kind} ${get("t")} (${T}.load ${get("s")}))`)} ${inc("s", S)}`, "rt")}
    (${T}.store ${get("d")} ${get("t")}) ${inc("d", S)}`;
  const cols = `${set("p", get("d"))} ${set("i", get("inner"))}
    ${whileAtLeast("i", 1, `(${T}.store ${get("p")} (${T}.const ${start})) ${inc("p", S)}`, "ci")}
    ${set("k", get("r"))}
    ${whileAtLeast("k", 1, `${set("p", get("d"))} ${set("i", get("inner"))}
      ${whileAtLeast("i", t.lanes, `(v128.store ${get("p")} (${v}.${kind} (v128.load ${get("p")}) (v128.load ${get("s")}))) ${inc("s", 16)} ${inc("p", 16)}`, "cv")}
      ${whileAtLeast("i", 1, `(${T}.store ${get("p")} (${T}.${kind} (${T}.load ${get("p")}) (${T}.load ${get("s")}))) ${inc("s", S)} ${inc("p", S)}`, "ct")}`, "ck")}
    ${set("d", get("p"))}`;
  return `(func (export "${kind}_${T}") ${params("i32", ["s", "outer", "r", "inner", "d"])}
  ${locals("i32", ["k", "i", "p"])} ${locals("v128", ["m"])} ${locals(T, ["t"])}
  (if (i32.eq ${get("inner")} ${i32(1)})
    (then ${whileAtLeast("outer", 1, rows, "ro")})
    (else ${whileAtLeast("outer", 1, cols, "co_o")}))
)`;
}

/** The reduction functions for one element type. */
export function reduceModule(t: ElemType): string {
  return REDUCE_KINDS.map((k: Kind) => (k === "sum" ? sum(t) : extremum(t, k))).join("\n");
}
