// Optimizers (optax's design): gradient transformations, their chaining, and schedules.

export { chain, applyUpdates, scale, scaleBySchedule, scaleByLearningRate } from "./transform.js";
export type { GradientTransformation, OptState, Schedule, LearningRate } from "./transform.js";
export { scaleByAdam, scaleByRms, scaleByRss, traceMomentum, addDecayedWeights, clipByGlobalNorm } from "./transforms.js";
export type { AdamOptions, RmsOptions, RssOptions, DecayMask } from "./transforms.js";
export { sgd, momentum, adam, adamw, rmsprop, adagrad } from "./aliases.js";
export type { SgdOptions, AdamWOptions, RmspropOptions } from "./aliases.js";
export { constantSchedule, linearSchedule, exponentialDecay, cosineDecay, warmupCosineDecay, warmupExponentialDecay } from "./schedules.js";
export type { ExponentialDecayOptions } from "./schedules.js";
