// The while line: one line of the trace running `while cond(carry): carry = body(carry)`, its
// cond and body nested Wengert lists (loops/body.ts), traced once with the first iteration's
// values, a variant per branch outcome.
//
//   operands   cond's consts (what cond closes over), body's consts, the initial carry
//   cond       (cond consts, carry) → a boolean (a JS boolean, or a bool array of one element)
//   body       (body consts, carry) → carry'
//   outputs    the final carry; when `save` is set (reverse mode), also the trip count T and
//              the carries entering the T steps, stacked (the backward sweep is then a reversed
//              scan of T steps over the body's VJP: loops/while-rules.ts)
//
// The trip count is data: the loop runs until cond fails, eagerly and in compiled code alike.
// Only the stacked carries have a length that depends on it; a compiled program that holds them
// guards the trip count it was traced with (while-rules.ts).

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf } from "../../array/ndarray.js";
import { DTypeError, IterationLimitError } from "../../base/errors.js";
import { describe } from "../../base/format.js";
import type { Body } from "../../core/ir.js";
import { withPrimitiveShape, type Primitive } from "../../core/primitive.js";
import { concrete, Tracer, type Tensor, type Value } from "../../core/tracer.js";
import { variantBodies, type LoopBody } from "./body.js";
import { WHILE_RULES } from "./while-rules.js";
import { leafType, typeText } from "./carry.js";
import { emitWhile } from "./lower.js";
import { LOOP_AVAL, storageDType, writeRow } from "./scan-prim.js";

export interface WhileParams {
  readonly cond: LoopBody;
  readonly body: LoopBody;
  /** cond's consts (the line's first operands). */
  readonly nCond: number;
  /** body's consts (the operands after cond's). */
  readonly nConsts: number;
  readonly nCarry: number;
  /** The most steps allowed (Infinity: no limit). */
  readonly maxIter: number;
  /** Also output the trip count and the carries entering the steps, stacked. */
  readonly save: boolean;
  /** Reverse mode: the most carries kept (online checkpointing); undefined keeps them all. */
  readonly checkpoints: number | undefined;
}

/** cond's result as a JS boolean, or the typed error naming what it returned. */
export function truth(step: number, c: unknown): boolean {
  if (typeof c === "boolean") return c;
  const v = c instanceof Tracer ? concrete(c) : c;
  if (v instanceof NDArray && v.dtype === "bool" && v.size === 1) return v.data[0] !== 0;
  throw new DTypeError("whileLoop", `step ${step}: cond returned ${v instanceof NDArray ? typeText(leafType(v)) : describe(v)}; it must return a boolean (a comparison such as less(c, 10), or a bool array of one element)`);
}

export function iterationLimit(maxIter: number, carry: readonly Value[], paths?: readonly string[]): IterationLimitError {
  const leaves = carry.map((v, i) => `${paths?.[i] ?? `carry[${i}]`} ${typeText(leafType(v))}`).join(", ");
  return new IterationLimitError("whileLoop", `cond is still true after maxIter = ${maxIter} steps (carry: ${leaves || "no leaves"}); raise maxIter, or check that the loop ends`);
}

/**
 * The line's steps on `args`, values of any interpreter (each step's lists are bound at its
 * level): the final carry, and the carries entering the steps when the line saves them.
 */
export function whileSteps<V extends Value>(args: readonly V[], p: WhileParams): { carry: V[]; saved: V[][] | null } {
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const condIns: V[] = args.slice(0, ncc).concat(args.slice(ncc + nc));
  const bodyIns: V[] = args.slice(ncc);
  const saved: V[][] | null = p.save ? [] : null;
  for (let k = 0; ; k++) {
    p.cond.step = k;
    if (!truth(k, p.cond.run(condIns)[0])) break;
    if (k >= p.maxIter) throw iterationLimit(p.maxIter, bodyIns.slice(nc));
    saved?.push(bodyIns.slice(nc));
    p.body.step = k;
    const next = p.body.run(bodyIns) as V[];
    for (let j = 0; j < nk; j++) condIns[ncc + j] = bodyIns[nc + j] = next[j]!;
  }
  return { carry: bodyIns.slice(nc), saved };
}

/** The loop on concrete values: cond's and body's lists evaluated once per step. */
function runWhile(args: readonly Tensor[], p: WhileParams): Tensor[] {
  const { carry, saved } = whileSteps(args, p);
  const out = carry.slice();
  if (saved !== null) {
    out.push(saved.length);
    for (let j = 0; j < p.nCarry; j++) out.push(stackRows(saved, j, out[j]!));
  }
  return out;
}

/** Leaf j of every saved carry, stacked along a new leading axis (`like`: a value of its type). */
export function stackRows(saved: readonly Tensor[][], j: number, like: Tensor): NDArray {
  const a: Aval = like instanceof NDArray ? { shape: like.shape, dtype: like.dtype, js: false } : { shape: [], dtype: typeof like === "boolean" ? "bool" : "number", js: true };
  const data = allocate(storageDType(a), saved.length * sizeOf(a.shape));
  saved.forEach((c, t) => writeRow(data, t, a, c[j]!));
  return new NDArray(data, [saved.length, ...a.shape]);
}

function bodies(p: WhileParams): Body[] {
  const { nCond: ncc, nConsts: nc } = p;
  const carryIn = (a: string): string => `carry (initially ${a})`;
  return [
    ...variantBodies(p.cond, "cond", {
      inputs: (args) => [...args.slice(0, ncc), ...args.slice(ncc + nc).map(carryIn)],
      outputs: () => ["continue?"],
    }),
    ...variantBodies(p.body, "body", {
      inputs: (args) => [...args.slice(ncc, ncc + nc), ...args.slice(ncc + nc).map(carryIn)],
      outputs: (outs) => outs.slice(0, p.nCarry).map((o) => `carry → ${o}`),
    }),
  ];
}

export const WHILE: Primitive<WhileParams> = withPrimitiveShape<WhileParams>({
  name: "while",
  broadcasts: false,
  // Several outputs, typed by the values the loop produced (the stacked carries' length is the trip count).
  infer: () => LOOP_AVAL,
  impl: (args, p) => runWhile(args, p) as unknown as Tensor,
  rule: {
    kind: "program",
    rules: {
      jvp: (primals, tangents, p) => WHILE_RULES.jvp(primals, tangents, p),
      vjp: (primals, active, p) => WHILE_RULES.vjp(primals, active, p),
    },
  },
  display: { primal: (args, p) => `while(${args.join(", ")}${p.maxIter === Infinity ? "" : `; maxIter ${p.maxIter}`}${p.save ? "; saving carries" : ""})` },
  // Compiled: a JavaScript loop over cond's and body's code (loops/lower.ts).
  lower: { emit: (line, ctx) => emitWhile(line, ctx, { iterationLimit, stackRows: stackRows as never }) },
  bodies,
  outputs: (p) => {
    const l = p.body.variants[0]!;
    const carry = l.outs.slice(0, p.nCarry).map((a) => l.avalOf(a));
    return p.save ? [...carry, LOOP_AVAL, ...carry] : carry;
  },
});
