// Staging: running a function once on StageTracers records its program as a Wengert list
// (core/ir.ts) while still computing the concrete values, so native control flow (if, for,
// while) takes the branch the inputs select. The branch conditions it depended on are
// recorded as guards, value(x) reads as value guards.
//
// The Stager is an ordinary interpreter with the LOWEST level of the transforms involved:
// compile(grad(f)) creates it before grad's tape, so the tape sees StageTracers as its
// primals, takes the general (non-scalar) path and its derivative rules are themselves staged.
// That is how the adjoint program ends up in the recording.

import { WengertList, type Atom } from "../core/ir.js";
import type { Primitive } from "../core/primitive.js";
import { avalOf, evalConcrete } from "../core/primitive.js";
import { newLevel, Tracer, type Interpreter, type Tensor, type Value } from "../core/tracer.js";

/** Thrown while staging when f touches a tracer of an enclosing transform (compile falls back to eager). */
export class StageAbort extends Error {}

export class StageTracer extends Tracer {
  get kind(): string { return "compile"; }
  readonly id: number;
  constructor(interp: Stager, primal: Tensor, id: number) {
    super(interp, primal);
    this.id = id;
  }
}

export class Stager implements Interpreter {
  readonly level = newLevel();
  active = true;
  /** The program being recorded (values are not kept: the compiled variant must not hold them). */
  readonly list = new WengertList();

  /** Set when f called a custom rule's plain function: enclosing transforms must run f itself, not this program. */
  customRules = false;

  onCustomRule(): void {
    this.customRules = true;
  }

  /** A new input variable holding `v`. */
  input(v: Tensor): StageTracer {
    return new StageTracer(this, v, this.list.addInput(avalOf(v)));
  }

  /** The atom of a value seen by this stager; a foreign tracer aborts staging. */
  atomOf(v: Value): Atom {
    if (v instanceof StageTracer && v.interp === this) return v.id;
    if (v instanceof Tracer) throw new StageAbort("a traced value of an enclosing transform reached the compiled function (a closure over a tracer)");
    return this.list.constAtom(v);
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
      this.list.addGuard(prim, params, ins, out);
      return out;
    }
    return new StageTracer(this, out, this.list.addEqn(prim, params, ins, avalOf(out)));
  }

  process2(prim: Primitive<unknown>, a: Value, b: Value | undefined, params: unknown): Value {
    return this.process(prim, b === undefined ? [a] : [a, b], params);
  }

  /** value(x) of a staged value: the program is only valid for inputs that reproduce it. */
  onConcrete(t: Tracer): void {
    if (t instanceof StageTracer && t.interp === this && this.active) this.list.addValueGuard([t.id], t.primal as Tensor);
  }
}
