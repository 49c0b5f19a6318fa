// The gradient transformations optimizers are chained from (optax's scale_by_adam,
// scale_by_rms, scale_by_rss, trace, add_decayed_weights, clip_by_global_norm), each
// init/update pair pure, its state a plain pytree. Defaults are optax's.

import { ArgumentError } from "../../base/errors.js";
import { checkOptions, optionKeys } from "../../base/options.js";
import { showValue } from "../../base/format.js";
import type { Value } from "../../core/tracer.js";
import { add, div, maximum, mul, pow, sqrt, square, sub } from "../../ops/api.js";
import { dot, fullLike, map, paths, structure, zerosLike } from "../tree.js";
import type { GradientTransformation } from "./transform.js";

function inUnit(op: string, what: string, v: number): void {
  if (!(typeof v === "number" && v >= 0 && v < 1)) throw new ArgumentError(op, `${what} ${showValue(v)} must be a number in [0, 1)`);
}

function nonNegative(op: string, what: string, v: number): void {
  if (!(typeof v === "number" && v >= 0 && Number.isFinite(v))) throw new ArgumentError(op, `${what} ${showValue(v)} must be a non-negative finite number`);
}

/** b·m + (1 − b)·g: an exponential moving average, leaf by leaf. */
const ema = <T>(m: T, g: T, b: number): T => map((mi, gi) => add(mul(b, mi), mul(1 - b, gi!)), m, g);

/** Options of adam, adamw and scaleByAdam (optax's defaults). */
export interface AdamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number;
  /** Added to √ν̂ (default 1e-8). */
  readonly eps?: number;
  /** Added to ν̂ under the square root (default 0). */
  readonly epsRoot?: number;
}

export const ADAM_KEYS = optionKeys<AdamOptions>({ b1: true, b2: true, eps: true, epsRoot: true });

/** Adam's rescaling: m̂ / (√(ν̂ + epsRoot) + eps) with bias-corrected moment estimates (Kingma & Ba). */
export function scaleByAdam(opts: AdamOptions = {}): GradientTransformation {
  checkOptions("scaleByAdam", opts, ADAM_KEYS);
  const b1 = opts.b1 ?? 0.9, b2 = opts.b2 ?? 0.999, eps = opts.eps ?? 1e-8, epsRoot = opts.epsRoot ?? 0;
  inUnit("adam", "b1", b1);
  inUnit("adam", "b2", b2);
  nonNegative("adam", "eps", eps);
  nonNegative("adam", "epsRoot", epsRoot);
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state) => {
      const s = state as { count: Value; mu: typeof updates; nu: typeof updates };
      const mu = ema(s.mu, updates, b1);
      const nu = ema(s.nu, map(square, updates), b2);
      const count = add(s.count, 1);
      const c1 = sub(1, pow(b1, count)), c2 = sub(1, pow(b2, count));
      const out = map((m, v) => div(div(m, c1), add(sqrt(add(div(v!, c2), epsRoot)), eps)), mu, nu);
      return [out, { count, mu, nu }];
    },
  };
}

/** Options of rmsprop and scaleByRms. */
export interface RmsOptions {
  /** Decay of the squared-gradient average (default 0.9). */
  readonly decay?: number;
  /** Added to √ν (default 1e-8). */
  readonly eps?: number;
  /** The average's initial value (default 0). */
  readonly initialScale?: number;
}

export const RMS_KEYS = optionKeys<RmsOptions>({ decay: true, eps: true, initialScale: true });

/** Division by the root of an exponential average of squared updates (RMSProp, Tieleman & Hinton). */
export function scaleByRms(opts: RmsOptions = {}): GradientTransformation {
  checkOptions("scaleByRms", opts, RMS_KEYS);
  const decay = opts.decay ?? 0.9, eps = opts.eps ?? 1e-8, init = opts.initialScale ?? 0;
  inUnit("rmsprop", "decay", decay);
  nonNegative("rmsprop", "eps", eps);
  nonNegative("rmsprop", "initialScale", init);
  return {
    init: (params) => ({ nu: fullLike(params, init) }),
    update: (updates, state) => {
      const nu = ema((state as { nu: typeof updates }).nu, map(square, updates), decay);
      return [map((g, v) => div(g, add(sqrt(v!), eps)), updates, nu), { nu }];
    },
  };
}

/** Options of adagrad and scaleByRss. */
export interface RssOptions {
  /** The sum's initial value (default 0.1). */
  readonly initialAccumulatorValue?: number;
  /** Added under the square root (default 1e-7). */
  readonly eps?: number;
}

export const RSS_KEYS = optionKeys<RssOptions>({ initialAccumulatorValue: true, eps: true });

/** Division by the root of the running sum of squared updates (Adagrad, Duchi et al.). */
export function scaleByRss(opts: RssOptions = {}): GradientTransformation {
  checkOptions("scaleByRss", opts, RSS_KEYS);
  const init = opts.initialAccumulatorValue ?? 0.1, eps = opts.eps ?? 1e-7;
  nonNegative("adagrad", "initialAccumulatorValue", init);
  nonNegative("adagrad", "eps", eps);
  return {
    init: (params) => ({ sumOfSquares: fullLike(params, init) }),
    update: (updates, state) => {
      const sumOfSquares = map((s, g) => add(s, square(g!)), (state as { sumOfSquares: typeof updates }).sumOfSquares, updates);
      // A sum of squares of zero means every gradient so far was zero: a zero update, not 0/0
      // (the floor, not a comparison, keeps a compiled step free of guards).
      const out = map((g, s) => div(g, sqrt(maximum(add(s!, eps), Number.MIN_VALUE))), updates, sumOfSquares);
      return [out, { sumOfSquares }];
    },
  };
}

/** Momentum: the trace t ← g + decay·t; the update is t, or g + decay·t with Nesterov's look-ahead (optax.trace). */
export function traceMomentum(decay: number, opts: { nesterov?: boolean } = {}): GradientTransformation {
  checkOptions("traceMomentum", opts, ["nesterov"]);
  inUnit("momentum", "decay", decay);
  return {
    init: (params) => ({ trace: zerosLike(params) }),
    update: (updates, state) => {
      const trace = map((g, t) => add(g, mul(decay, t!)), updates, (state as { trace: typeof updates }).trace);
      const out = opts.nesterov ? map((g, t) => add(g, mul(decay, t!)), updates, trace) : trace;
      return [out, { trace }];
    },
  };
}

/** Which parameters weight decay applies to: the leaf's path (keys and indices joined by ".", e.g. "layers.0.w") and the leaf. */
export type DecayMask = (path: string, leaf: Value) => boolean;

/** Adds weightDecay·params to the updates (decoupled weight decay, as in AdamW); `mask` picks the leaves it applies to. */
export function addDecayedWeights(weightDecay: number, mask?: DecayMask): GradientTransformation {
  nonNegative("addDecayedWeights", "weightDecay", weightDecay);
  return {
    init: () => ({}),
    update: (updates, state, params) => {
      if (params === undefined) throw new ArgumentError("addDecayedWeights", "weight decay needs the parameters: call update(grads, state, params)");
      if (mask === undefined) return [map((u, p) => add(u, mul(weightDecay, p!)), updates, params), state];
      const where = paths(structure(params));
      let i = 0;
      return [map((u, p) => (mask(where[i++]!, p!) ? add(u, mul(weightDecay, p!)) : u), updates, params), state];
    },
  };
}

/** Rescales all updates together so their global norm is at most `maxNorm` (unchanged below it). */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation {
  if (!(typeof maxNorm === "number" && maxNorm > 0)) throw new ArgumentError("clipByGlobalNorm", `maxNorm ${showValue(maxNorm)} must be a positive number`);
  return {
    init: () => ({}),
    update: (updates, state) => {
      // maxNorm / max(‖g‖, maxNorm): 1 when the norm is within bounds. Plain √ rather than
      // tree.norm, whose guard against 0 would be a comparison for compile to check each step.
      const factor = div(maxNorm, maximum(sqrt(dot(updates, updates)), maxNorm));
      return [map((u) => mul(u, factor), updates), state];
    },
  };
}
