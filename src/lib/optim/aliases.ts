// The optimizers users reach for, each a chain of gradient transformations ending in the
// step −learningRate (optax's aliases, with its defaults). Use them as
//
//   const opt = adam(1e-3);
//   let state = opt.init(params);
//   const [updates, next] = opt.update(grads, state, params);
//   params = applyUpdates(params, updates); state = next;

import { checkOptions, optionKeys } from "../../base/options.js";
import { ADAM_KEYS, addDecayedWeights, RMS_KEYS, RSS_KEYS, scaleByAdam, scaleByRms, scaleByRss, traceMomentum, type AdamOptions, type DecayMask, type RmsOptions, type RssOptions } from "./transforms.js";

/** The entries of `opts` named by `keys` (the part of an alias's options one transformation takes). */
const pick = <T extends object>(opts: object, keys: readonly string[]): T =>
  Object.fromEntries(Object.entries(opts).filter(([k]) => keys.includes(k))) as T;
import { chain, scaleByLearningRate, type GradientTransformation, type LearningRate } from "./transform.js";

/** Options of sgd. */
export interface SgdOptions {
  /** Momentum decay (default none: plain gradient descent). */
  readonly momentum?: number;
  /** Nesterov's accelerated gradient (with momentum). */
  readonly nesterov?: boolean;
}

/** Stochastic gradient descent: params −= learningRate · g, optionally with (Nesterov) momentum. */
export function sgd(learningRate: LearningRate, opts: SgdOptions = {}): GradientTransformation {
  checkOptions("sgd", opts, optionKeys<SgdOptions>({ momentum: true, nesterov: true }));
  const step = scaleByLearningRate(learningRate);
  return opts.momentum === undefined || opts.momentum === 0 ? chain(step) : chain(traceMomentum(opts.momentum, { nesterov: opts.nesterov }), step);
}

/** Gradient descent with momentum `beta` (default 0.9); `nesterov: true` for Nesterov's look-ahead. */
export function momentum(learningRate: LearningRate, beta = 0.9, opts: { nesterov?: boolean } = {}): GradientTransformation {
  checkOptions("momentum", opts, ["nesterov"]);
  return sgd(learningRate, { momentum: beta, nesterov: opts.nesterov });
}

/** Adam (Kingma & Ba, 2015): defaults b1 = 0.9, b2 = 0.999, eps = 1e-8. */
export function adam(learningRate: LearningRate, opts: AdamOptions = {}): GradientTransformation {
  checkOptions("adam", opts, ADAM_KEYS);
  return chain(scaleByAdam(opts), scaleByLearningRate(learningRate));
}

/** Options of adamw: Adam's, and the weight decay. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-4, as optax). */
  readonly weightDecay?: number;
  /** Which parameters decay (default all). */
  readonly mask?: DecayMask;
}

/** AdamW (Loshchilov & Hutter, 2019): Adam with weight decay applied to the parameters, not added to the gradient. */
export function adamw(learningRate: LearningRate, opts: AdamWOptions = {}): GradientTransformation {
  checkOptions("adamw", opts, [...ADAM_KEYS, "weightDecay", "mask"]);
  return chain(scaleByAdam(pick(opts, ADAM_KEYS)), addDecayedWeights(opts.weightDecay ?? 1e-4, opts.mask), scaleByLearningRate(learningRate));
}

/** Options of rmsprop. */
export interface RmspropOptions extends RmsOptions {
  /** Momentum on the rescaled updates (default none). */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

/** RMSProp: updates divided by the root of a moving average of squared gradients (decay 0.9, eps 1e-8). */
export function rmsprop(learningRate: LearningRate, opts: RmspropOptions = {}): GradientTransformation {
  checkOptions("rmsprop", opts, [...RMS_KEYS, "momentum", "nesterov"]);
  const parts = [scaleByRms(pick(opts, RMS_KEYS))];
  if (opts.momentum !== undefined && opts.momentum !== 0) parts.push(traceMomentum(opts.momentum, { nesterov: opts.nesterov }));
  return chain(...parts, scaleByLearningRate(learningRate));
}

/** Adagrad: updates divided by the root of the running sum of squared gradients (initial sum 0.1, eps 1e-7). */
export function adagrad(learningRate: LearningRate, opts: RssOptions = {}): GradientTransformation {
  checkOptions("adagrad", opts, RSS_KEYS);
  return chain(scaleByRss(opts), scaleByLearningRate(learningRate));
}
