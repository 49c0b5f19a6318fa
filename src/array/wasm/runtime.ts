// The WebAssembly kernels' runtime: options, instantiation, and the one memory they share.
//
// Nothing happens at import: the module is compiled on the first call that wants it (a strict
// Content-Security-Policy may refuse WebAssembly, and an import must never fail for that).
// When WebAssembly is missing, lacks SIMD, is refused, or is turned off, `kernels()` is null and
// every op runs its JavaScript kernel; results agree within float tolerance.

import { BLOCKING, WASM_PLAIN, WASM_SHARED } from "./binary.generated.js";
import { wasmApi, type WasmApi, type WasmMemory, type WasmModule } from "./api.js";
import { MAX_THREADS, WS } from "./layout.js";

/** The module's exports (see scripts/wasm). Pointers are byte addresses into the memory. */
interface GemmExports {
  pack_b_f32(b: number, rs: number, cs: number, k: number, n: number, dst: number): void;
  pack_b_f64(b: number, rs: number, cs: number, k: number, n: number, dst: number): void;
  gemm_f32(a: number, rs: number, cs: number, bp: number, np: number, jp0: number, c: number, ldc: number, m: number, n: number, k: number, ws: number): void;
  gemm_f64(a: number, rs: number, cs: number, bp: number, np: number, jp0: number, c: number, ldc: number, m: number, n: number, k: number, ws: number): void;
  task(d: number, idx: number, ws: number): void;
}

type Elem = "f32" | "f64";
/** select_T_MIX(c, a, b, o, n, x, y): o[i] = c[i] ? (a[i] or x) : (b[i] or y); scripts/wasm/select.ts. */
type SelectExports = { [K in `select_${Elem}_${"vv" | "vs" | "sv" | "ss"}`]: (c: number, a: number, b: number, o: number, n: number, x: number, y: number) => void };
/** sum_T(s, outer, r, inner, d, acc) and max_T/min_T(s, outer, r, inner, d); scripts/wasm/reduce.ts. */
type ReduceExports = { [K in `${"sum" | "max" | "min"}_${Elem}`]: (s: number, outer: number, r: number, inner: number, d: number, acc: number) => void };
/** OP_T_MIX(a, b, o, rows, inner, sa, sb): rows of o = A op B, each operand a vector or a splat along the row; scripts/wasm/binary.ts. */
type BinaryExports = { [K in `${"add" | "sub" | "mul" | "div"}_${Elem}_${"vv" | "vs" | "sv"}`]: (a: number, b: number, o: number, rows: number, inner: number, sa: number, sb: number) => void };
export interface KernelExports extends GemmExports, SelectExports, ReduceExports, BinaryExports {}

export interface Kernels {
  readonly exports: KernelExports;
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** Whether the memory is a SharedArrayBuffer (worker threads can share it). */
  readonly shared: boolean;
  /** Views of the whole memory, made once: the memory never grows, so they never detach. */
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  /** Bytes of the memory. */
  readonly bytes: number;
  /** Bytes of one thread's workspace. */
  readonly wsSize: number;
  /** First byte after the workspaces: operands of the call in progress start here. */
  readonly heap: number;
}

/** Kernel options; see `setKernelOptions`. */
export interface KernelOptions {
  /** Use the WebAssembly kernels where they pay off (default true; WENGERT_WASM=0 in the environment turns them off). */
  readonly wasm?: boolean;
  /** Threads for large matrix products, the calling one included (default: the cores, at most 4; WENGERT_THREADS). 1: no workers. */
  readonly threads?: number;
  /** Matrix products of fewer multiply-adds (m·n·k) than this stay on one thread (default 2²⁰). */
  readonly parallelThreshold?: number;
  /** Size of the kernels' memory in MiB, reserved once and never grown (default 64). Takes effect before the first use only. */
  readonly memoryMiB?: number;
}

interface Env { readonly process?: { readonly env?: Record<string, string | undefined>; readonly versions?: { readonly node?: string } }; readonly crossOriginIsolated?: boolean; readonly navigator?: { readonly hardwareConcurrency?: number } }
const G = globalThis as unknown as Env;
const env = (name: string): string | undefined => G.process?.env?.[name];
export const isNode = typeof G.process?.versions?.node === "string";

function defaultThreads(): number {
  const fromEnv = Number(env("WENGERT_THREADS"));
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, MAX_THREADS);
  let cores = G.navigator?.hardwareConcurrency ?? 1;
  if (isNode) {
    const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>("node:os");
    if (os) cores = os.availableParallelism?.() ?? os.cpus().length;
  }
  return Math.max(1, Math.min(4, cores));
}

/** A Node builtin module without a static import (so bundles for browsers never see one). */
export function nodeBuiltin<T>(name: string): T | null {
  const get = (G.process as { getBuiltinModule?: (n: string) => unknown } | undefined)?.getBuiltinModule;
  return typeof get === "function" ? ((get(name) as T | undefined) ?? null) : null;
}

const options = {
  wasm: env("WENGERT_WASM") !== "0" && env("WENGERT_WASM") !== "false",
  threads: 0, // 0: not decided yet (defaultThreads() on first use)
  parallelThreshold: 1 << 20,
  memoryMiB: 64,
};

/** Current options, with defaults filled in. */
export function kernelOptions(): Required<KernelOptions> {
  if (options.threads === 0) options.threads = defaultThreads();
  return { ...options };
}

export function setOptions(o: KernelOptions): void {
  if (o.wasm !== undefined) options.wasm = o.wasm;
  if (o.threads !== undefined) options.threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(o.threads)));
  if (o.parallelThreshold !== undefined) options.parallelThreshold = Math.max(0, o.parallelThreshold);
  if (o.memoryMiB !== undefined && state === undefined) options.memoryMiB = Math.max(4, Math.min(4096, Math.floor(o.memoryMiB)));
}

/** undefined: not tried yet; null: unavailable (see `reason`); a promise while compiling asynchronously. */
let state: Kernels | null | Promise<Kernels | null> | undefined;
let reason = isNode ? "not loaded yet" : "not loaded: in a browser, await kernelsReady() compiles the WebAssembly kernels";

/** Why the WebAssembly kernels are not in use, or "" when they are. */
export function unavailableReason(): string {
  if (!options.wasm) return "turned off (setKernelOptions({ wasm: false }) or WENGERT_WASM=0)";
  return state !== null && state !== undefined && !(state instanceof Promise) ? "" : reason;
}

function decode(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Shared memory where worker threads can use it: in Node, or in a cross-origin-isolated page. */
function canShare(): boolean {
  return typeof SharedArrayBuffer === "function" && (isNode || G.crossOriginIsolated === true);
}

/** Instantiates the kernels on a memory of `pages` 64 KiB pages (the workspaces' when `workspaces`, else none). */
function build(wa: WasmApi, module: WasmModule, shared: boolean, pages = options.memoryMiB * 16, workspaces = true): Kernels {
  const memory = new wa.Memory({ initial: pages, maximum: pages, shared });
  const instance = new wa.Instance(module, { env: { memory } });
  const buffer = memory.buffer;
  const wsSize = workspaces ? Math.ceil(Math.max(BLOCKING.f32.workspace, BLOCKING.f64.workspace) / 64) * 64 : 0;
  return {
    exports: instance.exports as unknown as KernelExports,
    module,
    memory,
    shared,
    f32: new Float32Array(buffer),
    f64: new Float64Array(buffer),
    i32: new Int32Array(buffer),
    u8: new Uint8Array(buffer),
    bytes: buffer.byteLength,
    wsSize,
    heap: workspaces ? WS + MAX_THREADS * wsSize : WS,
  };
}

function refuse(e: unknown): null {
  reason = `WebAssembly unavailable here (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); the JavaScript kernels run instead`;
  state = null;
  return null;
}

/**
 * The kernels, or null where they cannot or must not run. In Node the first call compiles the
 * module (synchronously). In a browser only `kernelsReady()` does (asynchronously, as browsers
 * require of all but tiny modules): a page whose Content-Security-Policy lacks
 * 'wasm-unsafe-eval' would report a violation for the attempt, so eager ops never make it.
 */
export function kernels(): Kernels | null {
  if (!options.wasm) return null;
  if (state === undefined && isNode) load();
  return state === undefined || state instanceof Promise ? null : state;
}

/** Pages of the streaming kernels' own memory (see `streamKernels`): room for their staged blocks. */
const STREAM_PAGES = 16;
/** undefined: not made yet (or the main kernels changed); else the kernels streaming ops use. */
let stream: { readonly main: Kernels; readonly kr: Kernels } | undefined;

/**
 * The kernels for ops that stream their operands through a small staging area (binary.ts): an
 * instance of the plain module on a 1 MiB plain memory of its own when the main kernels' memory
 * is shared. Copies in and out of a SharedArrayBuffer run about 1.5× slower than of a plain
 * ArrayBuffer (0.30 against 0.19 ns an element measured), and those copies are most of such an
 * op. The main kernels where their memory is plain already, or where the instance fails.
 */
export function streamKernels(): Kernels | null {
  const kr = kernels();
  if (kr === null || !kr.shared) return kr;
  if (stream?.main !== kr) {
    let own = kr;
    try {
      own = build(wasmApi()!, new (wasmApi()!).Module(decode(WASM_PLAIN)), false, STREAM_PAGES, false);
    } catch {
      // keep the main kernels: correct, with slower copies
    }
    stream = { main: kr, kr: own };
  }
  return stream.kr;
}

/** The kernels if they have loaded already (loads nothing). */
export function current(): Kernels | null {
  return options.wasm && state !== undefined && state !== null && !(state instanceof Promise) ? state : null;
}

function load(): void {
  const wa = wasmApi();
  if (wa === undefined) {
    refuse(new Error("no WebAssembly object"));
    return;
  }
  const shared = canShare();
  const bytes = decode(shared ? WASM_SHARED : WASM_PLAIN);
  try {
    state = build(wa, new wa.Module(bytes), shared);
    return;
  } catch (e) {
    // Browsers may refuse to compile synchronously on the main thread (RangeError): compile
    // asynchronously then. A CompileError (no SIMD) or a CSP refusal means no kernels.
    if (!(e instanceof RangeError)) {
      refuse(e);
      return;
    }
  }
  reason = "compiling asynchronously";
  state = wa.compile(bytes).then(
    (m) => { try { return (state = build(wa, m, shared)); } catch (e) { return refuse(e); } },
    (e: unknown) => refuse(e),
  );
}

/** Resolves once the kernels have loaded or been found unavailable. */
export async function loaded(): Promise<Kernels | null> {
  if (!options.wasm) return null;
  if (state === undefined) load();
  return state instanceof Promise ? await state : state ?? null;
}
