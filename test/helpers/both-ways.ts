// Running a computation with the WebAssembly kernels and again with the JavaScript ones, for the
// tests that hold the two to the same bits (or the same bound). Under WENGERT_WASM=0 both runs use
// the JavaScript kernels.

import * as w from "../../src/index.js";

/** Whether the run turned the WebAssembly kernels off (WENGERT_WASM=0). */
export const WASM_OFF = process.env.WENGERT_WASM === "0";

/** f with the WebAssembly kernels, then with the JavaScript ones. */
export function bothWays<T>(f: () => T): [T, T] {
  w.setKernelOptions({ wasm: !WASM_OFF });
  const on = f();
  w.setKernelOptions({ wasm: false });
  try {
    return [on, f()];
  } finally {
    w.setKernelOptions({ wasm: !WASM_OFF });
  }
}
