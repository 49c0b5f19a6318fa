// A loop body: a function over flat values, traced once into a Wengert list (with the first
// iteration's concrete values) and evaluated from that list at every iteration. Native `if`
// on numbers inside the body leaves guards in the list; an iteration whose inputs take another
// branch fails a guard, and the body is traced again at that iteration's values: one list per
// branch outcome met (a variant), tried in order. Never a stale branch.
//
// A body may close over tracers of enclosing transforms (a parameter W inside grad): tracing
// turns each into an input of the list (closure conversion), and the loop line passes them in
// as its leading operands ("consts"), so the enclosing transform differentiates the loop line
// with respect to them like any operand.
//
// Bodies derived by transforms (a loop's JVP body, its VJP body) are bodies too: their function
// evaluates the parent body under an interpreter, so they are traced and re-traced the same way.

import type { Aval } from "../../array/aval.js";
import { shapeStr } from "../../array/ndarray.js";
import { ShapeError, TracerError } from "../../base/errors.js";
import { evaluate, evaluateConcrete, MISS } from "../../core/evaluate.js";
import { WengertList, type Atom, type Body } from "../../core/ir.js";
import { avalOf } from "../../core/primitive.js";
import { ListRecorder, RecordTracer } from "../../core/recorder.js";
import { concrete, runWith, Tracer, type Tensor, type Value } from "../../core/tracer.js";
import { unscoped } from "../../array/pool.js";

/**
 * Raised when a loop cannot stay one line: an iteration took a branch that reads a traced value
 * the first iteration did not (it is not an operand of the line), or more than MAX_VARIANTS
 * branch outcomes were met. The loop's API call catches it and runs the loop unrolled instead.
 */
export class LoopRetrace extends Error {}

/** Branch outcomes a body is traced for before the loop falls back to unrolling. */
export const MAX_VARIANTS = 8;

/** A body's function: consts (tracers it closes over, or a derived body's fixed operands), then the declared inputs. */
export type BodyFn = (consts: readonly Value[], inputs: readonly Value[]) => readonly Value[];

class BodyRecorder extends ListRecorder {
  readonly kind = "loop";
  readonly captured: Tracer[] = [];
  private readonly ids = new Map<Tracer, { atom: Atom; value: Tensor }>();
  /** The inputs standing for the known tracers (the list's first inputs). */
  readonly knownInputs: RecordTracer[];

  /**
   * `known`: null to capture every tracer of an enclosing transform the body reads (a first
   * trace); otherwise the only ones it may read (a retrace: the line's consts, declared as the
   * list's first inputs with these values). A derived body knows none.
   */
  constructor(private readonly known: readonly Tracer[] | null, knownValues: readonly Tensor[] = []) {
    super(new WengertList());
    this.knownInputs = (known ?? []).map((t, i) => {
      const r = this.input(knownValues[i]!);
      this.ids.set(t, { atom: r.id, value: knownValues[i]! });
      return r;
    });
  }

  protected foreign(t: Tracer): { atom: Atom; value: Tensor } {
    let f = this.ids.get(t);
    if (f === undefined) {
      if (this.known !== null) {
        throw new LoopRetrace("an iteration's branch reads a traced value that the first iteration did not; the loop runs unrolled");
      }
      // A variable for now; it becomes one of the list's first inputs when the trace ends.
      const value = concrete(t);
      f = { atom: this.list.addVar(avalOf(value)), value };
      this.ids.set(t, f);
      this.captured.push(t);
    }
    return f;
  }

  /**
   * A customVjp/customJvp called in the body: its list would hold f's own primitives, and a
   * transform replaying it would differentiate f instead of using the rule. The loop runs
   * unrolled, where every transform meets the custom function itself.
   */
  onCustomRule(): void {
    throw new LoopRetrace("a custom derivative rule inside a loop body runs unrolled");
  }

  captureIds(): number[] {
    return this.captured.map((t) => this.ids.get(t)!.atom);
  }
}

export class LoopBody {
  /** One list per branch outcome met, in the order met. */
  readonly variants: WengertList[] = [];
  /** The tracers the first trace found the body closing over (the line's leading operands). */
  captured: readonly Tracer[] = [];
  /** The step being evaluated, for messages. */
  step = 0;

  /**
   * `nConsts`: a derived body's const operands (fixed); a user body's are the tracers its first
   * trace captures (`mayCapture`).
   */
  constructor(readonly op: string, private fn: BodyFn, private nConsts: number, private readonly mayCapture: boolean) {}

  /**
   * The same body, kept from an earlier call by a caller that knows it computes the same function
   * (fromJS's loop sites, keyed on everything the body reads): `fn` is this call's closure, reading
   * `captured` where the kept one read its own, so a branch met now is traced from this call.
   */
  rebind(fn: BodyFn, captured: readonly Tracer[]): void {
    if (!this.mayCapture || captured.length !== this.nConsts) throw new TypeError("LoopBody.rebind: a user body's consts are the tracers it captures, one for each");
    this.fn = fn;
    this.captured = captured;
  }

  get consts(): number {
    return this.nConsts;
  }

  /**
   * A derived body whose one variant is given: a list with no guards (it holds at every step,
   * so it is never traced again), made by rewriting a traced body's list.
   */
  static fixed(op: string, list: WengertList, nConsts: number): LoopBody {
    if (hasGuards(list)) throw new TypeError("LoopBody.fixed: the list has guards, so another step may need another variant");
    const b = new LoopBody(op, () => { throw new LoopRetrace("a fixed loop body was asked for another variant"); }, nConsts, false);
    b.variants.push(list);
    return b;
  }

  /** Records the first variant at the declared inputs' values (consts: a derived body's); returns its outputs' values. */
  traceFirst(consts: readonly Tensor[], declared: readonly Tensor[]): Tensor[] {
    return unscoped(() => this.recordFirst(consts, declared));
  }

  private recordFirst(consts: readonly Tensor[], declared: readonly Tensor[]): Tensor[] {
    const rec = new BodyRecorder(this.mayCapture ? null : [], []);
    const cIns = consts.map((v) => rec.input(v));
    const ins = declared.map((v) => rec.input(v));
    const outs = runWith(rec, () => this.fn(cIns, ins));
    const atoms = outs.map((o) => rec.atomOf(o));
    let list = rec.list;
    list.outs = atoms;
    if (rec.captured.length > 0) {
      list = withInputsFirst(list, [...rec.captureIds(), ...Array.from({ length: consts.length + declared.length }, (_, i) => i)]);
      this.captured = rec.captured;
      this.nConsts = rec.captured.length;
    }
    pruneDead(list);
    this.variants.push(list);
    return outs.map((o) => concrete(o));
  }

  /** The outputs for `inputs` (consts, then the declared inputs), at whatever level they are. */
  run(inputs: readonly Value[]): Value[] {
    let traced = false;
    for (let i = 0; i < inputs.length && !traced; i++) traced = inputs[i] instanceof Tracer;
    const values = traced ? inputs.map((v) => concrete(v)) : (inputs as readonly Tensor[]);
    for (const v of this.variants) {
      const r = traced ? evaluate(v, values) : evaluateConcrete(v, values);
      if (r === MISS) continue;
      // With traced inputs the variant is picked on the values first, so that a failed
      // attempt leaves no lines behind in a recording one level down.
      if (!traced) return r;
      const t = evaluate(v, inputs);
      if (t !== MISS) return t;
    }
    const outs = this.retrace(values);
    if (!traced) return outs;
    const t = evaluate(this.variants[this.variants.length - 1]!, inputs);
    if (t === MISS) throw new LoopRetrace("a body's new variant did not hold for the values it was traced at");
    return t;
  }

  /** Traces a new variant at these values (an iteration took another branch, or a derived body's first step). */
  private retrace(values: readonly Tensor[]): Tensor[] {
    // In the middle of a loop step: what tracing computes may become constants of the new list.
    return unscoped(() => this.record(values));
  }

  private record(values: readonly Tensor[]): Tensor[] {
    if (this.variants.length >= MAX_VARIANTS) {
      throw new LoopRetrace(`the body of ${this.op} took more than ${MAX_VARIANTS} different branch outcomes; the loop runs unrolled`);
    }
    const n = this.nConsts;
    const rec = new BodyRecorder(this.mayCapture ? this.captured : [], values.slice(0, this.mayCapture ? n : 0));
    const cIns = this.mayCapture ? rec.knownInputs : values.slice(0, n).map((v) => rec.input(v));
    const ins = values.slice(n).map((v) => rec.input(v));
    let outs: readonly Value[];
    try {
      outs = runWith(rec, () => this.fn(cIns, ins));
    } catch (e) {
      // A branch met later computes with JS operators on a traced value: the loop runs unrolled.
      if (e instanceof TracerError) throw new LoopRetrace(e.message);
      throw e;
    }
    const list = rec.list;
    list.outs = outs.map((o) => rec.atomOf(o));
    pruneDead(list);
    if (this.variants.length > 0) this.checkLike(list);
    this.variants.push(list);
    return outs.map((o) => concrete(o));
  }

  /** A new variant must produce what the first did: the loop line's outputs are typed by it. */
  private checkLike(list: WengertList): void {
    const first = this.variants[0]!;
    list.outs.forEach((a, j) => {
      const want = first.avalOf(first.outs[j]!), got = list.avalOf(a);
      if (!sameAval(want, got)) {
        throw new ShapeError(this.op, `step ${this.step}: the body's output ${j} is ${avalText(got)} where the first step's was ${avalText(want)}; a loop's carry and per-step outputs keep their shapes and dtypes`);
      }
    });
  }
}

function sameAval(a: Aval, b: Aval): boolean {
  return a.js === b.js && a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function avalText(a: Aval): string {
  return a.js ? (a.dtype === "bool" ? "a boolean" : "a number") : `a ${a.dtype} array of shape ${shapeStr(a.shape)}`;
}

/** The list with `inputs` (variable ids, in order) as its inputs, every other variable after them (any other input must be unread). */
export function withInputsFirst(src: WengertList, inputs: readonly number[]): WengertList {
  const dst = new WengertList();
  const map = new Int32Array(src.avals.length).fill(-1);
  for (const v of inputs) map[v] = dst.addInput(src.avals[v]!);
  const atom = (a: Atom): Atom => (a >= 0 ? map[a]! : dst.constAtom(src.consts.value(a)));
  for (const s of src.stmts) {
    const ins = s.ins.map(atom);
    if (s.kind !== "eqn") { dst.stmts.push({ ...s, ins }); continue; }
    const out = dst.avals.length;
    for (let j = 0; j < s.nOut; j++) map[s.out + j] = dst.addVar(src.avals[s.out + j]!);
    dst.stmts.push({ ...s, ins, out });
  }
  dst.outs = src.outs.map(atom);
  return dst;
}

/** Whether the list's validity depends on its inputs' values (guards or value guards): other steps may need other variants. */
export function hasGuards(list: WengertList): boolean {
  return list.stmts.some((s) => s.kind !== "eqn");
}

/** Drops the lines no output and no guard needs (a derived body recomputes more than it uses). */
export function pruneDead(list: WengertList): void {
  const live = new Uint8Array(list.avals.length);
  for (const a of list.outs) if (a >= 0) live[a] = 1;
  const kept = [];
  for (let k = list.stmts.length - 1; k >= 0; k--) {
    const s = list.stmts[k]!;
    if (s.kind === "eqn") {
      let used = false;
      for (let j = 0; j < s.nOut; j++) if (live[s.out + j] !== 0) used = true;
      if (!used) continue;
    }
    for (const a of s.ins) if (a >= 0) live[a] = 1;
    kept.push(s);
  }
  list.stmts = kept.reverse();
}

/** A loop body's variants as the printer and toDot show them: labelled `what`, or `what, branch i` when native branches traced several. */
export function variantBodies(body: LoopBody, what: string, io: Pick<Body, "inputs" | "outputs"> = {}): Body[] {
  const n = body.variants.length;
  return body.variants.map((list, i) => ({ label: n === 1 ? what : `${what}, branch ${i + 1}`, list, ...io }));
}
