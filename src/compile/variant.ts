// One compiled variant: f staged on one call's arguments (stage.ts), optimized (optimize.ts),
// fused (fuse.ts) and lowered to code (codegen.ts), valid for one argument signature and one
// set of branch outcomes. Large programs on numbers start as bytecode and move to JavaScript
// only where JavaScript is measured faster (tiering.ts).

import { scoped } from "../array/pool.js";
import { NDArray } from "../array/ndarray.js";
import { evaluate, MISS } from "../core/evaluate.js";
import type { WengertList } from "../core/ir.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { concrete, runWith, Tracer, type Tensor, type Value } from "../core/tracer.js";
import { keyOf, staticObjects, strengthen, weaken } from "./cache.js";
import { freshBytes, generate, generateSteps, type CodeStats, type Generated, type LeafSig } from "./codegen.js";
import { codeGenerationAllowed, interpret, NO_CODEGEN } from "./interpret.js";
import { fuse } from "./fuse.js";
import { placeOutputs } from "./place.js";
import { optimize, type OptimizeStats } from "./optimize.js";
import { StageAbort, Stager } from "./stage.js";
import { tiered, type TierOptions } from "./tiering.js";

export interface BuildOptions extends TierOptions {
  readonly chunkSize: number;
  readonly bytecodeMin: number;
  readonly optimize: boolean;
  readonly fuse: boolean;
  readonly codegen: boolean;
}

/** Statistics of one compiled variant: lines traced and kept after optimization, generated code size, calls, tier and retraces. */
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
  /** The program inlines a custom rule's plain function (customVjp, customJvp): under an enclosing transform, compile runs f itself so the rule is used. */
  readonly customRules: boolean;
  /** Runs the generated code on the call's arguments; MISS when the signature or a guard fails. */
  readonly run: (args: readonly unknown[]) => unknown;
}

function leafSig(l: Tensor): LeafSig {
  if (l instanceof NDArray) return { kind: "array", dtype: l.dtype, shape: l.shape.slice() };
  return { kind: "number" };
}

/** Programs this long stay bytecode: their JavaScript would take seconds to emit and parse. */
const JS_MAX_LINES = 50_000;

/**
 * Stages f on the call's arguments and builds its variant; null when staging aborted (f closes
 * over a tracer of an enclosing transform). `result` is the call's value, computed while staging.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function buildVariant(f: (...args: any[]) => unknown, def: TreeDef, leaves: readonly Tensor[], key: string, o: BuildOptions): { variant: CompiledVariant; result: unknown } | null {
  const t0 = performance.now();
  const st = new Stager(o.codegen && codeGenerationAllowed());
  const inputs = leaves.map((l) => st.input(l));
  const callArgs = unflatten(def, inputs) as unknown[];
  let outDef: TreeDef;
  let outLeaves: Value[];
  try {
    ({ def: outDef, leaves: outLeaves } = runWith(st, () => flatten(f(...callArgs))));
    st.list.outs = outLeaves.map((l) => st.atomOf(l));
  } catch (e) {
    if (e instanceof StageAbort) return null;
    throw e;
  }
  const result = unflatten(outDef, outLeaves.map((l) => concrete(l)));
  const program = st.list;
  const traced = program.stmts.length;
  const t1 = performance.now();
  const optStats = o.optimize ? optimize(program) : null;
  const fusedLines = o.fuse ? fuse(program) : { list: program, groups: 0, lines: 0 };
  // Loops write per-step outputs into the zero-padded arrays after them (place.ts).
  const fused = o.fuse ? { ...fusedLines, list: placeOutputs(fusedLines.list) } : fusedLines;
  const t2 = performance.now();
  const guards = program.stmts.reduce((n, s) => n + (s.kind === "eqn" ? 0 : 1), 0);
  // What the variant keeps of the arguments' statics is weak: it must not keep them alive.
  const argStatics = new Set(staticObjects(def));
  const argDef = weaken(def), keptOutDef = weaken(outDef, argStatics);
  const noCodegen = !o.codegen ? "turned off by { codegen: false }" : codeGenerationAllowed() ? null : NO_CODEGEN;
  if (noCodegen !== null) {
    // The unfused program: fused lines exist for the generated loops.
    const it = interpret(program, keptOutDef);
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
    return { variant: { key, source, stats, program, trace: program, outDef: keptOutDef, customRules: st.customRules, run: usesArrays(program) ? scoped(run) : run }, result };
  }
  const sigs = leaves.map(leafSig);
  const build = (bytecodeMin: number): Generated => generate(fused.list, argDef, sigs, keptOutDef, { chunkSize: o.chunkSize, bytecodeMin });
  const gen = build(o.bytecodeMin);
  const t3 = performance.now();
  const statsOf = (g: Generated): CompileStats => ({
    traced, lines: program.stmts.length, guards, optimizer: optStats, chunks: g.chunks, bytecodeLines: g.bytecodeLines, fusedGroups: fused.groups, fusedLines: fused.lines,
    workspaceBytes: g.workspaceBytes, freshBytes: g.freshBytes,
    sourceChars: g.source.length, traceMs: t1 - t0, optimizeMs: t2 - t1, codegenMs: t3 - t2, totalMs: t3 - t0,
    backend: g.bytecodeLines > 0 ? "bytecode" : "javascript", noCodegen: null,
  });
  const variant: { -readonly [K in keyof CompiledVariant]: CompiledVariant[K] } = { key, source: gen.source, stats: statsOf(gen), program, trace: fused.list, outDef: keptOutDef, customRules: st.customRules, run: gen.run };
  if (gen.bytecodeLines > 0 && gen.bytecodeLines < JS_MAX_LINES && Number.isFinite(o.tierUpCalls)) {
    variant.run = tiered(gen, (stepLines) => generateSteps(fused.list, argDef, sigs, keptOutDef, { chunkSize: o.chunkSize, bytecodeMin: Infinity, stepLines }), o, (js) => {
      variant.source = js.source;
      variant.stats = statsOf(js);
    });
  }
  // Its temporaries go back to the buffer pool after each call; a program of plain numbers has
  // none, and the scope's bookkeeping was most of a small scalar program's call (W1: 41 → 67 ns).
  // Nor has one whose every array is a view or returned (W2 as a scan: a tenth of a call at n = 1e3).
  if (allocatesTemporaries(fused.list)) variant.run = scoped(variant.run);
  return { variant, result };
}

/** Evaluates a compiled program through the library's ops (so enclosing transforms see every line). */
export function replay(v: CompiledVariant, leaves: readonly Value[]): unknown {
  const outs = evaluate(v.program, leaves);
  return outs === MISS ? MISS : unflatten(strengthen(v.outDef), outs);
}

/** Whether any variable of the program is an array (else no kernel allocates a pooled buffer). */
function usesArrays(list: WengertList): boolean {
  return list.avals.some((a) => !a.js);
}

/**
 * Whether a call may allocate an array it does not return (which `scoped` gives back to the
 * pool): an array a line computes and another reads, unless it is a view or an output, or a
 * loop whose body has arrays. An output no line reads is not counted: a scan's placed per-step
 * outputs are never allocated (compile/place.ts). Leaving out the scope is never wrong, only a
 * missed reuse.
 */
function allocatesTemporaries(list: WengertList): boolean {
  const returned = new Set(list.outs), read = new Set<number>();
  for (const s of list.stmts) for (const a of s.ins) read.add(a);
  return list.stmts.some((s) => {
    if (s.kind !== "eqn") return false;
    if (s.prim.bodies?.(s.params).some((b) => usesArrays(b.list)) === true) return true;
    if (s.prim.lower.aliases === true || s.prim.lower.identity === true) return false;
    for (let v = s.out; v < s.out + s.nOut; v++) if (!list.avals[v]!.js && read.has(v) && !returned.has(v)) return true;
    return false;
  });
}
