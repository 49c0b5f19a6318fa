// whileLoop(cond, body, init, { maxIter?, checkpoints? }): while cond(carry): carry = body(carry).
//
// With no transform running it is a plain JS loop. Under a transform it is one while line
// (loops/while-prim.ts): cond and body traced once, at the initial carry, into nested lists.
// The trip count is data: eagerly any trip count works under every transform, and reverse mode
// records it (loops/while-rules.ts).

import { ArgumentError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import { bind } from "../../core/primitive.js";
import { unflatten } from "../../core/pytree.js";
import { TracerError } from "../../base/errors.js";
import { concrete, Tracer, transformRunning, type Tensor, type Value } from "../../core/tracer.js";
import { value } from "../../ops/api.js";
import { hasGuards, LoopBody, LoopRetrace } from "./body.js";
import { checkCarry, hasTracer, treeType, typeOnly, type TreeType } from "./carry.js";
import { checkOptions } from "../../base/options.js";
import { checkFunction } from "./options.js";
import type { CarryOut } from "./scan.js";
import { iterationLimit, truth, WHILE, type WhileParams } from "./while-prim.js";

/** Options of `whileLoop`: the most iterations allowed, and reverse mode's checkpoints. */
export interface WhileOptions {
  /** The most body steps allowed; one more raises IterationLimitError (default: no limit). */
  readonly maxIter?: number;
  /**
   * Reverse mode: keep at most this many carries (≥ 2) and recompute the others in the backward
   * sweep — online checkpointing, since the trip count is only known when the loop ends
   * (loops/while-online.ts). The gradient is the same.
   */
  readonly checkpoints?: number;
}

/**
 * while cond(carry): carry = body(carry); returns the final carry.
 *
 * @example
 * ```ts
 * w.whileLoop((c: number) => w.less(c, 100), (c: number) => w.mul(c, 2), 1);   // 128
 * ```
 */
export function whileLoop<C>(cond: (carry: C) => unknown, body: (carry: C) => CarryOut<C>, init: C, opts?: WhileOptions): C {
  checkFunction("whileLoop", "cond", cond);
  checkFunction("whileLoop", "body", body);
  const o = checkOptions("whileLoop", opts, ["maxIter", "checkpoints"]);
  const maxIter = o.maxIter ?? Infinity;
  if (maxIter !== Infinity && !(typeof maxIter === "number" && Number.isInteger(maxIter) && maxIter >= 0)) {
    throw new ArgumentError("whileLoop", `maxIter ${showValue(maxIter)} must be a non-negative integer`);
  }
  if (o.checkpoints !== undefined && !(typeof o.checkpoints === "number" && Number.isInteger(o.checkpoints) && o.checkpoints >= 2)) {
    throw new ArgumentError("whileLoop", `checkpoints ${showValue(o.checkpoints)} must be a number of snapshots, an integer ≥ 2`);
  }
  const type = treeType("whileLoop", "carry", init);
  const native = (from = 0, start: unknown = unflatten(type.def, type.values)): C => {
    let c = start as C;
    for (let k = from; ; k++) {
      // Read as value() reads: compile guards it, and vmap refuses a batch of truths (one
      // example's would silently decide for all).
      const r = cond(c);
      if (!truth(k, r instanceof Tracer ? value(r) : r)) return c;
      if (k >= (maxIter as number)) throw iterationLimit(maxIter as number, type.values, type.paths);
      c = unflatten(type.def, checkCarry("whileLoop", `step ${k}:`, type, body(c))) as C;
    }
  };
  if (!transformRunning()) return native();
  try {
    return whileLine(cond, body, type, maxIter as number, o.checkpoints as number | undefined, native);
  } catch (e) {
    // The loop cannot stay one line: run it step by step, every op seen by the active transforms.
    if (e instanceof LoopRetrace) return native();
    throw e;
  }
}

// cond's and body's step functions, made apart from whileLine's scope: their LoopBody outlives
// the trace (a compiled program keeps it), and that scope holds the carry's initial values.
type StepFn = (lb: LoopBody, ins: readonly Value[]) => Value[];

function loopBody(step: StepFn): LoopBody {
  const lb: LoopBody = new LoopBody("whileLoop", (_c, ins) => step(lb, ins), 0, true);
  return lb;
}

function condFn<C>(cond: (c: C) => unknown, type: TreeType): StepFn {
  return (lb, ins) => {
    const r = cond(unflatten(type.def, ins) as C);
    truth(lb.step, r); // a typed error for anything but a boolean
    return [r as Value];
  };
}

function bodyFn<C>(body: (c: C) => unknown, type: TreeType): StepFn {
  return (lb, ins) => checkCarry("whileLoop", `step ${lb.step}:`, type, body(unflatten(type.def, ins) as C));
}

function whileLine<C>(cond: (c: C) => unknown, body: (c: C) => unknown, type: TreeType & { values: readonly Value[] }, maxIter: number, checkpoints: number | undefined, native: (from: number, start: unknown) => C): C {
  const nk = type.values.length;
  const condLb = loopBody(condFn(cond, typeOnly(type)));
  const bodyLb = loopBody(bodyFn(body, typeOnly(type)));
  const init = type.values.map(concrete);
  const traced = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      // JS operators on a traced value (c < 10): natively they run on plain numbers.
      if (e instanceof TracerError) throw new LoopRetrace(e.message);
      throw e;
    }
  };
  const go = truth(0, traced(() => condLb.traceFirst([], init))[0]);
  // The values traced with are example 0's of a vmap batch: its cond decides for no other example.
  if (!go && !batched([...type.values, ...condLb.captured])) return unflatten(type.def, type.values) as C;
  if (go && maxIter === 0) throw iterationLimit(0, type.values, type.paths);
  const first = traced(() => bodyLb.traceFirst([], init));
  if (condLb.captured.length === 0 && bodyLb.captured.length === 0 && !hasTracer(type.values)) {
    // Nothing the loop reads is traced: a constant to every transform. Step 0 is done.
    return native(1, unflatten(type.def, first));
  }
  const cc = condLb.captured.map(concrete), bc = bodyLb.captured.map(concrete);
  if (hasGuards(condLb.variants[0]!) || hasGuards(bodyLb.variants[0]!)) {
    // Meet every step's branch now, while the transforms cond and body close over still record.
    let c: Tensor[] = first;
    for (let k = 1; ; k++) {
      condLb.step = k;
      if (!truth(k, condLb.run([...cc, ...c])[0])) break;
      if (k >= maxIter) break; // the line raises the error
      bodyLb.step = k;
      c = bodyLb.run([...bc, ...c]) as Tensor[];
    }
  }
  const params: WhileParams = { cond: condLb, body: bodyLb, nCond: cc.length, nConsts: bc.length, nCarry: nk, maxIter, save: false, checkpoints };
  const outs = bind(WHILE, [...condLb.captured, ...bodyLb.captured, ...type.values], params) as unknown as Value[];
  return unflatten(type.def, outs.slice(0, nk)) as C;
}

/** Whether a value is batched by vmap at some level (its concrete value is then one example's). */
function batched(values: readonly Value[]): boolean {
  return values.some((v) => {
    for (let t: Value = v; t instanceof Tracer; t = t.primal) if (t.interp.batched === true) return true;
    return false;
  });
}
