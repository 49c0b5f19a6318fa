// Tiering of large programs on numbers: bytecode is ready at once; generated JavaScript can be
// faster, but only once V8 has optimized it, and a large program's JavaScript can run 3–15×
// slower than its bytecode for thousands of calls before that (or never get there). So a
// variant moves to JavaScript only when JavaScript is measured faster on real calls, and
// finding out may cost at most a bounded share of the time in *every* stretch of calls:
//
//  - from `tierUpCalls` on, every call is timed (wall time: see wallClock). The bytecode's
//    reference time per call is the lowest mean of a quiet block: REF_CALLS bytecode calls in
//    a row, the first QUIET calls after any build step or trial. The first block comes before
//    anything is built; later ones only lower it (what the build leaves can reach into a
//    block). Building and trying rest for a block every REFRESH calls, and at once after a
//    bytecode call under half the reference: V8 speeds the bytecode interpreter itself up
//    (W2's by 3× around call 1,500), and the share must follow it down.
//  - a credit grows by SHARE of each bytecode call (of at most the reference) and pays each
//    call's time above the reference: a build step's or trial's own time, and what they leave
//    for later calls (garbage, V8 compiling the JavaScript): on a 35,000-line program that was
//    1–2.5× the steps' own time, much of it GC outside any call timed here (compile's argument
//    handling, the caller's code), so a build step also pays AFTER × its time up front.
//  - a build step or a trial runs only while the credit is not negative, at most one per call,
//    and the credit never exceeds CAP_CALLS references (no burst after a lull, whatever the
//    last trial cost). So a stretch of n calls spends at most SHARE·n + CAP_CALLS references
//    plus one action above the bytecode's time; hence small actions: the JavaScript is built
//    STEP_LINES lines a step, each chunk compiled in its own step (codegen.ts's generateSteps).
//    Built in one go, a 35,000-line program took 12 ms to plan, 53 ms to parse and 29 ms
//    more in its first call to compile: each alone longer than 100 of its bytecode calls.
//  - the variant switches after CONFIRM consecutive trials each faster than FASTER × the
//    reference, and keeps the bytecode for good after PATIENCE trials without a new best.
//    (The Lotka–Volterra gradient's JavaScript needs ~4,000 calls of its own, ~3.5× slower
//    than bytecode, before V8 optimizes it: more than this share buys within 10,000 calls,
//    so it stays bytecode there.)
//
// The policy is a small state machine over an injected clock (test/tiering.test.ts drives it
// with a simulated one); `tiered` wires it to a variant.

import type { Generated } from "./codegen.js";

export interface TierOptions {
  /** Calls after which a bytecode variant is timed against its JavaScript (Infinity: never). */
  readonly tierUpCalls: number;
}

/** A monotonic clock in milliseconds. */
export type Clock = () => number;

/** Share of the bytecode's time that building and trying the JavaScript may take. */
export const SHARE = 0.15;
/** Most credit that can be saved up, in bytecode calls (so no burst of trials after a lull). */
export const CAP_CALLS = 4;
/** Calls whose mean time is the bytecode's reference, before anything is built. */
export const REF_CALLS = 64;
/** Calls after a build step or trial before a call counts towards the reference. */
export const QUIET = 32;
/** Calls after which the reference is measured again, building and trying resting for it. */
export const REFRESH = 1000;
/** Most a bytecode call pays above the reference, in references (another process preempting it is no cost of ours). */
export const CLIP = 2;
/** What a build step leaves for later calls, untimed, as a multiple of its own time. */
export const AFTER = 2;
/** Lines of the JavaScript generated per build step. */
export const STEP_LINES = 200;
/** A trial counts as a win when it takes at most this share of the bytecode's reference. */
export const FASTER = 0.8;
/** Consecutive wins before switching. */
export const CONFIRM = 3;
/** Trials without a new best time (by 5%) after which the bytecode is kept for good. */
export const PATIENCE = 64;

/** What the policy tells the variant to run next. */
export type Tier = "bytecode" | "javascript";

/**
 * The measured tier-up policy. Each call: while `needsBuild`, the caller does one step of the
 * JavaScript's build and reports its time with `built(ms, done)`; `next()` says which form to
 * run; the caller runs it, timing it, and reports the time with `ran(form, ms)`.
 */
export class TierPolicy {
  private calls = 0;
  /** The bytecode's reference time per call (NaN until REF_CALLS calls are timed). */
  private ref = NaN;
  /** Quiet bytecode calls in a row timed towards the next reference, and their total. */
  private block = 0;
  private blockMs = 0;
  /** The call of the last build step or trial, and of the last reference. */
  private lastAction = -Infinity;
  private lastRef = 0;
  private credit = 0;
  /** Whether this call has done a build step (then it runs bytecode, and is no plain call). */
  private acted = false;
  private best = Infinity;
  private sinceBest = 0;
  private wins = 0;
  private hasJs = false;
  /** The form chosen for good: "javascript" once switched, "bytecode" once given up on; null while measuring. */
  settled: Tier | null = null;
  /** Trials of the JavaScript so far. */
  trials = 0;

  constructor(private readonly tierUpCalls: number) {
    if (!(tierUpCalls >= 1)) this.settled = "bytecode";
  }

  /** The bytecode's reference time per call in ms (NaN until measured). */
  get reference(): number {
    return this.ref;
  }

  /** The credit in ms: what building and trying may still spend (negative: a debt being repaid). */
  get balance(): number {
    return this.credit;
  }

  /** Whether this call needs timing at all (false before tierUpCalls and once settled). */
  get measuring(): boolean {
    return this.settled === null && this.calls + 1 >= this.tierUpCalls;
  }

  /** A step of the JavaScript's build is due before this call (its cost is then charged to the credit). */
  get needsBuild(): boolean {
    return !this.hasJs && this.measuring && this.mayAct();
  }

  next(): Tier {
    if (this.settled !== null) return this.settled;
    return this.hasJs && !this.acted && this.mayAct() ? "javascript" : "bytecode";
  }

  /** Whether a build step or trial may run: the credit not negative, and no reference due. */
  private mayAct(): boolean {
    return this.credit >= 0 && !Number.isNaN(this.ref) && this.calls - this.lastRef < REFRESH;
  }

  built(ms: number, done: boolean): void {
    this.credit -= (1 + AFTER) * ms;
    this.acted = true;
    if (done) this.hasJs = true;
  }

  ran(form: Tier, ms: number): void {
    this.calls++;
    const acted = this.acted;
    this.acted = false;
    if (!this.measuringCall()) return;
    if (form === "javascript" || acted) (this.lastAction = this.calls), (this.block = 0), (this.blockMs = 0);
    else if (this.calls - this.lastAction > QUIET) this.measure(ms);
    if (Number.isNaN(this.ref)) return;
    // A bytecode call under half the reference: V8 has sped the interpreter up; measure again now.
    if (form === "bytecode" && ms < 0.5 * this.ref) this.lastRef = -REFRESH;
    // A bytecode call earns its share (of no more than the reference: what the build leaves
    // must not earn) and pays what it took above the reference (or gets back what it took
    // less: the reference is a mean); a trial pays what it took above the bytecode call it
    // replaced.
    const paid = form === "bytecode" ? Math.min(ms - this.ref, CLIP * this.ref) - SHARE * Math.min(ms, this.ref) : ms - this.ref;
    this.credit = Math.min(this.credit - paid, CAP_CALLS * this.ref);
    if (form === "bytecode") return;
    this.trials++;
    this.wins = ms <= FASTER * this.ref ? this.wins + 1 : 0;
    if (this.wins >= CONFIRM) {
      this.settled = "javascript";
      return;
    }
    if (ms < 0.95 * this.best) (this.best = ms), (this.sinceBest = 0);
    else if (++this.sinceBest >= PATIENCE) this.settled = "bytecode";
  }

  /** Quiet bytecode calls, in blocks of REF_CALLS: the first block's mean is the reference, a lower one lowers it. */
  private measure(ms: number): void {
    this.blockMs += ms;
    if (++this.block < REF_CALLS) return;
    const mean = this.blockMs / this.block;
    (this.block = 0), (this.blockMs = 0), (this.lastRef = this.calls);
    if (!(mean >= this.ref)) this.ref = mean;
  }

  private measuringCall(): boolean {
    return this.settled === null && this.calls >= this.tierUpCalls;
  }
}

/**
 * Wall time. Not the process's CPU time: reading that each call (getrusage, which sums every
 * thread) delayed V8's own optimization of the bytecode interpreter by ~500 calls (W2 n = 1,000:
 * calls 1,000–1,500 1.6–1.9× slower than calls 500–1,000 with only the clock read, nothing
 * built). Time lost to other load makes calls look slower, so tier-up only waits longer.
 */
export const wallClock: Clock = () => performance.now();

/** The clock tiered variants time themselves with (a test can put a simulated one here). */
export const tierClock: { now: Clock } = { now: wallClock };

/** What a tiered variant did on one measured call: its build step's time (0: none), the form run and its time, and the policy's state after it. */
export interface TierEvent {
  readonly buildMs: number;
  readonly form: Tier;
  readonly ms: number;
  readonly settled: Tier | null;
  readonly reference: number;
  readonly balance: number;
}

/** Where tiered variants report each measured call (bench/tierup.mjs's --trace); null: nowhere. */
export const tierTrace: { on: ((e: TierEvent) => void) | null } = { on: null };

/**
 * The run function of a bytecode variant that moves to its JavaScript (built step by step by
 * `buildJs`) when the policy measures it faster; `onSwitch` is told of the switch.
 */
export function tiered(bc: Generated, buildJs: (stepLines: number) => Iterator<void, Generated, void>, o: TierOptions, onSwitch: (js: Generated) => void): (args: readonly unknown[]) => unknown {
  const policy = new TierPolicy(o.tierUpCalls);
  let js: Generated | null = null;
  let build: Iterator<void, Generated, void> | null = null;
  let run = bc.run;
  return (args) => {
    if (policy.settled !== null || !policy.measuring) {
      if (policy.settled === null) policy.ran("bytecode", 0);
      return run(args);
    }
    const clock = tierClock.now;
    let buildMs = 0;
    if (policy.needsBuild) {
      const t0 = clock();
      build ??= buildJs(STEP_LINES);
      const step = build.next();
      if (step.done === true) (js = step.value), (build = null);
      buildMs = clock() - t0;
      policy.built(buildMs, js !== null);
    }
    const form = policy.next();
    const t0 = clock();
    const r = form === "javascript" ? js!.run(args) : bc.run(args);
    const ms = clock() - t0;
    policy.ran(form, ms);
    tierTrace.on?.({ buildMs, form, ms, settled: policy.settled, reference: policy.reference, balance: policy.balance });
    if (policy.settled === "javascript") {
      run = js!.run;
      onSwitch(js!);
    } else if (policy.settled === "bytecode") (js = null), (build = null);
    return r;
  };
}
