// The two operations of a checkpointed reverse sweep (revolve.ts's SweepOps) over a loop's body
// and its VJP body, on concrete values: advance runs the body's list forward, adjoint runs the
// VJP body's list for one step. scanReverse and whileReverse both sweep with it.
//
// Each step recycles what it allocates (pool.ts's `step`); what a step returns is given back
// once dead: a cotangent once the step before has read it, slices' cotangents once copied into
// their stacks (in the step that made them). A state advance() makes is copied into a pooled
// state (state-pool.ts), which the schedule releases after its adjoint step (a schedule needs x_i
// for step i only), so no array of a step outlives the step.

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf, type TypedData } from "../../array/ndarray.js";
import { handOn, holds, release, step } from "../../array/pool.js";
import { avalOf } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";
import type { LoopBody } from "./body.js";
import type { SweepOps } from "./revolve.js";
import { storageDType, writeRow } from "./scan-prim.js";
import { sliceOf } from "./slices.js";
import { StatePool } from "./state-pool.js";

const slices = (arrays: readonly NDArray[], t: number): Tensor[] => arrays.map((x) => sliceOf(x, t));

export class SweepSteps implements SweepOps<Tensor[], Tensor[]> {
  /** The slices' cotangents, stacked along the leading axis as each step makes them (by slice index). */
  private ctX: { a: Aval; data: TypedData }[] | null = null;
  /** The states advance() made, held until the schedule releases them. */
  private states: StatePool | null = null;
  private gOwned: TypedData[] = [];
  /** A step's buffers that its cotangent does not hold (given back at once). */
  private readonly spare: TypedData[] = [];
  /** The cotangent the last adjoint step returned (a state it shares a buffer with is not reused). */
  private g: readonly Tensor[] = [];

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
  ) {}

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
    // Held until its adjoint step: copied into a pooled state, so that the step's arrays go back now.
    const pool = (this.states ??= new StatePool(c.map(avalOf)));
    const s = pool.next();
    c.forEach((v, j) => pool.set(s, j, v));
    release(own);
    return s as Tensor[];
  }

  adjoint(state: Tensor[], k: number, gk: Tensor[]): Tensor[] {
    const t = this.slot(k);
    this.vjp.step = k;
    const ins = [...this.consts, ...gk, ...state, ...slices(this.xs, t), ...slices(this.cy, t)];
    const { outs, owned } = step(() => this.vjp.run(ins) as Tensor[]);
    const g = outs.slice(0, this.nG);
    // The slices' cotangents are copied into their rows now: no step's arrays outlive it.
    const rows = (this.ctX ??= outs.slice(this.nG).map((v) => { const a = avalOf(v); return { a, data: allocate(storageDType(a), this.T * sizeOf(a.shape)) }; }));
    rows.forEach((r, j) => writeRow(r.data, t, r.a, outs[this.nG + j]!));
    release(this.gOwned, g);
    this.gOwned = [];
    for (const d of owned) (holds(g, d.buffer) ? this.gOwned : this.spare).push(d);
    release(this.spare);
    this.spare.length = 0;
    this.g = g;
    return g;
  }

  /** A state the schedule will not read again goes back to the pool, unless the cotangent shares its buffer. */
  release(state: Tensor[]): void {
    for (const v of state) if (v instanceof NDArray && holds(this.g, v.data.buffer)) return;
    this.states?.release(state);
  }

  /** After the sweep, whose result is `g`: the slices' cotangents, each stacked along the leading axis. */
  finish(g: readonly Tensor[], nCtX: number): NDArray[] {
    handOn(this.gOwned, g);
    const rows = this.ctX ?? [];
    return Array.from({ length: nCtX }, (_, j) => new NDArray(rows[j]!.data, [this.T, ...rows[j]!.a.shape]));
  }
}
