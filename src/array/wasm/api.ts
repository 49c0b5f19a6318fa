// The part of the WebAssembly JavaScript API the kernels use, typed here: the project compiles
// without the DOM library (whose declarations carry it), and the emitted .d.ts files must not
// depend on it either.

/** A compiled module (WebAssembly.Module). */
export interface WasmModule { readonly __wasmModule?: never }
/** A linear memory (WebAssembly.Memory). */
export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }

export interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { readonly exports: object };
  readonly Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}

/** The engine's WebAssembly object, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  const w = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof w === "object" && typeof w.Module === "function" ? w : undefined;
}
