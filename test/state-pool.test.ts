// The pool of states a checkpointed sweep holds (src/transforms/loops/state-pool.ts), driven by
// the binomial schedule: a state handed out again while the schedule still holds it would be
// overwritten by a later advance, and an adjoint step would read the wrong x_i.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NDArray } from "../src/array/ndarray.js";
import { avalOf } from "../src/core/primitive.js";
import { checkpointPlan, firstSweep, reverseSweep, type SweepStats } from "../src/transforms/loops/revolve.js";
import { StatePool } from "../src/transforms/loops/state-pool.js";

test("StatePool under reverseSweep: every held state keeps its x_i, and released states are reused", () => {
  const T = 500, n = 3;
  const x = (i: number): NDArray => new NDArray(Float64Array.from({ length: n }, (_, j) => i * 10 + j), [n]);
  const pool = new StatePool([avalOf(x(0))]);
  const made = new Set<unknown[]>();
  const fill = (i: number): unknown[] => {
    const s = pool.next();
    made.add(s);
    pool.set(s, 0, x(i));
    return s;
  };
  const plan = checkpointPlan(T, "binomial");
  const first = firstSweep(T, plan).map(fill);
  const seen: number[] = [];
  const stats: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  reverseSweep<unknown[], number>(T, plan, first, 0, {
    advance: (s, from, to) => {
      assert.deepEqual([...(s[0] as NDArray).data], [...x(from).data], `advance from ${from} read a state another step overwrote`);
      return fill(to);
    },
    adjoint: (s, i, g) => {
      assert.deepEqual([...(s[0] as NDArray).data], [...x(i).data], `adjoint step ${i} read a state another step overwrote`);
      seen.push(i);
      return g;
    },
    release: (s) => pool.release(s),
  }, stats);
  assert.deepEqual(seen, Array.from({ length: T }, (_, i) => T - 1 - i));
  assert.ok(made.size <= stats.peakSnapshots + 1, `${made.size} states made for a schedule holding ${stats.peakSnapshots} at once`);
});
