// The two operations of a checkpointed reverse sweep (revolve.ts's SweepOps) over a loop's body
// and its VJP body, on concrete values: advance runs the body's list forward, adjoint runs the
// VJP body's list for one step. scanReverse and whileReverse both sweep with it.
//
// Each step recycles what it allocates (pool.ts's `step`); what a step returns is given back
// once dead: a state advance() made once its step's adjoint has run (a schedule needs x_i for
// step i only), a cotangent once the step before has read it, slices' cotangents once stacked.

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf, type TypedData } from "../../array/ndarray.js";
import { handOn, holds, release, step } from "../../array/pool.js";
import { avalOf } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";
import type { LoopBody } from "./body.js";
import type { SweepOps } from "./revolve.js";
import { storageDType, writeRow } from "./scan-prim.js";
import { sliceOf } from "./slices.js";

const slices = (arrays: readonly NDArray[], t: number): Tensor[] => arrays.map((x) => sliceOf(x, t));

export class SweepSteps implements SweepOps<Tensor[], Tensor[]> {
  /** Each step's slices' cotangents, by slice index. */
  private readonly ctX: Tensor[][];
  private readonly stateOwned = new WeakMap<Tensor[], TypedData[]>();
  private gOwned: TypedData[] = [];
  private readonly xOwned: TypedData[] = [];

  /**
   * `nG`: the cotangents carried (the carry's, then the consts'); `xs`: the scanned arrays, `cy`:
   * the per-step outputs' cotangents (stacked), both indexed by `slot` of a step.
   */
  constructor(
    private readonly body: LoopBody,
    private readonly vjp: LoopBody,
    private readonly consts: readonly Tensor[],
    private readonly nk: number,
    private readonly nG: number,
    private readonly xs: readonly NDArray[],
    private readonly cy: readonly NDArray[],
    private readonly slot: (k: number) => number,
    private readonly T: number,
  ) {
    this.ctX = new Array(T);
  }

  advance(state: Tensor[], from: number, to: number): Tensor[] {
    let c = state, own: TypedData[] = [];
    for (let k = from; k < to; k++) {
      this.body.step = k;
      const ins = [...this.consts, ...c, ...slices(this.xs, this.slot(k))];
      const r = step(() => (this.body.run(ins) as Tensor[]).slice(0, this.nk));
      release(own, r.outs);
      own = r.owned;
      c = r.outs;
    }
    if (own.length > 0) this.stateOwned.set(c, own);
    return c;
  }

  adjoint(state: Tensor[], k: number, gk: Tensor[]): Tensor[] {
    const t = this.slot(k);
    this.vjp.step = k;
    const ins = [...this.consts, ...gk, ...state, ...slices(this.xs, t), ...slices(this.cy, t)];
    const { outs, owned } = step(() => this.vjp.run(ins) as Tensor[]);
    const ctX = (this.ctX[t] = outs.slice(this.nG));
    release(this.gOwned, outs);
    const own = this.stateOwned.get(state);
    if (own !== undefined) { this.stateOwned.delete(state); release(own, outs); }
    this.gOwned = [];
    for (const d of owned) (holds(ctX, d.buffer) ? this.xOwned : this.gOwned).push(d);
    return outs.slice(0, this.nG);
  }

  /** After the sweep, whose result is `g`: the slices' cotangents, each stacked along the leading axis. */
  finish(g: readonly Tensor[], nCtX: number): NDArray[] {
    handOn(this.gOwned, g);
    const stacked = Array.from({ length: nCtX }, (_, j) => stackRows(this.ctX, j, this.T));
    release(this.xOwned);
    return stacked;
  }
}

/** Row j of each step's slice cotangents, stacked along the leading axis (as the scanned array). */
function stackRows(rows: readonly Tensor[][], j: number, T: number): NDArray {
  const a: Aval = avalOf(rows[0]![j]!);
  const data = allocate(storageDType(a), T * sizeOf(a.shape));
  for (let t = 0; t < T; t++) writeRow(data, t, a, rows[t]![j]!);
  return new NDArray(data, [T, ...a.shape]);
}
