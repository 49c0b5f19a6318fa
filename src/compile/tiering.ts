// Tiering of large programs on numbers: bytecode is ready at once; generated JavaScript can be
// faster, but only once V8 has optimized it, and a large program's JavaScript can run 5–15×
// slower than its bytecode for thousands of calls before that (or never get there). So a
// variant moves to JavaScript only when JavaScript is measured faster on real calls:
//
//  - from `tierUpCalls` on, bytecode calls are timed (CPU time where the platform has it);
//  - building the JavaScript and trying it are paid from a credit that grows by TRIAL_SHARE of
//    each timed bytecode call's time, so they cost at most that share of the program's time in
//    any stretch of calls, plus one step. The build is done a step (a chunk of lines) at a time
//    (codegen.ts's generateSteps): generating a 35,000-line program takes ~200 ms, more than
//    500 of its bytecode calls, and must not land in one call;
//  - the variant switches after CONFIRM consecutive trials each faster than FASTER × the
//    bytecode's running mean, and stays bytecode if the trials stop getting faster.
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

/** Share of the bytecode's time that trials of the JavaScript may take. */
export const TRIAL_SHARE = 0.15;
/** A trial counts as a win when it takes at most this share of the bytecode's mean call. */
export const FASTER = 0.8;
/** Consecutive wins before switching. */
export const CONFIRM = 3;
/** Trials without a new best time (by 5%) after which the bytecode is kept for good. */
export const PATIENCE = 64;
/** Weight of each new bytecode timing in its running mean. */
const MEAN_WEIGHT = 1 / 16;

/** What the policy tells the variant to run next. */
export type Tier = "bytecode" | "javascript";

/**
 * The measured tier-up policy. Each call: while `needsBuild`, the caller does one step of the
 * JavaScript's build and reports its time with `built(ms, done)`; `next()` says which form to
 * run; the caller runs it, timing it, and reports the time with `ran(form, ms)`.
 */
export class TierPolicy {
  private calls = 0;
  private bcMean = NaN;
  private credit = 0;
  private jsLast = 0;
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

  /** Whether this call needs timing at all (false before tierUpCalls and once settled). */
  get measuring(): boolean {
    return this.settled === null && this.calls + 1 >= this.tierUpCalls;
  }

  /** A step of the JavaScript's build is due before this call (its cost is then a debt on the credit). */
  get needsBuild(): boolean {
    return !this.hasJs && this.measuring && !Number.isNaN(this.bcMean) && this.credit >= 0;
  }

  next(): Tier {
    if (this.settled !== null) return this.settled;
    // A trial when the credit covers what the last one cost (the first one once the build is repaid).
    return this.hasJs && this.credit >= this.jsLast ? "javascript" : "bytecode";
  }

  built(ms: number, done: boolean): void {
    this.credit -= ms;
    if (done) this.hasJs = true;
  }

  ran(form: Tier, ms: number): void {
    this.calls++;
    if (!this.measuringCall()) return;
    if (form === "bytecode") {
      this.bcMean = Number.isNaN(this.bcMean) ? ms : this.bcMean + (ms - this.bcMean) * MEAN_WEIGHT;
      // Credit grows with the program's time, and never beyond one trial's cost (no bursts).
      this.credit = Math.min(this.credit + TRIAL_SHARE * ms, Math.max(this.jsLast, this.bcMean));
      return;
    }
    this.trials++;
    this.credit -= ms;
    this.jsLast = ms;
    this.wins = ms <= FASTER * this.bcMean ? this.wins + 1 : 0;
    if (this.wins >= CONFIRM) {
      this.settled = "javascript";
      return;
    }
    if (ms < 0.95 * this.best) (this.best = ms), (this.sinceBest = 0);
    else if (++this.sinceBest >= PATIENCE) this.settled = "bytecode";
  }

  private measuringCall(): boolean {
    return this.settled === null && this.calls >= this.tierUpCalls;
  }
}

/** CPU time of this process where Node gives it (robust to other load on the machine), else wall time. */
export const cpuClock: Clock = (() => {
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (typeof proc?.cpuUsage === "function") {
    const usage = proc.cpuUsage.bind(proc);
    return () => {
      const u = usage();
      return (u.user + u.system) / 1e3;
    };
  }
  return () => performance.now();
})();

/** The clock tiered variants time themselves with (a test can put a simulated one here). */
export const tierClock: { now: Clock } = { now: cpuClock };

/**
 * The run function of a bytecode variant that moves to its JavaScript (built step by step by
 * `buildJs`) when the policy measures it faster; `onSwitch` is told of the switch.
 */
export function tiered(bc: Generated, buildJs: () => Iterator<void, Generated, void>, o: TierOptions, onSwitch: (js: Generated) => void): (args: readonly unknown[]) => unknown {
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
    if (policy.needsBuild) {
      const t0 = clock();
      build ??= buildJs();
      const step = build.next();
      if (step.done === true) (js = step.value), (build = null);
      policy.built(clock() - t0, js !== null);
    }
    const form = policy.next();
    const t0 = clock();
    const r = form === "javascript" ? js!.run(args) : bc.run(args);
    policy.ran(form, clock() - t0);
    if (policy.settled === "javascript") {
      run = js!.run;
      onSwitch(js!);
    } else if (policy.settled === "bytecode") (js = null), (build = null);
    return r;
  };
}
