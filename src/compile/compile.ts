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

import { NDArray } from "../array/ndarray.js";
import { ArgumentError } from "../base/errors.js";
import { evaluate, MISS } from "../core/evaluate.js";
import type { Atom, WengertList } from "../core/ir.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { concrete, runWith, Tracer, type Tensor, type Value } from "../core/tracer.js";
import { freshBytes, generate, type CodeStats, type Generated, type LeafSig } from "./codegen.js";
import { codeGenerationAllowed, interpret, NO_CODEGEN } from "./interpret.js";
import { fuse } from "./fuse.js";
import { optimize, type OptimizeStats } from "./optimize.js";
import { StageAbort, Stager } from "./stage.js";

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
  /** Calls after which a bytecode variant of under 50,000 lines is regenerated as JavaScript (default 1,000; Infinity: never). */
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
}

export interface CompileStats extends CodeStats {
  /** Lines recorded while staging (equations and guards). */
  readonly traced: number;
  /** Lines after optimization. */
  readonly lines: number;
  readonly guards: number;
  readonly optimizer: OptimizeStats | null;
  /** Fused loops, and the lines they took in. */
  readonly fusedGroups: number;
  readonly fusedLines: number;
  /** Characters of generated source. */
  readonly sourceChars: number;
  readonly traceMs: number;
  readonly optimizeMs: number;
  /** Code generation and new Function. */
  readonly codegenMs: number;
  readonly totalMs: number;
  /**
   * How the variant runs: generated JavaScript; bytecode in one interpreter loop (programs on
   * numbers); or the interpreter, line by line, each array line calling its kernel.
   */
  readonly backend: "javascript" | "bytecode" | "interpreter";
  /** Why no JavaScript is generated (code generation disallowed, or codegen: false); null when it is. */
  readonly noCodegen: string | null;
}

/** One compiled program: valid for one signature and one set of branch outcomes. */
export interface CompiledVariant {
  readonly key: string;
  /** The generated JavaScript. */
  readonly source: string;
  readonly stats: CompileStats;
  /** The optimized program before fusion: what enclosing transforms replay line by line. */
  readonly program: WengertList;
  /**
   * The program that runs: optimized, elementwise runs fused into loops (one line each, with
   * their body). Print it (`toString()`, `toMarkdown()`, `toJSON()`) or draw it (`toDot()`).
   */
  readonly trace: WengertList;
  readonly outDef: TreeDef;
  /** Runs the generated code on the call's arguments; MISS when the signature or a guard fails. */
  readonly run: (args: readonly unknown[]) => unknown;
}

export interface CompiledInfo {
  /** The variant the last call compiled or ran (undefined before the first call or after an eager one). */
  readonly lastCompiled: CompiledVariant | undefined;
  /** Every variant compiled so far. */
  readonly variants: readonly CompiledVariant[];
  /** How many calls traced a new variant, ran eagerly, or replayed under an enclosing transform. */
  readonly counts: { traces: number; eager: number; replays: number; guardMisses: number };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Compiled<F extends (...args: any[]) => any> = F & CompiledInfo;

interface Entry {
  readonly variants: CompiledVariant[];
  /** Staging aborted (f closes over a tracer of an enclosing transform): always run f eagerly. */
  eager: boolean;
}

let objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function staticKey(v: unknown): string {
  if ((typeof v === "object" && v !== null) || typeof v === "function") {
    let id = objectIds.get(v);
    if (id === undefined) { id = nextObjectId++; objectIds.set(v, id); }
    return `#${id}`;
  }
  return `${typeof v}:${String(v)}`;
}

function leafSig(l: Tensor): LeafSig {
  if (l instanceof NDArray) return { kind: "array", dtype: l.dtype, shape: l.shape.slice() };
  return { kind: "number" };
}

function keyOf(def: TreeDef, leaves: readonly Tensor[]): string {
  let i = 0;
  const walk = (d: TreeDef): string => {
    switch (d.kind) {
      case "leaf": { const l = leaves[i++]!; return l instanceof NDArray ? `${l.dtype}[${l.shape.join(",")}]` : "n"; }
      case "typed": i++; return `${d.dtype}Array(${d.length})`;
      case "array": return `[${d.children.map(walk).join(",")}]`;
      case "object": return `{${d.keys.map((k, j) => `${JSON.stringify(k)}:${walk(d.children[j]!)}`).join(",")}}`;
      case "static": return staticKey(d.value);
    }
  };
  return walk(def);
}

interface Staged { readonly variant: CompiledVariant; readonly result: unknown }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function stageAndBuild(f: (...args: any[]) => unknown, def: TreeDef, leaves: readonly Tensor[], key: string, o: Required<CompileOptions>): Staged | null {
  const t0 = performance.now();
  const st = new Stager();
  const inputs = leaves.map((l) => st.input(l));
  const callArgs = unflatten(def, inputs) as unknown[];
  let outAtoms: Atom[];
  let outDef: TreeDef;
  let outLeaves: Value[];
  try {
    ({ def: outDef, leaves: outLeaves } = runWith(st, () => flatten(f(...callArgs))));
    outAtoms = outLeaves.map((l) => st.atomOf(l));
  } catch (e) {
    if (e instanceof StageAbort) return null;
    throw e;
  }
  const result = unflatten(outDef, outLeaves.map((l) => concrete(l)));
  const program = st.list;
  program.outs = outAtoms;
  const traced = program.stmts.length;
  const t1 = performance.now();
  const optStats = o.optimize ? optimize(program) : null;
  const fused = o.fuse ? fuse(program) : { list: program, groups: 0, lines: 0 };
  const t2 = performance.now();
  const guards = program.stmts.reduce((n, s) => n + (s.kind === "eqn" ? 0 : 1), 0);
  const noCodegen = !o.codegen ? "turned off by { codegen: false }" : codeGenerationAllowed() ? null : NO_CODEGEN;
  if (noCodegen !== null) {
    // The unfused program: fused lines exist for the generated loops.
    const it = interpret(program, outDef);
    const t3 = performance.now();
    const stats: CompileStats = {
      traced, lines: program.stmts.length, guards, optimizer: optStats, chunks: 0, bytecodeLines: it.bytecodeLines, fusedGroups: 0, fusedLines: 0,
      workspaceBytes: 0, freshBytes: freshBytes(program), sourceChars: 0, traceMs: t1 - t0, optimizeMs: t2 - t1, codegenMs: t3 - t2, totalMs: t3 - t0, backend: it.backend, noCodegen,
    };
    const run = (args: readonly unknown[]): unknown => {
      const { def: d, leaves: ls } = flatten(args);
      for (const l of ls) if (l instanceof Tracer) return MISS;
      return keyOf(d, ls as Tensor[]) === key ? it.run(ls as Tensor[]) : MISS;
    };
    const source = `// no JavaScript generated: ${noCodegen}; ${it.backend === "bytecode" ? `${it.bytecodeLines} lines of bytecode` : "the program's lines run in the interpreter"}`;
    return { variant: { key, source, stats, program, trace: program, outDef, run }, result };
  }
  const sigs = leaves.map(leafSig);
  const build = (bytecodeMin: number): Generated => generate(fused.list, def, sigs, outDef, { chunkSize: o.chunkSize, bytecodeMin });
  const gen = build(o.bytecodeMin);
  const t3 = performance.now();
  const statsOf = (g: Generated): CompileStats => ({
    traced, lines: program.stmts.length, guards, optimizer: optStats, chunks: g.chunks, bytecodeLines: g.bytecodeLines, fusedGroups: fused.groups, fusedLines: fused.lines,
    workspaceBytes: g.workspaceBytes, freshBytes: g.freshBytes,
    sourceChars: g.source.length, traceMs: t1 - t0, optimizeMs: t2 - t1, codegenMs: t3 - t2, totalMs: t3 - t0,
    backend: g.bytecodeLines > 0 ? "bytecode" : "javascript", noCodegen: null,
  });
  const variant: { -readonly [K in keyof CompiledVariant]: CompiledVariant[K] } = { key, source: gen.source, stats: statsOf(gen), program, trace: fused.list, outDef, run: gen.run };
  if (gen.bytecodeLines > 0 && gen.bytecodeLines < JS_MAX_LINES && Number.isFinite(o.tierUpCalls)) {
    // Tiering, as V8 itself does: bytecode is ready after a few calls, straight-line JS is
    // faster once V8 has optimized it (which takes thousands of calls), so a variant that keeps
    // being called moves to JS.
    let calls = 0;
    let run = gen.run;
    variant.run = (args) => {
      if (++calls === o.tierUpCalls) {
        const js = build(Infinity);
        run = js.run;
        variant.source = js.source;
        variant.stats = statsOf(js);
      }
      return run(args);
    };
  }
  return { variant, result };
}

/** Programs this long stay bytecode: their JavaScript would take seconds to emit and parse. */
const JS_MAX_LINES = 50_000;

/** Evaluates a compiled program through the library's ops (so enclosing transforms see every line). */
function replay(v: CompiledVariant, leaves: readonly Value[]): unknown {
  const outs = evaluate(v.program, leaves);
  return outs === MISS ? MISS : unflatten(v.outDef, outs);
}

/**
 * Compiles f: traces it once per argument signature into a Wengert list, optimizes it and
 * generates JavaScript. Works on any function wengert can differentiate, and with every
 * transform on either side: compile(grad(f)), grad(compile(f)), compile(hessian(f)) …
 * `cf.lastCompiled.source` is the generated code.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function compile<F extends (...args: any[]) => any>(f: F, opts: CompileOptions = {}): Compiled<F> {
  if (typeof f !== "function") {
    throw new ArgumentError("compile", `expected the function to compile, got ${f === null ? "null" : typeof f}; pass e.g. compile(grad(f))`);
  }
  const o: Required<CompileOptions> = { maxVariants: opts.maxVariants ?? 8, chunkSize: opts.chunkSize ?? 1000, optimize: opts.optimize ?? true, fuse: opts.fuse ?? true, bytecodeMin: opts.bytecodeMin ?? 4_000, tierUpCalls: opts.tierUpCalls ?? 1_000, codegen: opts.codegen ?? true };
  const cache = new Map<string, Entry>();
  const all: CompiledVariant[] = [];
  const counts = { traces: 0, eager: 0, replays: 0, guardMisses: 0 };
  let last: CompiledVariant | undefined;

  const slow = (args: unknown[]): unknown => {
    const { def, leaves } = flatten(args);
    const traced = leaves.some((l) => l instanceof Tracer);
    const conc = traced ? leaves.map((l) => concrete(l)) : (leaves as Tensor[]);
    const key = keyOf(def, conc);
    let entry = cache.get(key);
    if (entry === undefined) { entry = { variants: [], eager: false }; cache.set(key, entry); }
    if (traced) {
      for (const v of entry.variants) {
        const r = replay(v, leaves);
        if (r !== MISS) { counts.replays++; last = v; return r; }
      }
    } else {
      for (const v of entry.variants) {
        if (v === last) continue;
        const r = v.run(args);
        if (r !== MISS) { last = v; return r; }
      }
    }
    if (entry.variants.length > 0) counts.guardMisses++;
    if (entry.eager || entry.variants.length >= o.maxVariants) {
      counts.eager++;
      last = undefined;
      return f(...args);
    }
    const staged = stageAndBuild(f, def, conc, key, o);
    if (staged === null) {
      entry.eager = true;
      counts.eager++;
      last = undefined;
      return f(...args);
    }
    counts.traces++;
    entry.variants.push(staged.variant);
    all.push(staged.variant);
    last = staged.variant;
    if (traced) {
      counts.replays++;
      const r = replay(staged.variant, leaves);
      if (r !== MISS) return r;
      counts.eager++;
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
  Object.defineProperties(cf, {
    lastCompiled: { get: () => last },
    variants: { get: () => all.slice() },
    counts: { get: () => ({ ...counts }) },
  });
  return cf as unknown as Compiled<F>;
}

/** For tests: forget static-argument identities (they key the cache by object identity). */
export function resetStaticIds(): void {
  objectIds = new WeakMap();
  nextObjectId = 1;
}

export { MISS };
