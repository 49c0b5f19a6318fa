// Reverse mode: the tape. Running f with TapeNodes records the evaluation trace (the
// Wengert list: one node per elementary operation, in execution order, so the list is
// already topologically sorted). The reverse sweep walks it backwards accumulating
// adjoints with `+=`, exactly the survey's adjoint trace; one sweep gives a whole
// vector-Jacobian product.

import type { Primitive } from "../core/primitive.js";
import { bind } from "../core/primitive.js";
import { newLevel, Tracer, ZERO, type Interpreter, type MaybeZero, type Value } from "../core/tracer.js";
import { addMaybe, vjpTerm } from "./chain.js";

export class TapeNode extends Tracer {
  /** Position in the tape. */
  readonly index: number;
  /** The primitive that produced this value; null for an input. */
  readonly prim: Primitive<unknown> | null;
  /** The arguments one level down (constants included, for the chain rule and for printing). */
  readonly args: readonly Value[];
  /** The argument nodes of this tape; null where the argument is a constant here. */
  readonly parents: readonly (TapeNode | null)[];
  readonly params: unknown;

  constructor(tape: Tape, primal: Value, index: number, prim: Primitive<unknown> | null, args: readonly Value[], parents: readonly (TapeNode | null)[], params: unknown) {
    super(tape, primal);
    this.index = index;
    this.prim = prim;
    this.args = args;
    this.parents = parents;
    this.params = params;
  }
}

const NO_ARGS: readonly Value[] = [];
const NO_PARENTS: readonly (TapeNode | null)[] = [];

/** One step of the reverse sweep, reported to an observer (used by reverseTrace's table). */
export interface AdjointStep {
  /** The node whose adjoint is propagated. */
  readonly from: TapeNode;
  /** Its argument position. */
  readonly arg: number;
  /** The node receiving the contribution. */
  readonly to: TapeNode;
  /** False for the first contribution (v̄ = …), true for an accumulation (v̄ = v̄ + …). */
  readonly accumulate: boolean;
  readonly contribution: Value;
  readonly adjoint: Value;
}

export class Tape implements Interpreter {
  readonly level = newLevel();
  active = true;
  readonly nodes: TapeNode[] = [];

  /** A new input (independent variable) of the trace. */
  input(primal: Value): TapeNode {
    const node = new TapeNode(this, primal, this.nodes.length, null, NO_ARGS, NO_PARENTS, undefined);
    this.nodes.push(node);
    return node;
  }

  /** Records a line whose output `out` was computed from `args` (one level down). */
  record(prim: Primitive<unknown>, args: readonly Value[], parents: readonly (TapeNode | null)[], out: Value, params: unknown): TapeNode {
    const node = new TapeNode(this, out, this.nodes.length, prim, args, parents, params);
    this.nodes.push(node);
    return node;
  }

  own(v: Value): v is TapeNode {
    return v instanceof TapeNode && v.interp === this;
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const n = args.length;
    const primals = new Array<Value>(n);
    const parents = new Array<TapeNode | null>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      if (a instanceof TapeNode && a.interp === this) {
        primals[i] = a.primal;
        parents[i] = a;
      } else {
        primals[i] = a;
        parents[i] = null;
      }
    }
    const out = bind(prim, primals, params);
    if (prim.rule.kind === "none") return out;
    return this.record(prim, primals, parents, out, params);
  }

  /**
   * The reverse sweep: seeds adjoints, walks the tape backwards and returns the adjoint of
   * every node (ZERO where none reached it).
   */
  backward(seeds: readonly (readonly [TapeNode, Value])[], observe?: (step: AdjointStep) => void): MaybeZero[] {
    const nodes = this.nodes;
    const adj = new Array<MaybeZero>(nodes.length).fill(ZERO);
    let last = -1;
    for (const [node, g] of seeds) {
      adj[node.index] = addMaybe(adj[node.index]!, g);
      if (node.index > last) last = node.index;
    }
    for (let k = last; k >= 0; k--) {
      const g = adj[k]!;
      if (g === ZERO) continue;
      const node = nodes[k]!;
      const prim = node.prim;
      if (prim === null) continue;
      const parents = node.parents;
      for (let i = 0; i < parents.length; i++) {
        const p = parents[i];
        if (p === null || p === undefined) continue;
        const ct = vjpTerm(prim, i, g, node.args, node.primal, node.params);
        if (ct === ZERO) continue;
        const before = adj[p.index]!;
        const after = addMaybe(before, ct);
        adj[p.index] = after;
        if (observe) observe({ from: node, arg: i, to: p, accumulate: before !== ZERO, contribution: ct as Value, adjoint: after as Value });
      }
    }
    return adj;
  }
}
