// The layout of the kernels' memory, shared by the generator (scripts/wasm) and the runtime.
//
//   [0, 64)              unused (so that no valid pointer is 0)
//   [CTRL, CTRL + 256)   the thread pool's control words and the current task's descriptor
//   [WS, WS + T·WS_SIZE) one workspace per thread (packed A block and a register tile)
//   [HEAP, end)          operands, packed B and results of the call in progress
//
// The memory is reserved once at its full size and never grown: growing a WebAssembly memory
// detaches its ArrayBuffer, and one detached buffer slows every typed-array loop in the
// process (V8 deoptimizes them; measured in bench/README.md).

/** Byte address of the control block (Int32 words). */
export const CTRL = 64;
/** Control words (Int32 indices relative to CTRL / 4). */
export const W = {
  /** Task generation: workers sleep on it (Atomics.wait) until it changes. */
  GEN: 0,
  /** Chunk claim word: (generation & 0x7fff) << 16 | next chunk index; CLOSED while a task is set up. */
  CLAIM: 1,
  /** Chunks in the current task. */
  TOTAL: 2,
  /** Chunks finished (the last one notifies the waiting main thread). */
  DONE: 3,
  /** Set to 1 by a worker whose chunk threw (a bug): the caller reports it. */
  FAILED: 4,
  /** Workers that have instantiated the module and entered their loop. */
  READY: 5,
  /** Chunks executed by workers (not the main thread) since start: observable by tests. */
  WORKER_CHUNKS: 6,
  /** Threads that take part: workers whose index is below it claim chunks, the others sleep. */
  ACTIVE: 7,
  /** First word of the task descriptor (the argument `d` of the exported `task`). */
  DESC: 8,
} as const;
/** Claim-word index field that no task reaches: new claims fail while a task is being set up. */
export const CLAIM_CLOSED = 0xffff;
/** Most chunks one task may have. */
export const MAX_CHUNKS = 0x7fff;

/** Task kinds (descriptor word 0). */
export const TASK = { GEMM_F32: 1, GEMM_F64: 2 } as const;

/**
 * GEMM descriptor fields after the kind (word offsets from DESC + 1): C[m×n] = op(A)·op(B) for
 * the chunk grid mChunks × nChunks, each chunk mcRows rows by ncPanels packed B panels.
 */
export const GEMM_FIELDS = ["a", "rs", "cs", "bp", "np", "c", "ldc", "m", "n", "k", "mChunks", "mcRows", "ncPanels"] as const;

/** Most threads the pool will start (each needs a workspace). */
export const MAX_THREADS = 16;
/** First workspace byte; thread t's workspace starts at WS + t · wsSize. */
export const WS = 4096;
