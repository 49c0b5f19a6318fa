// Recording a Wengert list by running a function on tracers that still carry their concrete
// values, so native control flow (if, for, while) takes the branch the inputs select: every
// comparison of JS numbers is recorded as a guard (the list holds only while it comes out the
// same), every value(x) read as a value guard. compile's stager records a program this way, and
// so does every loop body (traced once, with the first iteration's values).
//
// A subclass decides what a tracer of another interpreter becomes (`foreign`): the stager gives
// up (compile then runs eagerly); a loop body makes it an input of the body (closure conversion:
// the loop line passes it in as an operand).

import { WengertList, type Atom } from "./ir.js";
import type { Primitive } from "./primitive.js";
import { avalOf, evalConcrete } from "./primitive.js";
import { newLevel, Tracer, type Interpreter, type Tensor, type Value } from "./tracer.js";

export class RecordTracer extends Tracer {
  /** Whose recording it is: "compile" for the stager, "loop" for a loop body. */
  get kind(): string { return (this.interp as ListRecorder).kind; }
  readonly id: number;
  constructor(interp: ListRecorder, primal: Tensor, id: number) {
    super(interp, primal);
    this.id = id;
  }
}

export abstract class ListRecorder implements Interpreter {
  abstract readonly kind: string;
  readonly level = newLevel();
  active = true;
  /** The list being recorded. */
  readonly list: WengertList;

  constructor(list: WengertList = new WengertList()) {
    this.list = list;
  }

  /** A new input variable holding `v`. */
  input(v: Tensor): RecordTracer {
    return new RecordTracer(this, v, this.list.addInput(avalOf(v)));
  }

  /** A tracer of another interpreter as an operand here: its atom and concrete value. */
  protected abstract foreign(t: Tracer): { readonly atom: Atom; readonly value: Tensor };

  own(v: Value): v is RecordTracer {
    return v instanceof RecordTracer && v.interp === this;
  }

  /** The atom of a value seen by this recorder. */
  atomOf(v: Value): Atom {
    if (v instanceof RecordTracer && v.interp === this) return v.id;
    if (v instanceof Tracer) return this.foreign(v).atom;
    return this.list.constAtom(v);
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const n = args.length;
    const ins = new Array<Atom>(n);
    const cs = new Array<Tensor>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      if (a instanceof RecordTracer && a.interp === this) { ins[i] = a.id; cs[i] = a.primal as Tensor; }
      else if (a instanceof Tracer) { const f = this.foreign(a); ins[i] = f.atom; cs[i] = f.value; }
      else { ins[i] = this.list.constAtom(a); cs[i] = a; }
    }
    const out = this.evalLine(prim, cs, params);
    if (prim.outputs !== undefined) {
      // A line with several outputs (a loop): consecutive variables, typed by the values it
      // produced (a while loop's stored carries have the length of the trip it took).
      const outs = out as unknown as readonly Tensor[];
      const first = this.list.addEqnN(prim, params, ins, outs.map(avalOf));
      return outs.map((o, j) => new RecordTracer(this, o, first + j)) as unknown as Value;
    }
    if (typeof out === "boolean") {
      // A comparison of JS numbers: the program's branch depends on it. Record a guard and
      // hand back the concrete boolean, so that `if (greater(x, 0))` works as written.
      this.list.addGuard(prim, params, ins, out);
      return out;
    }
    return new RecordTracer(this, out, this.list.addEqn(prim, params, ins, avalOf(out)));
  }

  /** The concrete value of a line being recorded (a subclass may compute some lines otherwise). */
  protected evalLine(prim: Primitive<unknown>, args: readonly Tensor[], params: unknown): Tensor {
    return evalConcrete(prim, args, params);
  }

  process2(prim: Primitive<unknown>, a: Value, b: Value | undefined, params: unknown): Value {
    return this.process(prim, b === undefined ? [a] : [a, b], params);
  }

  /** value(x) of a recorded value: the list is only valid for inputs that reproduce it. */
  onConcrete(t: Tracer): void {
    if (t instanceof RecordTracer && t.interp === this && this.active) this.list.addValueGuard([t.id], t.primal as Tensor);
  }
}
