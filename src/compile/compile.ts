// compile(f): trace once, generate JavaScript, run that.
//
// compile(f)(...args) looks at the arguments' signature (their pytree structure; per leaf, a
// JS number or an array's dtype and shape; static leaves by value). On a new signature it
// stages f (stage.ts) on the actual arguments, optimizes the program (optimize.ts), generates
// JavaScript for it (codegen.ts) and caches it; later calls with the same signature run the
// generated code. The first call returns the values computed while staging.
//
// Value-dependent control flow is never silently wrong: every comparison of JS numbers that
// the traced run made (`if (greater(x, 0))`, a loop's exit test) is recorded as a guard, and
// every value(x) read as a value guard. The generated code checks them in order and returns
// MISS when an input takes another branch; compile then tries the other variants cached for
// the signature, retraces (adding a variant, up to `maxVariants`), and past that runs f
// eagerly. This is ADOL-C's retaping, made automatic.
//
// Where code generation from strings is disallowed (a CSP without 'unsafe-eval'), or with
// { codegen: false }, the same optimized program runs in interpret.ts instead, and the
// variant's stats say so (backend, noCodegen).
//
// Transforms compose both ways. compile(grad(f)), compile(hessian(f)), compile(valueAndGrad(f))
// stage the derivative program itself (the stager has the lowest level, so the tape's rules
// are staged). grad(compile(f)), jvp(compile(f), …): when the arguments are tracers of an
// enclosing transform, the cached program (traced on their concrete values) is replayed
// through the library's ops, so the enclosing transform differentiates it like any code.

import { ArgumentError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { MISS } from "../core/evaluate.js";
import { flatten } from "../core/pytree.js";
import { concrete, Tracer, type Tensor } from "../core/tracer.js";
import { keyOf, staticObjects, VariantCache, type CacheStats, type TraceReason } from "./cache.js";
import { buildVariant, replay, type CompiledVariant } from "./variant.js";

export type { CompiledVariant, CompileStats } from "./variant.js";
export type { CacheStats } from "./cache.js";

/** Options of `compile`: which arguments are static, the variant cache's size, tiering and code generation. */
export interface CompileOptions {
  /** Variants (one per set of branch outcomes) kept per signature before falling back to eager (default 8). */
  readonly maxVariants?: number;
  /** Statements per generated function (default 1000). */
  readonly chunkSize?: number;
  /**
   * Programs on numbers with at least this many lines start as bytecode in one interpreter loop
   * (default 4,000); programs of 50,000 lines or more stay bytecode.
   */
  readonly bytecodeMin?: number;
  /**
   * Calls after which a bytecode variant of under 50,000 lines starts building its JavaScript
   * (a chunk at a time) and timing it against the bytecode on real calls; it moves only when
   * the JavaScript is measured faster, and trying never takes more than ~15% of the calls'
   * time (default 1,000; Infinity: never). See src/compile/tiering.ts.
   */
  readonly tierUpCalls?: number;
  /** Run the optimizer (default true). */
  readonly optimize?: boolean;
  /** Fuse elementwise array lines into single loops (default true). */
  readonly fuse?: boolean;
  /**
   * Generate JavaScript (default true). false: run every variant in the interpreter, as compile
   * does by itself where code generation from strings is disallowed (a CSP without
   * 'unsafe-eval'); setting it there spares the browser's one violation report of the probe.
   */
  readonly codegen?: boolean;
  /** Variants held in all, over every signature; past it the least recently used are dropped (default 64). */
  readonly cacheSize?: number;
  /** Warn once (console.warn) when f has been retraced this many times (default 10; false: never). */
  readonly warnRetraces?: number | false;
}

export interface CompileCallStats extends CacheStats {
  /** Variants held now (at most `capacity`). */
  readonly variants: number;
  /** The cache's bound (the `cacheSize` option). */
  readonly capacity: number;
}

/** What a compiled function reports besides its results: its variants, the last compiled program and its statistics. */
export interface CompiledInfo {
  /** The variant the last call compiled or ran (undefined before the first call or after an eager one). */
  readonly lastCompiled: CompiledVariant | undefined;
  /** The variants held, least recently used first (evicted ones are gone). */
  readonly variants: readonly CompiledVariant[];
  /** Traces, retraces, evictions, eager runs, replays under enclosing transforms, guard misses. */
  readonly stats: CompileCallStats;
  /** The same as `stats` (its earlier name). */
  readonly counts: CompileCallStats;
}

/** A compiled function: callable as `f` is, with `CompiledInfo` attached. @typeParam F - the wrapped function's type */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Compiled<F extends (...args: any[]) => any> = F & CompiledInfo;

const COMPILE_KEYS = optionKeys<CompileOptions>({
  maxVariants: true, chunkSize: true, bytecodeMin: true, tierUpCalls: true, optimize: true, fuse: true, codegen: true, cacheSize: true, warnRetraces: true,
});

/**
 * Compiles f: traces it once per argument signature into a Wengert list, optimizes it and
 * generates JavaScript. Works on any function wengert can differentiate, and with every
 * transform on either side: compile(grad(f)), grad(compile(f)), compile(hessian(f)) …
 * `cf.lastCompiled.source` is the generated code.
 *
 * @example
 * ```ts
 * const g = w.compile(w.grad((x: NDArray) => w.sum(w.square(w.sin(x)))));
 * g(w.array([1, 2]));                   // traces once, generates JavaScript
 * g(w.array([3, 4]));                   // runs the generated code
 * console.log(g.lastCompiled!.source);
 * ```
 * @typeParam F - the type of the function being wrapped (its arguments and result are kept)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function compile<F extends (...args: any[]) => any>(f: F, opts: CompileOptions = {}): Compiled<F> {
  opts = checkOptions("compile", opts);
  if (typeof f !== "function") {
    throw new ArgumentError("compile", `expected the function to compile, got ${f === null ? "null" : typeof f}; pass e.g. compile(grad(f))`);
  }
  checkOptions("compile", opts, COMPILE_KEYS);
  const o: Required<CompileOptions> = {
    maxVariants: opts.maxVariants ?? 8, chunkSize: opts.chunkSize ?? 1000, optimize: opts.optimize ?? true, fuse: opts.fuse ?? true, bytecodeMin: opts.bytecodeMin ?? 4_000,
    tierUpCalls: opts.tierUpCalls ?? 1_000, codegen: opts.codegen ?? true, cacheSize: opts.cacheSize ?? 64, warnRetraces: opts.warnRetraces ?? 10,
  };
  if (!(Number.isInteger(o.cacheSize) && o.cacheSize >= 1)) throw new ArgumentError("compile", `cacheSize must be a positive integer (variants held), got ${String(o.cacheSize)}`);
  if (o.warnRetraces !== false && !(Number.isInteger(o.warnRetraces) && o.warnRetraces >= 1)) {
    throw new ArgumentError("compile", `warnRetraces must be a positive integer or false, got ${String(o.warnRetraces)}`);
  }
  const cache = new VariantCache<CompiledVariant>(o.cacheSize);
  const stats = cache.stats;
  let last: CompiledVariant | undefined;
  let warned = false;

  const noteTrace = (why: TraceReason | null): void => {
    if (why === null || warned || o.warnRetraces === false || stats.retraces + 1 < o.warnRetraces) return;
    warned = true;
    console.warn(retraceWarning(f, stats.retraces + 1, why));
  };

  const slow = (args: unknown[]): unknown => {
    const { def, leaves } = flatten(args);
    const traced = leaves.some((l) => l instanceof Tracer);
    const conc = traced ? leaves.map((l) => concrete(l)) : (leaves as Tensor[]);
    const key = keyOf(def, conc);
    const entry = cache.entryFor(key, staticObjects(def));
    // A program that inlined a custom rule's plain function cannot stand in for f under an
    // enclosing transform (it would differentiate the function, not use the rule).
    if (traced && entry.variants.some((v) => v.customRules)) {
      stats.eager++;
      last = undefined;
      return f(...args);
    }
    for (const v of entry.variants) {
      if (!traced && v === last) continue;
      const r = traced ? replay(v, leaves) : v.run(args);
      if (r === MISS) continue;
      if (traced) stats.replays++;
      cache.touch(v);
      last = v;
      return r;
    }
    if (entry.variants.length > 0) stats.guardMisses++;
    if (entry.eager || entry.variants.length >= o.maxVariants) {
      stats.eager++;
      last = undefined;
      return f(...args);
    }
    const why = cache.reason(key, entry);
    const staged = buildVariant(f, def, conc, key, o);
    if (staged === null) {
      entry.eager = true;
      stats.eager++;
      last = undefined;
      return f(...args);
    }
    noteTrace(why);
    cache.add(entry, staged.variant);
    last = staged.variant;
    if (traced && staged.variant.customRules) {
      stats.eager++;
      return f(...args);
    }
    if (traced) {
      stats.replays++;
      const r = replay(staged.variant, leaves);
      if (r !== MISS) return r;
      stats.eager++;
      return f(...args);
    }
    return staged.result;
  };

  const cf = function compiled(...args: unknown[]): unknown {
    if (last !== undefined) {
      const r = last.run(args);
      if (r !== MISS) return r;
    }
    return slow(args);
  };
  const statsView = (): CompileCallStats => ({ ...stats, variants: cache.held().length, capacity: cache.capacity });
  Object.defineProperties(cf, {
    lastCompiled: { get: () => last },
    variants: { get: () => cache.held() },
    stats: { get: statsView },
    counts: { get: statsView },
  });
  return cf as unknown as Compiled<F>;
}

const REASONS: Record<TraceReason, string> = {
  signature: "the arguments had a new structure, dtype or shape",
  static: "a static argument (an object or function, keyed by identity) was a new one: a fresh object or closure per call retraces every call; create it once outside the loop",
  branch: "the arguments took a branch (an if on a traced comparison, or value()) no variant had traced",
};

function retraceWarning(f: unknown, n: number, why: TraceReason): string {
  const name = typeof f === "function" && f.name ? `'${f.name}'` : "a function";
  return `wengert compile: ${name} was retraced ${n} times; each trace stages, optimizes and generates code again. The last retrace: ${REASONS[why]}. See compiled.stats (retraces, evictions); raise or silence this warning with compile(f, { warnRetraces: n | false }).`;
}

export { MISS };

