// Staging: running a function once on recording tracers records its program as a Wengert list
// (core/ir.ts, core/recorder.ts) while still computing the concrete values, so native control
// flow (if, for, while) takes the branch the inputs select. The branch conditions it depended
// on are recorded as guards, value(x) reads as value guards.
//
// The Stager is an ordinary interpreter with the LOWEST level of the transforms involved:
// compile(grad(f)) creates it before grad's tape, so the tape sees the stager's tracers as its
// primals, takes the general (non-scalar) path and its derivative rules are themselves staged.
// That is how the adjoint program ends up in the recording.

import { ListRecorder } from "../core/recorder.js";

/** Thrown while staging when f touches a tracer of an enclosing transform (compile falls back to eager). */
export class StageAbort extends Error {}

export class Stager extends ListRecorder {
  readonly kind = "compile";

  /** Set when f called a custom rule's plain function: enclosing transforms must run f itself, not this program. */
  customRules = false;

  onCustomRule(): void {
    this.customRules = true;
  }

  /** A tracer of an enclosing transform reached the compiled function: it cannot be compiled. */
  protected foreign(): never {
    throw new StageAbort("a traced value of an enclosing transform reached the compiled function (a closure over a tracer)");
  }
}
