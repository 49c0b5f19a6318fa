// The checkpointing schedules (src/transforms/loops/revolve.ts) against the dynamic program
// that defines optimal binomial checkpointing, and their sweeps against a stored-everything
// reverse on a recurrence whose every state is known.
import { test } from "node:test";
import assert from "node:assert/strict";
import { beta, checkpointPlan, firstSweep, OnlineCheckpoints, repetitions, reverseSweep, revolveForwardSteps, revolveSplit, type CheckpointPlan, type SweepStats } from "../src/transforms/loops/revolve.js";

/** F[s][l]: the fewest forward steps reversing l steps with s snapshots (the start's included). */
function optimalTable(L: number, S: number): number[][] {
  const F: number[][] = [];
  for (let s = 0; s <= S; s++) F.push(new Array<number>(L + 1).fill(Infinity));
  for (let s = 1; s <= S; s++) {
    for (let l = 1; l <= L; l++) {
      if (l === 1) { F[s]![l] = 0; continue; }
      if (s === 1) { F[s]![l] = (l * (l - 1)) / 2; continue; }
      let best = Infinity;
      for (let m = 1; m < l; m++) best = Math.min(best, m + F[s - 1]![l - m]! + F[s]![m]!);
      F[s]![l] = best;
    }
  }
  return F;
}

const F = optimalTable(300, 8);

test("β and the repetition number", () => {
  assert.equal(beta(2, 3), 10);
  assert.equal(beta(10, 10), 184756);
  assert.equal(beta(0, 5), 1);
  assert.equal(repetitions(10, 2), 3);
  assert.equal(repetitions(1, 5), 0);
  assert.equal(repetitions(1e5, 447), 2);
  assert.equal(beta(1e6, 1e6), 2 ** 53, "saturates instead of overflowing to Infinity");
});

test("t(T, s) = r·T − β(s+1, r−1) is the optimum of the dynamic program", () => {
  for (let s = 1; s <= 8; s++) for (let l = 1; l <= 300; l++) assert.equal(revolveForwardSteps(l, s), F[s]![l], `l=${l}, s=${s}`);
  // Known values: one snapshot recomputes from the start every time; enough snapshots store every state.
  assert.equal(revolveForwardSteps(100, 1), 4950);
  assert.equal(revolveForwardSteps(100, 100), 99);
});

test("the closed-form split is an optimal first snapshot", () => {
  for (let s = 2; s <= 8; s++) {
    for (let l = 2; l <= 300; l++) {
      const m = revolveSplit(l, s);
      assert.ok(m >= 1 && m < l, `split ${m} of ${l}`);
      assert.equal(m + F[s - 1]![l - m]! + F[s]![m]!, F[s]![l], `l=${l}, s=${s}, m=${m}`);
    }
  }
});

/** x_{i+1} = x_i + h·sin(x_i) (a scalar W7); d x_T / d x_0 = Π (1 + h cos x_i). */
const h = 0.3;
const step = (x: number): number => x + h * Math.sin(x);

function run(T: number, plan: CheckpointPlan, withFirst: boolean) {
  const xs = [0.7];
  for (let i = 0; i < T; i++) xs.push(step(xs[i]!));
  const order: number[] = [];
  let advanced = 0;
  const ops = {
    advance: (x: number, from: number, to: number): number => {
      assert.equal(x, xs[from], `advance from ${from} got the state of another step`);
      for (let i = from; i < to; i++) x = step(x);
      advanced += to - from;
      return x;
    },
    adjoint: (x: number, i: number, g: number): number => {
      assert.equal(x, xs[i], `adjoint of step ${i} got the state of another step`);
      order.push(i);
      return g * (1 + h * Math.cos(x));
    },
  };
  const first = withFirst ? firstSweep(T, plan).map((p) => xs[p]!) : [xs[0]!];
  const stats: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  const g = reverseSweep(T, plan, first, 1, ops, stats);
  let exact = 1;
  for (let i = T - 1; i >= 0; i--) exact *= 1 + h * Math.cos(xs[i]!);
  return { g, exact, order, advanced, stats };
}

test("revolve sweeps reverse every step once, in order, from the right states, at the optimal cost", () => {
  for (const T of [1, 2, 3, 7, 10, 55, 100, 257]) {
    for (const s of [1, 2, 3, 5, 8]) {
      const r = run(T, { kind: "revolve", slots: s }, false);
      assert.equal(r.g, r.exact, `T=${T}, s=${s}: bit for bit the stored-everything product`);
      assert.deepEqual(r.order, Array.from({ length: T }, (_, i) => T - 1 - i));
      // Starting from x_0 alone, the sweep's own first pass is counted: exactly t(T, s) in all.
      assert.equal(r.advanced, revolveForwardSteps(T, s), `T=${T}, s=${s}: forward steps`);
      assert.ok(r.stats.peakSnapshots <= s + 1, `T=${T}, s=${s}: held ${r.stats.peakSnapshots} states`);
      // Given the first sweep's states, it skips that pass.
      const f = run(T, { kind: "revolve", slots: s }, true);
      const pos = firstSweep(T, { kind: "revolve", slots: s });
      assert.equal(f.advanced, revolveForwardSteps(T, s) - pos[pos.length - 1]!, `T=${T}, s=${s}: first sweep reused`);
      assert.equal(f.g, r.g);
    }
  }
});

test("sqrt checkpointing: one recomputation per segment, about 2√T states", () => {
  for (const T of [1, 5, 16, 17, 100, 1000]) {
    const plan = checkpointPlan(T, "sqrt");
    const r = run(T, plan, true);
    assert.equal(r.g, r.exact);
    assert.ok(r.advanced <= T, `T=${T}: ${r.advanced} recomputed steps`);
    assert.ok(r.stats.peakSnapshots <= 2 * Math.ceil(Math.sqrt(T)) + 1, `T=${T}: ${r.stats.peakSnapshots} states`);
  }
});

test("binomial default: at most one extra sweep with about √(2T) snapshots; deep stores do not overflow the stack", () => {
  const plan = checkpointPlan(1e5, "binomial");
  assert.deepEqual(plan, { kind: "revolve", slots: 446 });
  assert.ok(revolveForwardSteps(1e5, 446) <= 2e5);
  assert.ok(revolveForwardSteps(1e5, 445) > 0 && repetitions(1e5, 445) === 3);
  const r = run(20000, { kind: "revolve", slots: 20000 }, false);
  assert.equal(r.g, r.exact);
  assert.equal(r.advanced, 19999);
});

test("online checkpointing keeps at most its capacity, evenly spaced, and reverses exactly", () => {
  for (const T of [1, 2, 9, 64, 100, 1000, 4097]) {
    for (const cap of [2, 3, 8, 40]) {
      const xs = [0.7];
      for (let i = 0; i < T; i++) xs.push(step(xs[i]!));
      const oc = new OnlineCheckpoints<number>(cap);
      let most = 0;
      for (let i = 0; i < T; i++) { oc.offer(i, xs[i]!); most = Math.max(most, oc.positions.length); }
      assert.ok(most <= cap, `T=${T}, cap=${cap}: held ${most}`);
      const p = oc.positions;
      assert.equal(p[0], 0);
      for (let j = 1; j < p.length; j++) assert.equal(p[j]! - p[j - 1]!, p[1]! - p[0]!, "evenly spaced");
      if (T >= 2 * cap) assert.ok(p.length >= cap / 2, `T=${T}, cap=${cap}: only ${p.length} snapshots`);
      const order: number[] = [];
      const st: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
      const g = oc.reverse(1, {
        advance: (x: number, from: number, to: number) => { assert.equal(x, xs[from]); for (let i = from; i < to; i++) x = step(x); return x; },
        adjoint: (x: number, i: number, gi: number) => { assert.equal(x, xs[i]); order.push(i); return gi * (1 + h * Math.cos(x)); },
      }, st);
      let exact = 1;
      for (let i = T - 1; i >= 0; i--) exact *= 1 + h * Math.cos(xs[i]!);
      assert.equal(g, exact, `T=${T}, cap=${cap}`);
      assert.deepEqual(order, Array.from({ length: T }, (_, i) => T - 1 - i));
      assert.ok(st.peakSnapshots <= cap + 1, `T=${T}, cap=${cap}: peak ${st.peakSnapshots}`);
    }
  }
  assert.throws(() => new OnlineCheckpoints(1), RangeError);
});
