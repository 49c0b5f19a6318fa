// The public face of the kernels: options, a status report, and a promise for "ready".

import { ArgumentError } from "../../base/errors.js";
import { CTRL, W } from "./layout.js";
import { current, kernelOptions, loaded, setOptions, unavailableReason, type KernelOptions } from "./runtime.js";
import { ensureWorkers, readyWorkers, workerProblem } from "./threads.js";

export type { KernelOptions };

/** What the array kernels are running on. */
export interface KernelInfo {
  /** Whether the WebAssembly (SIMD) kernels are in use. */
  readonly wasm: boolean;
  /** Why they are not ("" when they are). */
  readonly reason: string;
  /** Whether their memory is shared, so that worker threads can help. */
  readonly shared: boolean;
  /** Worker threads started and ready (the calling thread is not counted). */
  readonly workers: number;
  /** Why no worker could be started, or "". */
  readonly workerProblem: string;
  /** Chunks of products that workers have computed since the start. */
  readonly workerChunks: number;
  /** Bytes of the kernels' memory (reserved once, never grown). */
  readonly memoryBytes: number;
  /** The options in force. */
  readonly options: Required<KernelOptions>;
}

/** Reports what the kernels run on; loads nothing. */
export function kernelInfo(): KernelInfo {
  const opts = kernelOptions();
  const k = opts.wasm ? current() : null;
  return {
    wasm: k !== null,
    reason: k !== null ? "" : unavailableReason(),
    shared: k?.shared ?? false,
    workers: k ? Math.min(readyWorkers(k), opts.threads - 1) : 0,
    workerProblem: workerProblem(),
    workerChunks: k ? Atomics.load(k.i32, (CTRL >> 2) + W.WORKER_CHUNKS) : 0,
    memoryBytes: k?.bytes ?? 0,
    options: opts,
  };
}

/**
 * Sets kernel options (see KernelOptions): `{ wasm: false }` runs every op in JavaScript,
 * `{ threads: 1 }` keeps products on the calling thread. Returns the resulting status.
 */
export function setKernelOptions(o: KernelOptions): KernelInfo {
  if (typeof o !== "object" || o === null) throw new ArgumentError("setKernelOptions", "pass an object such as { threads: 2 } or { wasm: false }");
  const positiveInt = (name: keyof KernelOptions, min: number) => {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= min)) {
      throw new ArgumentError("setKernelOptions", `${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  positiveInt("threads", 1);
  positiveInt("parallelThreshold", 0);
  positiveInt("memoryMiB", 4);
  if (o.wasm !== undefined && typeof o.wasm !== "boolean") throw new ArgumentError("setKernelOptions", `wasm must be true or false, got ${String(o.wasm)}`);
  setOptions(o);
  return kernelInfo();
}

/**
 * Loads the kernels and starts the worker threads, resolving when they are ready (or found
 * unavailable: the JavaScript kernels then run). Optional: ops load the kernels on first use,
 * but a browser compiles them asynchronously, and workers take a moment to start.
 */
export async function kernelsReady(timeoutMs = 10_000): Promise<KernelInfo> {
  const k = await loaded();
  const want = kernelOptions().threads - 1;
  if (k !== null && k.shared && want > 0) {
    ensureWorkers(k, want + 1);
    const t0 = Date.now();
    while (readyWorkers(k) < want && workerProblem() === "" && Date.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  return kernelInfo();
}
