// The whole kernel module as WAT text, and its assembly to bytes with wabt.

import wabtInit from "wabt";
import { TASK } from "../../src/array/wasm/layout.js";
import { binaryModule } from "./binary.js";
import { gemmModule, gemmWorkspace, normalize, nrOf, type GemmShape } from "./gemm.js";
import { reduceModule } from "./reduce.js";
import { selectModule } from "./select.js";
import { taskModule } from "./task.js";
import { F32, F64 } from "./wat.js";

export interface ModuleConfig {
  readonly f32: GemmShape;
  readonly f64: GemmShape;
}

/** Register tiles and block sizes, chosen by measurement (scripts/wasm/tune.ts). */
export const CONFIG: ModuleConfig = {
  f32: normalize({ mr: 4, nrv: 2, kc: 256, mc: 64, unroll: 1 }),
  f64: normalize({ mr: 4, nrv: 2, kc: 256, mc: 64, unroll: 1 }),
};

if (TASK.GEMM_F32 !== 1 || TASK.GEMM_F64 !== 2) throw new Error("task's br_table assumes GEMM_F32 = 1, GEMM_F64 = 2");

/** WAT source; `shared` selects a shared memory import (threads) or a plain one. */
export function moduleText(shared: boolean, cfg: ModuleConfig = CONFIG): string {
  return `(module
(import "env" "memory" (memory 1 65536${shared ? " shared" : ""}))
${gemmModule(F32, cfg.f32)}
${gemmModule(F64, cfg.f64)}
${taskModule(cfg.f32, cfg.f64)}
${selectModule(F32)}
${selectModule(F64)}
${reduceModule(F32)}
${reduceModule(F64)}
${binaryModule(F32)}
${binaryModule(F64)}
)`;
}

/** What the runtime must know of the kernels' blocking (see src/array/wasm/binary.generated.ts). */
export function blocking(cfg: ModuleConfig = CONFIG): Record<"f32" | "f64", { mr: number; nr: number; kc: number; mc: number; workspace: number }> {
  const one = (t: typeof F32, g: GemmShape) => ({ mr: g.mr, nr: nrOf(t, g), kc: g.kc, mc: g.mc, workspace: gemmWorkspace(t, g) });
  return { f32: one(F32, cfg.f32), f64: one(F64, cfg.f64) };
}

const FEATURES = { simd: true, threads: true, bulk_memory: true };

export async function assemble(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const m = wabt.parseWat("wengert-kernels.wat", text, FEATURES);
  try {
    m.resolveNames();
    // The typings omit validate's features argument; without it shared memory fails validation.
    (m.validate as (f: typeof FEATURES) => void)(FEATURES);
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}
