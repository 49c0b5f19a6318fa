// `task(d, idx, ws)`: runs chunk `idx` of the task whose descriptor is at byte address `d`, with
// the calling thread's workspace `ws`. Every thread (the main one and each worker) runs chunks
// through this one entry point, so the chunk arithmetic lives in one place.

import { GEMM_FIELDS, TASK } from "../../src/array/wasm/layout.js";
import { nrOf, type GemmShape } from "./gemm.js";
import { add, get, i32, locals, min, mul, params, set, F32, F64, type ElemType } from "./wat.js";

const field = (name: (typeof GEMM_FIELDS)[number]): string => `(i32.load offset=${4 * (1 + GEMM_FIELDS.indexOf(name))} ${get("d")})`;

/** One GEMM chunk: rows [ri·mcRows, …) and packed panels [cj·ncPanels, …) of the output. */
function gemmChunk(t: ElemType, g: GemmShape): string {
  const NR = nrOf(t, g), sh = t.shift, T = t.name;
  const names = GEMM_FIELDS.filter((f) => f !== "mChunks");
  return `(func $gemm_chunk_${T} ${params("i32", ["d", "idx", "ws"])}
  ${locals("i32", [...names, "mch", "ri", "cj", "r0", "p0", "j0"])}
  ${names.map((f) => set(f, field(f))).join(" ")}
  ${set("mch", field("mChunks"))}
  ${set("ri", `(i32.rem_u ${get("idx")} ${get("mch")})`)}
  ${set("cj", `(i32.div_u ${get("idx")} ${get("mch")})`)}
  ${set("r0", mul(get("ri"), get("mcRows")))}
  ${set("p0", mul(get("cj"), get("ncPanels")))}
  ${set("j0", mul(get("p0"), i32(NR)))}
  (call $gemm_${T}
    ${add(get("a"), `(i32.shl ${mul(get("r0"), get("rs"))} ${i32(sh)})`)} ${get("rs")} ${get("cs")}
    ${get("bp")} ${get("np")} ${get("p0")}
    ${add(get("c"), `(i32.shl ${add(mul(get("r0"), get("ldc")), get("j0"))} ${i32(sh)})`)} ${get("ldc")}
    ${min(get("mcRows"), `(i32.sub ${get("m")} ${get("r0")})`)}
    ${min(mul(get("ncPanels"), i32(NR)), `(i32.sub ${get("n")} ${get("j0")})`)}
    ${get("k")} ${get("ws")})
)`;
}

export function taskModule(f32: GemmShape, f64: GemmShape): string {
  return `${gemmChunk(F32, f32)}
${gemmChunk(F64, f64)}
(func (export "task") ${params("i32", ["d", "idx", "ws"])}
  (block $unknown (block $f64 (block $f32
    (br_table $unknown $f32 $f64 $unknown (i32.load ${get("d")})))
    ;; ${TASK.GEMM_F32}
    (call $gemm_chunk_f32 ${get("d")} ${get("idx")} ${get("ws")}) (return))
    ;; ${TASK.GEMM_F64}
    (call $gemm_chunk_f64 ${get("d")} ${get("idx")} ${get("ws")}) (return))
  unreachable)`;
}
