// Loop lines evaluated by their own generated code while compile stages a program. The stager
// computes every line's value as it records it (the first call returns them, and later lines
// may branch on them); a loop line's kernel would run its body's list through the interpreter
// once per step — with a tape per step for a derived VJP body — which made staging cost more
// than the program's generated code by hundreds of times (W2 as a scan, n = 1e5: 0.4 s). Here
// the line is lowered alone, as compile lowers it in a program, and run once.
//
// A step that no variant of its body holds for (a derived body not yet traced, a branch not met)
// runs through the body's interpreter, which traces the missing variant; the line's code is then
// generated again with it and run from the start. Each restart adds a variant, and a body holds
// at most MAX_VARIANTS, so this ends; past RESTARTS the line runs through its kernel.

import { NDArray } from "../array/ndarray.js";
import { MISS } from "../core/evaluate.js";
import { WengertList, type Eqn } from "../core/ir.js";
import type { EmitContext, RunnableBody } from "../core/lowering.js";
import { avalOf, setLoopRunner, type Primitive } from "../core/primitive.js";
import type { Tensor, Value } from "../core/tracer.js";
import { scalarExpr } from "./codegen.js";
import { inlineList, type InlineHost } from "./inline.js";
import { codeGenerationAllowed, codeGenerationKnown } from "./interpret.js";

/** Regenerations of one line's code before it runs through its kernel instead. */
const RESTARTS = 32;

/** Thrown by the generated code after a step traced a new variant of a body: generate again. */
class Restart extends Error {}

/** Runs the step through the body's interpreter (tracing the variant it needs), then restarts. */
function traceStep(body: RunnableBody, step: number, inputs: readonly Value[]): never {
  body.step = step;
  body.run(inputs);
  throw new Restart();
}

/** Whether a line is a loop that `runLoopLine` can evaluate. */
export function isLoopLine(prim: Primitive<unknown>): boolean {
  return prim.bodies !== undefined && prim.lower.emit !== undefined && prim.outputs !== undefined;
}

/** The outputs of loop line `prim(args; params)`, computed by its generated code; null: use the kernel. */
export function runLoopLine(prim: Primitive<unknown>, args: readonly Tensor[], params: unknown): Tensor[] | null {
  for (let k = 0; k < RESTARTS; k++) {
    const run = lower(prim, args, params);
    try {
      const r = run(args);
      if (r !== MISS) return r as Tensor[];
      return null;
    } catch (e) {
      if (!(e instanceof Restart)) throw e;
    }
  }
  return null;
}

/** The line alone as a function of its operands (an array) to its outputs (an array). */
function lower(prim: Primitive<unknown>, args: readonly Tensor[], params: unknown): (args: readonly Tensor[]) => unknown {
  const list = new WengertList();
  for (const a of args) list.addInput(avalOf(a));
  const line: Eqn = { kind: "eqn", prim, params, ins: args.map((_, i) => i), out: args.length, nOut: 0 };
  const K: unknown[] = [];
  const constant = (v: unknown): string => { K.push(v); return `K[${K.length - 1}]`; };
  let n = 0;
  const fresh = (): string => `f${n++}_`;
  const scalar = (p: Primitive<unknown>, a: readonly string[], ps: unknown): string | null => scalarExpr(p, a, ps, (q) => constant(q.scalar));
  const host: InlineHost = { constant, scalar, fresh };
  const outs = new Set<number>();
  const ctx: EmitContext = {
    list,
    atom: (a) => `a[${a}]`,
    // The locals the line's code binds are its outputs.
    local: (v) => { outs.add(v); return `o${v}`; },
    constant,
    buffer: () => null,
    scalar: (p, a, ps) => {
      const e = scalar(p, a, ps);
      if (e === null) throw new TypeError(`${p.name} has no js lowering and no scalar function, so it cannot run per element`);
      return e;
    },
    fresh,
    inline: (l, ins, miss, offered) => inlineList(l, ins, miss, host, offered),
    miss: "return MISS;",
    stepMiss: (body, step, inputs) => `${constant(traceStep)}(${constant(body)}, ${step}, [${inputs.join(", ")}]);`,
  };
  const code = prim.lower.emit!(line, ctx);
  const names = [...outs].sort((x, y) => x - y).map((v) => `o${v}`);
  const source = [`"use strict";`, `const { MISS, NDArray } = H;`, `return function run(a) {`, ...code.map((l) => `  ${l}`), `  return [${names.join(", ")}];`, `};`].join("\n");
  return new Function("H", "K", source)({ MISS, NDArray }, K) as (args: readonly Tensor[]) => unknown;
}

/** The loop lines eager code runs as generated code: the checkpointed scan's reverse sweep. */
const EAGER_LINES = new Set(["scanReverse"]);

/**
 * Whether eager code may generate a loop line's code. Under Node, asking is silent (a
 * --disallow-code-generation-from-strings process throws an EvalError and nothing else); elsewhere
 * a page's CSP reports the attempt as a violation, so eager code only uses what compile found.
 */
function eagerCodeAllowed(): boolean {
  const known = codeGenerationKnown();
  if (known !== undefined) return known;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return node !== undefined && codeGenerationAllowed();
}

// Loop lines that an eager transform evaluates on concrete values run their generated code too
// (core's evalConcrete asks this runner): the same lists, lowered as compile lowers them, so the
// values are bit for bit the interpreter's, made without its per-step objects.
setLoopRunner((prim, args, params) => (EAGER_LINES.has(prim.name) && eagerCodeAllowed() ? runLoopLine(prim, args, params) : null));
