// The states a checkpointed reverse sweep holds (revolve.ts's snapshots and recomputed carries),
// kept in arrays of their own that the sweep reuses once it releases a state: a schedule holds a
// few hundred states at once and makes T of them, and fresh arrays per state lived long enough
// to reach V8's old generation (W7 eager: ~28 MB of promoted garbage per gradient).

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf } from "../../array/ndarray.js";
import { unscoped } from "../../array/pool.js";
import { storageDType } from "./scan-prim.js";

/** A pool of states (one value per carry leaf) whose arrays are reused once released. */
export class StatePool {
  private readonly free: unknown[][] = [];
  private readonly owned = new WeakSet<unknown[]>();
  constructor(private readonly avals: readonly Aval[]) {}

  /** A state to fill (with `set`, every leaf): a released one, or a new one. */
  next(): unknown[] {
    // No closure in here: V8 would make next()'s context (40 bytes) on every call, even when
    // a free state is taken (W7 compiled: one per advance, ~4 MB of garbage per gradient).
    return this.free.pop() ?? this.make();
  }

  private make(): unknown[] {
    // Not a step's or a compiled call's allocation: no scope may give these buffers back.
    const s = unscoped(() => this.avals.map((a) => (a.js ? 0 : new NDArray(allocate(storageDType(a), sizeOf(a.shape)), a.shape))));
    this.owned.add(s);
    return s;
  }

  /** Leaf j of state s set to v, an array copied into the state's own (a leaf of another type, e.g. a number carry met as a 0-d array, gets a copy). */
  set(s: unknown[], j: number, v: unknown): void {
    const cur = s[j];
    if (!(v instanceof NDArray)) s[j] = v;
    else if (cur instanceof NDArray && cur.dtype === v.dtype && cur.data.length === v.data.length) cur.data.set(v.data);
    else s[j] = new NDArray(v.data.slice(), v.shape);
  }

  /** Gives back a state the sweep will not read again (states this pool did not make are ignored). */
  release(s: unknown[]): void {
    if (this.owned.has(s)) this.free.push(s);
  }
}
