// Checkpointing schedules for reversing a loop of T steps x_{i+1} = F(x_i), step i's adjoint
// needing x_i, in the order T−1, …, 0. Storing all T states costs T carries of memory; a
// schedule stores a few of them (snapshots) and recomputes the others from the nearest one.
//
// Binomial checkpointing (Griewank & Walther, "Algorithm 799: revolve", ACM TOMS 26(1),
// 2000) is optimal: with s snapshots (the start state counted) it performs the fewest forward
// steps any schedule can,
//
//     t(T, s) = r·T − β(s+1, r−1),   β(s, r) = C(s+r, s),   r the integer with β(s, r−1) < T ≤ β(s, r),
//
// where r is the number of times the busiest step is evaluated. The schedule is the recursion
// reverse([a, b), s): advance from a to a split point m, snapshot x_m, reverse([m, b), s−1),
// free x_m, reverse([a, m), s). `revolveSplit` gives an optimal m in closed form; the test
// checks it, and the cost formula, against the dynamic program that defines optimality.
//
// This module is pure (no values, no transforms): the reverse sweeps of eager loops and the
// generated code of compiled loops both drive it through `reverseSweep`'s two callbacks.

/** β(s, r) = C(s+r, s), saturating at 2^53 (only compared with step counts far below it). */
export function beta(s: number, r: number): number {
  if (s < 0 || r < 0) return 0;
  let b = 1;
  const k = Math.min(s, r);
  for (let i = 1; i <= k; i++) {
    b = (b * (s + r - k + i)) / i;
    if (b >= 2 ** 53) return 2 ** 53;
  }
  return Math.round(b);
}

/** The repetition number r of T steps with s snapshots: β(s, r−1) < T ≤ β(s, r). */
export function repetitions(T: number, s: number): number {
  let r = 0;
  while (beta(s, r) < T) r++;
  return r;
}

/** The optimal number of forward steps to reverse T steps with s ≥ 1 snapshots (T ≥ 1). */
export function revolveForwardSteps(T: number, s: number): number {
  if (T <= 1) return 0;
  const r = repetitions(T, s);
  return r * T - beta(s + 1, r - 1);
}

/**
 * Where to place the next snapshot in a range of l ≥ 2 steps whose start holds one of s ≥ 2
 * snapshots: an offset m (1 ≤ m < l) such that step counts m + t(l−m, s−1) + t(m, s) are minimal.
 * The smallest optimal m: the right part [m, l) then lies in repetition band r of s−1 snapshots
 * and the left part [0, m) in band r−1 of s.
 */
export function revolveSplit(l: number, s: number): number {
  const r = repetitions(l, s);
  return Math.max(beta(s, r - 2) + 1, l - beta(s - 1, r), 1);
}

/** How the reverse sweep of a loop recomputes the states it did not store. */
export type CheckpointPlan =
  /** Binomial checkpointing with `slots` snapshots (the start state counted). */
  | { readonly kind: "revolve"; readonly slots: number }
  /** Snapshots every `segment` steps; each segment is recomputed once, storing all its states. */
  | { readonly kind: "sqrt"; readonly segment: number };

/** What `scan(…, { checkpoints })` accepts. */
export type CheckpointOption = number | "binomial" | "sqrt";

/**
 * The plan for T steps. A number k: revolve with k snapshots. "binomial": revolve with the fewest
 * snapshots that need at most one extra forward sweep (r ≤ 2, about √(2T) snapshots).
 * "sqrt": the classic scheme, a snapshot every ⌈√T⌉ steps (about 2√T states held at once).
 */
export function checkpointPlan(T: number, opt: CheckpointOption): CheckpointPlan {
  if (typeof opt === "number") return { kind: "revolve", slots: opt };
  if (opt === "sqrt") return { kind: "sqrt", segment: Math.max(1, Math.ceil(Math.sqrt(T))) };
  let s = 1;
  while (beta(s, 2) < T) s++;
  return { kind: "revolve", slots: s };
}

/** The split of a range of l ≥ 2 steps with `slots` snapshots left (0: no snapshot, recompute from the start). */
function splitOf(plan: CheckpointPlan, l: number, slots: number): number {
  if (plan.kind === "sqrt") return l > plan.segment ? plan.segment : 1;
  return slots <= 1 ? 0 : revolveSplit(l, slots);
}

function slotsOf(plan: CheckpointPlan, T: number): number {
  return plan.kind === "revolve" ? plan.slots : Math.ceil(T / plan.segment) + plan.segment;
}

/**
 * The states the first forward sweep must keep, in increasing order: 0, then each snapshot the
 * schedule takes before the first adjoint step, then T−1 (the state that step needs). The
 * forward pass of a loop under reverse mode saves exactly these, so the reverse sweep starts
 * without re-running the loop.
 */
export function firstSweep(T: number, plan: CheckpointPlan): number[] {
  if (T <= 0) return [];
  const out = [0];
  let a = 0, c = slotsOf(plan, T);
  while (T - a > 1) {
    const m = splitOf(plan, T - a, c);
    if (m === 0) break;
    a += m;
    c--;
    out.push(a);
  }
  if (out[out.length - 1] !== T - 1) out.push(T - 1);
  return out;
}

/** The two operations a reverse sweep is made of. */
export interface SweepOps<S, G> {
  /** Runs steps from, …, to−1 forward from state x_from (not recording them); returns x_to. */
  advance(state: S, from: number, to: number): S;
  /** The adjoint of step i at state x_i: maps the cotangent of x_{i+1} to that of x_i. */
  adjoint(state: S, i: number, g: G): G;
  /** Called with each state the sweep will not read again (after its adjoint step), so that its storage may be reused. */
  release?(state: S): void;
}

export interface SweepStats {
  /** Steps evaluated by `advance` (the first sweep's too, where its states were not given). */
  forwardSteps: number;
  adjointSteps: number;
  /** Most states held at once, those of the first sweep included. */
  peakSnapshots: number;
}

/**
 * Reverses T ≥ 1 steps under `plan`, starting from the states of `firstSweep(T, plan)` (in its
 * order) and the cotangent g of x_T; returns the cotangent of x_0. Iterative (a frame per held
 * snapshot), so schedules that store thousands of states do not overflow the JS stack.
 */
export function reverseSweep<S, G>(T: number, plan: CheckpointPlan, first: readonly S[], g: G, ops: SweepOps<S, G>, stats?: SweepStats): G {
  const st = stats ?? { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
  // Frames: [a, b) to reverse with c slots, x_a held. The right part is always done first.
  const fa: number[] = [], fb: number[] = [], fc: number[] = [], fs: S[] = [];
  let a = 0, b = T, c = slotsOf(plan, T);
  let sa: S = first[0] as S;
  let k = 1; // next state of the first sweep to take instead of advancing
  const take = (from: number, to: number, state: S): S => {
    if (k < first.length && to === firstPos(k)) return first[k++]!;
    st.forwardSteps += to - from;
    return ops.advance(state, from, to);
  };
  const positions = firstSweep(T, plan);
  const firstPos = (i: number): number => positions[i]!;
  st.peakSnapshots = Math.max(st.peakSnapshots, first.length);
  for (;;) {
    while (b - a > 1) {
      const m = splitOf(plan, b - a, c);
      if (m === 0) {
        // No slot to spare: recompute x_{b−1} from x_a and reverse the last step.
        const x = take(a, b - 1, sa);
        g = ops.adjoint(x, b - 1, g);
        ops.release?.(x);
        st.adjointSteps++;
        b--;
        continue;
      }
      fa.push(a); fb.push(a + m); fc.push(c); fs.push(sa);
      sa = take(a, a + m, sa);
      a += m;
      c--;
      st.peakSnapshots = Math.max(st.peakSnapshots, fs.length + 1);
    }
    g = ops.adjoint(sa, a, g);
    ops.release?.(sa);
    st.adjointSteps++;
    if (fs.length === 0) return g;
    a = fa.pop()!; b = fb.pop()!; c = fc.pop()!; sa = fs.pop()!;
  }
}

/**
 * Online checkpointing, for loops whose trip count is only known when they end (whileLoop):
 * states are offered one by one and at most `capacity` are kept, evenly spaced. Once full, every
 * other snapshot is dropped and the spacing doubles, so T steps leave between capacity/2 and
 * capacity snapshots, 2T/capacity apart or less. The reverse sweep then reverses the segments
 * between them from the last to the first, each with binomial checkpointing on the slots
 * that the snapshots still held leave free.
 */
export class OnlineCheckpoints<S> {
  private readonly pos: number[] = [];
  private readonly states: S[] = [];
  private spacing = 1;
  /** Steps offered so far. */
  steps = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 2)) throw new RangeError(`online checkpointing needs a capacity of at least 2 snapshots, got ${capacity}`);
  }

  /** Snapshots a forward sweep of `steps` steps left at `positions` (the reverse sweep's start, e.g. in another line). */
  static restore<S>(capacity: number, steps: number, positions: readonly number[], states: readonly S[]): OnlineCheckpoints<S> {
    const oc = new OnlineCheckpoints<S>(capacity);
    oc.pos.push(...positions);
    oc.states.push(...states);
    oc.steps = steps;
    return oc;
  }

  /** Whether offer(i, …) may keep x_i: a caller that must copy a state to keep it copies only then. */
  wants(i: number): boolean {
    return i % this.spacing === 0;
  }

  /** Offers x_i, the state before step i (called for i = 0, 1, 2, … in order). */
  offer(i: number, state: S): void {
    this.steps = i + 1;
    if (i % this.spacing !== 0) return;
    if (this.pos.length === this.capacity) {
      this.spacing *= 2;
      let n = 0;
      for (let j = 0; j < this.pos.length; j++) {
        if (this.pos[j]! % this.spacing === 0) { this.pos[n] = this.pos[j]!; this.states[n] = this.states[j]!; n++; }
      }
      this.pos.length = n;
      this.states.length = n;
      if (i % this.spacing !== 0) return;
    }
    this.pos.push(i);
    this.states.push(state);
  }

  /** Positions held now. */
  get positions(): readonly number[] { return this.pos; }
  /** The states held now, in the order of `positions`. */
  get snapshots(): readonly S[] { return this.states; }

  /**
   * Reverses T = `steps` steps: the cotangent of x_0 from that of x_T. `ops` see global step
   * numbers.
   */
  reverse<G>(g: G, ops: SweepOps<S, G>, stats?: SweepStats): G {
    const st = stats ?? { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
    const T = this.steps;
    for (let j = this.pos.length - 1; j >= 0; j--) {
      const start = this.pos[j]!, end = j + 1 < this.pos.length ? this.pos[j + 1]! : T;
      const len = end - start;
      if (len <= 0) continue;
      // Snapshots 0 … j−1 stay held; this segment gets the rest of the capacity (its start included).
      const plan: CheckpointPlan = { kind: "revolve", slots: Math.max(1, this.capacity - j) };
      const local = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
      // Only the segment's start was stored: the sweep makes the segment's own first pass.
      const first: S[] = [this.states[j] as S];
      g = reverseSweep(len, plan, first, g, {
        advance: (x, from, to) => ops.advance(x, start + from, start + to),
        adjoint: (x, i, gi) => ops.adjoint(x, start + i, gi),
        release: (x) => ops.release?.(x),
      }, local);
      st.forwardSteps += local.forwardSteps;
      st.adjointSteps += local.adjointSteps;
      st.peakSnapshots = Math.max(st.peakSnapshots, j + local.peakSnapshots);
      this.states[j] = undefined as unknown as S; // freed: earlier segments get its slot
    }
    return g;
  }
}
