// Learning-rate schedules (optax's): functions of the step count written in the library's
// ops, so a schedule inside a compiled step is part of the staged program. Each piecewise
// schedule is built from minimum/maximum of the count rather than comparisons, so a compiled
// step never guards on the count and never retraces as it grows.

import { checkOptions, optionKeys } from "../../base/options.js";
import { ArgumentError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import type { Value } from "../../core/tracer.js";
import { add, cos, div, maximum, minimum, mul, pow, sub } from "../../ops/api.js";
import { floor } from "../../ops/rounding.js";
import type { Schedule } from "./transform.js";

function positive(op: string, what: string, v: number): void {
  if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) throw new ArgumentError(op, `${what} ${showValue(v)} must be a positive finite number`);
}

function finite(op: string, what: string, v: number): void {
  if (!(typeof v === "number" && Number.isFinite(v))) throw new ArgumentError(op, `${what} ${showValue(v)} must be a finite number`);
}

/** The count limited to [0, steps]. */
const clampCount = (count: Value, steps: number): Value => minimum(maximum(count, 0), steps);

/** Always `value`. */
export function constantSchedule(value: number): Schedule {
  finite("constantSchedule", "value", value);
  return () => value;
}

/** From `initValue` to `endValue` linearly over `transitionSteps` updates, then `endValue`. */
export function linearSchedule(initValue: number, endValue: number, transitionSteps: number, transitionBegin = 0): Schedule {
  finite("linearSchedule", "initValue", initValue);
  finite("linearSchedule", "endValue", endValue);
  positive("linearSchedule", "transitionSteps", transitionSteps);
  return (count) => add(initValue, mul(endValue - initValue, div(clampCount(sub(count, transitionBegin), transitionSteps), transitionSteps)));
}

/** Options of exponentialDecay (optax.exponential_decay's). */
export interface ExponentialDecayOptions {
  /** Updates before decay starts (default 0). */
  readonly transitionBegin?: number;
  /** Decay in whole steps of `transitionSteps` rather than continuously. */
  readonly staircase?: boolean;
  /** A floor (for rates < 1) or ceiling (for rates > 1) on the value. */
  readonly endValue?: number;
}

const DECAY_KEYS = optionKeys<ExponentialDecayOptions>({ transitionBegin: true, staircase: true, endValue: true });

/** initValue · decayRate^((count − transitionBegin) / transitionSteps), as optax.exponential_decay. */
export function exponentialDecay(initValue: number, transitionSteps: number, decayRate: number, opts: ExponentialDecayOptions = {}): Schedule {
  opts = checkOptions("exponentialDecay", opts, DECAY_KEYS);
  finite("exponentialDecay", "initValue", initValue);
  positive("exponentialDecay", "transitionSteps", transitionSteps);
  positive("exponentialDecay", "decayRate", decayRate);
  const begin = opts.transitionBegin ?? 0, end = opts.endValue;
  return (count) => {
    let p: Value = div(maximum(sub(count, begin), 0), transitionSteps);
    if (opts.staircase) p = floor(p);
    const v = mul(initValue, pow(decayRate, p));
    if (end === undefined) return v;
    return decayRate < 1 ? maximum(v, end) : minimum(v, end);
  };
}

/** From `initValue` down to `alpha·initValue` along half a cosine over `decaySteps`, then constant (optax.cosine_decay_schedule). */
export function cosineDecay(initValue: number, decaySteps: number, alpha = 0, exponent = 1): Schedule {
  finite("cosineDecay", "initValue", initValue);
  positive("cosineDecay", "decaySteps", decaySteps);
  return (count) => {
    const t = div(clampCount(count, decaySteps), decaySteps);
    let c: Value = mul(0.5, add(1, cos(mul(Math.PI, t))));
    if (exponent !== 1) c = pow(c, exponent);
    return mul(initValue, add(mul(1 - alpha, c), alpha));
  };
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay to
 * `endValue` at `decaySteps` (counted from the start, as optax.warmup_cosine_decay_schedule).
 */
export function warmupCosineDecay(initValue: number, peakValue: number, warmupSteps: number, decaySteps: number, endValue = 0): Schedule {
  positive("warmupCosineDecay", "warmupSteps", warmupSteps);
  if (!(decaySteps > warmupSteps)) throw new ArgumentError("warmupCosineDecay", `decaySteps ${showValue(decaySteps)} must exceed warmupSteps ${warmupSteps}`);
  finite("warmupCosineDecay", "peakValue", peakValue);
  const warm = linearSchedule(initValue, peakValue, warmupSteps);
  const decay = cosineDecay(peakValue, decaySteps - warmupSteps, peakValue === 0 ? 0 : endValue / peakValue);
  // Before the warmup ends, decay(0) = peak and the sum is the warmup; after it, warm = peak and
  // the sum is the decay: one formula, no branch on the count.
  return (count) => sub(add(warm(count), decay(maximum(sub(count, warmupSteps), 0))), peakValue);
}

/** Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then exponential decay from the peak. */
export function warmupExponentialDecay(initValue: number, peakValue: number, warmupSteps: number, transitionSteps: number, decayRate: number, opts: ExponentialDecayOptions = {}): Schedule {
  opts = checkOptions("warmupExponentialDecay", opts, DECAY_KEYS);
  positive("warmupExponentialDecay", "warmupSteps", warmupSteps);
  const warm = linearSchedule(initValue, peakValue, warmupSteps);
  const decay = exponentialDecay(peakValue, transitionSteps, decayRate, opts);
  return (count) => sub(add(warm(count), decay(maximum(sub(count, warmupSteps), 0))), peakValue);
}
