// Code generation: a staged, optimized program becomes JavaScript source (compiled with
// new Function). Lines on JS numbers become straight-line arithmetic on local variables
// (the primitive's own scalar function: inline for + − × / and Math.*, embedded by its
// source text otherwise); lines on arrays call the primitive's kernel (`impl`), with their
// output shape/dtype fixed at trace time, except runs of elementwise array lines, which
// fuse.ts turns into one loop each. Guards become early returns of MISS. Long programs are
// split into chunk
// functions of at most `chunkSize` lines, passing the values that cross chunks through a
// Float64Array register file (numbers) and an array (arrays), so that every function stays
// small enough for V8's optimizing tier.

import { NDArray, sizeOf } from "../array/ndarray.js";
import { MISS, sameTensor } from "../core/evaluate.js";
import type { Atom, Eqn, Line, WengertList } from "../core/ir.js";
import type { EmitContext } from "../core/lowering.js";
import { typedOf, type TreeDef } from "../core/pytree.js";
import type { Primitive } from "../core/primitive.js";
import type { Tensor } from "../core/tracer.js";
import { toBytecode, type Bytecode } from "./bytecode.js";
import { staticValue } from "./cache.js";
import { inlineList } from "./inline.js";

/** What one leaf of the arguments must be: a JS number, or an array of this dtype and shape. */
export type LeafSig = { readonly kind: "number" } | { readonly kind: "array"; readonly dtype: string; readonly shape: readonly number[] };

/** What code generation reports about the code it made. */
export interface CodeStats {
  /** Chunk functions of generated JavaScript (0 for bytecode). */
  readonly chunks: number;
  /** Lines run as bytecode (0 when the program is JavaScript). */
  readonly bytecodeLines: number;
  /** Bytes of the workspace: buffers of dead temporaries, allocated once and reused by every call. */
  readonly workspaceBytes: number;
  /** Bytes of arrays a call allocates afresh (outputs and kernel results), by their shapes. */
  readonly freshBytes: number;
}

export interface Generated extends CodeStats {
  readonly source: string;
  readonly run: (args: readonly unknown[]) => unknown;
}

export interface CodegenOptions {
  readonly chunkSize: number;
  /** Programs on numbers of at least this many lines run as bytecode. */
  readonly bytecodeMin: number;
  /**
   * Build in small steps (tiering.ts): yield every this many lines, and compile each chunk
   * function in the step that generates it rather than the whole program in the last step
   * (a 35,000-line program's source takes ~50 ms to parse, and its first call ~30 ms more to
   * compile lazily). Unset: one compile of the whole source.
   */
  readonly stepLines?: number;
}

/** A number as a JS literal that reads back as the same float64 (−0, NaN and ±∞ included). */
export function lit(x: number): string {
  if (Object.is(x, -0)) return "(-0)";
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "(-Infinity)";
  return x < 0 ? `(${String(x)})` : String(x);
}

/** A number or boolean constant as a JS literal. */
export function constExpr(c: Tensor): string {
  if (typeof c === "number") return lit(c);
  if (typeof c === "boolean") return String(c);
  throw new TypeError("an array constant has no literal form");
}

/**
 * The expression of a line on plain JS values: the primitive's js lowering, else a call of its
 * scalar function (`fn(prim)` names it in the generated code); null when it has neither.
 */
export function scalarExpr(prim: Primitive<unknown>, a: readonly string[], params: unknown, fn: (prim: Primitive<unknown>) => string): string | null {
  const js = prim.lower.js;
  if (js !== undefined) return js(a, params);
  return prim.scalar === undefined ? null : `${fn(prim)}(${a.join(", ")})`;
}

/** JavaScript for list `p` (fused by fuse.ts or not), whose inputs are the leaves of `argDef`. */
export function generate(p: WengertList, argDef: TreeDef, sigs: readonly LeafSig[], outDef: TreeDef, opts: CodegenOptions): Generated {
  const steps = generateSteps(p, argDef, sigs, outDef, opts);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * generate, one step at a time: it yields after planning and after each chunk's lines, so a
 * caller can spread the work of a large program over many calls (tiering.ts builds the
 * JavaScript of a bytecode variant so, never stalling one call for the whole of it).
 */
export function* generateSteps(p: WengertList, argDef: TreeDef, sigs: readonly LeafSig[], outDef: TreeDef, opts: CodegenOptions): Generator<void, Generated, void> {
  const { avals } = p;
  const K: unknown[] = p.consts.values.slice();
  const I: unknown[] = [], PA: unknown[] = [], AV: unknown[] = [];
  const implIndex = new Map<Primitive<unknown>, number>();
  const kconst = (v: unknown): string => { K.push(v); return `K[${K.length - 1}]`; };
  // Scalar functions the code calls (primitives without a js lowering), bound once in the head.
  const fnNames = new Map<Primitive<unknown>, string>();
  const fn = (prim: Primitive<unknown>): string => {
    let name = fnNames.get(prim);
    if (name === undefined) { name = `F${fnNames.size}_${prim.name}`; fnNames.set(prim, name); K.push(prim.scalar); fnSlots.push(K.length - 1); }
    return name;
  };
  const fnSlots: number[] = [];
  let freshCount = 0;

  const units = p.stmts;
  const emits = (s: Line): boolean => s.kind === "eqn" && s.prim.lower.emit !== undefined;

  const nIn = p.nIn;
  const { bc, single, nChunks, chunkStart, FINAL, defChunk, spilled, slot, nR, nS, isNum } = yield* planRegisters(p, sigs, opts);
  const ref = (v: number, chunk: number): string => {
    if (single || defChunk[v] === chunk) return `v${v}`;
    return isNum(v) ? `R[${slot[v]}]` : `S[${slot[v]}]`;
  };
  const atomExpr = (a: Atom, chunk: number): string => {
    if (a >= 0) return ref(a, chunk);
    const c = p.consts.value(a);
    return c instanceof NDArray ? `K[${-a - 1}]` : constExpr(c);
  };
  const isJsAtom = (a: Atom): boolean => p.avalOf(a).js;

  const work: Workspace = units.some(emits) ? planWorkspace(p, emits) : { slotOf: new Map(), buffers: [] };
  yield;
  const lines = (s: Line, chunk: number, out: string[]): void => {
    if (s.kind === "eqn" && s.prim.lower.emit !== undefined) {
      const ctx: EmitContext = {
        list: p,
        atom: (a) => atomExpr(a, chunk),
        local: (v) => `v${v}`,
        constant: kconst,
        buffer: (v) => (work.slotOf.has(v) ? `W[${work.slotOf.get(v)}]` : null),
        scalar: (prim, args, params) => {
          const e = scalarExpr(prim, args, params, fn);
          if (e === null) throw new TypeError(`${prim.name} has no js lowering and no scalar function, so it cannot run per element`);
          return e;
        },
        fresh: () => `f${freshCount++}_`,
        inline: (list, ins, miss, offered) => inlineList(list, ins, miss, { constant: kconst, scalar: (prim, args, params) => scalarExpr(prim, args, params, fn), fresh: () => `f${freshCount++}_` }, offered),
        miss: "return MISS;",
      };
      for (const l of s.prim.lower.emit(s, ctx)) out.push(l); // one by one: a fused loop can emit more lines than a spread takes
      for (let j = 0; j < s.nOut; j++) if (!single && spilled[s.out + j]) out.push(`${ref(s.out + j, FINAL + 1)} = v${s.out + j};`);
      return;
    }
    const a = s.ins.map((x) => atomExpr(x, chunk));
    if (s.kind === "guard") {
      const e = scalarExpr(s.prim, a, s.params, fn);
      if (e === null) throw new TypeError(`a guard on ${s.prim.name}, which has no js lowering and no scalar function`);
      out.push(`if (${s.expect ? `!(${e})` : `${e}`}) return MISS; // guard: ${s.prim.name} was ${s.expect}`);
      return;
    }
    if (s.kind === "value") {
      out.push(`if (!same(${a[0]}, ${kconst(s.value)})) return MISS; // guard: value() read ${typeof s.value === "number" ? lit(s.value) : "an array"}`);
      return;
    }
    const e = s;
    const name = e.prim.name;
    const aval = avals[e.out]!;
    let rhs: string | null = null;
    if (e.prim.lower.identity === true) rhs = a[0]!;
    else if (aval.js && e.ins.every(isJsAtom)) rhs = scalarExpr(e.prim, a, e.params, fn);
    if (rhs === null) {
      let k = implIndex.get(e.prim);
      if (k === undefined) { k = I.length; I.push(e.prim.impl); implIndex.set(e.prim, k); }
      PA.push(e.params);
      AV.push(aval);
      rhs = `I${k}_${name}([${a.join(", ")}], PA[${PA.length - 1}], AV[${AV.length - 1}])`;
    }
    out.push(`const v${e.out} = ${rhs};`);
    if (!single && spilled[e.out]) out.push(`${ref(e.out, FINAL + 1)} = v${e.out};`);
  };

  const { entry, staticPaths } = entryChecks(argDef, sigs, { single, slot, isNum, kconst });

  const outExpr = (def: TreeDef, atoms: Atom[], pos: { i: number }, chunk: number): string => {
    switch (def.kind) {
      case "leaf": return atomExpr(atoms[pos.i++]!, chunk);
      case "typed": return `typedOf(${kconst(def)}, ${atomExpr(atoms[pos.i++]!, chunk)})`;
      case "array": return `[${def.children.map((c) => outExpr(c, atoms, pos, chunk)).join(", ")}]`;
      case "object": return `{ ${def.keys.map((k, i) => `${JSON.stringify(k)}: ${outExpr(def.children[i]!, atoms, pos, chunk)}`).join(", ")} }`;
      case "static": {
        // An argument's own static object is handed back from the argument, never held.
        const value = staticValue(def.value);
        return staticPaths.get(value) ?? kconst(value);
      }
    }
  };

  const body: string[] = [];
  if (single) {
    const inner: string[] = [];
    units.forEach((u) => lines(u, 0, inner));
    // Lines pushed one by one: a chunk of fused loops can have more lines than a spread call takes arguments.
    body.push(`return function run(args) {`, ...entry.map((l) => "  " + l));
    for (const l of inner) body.push("  " + l);
    body.push(`  return ${outExpr(outDef, p.outs, { i: 0 }, 0)};`, `};`);
  } else if (bc !== null) {
    body.push(`const R = new Float64Array(${nR});`, `${kconst(bc.init)}(R);`, `const BC = ${kconst(bc.run)};`);
    body.push(`return function run(args) {`, ...entry.map((l) => "  " + l));
    body.push(`  if (BC(R) === MISS) return MISS; // ${bc.lines} lines of bytecode`);
    body.push(`  return ${outExpr(outDef, p.outs, { i: 0 }, FINAL)};`, `};`);
  } else {
    // Stepwise, each chunk is compiled on its own, with the names bound so far (all it uses).
    const stepLines = opts.stepLines ?? Infinity, compiled: unknown[] = [];
    const W = work.buffers.map((b) => new TYPED_ARRAY[b.type]!(b.length));
    for (let c = 0; c < nChunks; c++) {
      const inner: string[] = [];
      for (let k = chunkStart[c]!; k < chunkStart[c + 1]!; k++) {
        lines(units[k]!, c, inner);
        if ((k - chunkStart[c]! + 1) % stepLines === 0) yield;
      }
      const from = body.length;
      body.push(`function c${c}(R, S) {`);
      for (const l of inner) body.push("  " + l);
      body.push(`}`);
      if (Number.isFinite(stepLines)) {
        yield;
        // Parenthesized, so that V8 compiles it now (its first call would otherwise).
        const text = [...head(false), "return (", ...body.slice(from), ");"].join("\n");
        compiled.push(new Function("H", "K", "I", "PA", "AV", "W", text)(HELPERS, K, I, PA, AV, W));
      }
      yield;
    }
    const runBody = [`const R = new Float64Array(${nR}), S = new Array(${nS});`, `return function run(args) {`, ...entry.map((l) => "  " + l)];
    for (let c = 0; c < nChunks; c++) runBody.push(`  if (c${c}(R, S) === MISS) return MISS;`);
    runBody.push(`  const result = ${outExpr(outDef, p.outs, { i: 0 }, FINAL)};`);
    if (nS > 0) runBody.push(`  S.fill(undefined);`);
    runBody.push(`  return result;`, `};`);
    if (compiled.length > 0) {
      const text = [...head(false), ...compiled.map((_, c) => `const c${c} = C[${c}];`), ...runBody].join("\n");
      const run = new Function("H", "K", "I", "PA", "AV", "W", "C", text)(HELPERS, K, I, PA, AV, W, compiled) as (args: readonly unknown[]) => unknown;
      // The source, as one program like the unstepped one, is joined only when asked for.
      let source: string | null = null;
      const text2 = (): string => (source ??= [...head(true), ...body, ...runBody].join("\n"));
      return { get source() { return text2(); }, run, chunks: nChunks, bytecodeLines: 0, workspaceBytes: workspaceBytes(work), freshBytes: freshBytes(p, work.slotOf) };
    }
    for (const l of runBody) body.push(l);
  }
  function head(withW: boolean): string[] {
    const h: string[] = [`"use strict";`, `const { MISS, NDArray, same, plainKeys, typedOf } = H;`];
    let fi = 0;
    for (const name of fnNames.values()) h.push(`const ${name} = K[${fnSlots[fi++]}];`);
    for (const [prim, k] of implIndex) h.push(`const I${k}_${prim.name} = I[${k}];`);
    // Fused groups may add impls/helpers through kconst only, so the head is complete here.
    if (withW && work.buffers.length > 0) h.push(`const W = [${work.buffers.map((b) => `new ${b.type}(${b.length})`).join(", ")}];`);
    return h;
  }
  const source = [...head(true), ...body].join("\n");
  const build = new Function("H", "K", "I", "PA", "AV", source) as (...a: unknown[]) => (args: readonly unknown[]) => unknown;
  const run = build(HELPERS, K, I, PA, AV);
  return { source, run, chunks: bc === null ? nChunks : 0, bytecodeLines: bc?.lines ?? 0, workspaceBytes: workspaceBytes(work), freshBytes: freshBytes(p, work.slotOf) };
}

function workspaceBytes(work: Workspace): number {
  return work.buffers.reduce((n, b) => n + b.length * BYTES[b.type]!, 0);
}

/** Register and chunk planning: bytecode or JavaScript, one function or chunks, where each variable lives. */
interface RegisterPlan {
  /** The program as bytecode (large programs on numbers), or null. */
  readonly bc: Bytecode | null;
  /** One function with every variable a local (small programs). */
  readonly single: boolean;
  readonly nChunks: number;
  /** The first line of each chunk, and the line count after the last. */
  readonly chunkStart: readonly number[];
  /** The pseudo-chunk that reads the outputs. */
  readonly FINAL: number;
  /** The chunk defining each variable (−1: an input). */
  readonly defChunk: Int32Array;
  /** Variables another chunk reads: kept in the register files. */
  readonly spilled: Uint8Array;
  /** Each spilled variable's slot in R (numbers) or S (everything else). */
  readonly slot: Int32Array;
  readonly nR: number;
  readonly nS: number;
  readonly isNum: (v: number) => boolean;
}

function* planRegisters(p: WengertList, sigs: readonly LeafSig[], opts: CodegenOptions): Generator<void, RegisterPlan, void> {
  const { avals } = p, units = p.stmts, nIn = p.nIn;
  // Stepwise (opts.stepLines), each pass over the lines or variables yields every stepLines of them.
  const every = opts.stepLines ?? Infinity;
  const pause = (k: number): boolean => (k + 1) % every === 0;
  // Large programs on numbers run as bytecode (see bytecode.ts); the entry check and the
  // output assembly stay generated JS, reading and writing the same register file.
  const bc: Bytecode | null = units.length >= opts.bytecodeMin && sigs.every((g) => g.kind === "number") ? toBytecode(p, MISS) : null;
  // Chunks of at most chunkSize lines of code: a line with bodies (a fused loop, a structured
  // loop) counts its bodies' lines too, since they are inlined there (a chunk of 1,000 fused
  // loops of 256 lines each had a frame too large for the stack: W7 unrolled).
  const weight = new Int32Array(units.length);
  let total = 0;
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    total += weight[k] = u.kind === "eqn" && u.prim.bodies !== undefined ? 1 + u.prim.bodies(u.params).reduce((n, b) => n + b.list.stmts.length, 0) : 1;
    if (pause(k)) yield;
  }
  const single = bc === null && total <= opts.chunkSize && nIn <= 256;
  const chunkStart = [0];
  if (!single) {
    let w = 0;
    weight.forEach((x, k) => {
      if (w > 0 && w + x > opts.chunkSize) { chunkStart.push(k); w = 0; }
      w += x;
    });
  }
  chunkStart.push(units.length);
  const nChunks = chunkStart.length - 1;
  const chunkOf = new Int32Array(units.length);
  for (let c = 0; c < nChunks; c++) chunkOf.fill(c, chunkStart[c], chunkStart[c + 1]);
  const FINAL = nChunks; // the pseudo-chunk that reads the outputs
  // Where each variable is defined (−1: an input) and whether another chunk reads it.
  const defChunk = new Int32Array(avals.length).fill(-2);
  for (let i = 0; i < nIn; i++) defChunk[i] = single ? 0 : -1;
  const spilled = new Uint8Array(avals.length);
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!, c = chunkOf[k]!;
    for (const a of u.ins) if (a >= 0 && defChunk[a] !== c) spilled[a] = 1;
    if (u.kind === "eqn") for (let j = 0; j < u.nOut; j++) defChunk[u.out + j] = c;
    if (pause(k)) yield;
  }
  if (!single) for (const a of p.outs) if (a >= 0) spilled[a] = 1;
  if (bc !== null) { defChunk.fill(-1); spilled.fill(1); }
  // Register slots: numbers in R (a Float64Array), everything else in S. Inputs first, in order.
  const slot = new Int32Array(avals.length).fill(-1);
  let nR = 0, nS = 0;
  const isNum = (v: number): boolean => avals[v]!.js && avals[v]!.dtype === "number";
  for (let v = 0; v < avals.length; v++) {
    if (pause(v)) yield;
    if (!spilled[v] && !(v < nIn && !single)) continue;
    if (single && !spilled[v]) continue;
    slot[v] = isNum(v) ? nR++ : nS++;
  }
  if (bc !== null) { for (let v = 0; v < avals.length; v++) slot[v] = v; nR = bc.registers; }
  return { bc, single, nChunks, chunkStart, FINAL, defChunk, spilled, slot, nR, nS, isNum };
}

/** The entry checks: the generated code reads each argument leaf, checks it against the signature (MISS if not) and stores it. */
function entryChecks(argDef: TreeDef, sigs: readonly LeafSig[], r: { readonly single: boolean; readonly slot: Int32Array; readonly isNum: (v: number) => boolean; readonly kconst: (v: unknown) => string }): { entry: string[]; staticPaths: Map<unknown, string> } {
  const { single, slot, isNum, kconst } = r;
  const entry: string[] = [];
  const staticPaths = new Map<unknown, string>();
  let leaf = 0, tmp = 0;
  const storeInput = (v: number, expr: string): string => (single ? `const v${v} = ${expr};` : `${isNum(v) ? "R" : "S"}[${slot[v]}] = ${expr};`);
  const walk = (def: TreeDef, path: string): void => {
    switch (def.kind) {
      case "leaf": {
        const v = leaf++, sig = sigs[v]!, t = `t${tmp++}`;
        entry.push(`const ${t} = ${path};`);
        if (sig.kind === "number") entry.push(`if (typeof ${t} !== "number") return MISS;`);
        else {
          const dims = sig.shape.map((d, i) => ` || ${t}.shape[${i}] !== ${d}`).join("");
          entry.push(`if (!(${t} instanceof NDArray) || ${t}.dtype !== "${sig.dtype}" || ${t}.shape.length !== ${sig.shape.length}${dims}) return MISS;`);
        }
        entry.push(storeInput(v, t));
        return;
      }
      case "typed": {
        // A Float64Array/Float32Array argument: one array leaf over the same buffer.
        const v = leaf++, t = `t${tmp++}`;
        entry.push(`const ${t} = ${path};`);
        entry.push(`if (!(${t} instanceof ${def.dtype === "float64" ? "Float64Array" : "Float32Array"}) || ${t}.length !== ${def.length}) return MISS;`);
        entry.push(storeInput(v, `new NDArray(${t}, [${def.length}])`));
        return;
      }
      case "array": {
        const n = def.children.length;
        entry.push(`if (!Array.isArray(${path}) || ${path}.length !== ${n}) return MISS;`);
        const flatNums = n > 32 && def.children.every((c, i) => c.kind === "leaf" && sigs[leaf + i]!.kind === "number");
        if (flatNums && !single) {
          const t = `t${tmp++}`, base = slot[leaf]!;
          entry.push(`for (let i = 0; i < ${n}; i++) { const ${t} = ${path}[i]; if (typeof ${t} !== "number") return MISS; R[${base} + i] = ${t}; }`);
          leaf += n;
          return;
        }
        const t = `t${tmp++}`;
        entry.push(`const ${t} = ${path};`);
        def.children.forEach((c, i) => walk(c, `${t}[${i}]`));
        return;
      }
      case "object": {
        const t = `t${tmp++}`;
        entry.push(`const ${t} = ${path};`);
        entry.push(`if (!plainKeys(${t}, ${JSON.stringify(def.keys.join("\u0000"))})) return MISS;`);
        def.keys.forEach((k, i) => walk(def.children[i]!, `${t}[${JSON.stringify(k)}]`));
        return;
      }
      case "static": {
        const value = staticValue(def.value);
        if ((typeof value !== "object" || value === null) && typeof value !== "function") {
          entry.push(`if (!Object.is(${path}, ${kconst(value)})) return MISS;`);
          return;
        }
        // An object or function is checked through a WeakRef, so the variant never keeps it alive.
        const t = `t${tmp++}`;
        entry.push(`const ${t} = ${path};`, `if (${t} !== ${kconst(new WeakRef(value))}.deref() || ${t} === undefined) return MISS;`);
        staticPaths.set(value, t);
        return;
      }
    }
  };
  walk(argDef, "args");
  return { entry, staticPaths };

}

function plainKeys(o: unknown, keys: string): boolean {
  if (typeof o !== "object" || o === null) return false;
  const proto = Object.getPrototypeOf(o) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.keys(o).join("\u0000") === keys;
}

const HELPERS = { MISS, NDArray, same: sameTensor, plainKeys, typedOf };

const TYPED_NAME: Record<string, string> = { float64: "Float64Array", float32: "Float32Array", bool: "Uint8Array", int32: "Int32Array" };
/** The typed array constructors by the names the workspace plan gives. */
export const TYPED_ARRAY: Record<string, new (n: number) => ArrayLike<number>> = { Float64Array, Float32Array, Uint8Array, Int32Array };
const BYTES: Record<string, number> = { Float64Array: 8, Float32Array: 4, Uint8Array: 1, Int32Array: 4 };
/** Whether a line's result may share its argument's memory (a view or the argument itself). */
function aliases(s: Line): boolean {
  return s.kind === "eqn" && (s.prim.lower.aliases === true || s.prim.lower.identity === true);
}

export interface Workspace {
  readonly slotOf: Map<number, number>;
  readonly buffers: { readonly type: string; readonly length: number }[];
}

/**
 * Buffer reuse for fused temporaries. A fused line's output that is neither a program output
 * nor read by an op that could keep a view of it is a temporary: it gets a workspace buffer,
 * allocated once with the generated function, and a buffer is handed to a later temporary of
 * the same type and length once its last reader has run. Results never alias the workspace.
 */
export function planWorkspace(p: WengertList, emits: (s: Line) => boolean): Workspace {
  const candidates = new Set<number>();
  for (const s of p.stmts) {
    if (s.kind !== "eqn" || !emits(s)) continue;
    for (const v of s.prim.lower.workspace?.(s) ?? []) candidates.add(v);
  }
  for (const a of p.outs) candidates.delete(a);
  const lastUse = new Map<number, number>();
  p.stmts.forEach((s, k) => {
    for (const a of s.ins) {
      if (!candidates.has(a)) continue;
      if (aliases(s)) candidates.delete(a);
      lastUse.set(a, k);
    }
  });
  const slotOf = new Map<number, number>();
  const buffers: { type: string; length: number }[] = [];
  const free: number[] = [];
  const releaseAt = new Map<number, number[]>();
  p.stmts.forEach((s, k) => {
    if (s.kind === "eqn" && emits(s)) {
      for (let j = 0; j < s.nOut; j++) {
        const v = s.out + j;
        if (!candidates.has(v)) continue;
        const type = TYPED_NAME[p.avals[v]!.dtype]!, length = sizeOf(p.avals[v]!.shape);
        const i = free.findIndex((b) => buffers[b]!.type === type && buffers[b]!.length === length);
        const slot = i >= 0 ? free.splice(i, 1)[0]! : buffers.push({ type, length }) - 1;
        slotOf.set(v, slot);
        const end = lastUse.get(v) ?? k;
        releaseAt.set(end, [...(releaseAt.get(end) ?? []), slot]);
      }
    }
    for (const slot of releaseAt.get(k) ?? []) free.push(slot);
  });
  return { slotOf, buffers };
}

/** Bytes of the arrays one call allocates: array lines' results, less views and workspace buffers. */
export function freshBytes(p: WengertList, inWorkspace: ReadonlyMap<number, number> = new Map()): number {
  let n = 0;
  for (const s of p.stmts) {
    if (s.kind !== "eqn" || aliases(s)) continue;
    for (let j = 0; j < s.nOut; j++) {
      const v = s.out + j, aval = p.avals[v]!;
      if (aval.js || inWorkspace.has(v)) continue;
      n += sizeOf(aval.shape) * (BYTES[TYPED_NAME[aval.dtype] ?? "Float64Array"] ?? 8);
    }
  }
  return n;
}
