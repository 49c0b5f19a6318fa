// The GradBench protocol: one JSON message per line on stdin, one response line per message on
// stdout, carrying the message's id. Types follow GradBench's js/common/protocol.ts.

export interface Timing {
  readonly name: string;
  readonly nanoseconds: number;
}

export interface StartMessage { readonly id: number; readonly kind: "start"; readonly eval?: string; readonly config?: unknown }
export interface DefineMessage { readonly id: number; readonly kind: "define"; readonly module: string }
export interface EvaluateMessage {
  readonly id: number;
  readonly kind: "evaluate";
  readonly module: string;
  readonly function: string;
  readonly input: unknown;
  readonly description?: string;
}
export interface OtherMessage { readonly id: number; readonly kind: string }
export type Message = StartMessage | DefineMessage | EvaluateMessage | OtherMessage;

export interface Response {
  readonly id: number;
  readonly tool?: string;
  readonly config?: unknown;
  readonly success?: boolean;
  readonly output?: unknown;
  readonly timings?: readonly Timing[];
  readonly error?: string;
}

/**
 * One function of an eval, made ready for one input: `run` is what is timed (one "evaluate"
 * timing per call), `output` turns its result into the JSON the eval expects (not timed).
 */
export interface Prepared<R = unknown> {
  run(): R;
  // A method, so that a Prepared<number> is a Prepared (parameters of methods are bivariant).
  output(result: R): unknown;
}

/** Prepares a function for an input (throws on an input it cannot use). */
export type Prepare = (input: unknown) => Prepared;

/** An eval's module: its functions by name. */
export type Module = Readonly<Record<string, Prepare>>;

/** How often to run: GradBench's `Runs` fields of an input (defaults: once, no minimum time). */
export function runsOf(input: unknown): { minRuns: number; minSeconds: number } {
  const o = (typeof input === "object" && input !== null ? input : {}) as { min_runs?: unknown; min_seconds?: unknown };
  const minRuns = typeof o.min_runs === "number" && o.min_runs >= 1 ? Math.floor(o.min_runs) : 1;
  const minSeconds = typeof o.min_seconds === "number" && o.min_seconds > 0 ? o.min_seconds : 0;
  return { minRuns, minSeconds };
}

/** Nanoseconds elapsed since `start` (a process.hrtime.bigint() reading). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/**
 * Warm-up before the timed runs: at least `minCalls` calls (the first compiles), then more
 * until `perMinSecond` times the eval's min_seconds has passed (at most `maxSeconds`), at most
 * `maxCalls` calls in all; and, when min_seconds is not 0, at least `optimizedCalls` calls
 * (the call from which V8 runs optimized code) for as long as they take under `optimizedSeconds`.
 */
export const WARMUP = { minCalls: 3, maxCalls: 1000, perMinSecond: 10, maxSeconds: 10, optimizedCalls: 12, optimizedSeconds: 60 };

/**
 * The warm-up: the first call compiles (traces, optimizes, generates JavaScript); V8 then
 * interprets the generated code and optimizes it only once it has seen it run often enough,
 * on a background thread. Measured on ht's simple Jacobian at load 23 on 2 cores: 2.6 s to
 * compile, then 100–500 ms per call for about 30 calls, then 0.6–0.9 ms per call. The tool
 * runs Node with --no-concurrent-recompilation (package.json) so that V8 optimizes on the
 * calling thread, during the warm-up, rather than on a background thread that a loaded machine
 * starves: the same Jacobian then runs optimized from about its 10th call, at load 29. GradBench's
 * other JIT-compiled tools (JAX, PyTorch) are timed once compiled, so these calls belong to
 * prepare, as their compilation does.
 */
function warmUp(fn: Prepared, minSeconds: number): void {
  const t0 = process.hrtime.bigint();
  const budget = Math.min(WARMUP.maxSeconds, WARMUP.perMinSecond * minSeconds) * 1e9;
  let calls = 0;
  do {
    fn.run();
    calls++;
  } while (calls < WARMUP.minCalls || (calls < WARMUP.maxCalls && since(t0) < budget) || (minSeconds > 0 && calls < WARMUP.optimizedCalls && since(t0) < WARMUP.optimizedSeconds * 1e9));
}

/**
 * Prepares `fn` for `input` (reading the input, compiling, warming up: the "prepare" timing),
 * then runs it until at least `min_runs` runs and `min_seconds` of evaluation time, with one
 * "evaluate" timing per run, as GradBench's C++ tools report them.
 */
export function evaluate(prepare: Prepare, input: unknown): { output: unknown; timings: Timing[] } {
  const { minRuns, minSeconds } = runsOf(input);
  const t0 = process.hrtime.bigint();
  const fn = prepare(input);
  warmUp(fn, minSeconds);
  const timings: Timing[] = [{ name: "prepare", nanoseconds: since(t0) }];
  let result: unknown;
  let elapsed = 0;
  let runs = 0;
  do {
    const t = process.hrtime.bigint();
    result = fn.run();
    const ns = since(t);
    timings.push({ name: "evaluate", nanoseconds: ns });
    elapsed += ns;
    runs++;
  } while (runs < minRuns || elapsed < minSeconds * 1e9);
  return { output: fn.output(result), timings };
}
