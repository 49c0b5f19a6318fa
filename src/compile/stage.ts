// Staging: running a function once on recording tracers records its program as a Wengert list
// (core/ir.ts, core/recorder.ts) while still computing the concrete values, so native control
// flow (if, for, while) takes the branch the inputs select. The branch conditions it depended
// on are recorded as guards, value(x) reads as value guards.
//
// The Stager is an ordinary interpreter with the LOWEST level of the transforms involved:
// compile(grad(f)) creates it before grad's tape, so the tape sees the stager's tracers as its
// primals, takes the general (non-scalar) path and its derivative rules are themselves staged.
// That is how the adjoint program ends up in the recording.

import { evalKernel, type Primitive } from "../core/primitive.js";
import { ListRecorder } from "../core/recorder.js";
import type { Tensor } from "../core/tracer.js";
import { isLoopLine, runLoopLine } from "./loop-eval.js";

/** Thrown while staging when f touches a tracer of an enclosing transform (compile falls back to eager). */
export class StageAbort extends Error {}

export class Stager extends ListRecorder {
  readonly kind = "compile";

  /**
   * `loopCode`: compute loop lines with their generated code (false where code generation is
   * off or disallowed: then their kernels run).
   */
  constructor(private readonly loopCode = true) {
    super();
  }

  /** Set when f called a custom rule's plain function: enclosing transforms must run f itself, not this program. */
  customRules = false;

  onCustomRule(): void {
    this.customRules = true;
  }

  /** A loop line's value comes from its own generated code (loop-eval.ts), not its body's interpreter. */
  protected override evalLine(prim: Primitive<unknown>, args: readonly Tensor[], params: unknown): Tensor {
    if (this.loopCode && isLoopLine(prim)) {
      const r = runLoopLine(prim, args, params);
      if (r !== null) return r as unknown as Tensor;
    }
    // Not through evalConcrete's loop runner: with loopCode off, a loop line runs its kernel.
    return evalKernel(prim, args, params);
  }

  /** A tracer of an enclosing transform reached the compiled function: it cannot be compiled. */
  protected foreign(): never {
    throw new StageAbort("a traced value of an enclosing transform reached the compiled function (a closure over a tracer)");
  }
}
