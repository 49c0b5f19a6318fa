// Forward mode: dual numbers. A DualTracer carries a primal and its tangent (never a
// structural zero: a zero tangent means the plain primal is returned instead). One pass
// gives one Jacobian-vector product, the survey's tangent trace evaluated on the fly.

import type { Primitive } from "../core/primitive.js";
import { bind } from "../core/primitive.js";
import { newLevel, Scattered, Tracer, ZERO, type Interpreter, type Masked, type MaybeZero, type Value, type Zero } from "../core/tracer.js";
import { dense, lineJvp } from "./chain.js";

export class DualTracer extends Tracer {
  get kind(): string { return "forward"; }
  /** The tangent; a selection (structurally zero off its selected elements) until it must be dense. */
  readonly tangent: Value | Masked;
  constructor(interp: ForwardInterpreter, primal: Value, tangent: Value | Masked) {
    super(interp, primal);
    this.tangent = tangent;
  }
}

export class ForwardInterpreter implements Interpreter {
  readonly level = newLevel();
  active = true;

  lift(primal: Value, tangent: Value | Masked): DualTracer {
    return new DualTracer(this, primal, tangent);
  }

  /** The primal and (dense) tangent of `v` as seen from this level (constants have zero tangent). */
  split(v: Value): [Value, Value | Zero] {
    return v instanceof DualTracer && v.interp === this ? [v.primal, dense(v.tangent)] : [v, ZERO];
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const n = args.length;
    const primals = new Array<Value>(n);
    const tangents = new Array<MaybeZero>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      if (a instanceof DualTracer && a.interp === this) {
        primals[i] = a.primal;
        tangents[i] = a.tangent;
      } else {
        primals[i] = a;
        tangents[i] = ZERO;
      }
    }
    const rule = prim.rule;
    if (rule.kind === "program") {
      // A line running a program (a loop): its rule gives every output's tangent at once.
      const r = rule.rules.jvp(primals, tangents, params);
      return r.outs.map((o, j) => {
        const t = r.tangents[j]!;
        return t === ZERO ? o : new DualTracer(this, o, dense(t));
      }) as unknown as Value;
    }
    const out = bind(prim, primals, params);
    if (rule.kind === "none") return out;
    const t = lineJvp(prim, tangents, primals, out, params);
    return t === ZERO ? out : new DualTracer(this, out, t instanceof Scattered ? dense(t) : t);
  }
}
