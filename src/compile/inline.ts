// Nested lists as inline JavaScript: a loop line's body becomes statements inside the loop the
// line's lowering emits (its `emit` asks through EmitContext.inline), so a compiled loop is a
// JavaScript loop over the body's code — its size independent of the trip count. The body is
// first optimized and fused (compile/body.ts); lines on numbers are expressions (the
// primitive's js lowering or scalar function), fused lines loops over the elements, others call
// the primitive's kernel, lines that are programs again (a loop in a loop) emit themselves, and
// a failing guard runs the statement the caller gives (leave this variant, try the next).
//
// No step allocates a buffer for a fused temporary: each gets one of a workspace made once with
// the code (codegen.ts's planWorkspace, over the body), and an output may be written into a
// buffer the caller offers (a loop's double-buffered carry).

import { NDArray } from "../array/ndarray.js";
import { sameTensor } from "../core/evaluate.js";
import type { Atom, Line, WengertList } from "../core/ir.js";
import type { EmitContext } from "../core/lowering.js";
import type { Primitive } from "../core/primitive.js";
import { preparedBody } from "./body.js";
import { constExpr, planWorkspace, TYPED_ARRAY } from "./codegen.js";

/** What inlining needs of the code generator it runs in. */
export interface InlineHost {
  /** An expression naming a value the generated code holds. */
  constant(v: unknown): string;
  /** A line on plain numbers as an expression; null when the primitive has no scalar form. */
  scalar(prim: Primitive<unknown>, args: readonly string[], params: unknown): string | null;
  /** A fresh prefix for locals. */
  fresh(): string;
}

export interface Inlined {
  readonly code: readonly string[];
  /** The list's outputs as expressions (valid after `code`). */
  readonly outs: readonly string[];
  /** Which outputs the code wrote into the buffer offered for them. */
  readonly buffered: readonly boolean[];
}

/** The EmitContext of a nested list: its variables are locals under `prefix`, its inputs the given expressions. */
function nestedContext(list: WengertList, inputs: readonly string[], miss: string, host: InlineHost, prefix: string, buffer: (v: number) => string | null): EmitContext {
  const atom = (a: Atom): string => {
    if (a >= 0) return a < list.nIn ? inputs[a]! : `${prefix}${a}`;
    const c = list.consts.value(a);
    return c instanceof NDArray ? host.constant(c) : constExpr(c);
  };
  return {
    list,
    atom,
    local: (v) => `${prefix}${v}`,
    constant: (v) => host.constant(v),
    buffer,
    scalar: (prim, args, params) => {
      const e = host.scalar(prim, args, params);
      if (e === null) throw new TypeError(`${prim.name} has no js lowering and no scalar function, so it cannot run per element`);
      return e;
    },
    fresh: () => host.fresh(),
    inline: (l, ins, m, offered) => inlineList(l, ins, m, host, offered),
    miss,
  };
}

/**
 * The statements of `list` (optimized and fused) with its inputs bound to `inputs`; a failing
 * guard runs `miss`. `offered[j]`: a buffer (an expression of its typed array) that output j may
 * be written into.
 */
export function inlineList(traced: WengertList, inputs: readonly string[], miss: string, host: InlineHost, offered: readonly (string | null)[] = []): Inlined {
  const list = preparedBody(traced);
  const prefix = host.fresh();
  const emits = (s: Line): boolean => s.kind === "eqn" && s.prim.lower.emit !== undefined;
  const work = list.stmts.some(emits) ? planWorkspace(list, emits) : null;
  const slots = (work?.buffers ?? []).map((b) => host.constant(new TYPED_ARRAY[b.type]!(b.length)));
  const outBuffer = outputBuffers(list, offered);
  const buffer = (v: number): string | null => outBuffer.get(v) ?? (work?.slotOf.has(v) === true ? slots[work.slotOf.get(v)!]! : null);
  const ctx = nestedContext(list, inputs, miss, host, prefix, buffer);
  const code: string[] = [];
  for (const s of list.stmts) {
    const a = s.ins.map(ctx.atom);
    if (s.kind === "guard") {
      const e = host.scalar(s.prim, a, s.params);
      if (e === null) throw new TypeError(`a guard on ${s.prim.name}, which has no js lowering and no scalar function`);
      code.push(`if (${s.expect ? `!(${e})` : e}) ${miss}`);
      continue;
    }
    if (s.kind === "value") {
      code.push(`if (!${host.constant(sameTensor)}(${a[0]}, ${host.constant(s.value)})) ${miss}`);
      continue;
    }
    const emit = s.prim.lower.emit;
    if (emit !== undefined) { for (const l of emit(s, ctx)) code.push(l); continue; }
    const aval = list.avals[s.out]!;
    if (s.prim.lower.identity === true) { code.push(`const ${ctx.local(s.out)} = ${a[0]};`); continue; }
    const js = aval.js && s.nOut === 1 && s.ins.every((x) => list.avalOf(x).js) ? host.scalar(s.prim, a, s.params) : null;
    if (js !== null) { code.push(`const ${ctx.local(s.out)} = ${js};`); continue; }
    const call = `${host.constant(s.prim.impl)}([${a.join(", ")}], ${host.constant(s.params)}, ${host.constant(aval)})`;
    if (s.nOut === 1 && s.prim.outputs === undefined) { code.push(`const ${ctx.local(s.out)} = ${call};`); continue; }
    const t = `${prefix}r${s.out}`;
    code.push(`const ${t} = ${call};`);
    for (let j = 0; j < s.nOut; j++) code.push(`const ${ctx.local(s.out + j)} = ${t}[${j}];`);
  }
  return { code, outs: list.outs.map(ctx.atom), buffered: list.outs.map((a) => outBuffer.has(a)) };
}

/**
 * The offered buffers an output may take: an output written in full by a fused loop, that no
 * other output names and no line can keep a view of (it is written anew every step).
 */
function outputBuffers(list: WengertList, offered: readonly (string | null)[]): Map<number, string> {
  const m = new Map<number, string>();
  if (offered.every((b) => b === null)) return m;
  const written = new Set<number>();
  for (const s of list.stmts) if (s.kind === "eqn" && s.prim.lower.emit !== undefined) for (const v of s.prim.lower.workspace?.(s) ?? []) written.add(v);
  for (const s of list.stmts) if (s.kind === "eqn" && (s.prim.lower.aliases === true || s.prim.lower.identity === true)) for (const a of s.ins) written.delete(a);
  list.outs.forEach((a, j) => {
    const b = offered[j] ?? null;
    if (b !== null && written.has(a) && list.outs.indexOf(a) === list.outs.lastIndexOf(a)) m.set(a, b);
  });
  return m;
}
