// Staging: running a function once on StageTracers records its program (a Wengert list over
// variables and constants) while still computing the concrete values, so native control flow
// (if, for, while) takes the branch the inputs select. compile() turns the recorded program
// into JavaScript; the branch conditions it depended on are recorded as guards.
//
// The Stager is an ordinary interpreter with the LOWEST level of the transforms involved:
// compile(grad(f)) creates it before grad's tape, so the tape sees StageTracers as its
// primals, takes the general (non-scalar) path and its derivative rules are themselves staged.
// That is how the adjoint program ends up in the recording.

import type { Aval, Primitive } from "../core/primitive.js";
import { avalOf, evalConcrete } from "../core/primitive.js";
import { newLevel, Tracer, type Interpreter, type Tensor, type Value } from "../core/tracer.js";
import { NDArray } from "../array/ndarray.js";

/**
 * An operand of a staged line: a variable id (≥ 0) or a constant, encoded as −(k+1) for
 * entry k of the program's constant table.
 */
export type Atom = number;

export interface Eqn {
  readonly kind: "eqn";
  readonly prim: Primitive<unknown>;
  readonly params: unknown;
  ins: Atom[];
  readonly out: number;
  readonly aval: Aval;
}

/** A branch condition: `prim(ins)` must evaluate to `expect` (a comparison on JS numbers). */
export interface CmpGuard {
  readonly kind: "guard";
  readonly prim: Primitive<unknown>;
  readonly params: unknown;
  ins: Atom[];
  readonly expect: boolean;
}

/** A value read out of the trace with value(x): the input must reproduce it exactly. */
export interface ValueGuard {
  readonly kind: "value";
  ins: Atom[];
  readonly value: Tensor;
}

export type Stmt = Eqn | CmpGuard | ValueGuard;

/** Thrown while staging when f touches a tracer of an enclosing transform (compile falls back to eager). */
export class StageAbort extends Error {}

export class StageTracer extends Tracer {
  readonly id: number;
  constructor(interp: Stager, primal: Tensor, id: number) {
    super(interp, primal);
    this.id = id;
  }
}

export class Stager implements Interpreter {
  readonly level = newLevel();
  active = true;
  readonly stmts: Stmt[] = [];
  readonly avals: Aval[] = [];
  readonly consts: Tensor[] = [];
  private readonly numConst = new Map<number, number>();
  private readonly objConst = new Map<unknown, number>();

  /** A new input variable holding `v`. */
  input(v: Tensor): StageTracer {
    const id = this.avals.length;
    this.avals.push(avalOf(v));
    return new StageTracer(this, v, id);
  }

  /** The atom of a constant (deduplicated; −0 is kept apart from 0). */
  constAtom(v: Tensor): Atom {
    if (typeof v === "number" && !Object.is(v, -0)) {
      let k = this.numConst.get(v);
      if (k === undefined) { k = this.consts.length; this.consts.push(v); this.numConst.set(v, k); }
      return -(k + 1);
    }
    let k = this.objConst.get(v);
    if (k === undefined) { k = this.consts.length; this.consts.push(v); if (!Object.is(v, -0)) this.objConst.set(v, k); }
    return -(k + 1);
  }

  /** The atom of a value seen by this stager; a foreign tracer aborts staging. */
  atomOf(v: Value): Atom {
    if (v instanceof StageTracer && v.interp === this) return v.id;
    if (v instanceof Tracer) throw new StageAbort("a traced value of an enclosing transform reached the compiled function (a closure over a tracer)");
    return this.constAtom(v);
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const n = args.length;
    const ins = new Array<Atom>(n);
    const cs = new Array<Tensor>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      if (a instanceof StageTracer && a.interp === this) { ins[i] = a.id; cs[i] = a.primal as Tensor; }
      else { ins[i] = this.atomOf(a); cs[i] = a as Tensor; }
    }
    const out = evalConcrete(prim, cs, params);
    if (typeof out === "boolean") {
      // A comparison of JS numbers: the program's branch depends on it. Record a guard and
      // hand back the concrete boolean, so that `if (greater(x, 0))` works as written.
      this.stmts.push({ kind: "guard", prim, params, ins, expect: out });
      return out;
    }
    const id = this.avals.length;
    const aval = avalOf(out);
    this.avals.push(aval);
    this.stmts.push({ kind: "eqn", prim, params, ins, out: id, aval });
    return new StageTracer(this, out, id);
  }

  process2(prim: Primitive<unknown>, a: Value, b: Value | undefined, params: unknown): Value {
    return this.process(prim, b === undefined ? [a] : [a, b], params);
  }

  /** value(x) of a staged value: the program is only valid for inputs that reproduce it. */
  onConcrete(t: Tracer): void {
    if (t instanceof StageTracer && t.interp === this && this.active) {
      this.stmts.push({ kind: "value", ins: [t.id], value: t.primal as Tensor });
    }
  }
}

export function isArrayConst(v: Tensor): v is NDArray {
  return v instanceof NDArray;
}
