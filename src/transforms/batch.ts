// The batching interpreter behind vmap (JAX's BatchTrace, as in autodidax). A BatchTracer
// stands for one example of a batch: it carries the whole batch one level down (`val`, with the
// batch along axis 0) and the example's own abstract value. Each primitive applied to batched
// values is rewritten by its batching rule (vmap-rules.ts) into one primitive on the batches, so
// a batch of B examples costs one pass, not B.
//
// A tracer's `primal` is what the levels below see of the value it stands for. A batched value
// has no single such value; its primal is example 0's (a stand-in of the right shape and dtype,
// for the shape checks and loop-body traces that read primals), and every read of it as data —
// value(x), a comparison giving a JS boolean — is a BatchingError instead.

import { NDArray, shapeStr, sizeOf, zeros, type DType, type TypedData } from "../array/ndarray.js";
import type { Aval } from "../array/aval.js";
import { BatchingError, MissingRuleError } from "../base/errors.js";
import { avalOf, type Primitive } from "../core/primitive.js";
import { concrete, dtypeOf, newLevel, Tracer, type Interpreter, type Tensor, type Value } from "../core/tracer.js";
import { astype, reshape } from "../ops/api.js";
import { RowBatch } from "./basis-rows.js";
import { structured } from "./vmap-structured.js";
import { BATCH_RULES } from "./vmap-rules.js";
import { batchCheckpoint, batchScan } from "./loops/scan-batch.js";
import { CHECKPOINT } from "./loops/checkpoint-prim.js";
import { batchWhile } from "./vmap-while.js";
import { WHILE } from "./loops/while-prim.js";
import { SCAN } from "./loops/scan-prim.js";

// The rules are imported, not installed by side effect: the package declares no side effects,
// so a bundler drops modules imported only for them.
const TABLE = BATCH_RULES as unknown as Readonly<Record<string, BatchRule<unknown> | undefined>>;

/** What a batching rule knows of one application besides its operands. */
export interface BatchCall {
  readonly prim: Primitive<unknown>;
  /** The batch size. */
  readonly size: number;
  /** Each operand's per-example abstract value. */
  readonly avals: readonly Aval[];
  /** The output's per-example abstract value (the primitive's own shape rule on `avals`). */
  readonly out: Aval;
}

/**
 * A batching rule: operands (batched ones with the batch along axis 0, the others as they are),
 * which are batched, the params; returns the batched output (batch along axis 0).
 */
export type BatchRule<Q> = (xs: readonly Value[], batched: readonly boolean[], params: Q, call: BatchCall) => Value;

function storage(a: Aval): DType {
  return a.dtype === "number" ? "float64" : a.dtype;
}

/** Example 0 of a batch, as the levels below may read it (zeros of the example's type for an empty batch). */
export function exampleZero(val: Value, aval: Aval, size: number): Tensor {
  if (size === 0) return aval.js ? (aval.dtype === "bool" ? false : 0) : zeros(aval.shape, storage(aval));
  const c = concrete(val) as NDArray;
  if (aval.js) return aval.dtype === "bool" ? c.data[0] !== 0 : c.data[0]!;
  return new NDArray(c.data.subarray(0, sizeOf(aval.shape)), aval.shape);
}

export class BatchTracer extends Tracer {
  get kind(): string { return "vmap"; }
  /** One example's abstract value (js: each example is a plain number or boolean). */
  readonly aval: Aval;
  /** The batch as rows of few entries (a Jacobian's basis and what elementwise ops make of it), or null. */
  readonly rows: RowBatch | null;
  private dense: Value | null;

  constructor(interp: BatchInterpreter, val: Value | RowBatch, aval: Aval) {
    super(interp, val instanceof RowBatch ? val.first() : exampleZero(val, aval, interp.size));
    this.aval = aval;
    this.rows = val instanceof RowBatch ? val : null;
    this.dense = val instanceof RowBatch ? null : val;
  }

  /** The whole batch, one level down, batch along axis 0 (rows made dense on first read). */
  get val(): Value {
    return (this.dense ??= (this.interp as BatchInterpreter).made(this.rows!.dense()));
  }

  override toString(): string {
    const a = this.aval;
    const type = a.js ? (a.dtype === "bool" ? "boolean" : "number") : `${a.dtype}${shapeStr(a.shape)}`;
    return `Tracer(vmap, level ${this.level}, ${type}, batch of ${(this.interp as BatchInterpreter).size})`;
  }
}

/** The abstract value of an operand as one example sees it. */
export function exampleAval(v: Value): Aval {
  return v instanceof BatchTracer ? v.aval : avalOf(concrete(v));
}

/** `x` (a batch, axis 0) reshaped so that its example has rank `r`: size-1 axes after the batch axis. */
export function alignRank(x: Value, a: Aval, r: number, size: number): Value {
  const k = a.shape.length;
  if (k === r) return x;
  return reshape(x, [size, ...new Array<number>(r - k).fill(1), ...a.shape]);
}

export class BatchInterpreter implements Interpreter {
  readonly batched = true;
  readonly level = newLevel();
  active = true;
  /**
   * Whether a comparison giving a JS boolean per example may give a batch of them (a bool vector)
   * instead of an error: set only while a batched whileLoop reads cond's guards as masks
   * (vmap-while.ts), where no `if` reads them.
   */
  predicates = false;
  /** The buffers of the dense batches of a pass that may give them back (batch-pass.ts), else null. */
  batches: TypedData[] | null = null;
  constructor(readonly size: number) {}

  /** A batched value: `val` holds the batch along axis 0 (or is rows of few entries). */
  lift(val: Value | RowBatch, aval: Aval): BatchTracer {
    return new BatchTracer(this, val instanceof RowBatch ? val : this.made(val), aval);
  }

  /** Notes a dense batch of this pass (a candidate for the buffer pool once the pass is over). */
  made<V extends Value>(val: V): V {
    if (this.batches !== null && val instanceof NDArray) this.batches.push(val.data);
    return val;
  }

  own(v: Value): v is BatchTracer {
    return v instanceof BatchTracer && v.interp === this;
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const n = args.length;
    if (args.some((a) => this.own(a) && a.rows !== null)) {
      const r = structured(this, prim, args, params);
      if (r !== null) return r;
    }
    const xs = new Array<Value>(n), batched = new Array<boolean>(n), avals = new Array<Aval>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      if (this.own(a)) { xs[i] = a.val; batched[i] = true; avals[i] = a.aval; }
      else { xs[i] = a; batched[i] = false; avals[i] = exampleAval(a); }
    }
    const loop = prim === (SCAN as Primitive<unknown>) ? batchScan : prim === (WHILE as Primitive<unknown>) ? batchWhile : prim === (CHECKPOINT as Primitive<unknown>) ? batchCheckpoint : null;
    if (loop !== null) {
      const r = loop(xs, batched, params, this, avals);
      return r.outs.map((o, j) => {
        const a = r.avals[j];
        return a === null || a === undefined ? o : this.lift(o, a);
      }) as unknown as Value;
    }
    const rule = TABLE[prim.name];
    if (rule === undefined) {
      // Not in the table: a rule line of customVjp/customJvp, or a fused loop (never replayed under transforms).
      throw new MissingRuleError(prim.name, "has no batching rule: vmap cannot batch it (add one to src/transforms/vmap-rules.ts)");
    }
    // The primitive's own shape rule, on one example: its errors name the example's shapes.
    const out = prim.infer(avals, params);
    if (out.js && out.dtype === "bool" && !this.predicates) throw jsBooleanError(prim.name, this.size);
    const val = rule(xs, batched, params, { prim, size: this.size, avals, out });
    // A batch of plain numbers is float64, as each number is (toScalar of a float32 batch is not).
    return this.lift(out.js && dtypeOf(val) === "float32" ? astype(val, "float64") : val, out);
  }

  onConcrete(): void {
    throw new BatchingError(
      "value",
      `value(x) of a value batched by vmap (a batch of ${this.size}), or a whileLoop cond on it run step by step (its body uses a JS operator on a traced value, as c + 1 for add(c, 1)): ` +
        "it is one value per example, not one constant; compute with ops instead (where(cond, a, b) for a branch), or read the value outside vmap",
    );
  }
}

function jsBooleanError(op: string, size: number): BatchingError {
  return new BatchingError(
    op,
    `under vmap (a batch of ${size}) this gives a JS boolean per example, and one JS boolean cannot stand for a batch: ` +
      "an if on it would take one branch for every example. Select per element instead with where(cond, a, b), " +
      "comparing arrays (a per-example number x becomes a 0-d array with reshape(x, []))",
  );
}
