// Optimizers as pure functions over pytrees, in optax's shape. A gradient transformation is a
// pair of pure functions: init(params) → state, update(updates, state, params?) →
// [updates, state]. State is a plain pytree (numbers and arrays in plain objects and arrays),
// so a whole training step — loss, gradient, update — is one function that `compile` stages:
// the step count is a number leaf, traced like any other input, and every rule below is
// arithmetic in the library's ops (no comparison of a traced count, so no retracing).

import { ArgumentError } from "../../base/errors.js";
import { showValue } from "../../base/format.js";
import type { Value } from "../../core/tracer.js";
import { add, mul, neg } from "../../ops/api.js";
import { map } from "../tree.js";

/** An optimizer's state: a pytree of numbers and arrays (what `init` returns, `update` takes and returns). */
export type OptState = unknown;

/** A step size as a function of the step count (0 on the first update); pure, in the library's ops. */
export type Schedule = (count: Value) => Value;

/** A learning rate: a constant, or a schedule of the step count. */
export type LearningRate = number | Schedule;

/** optax's GradientTransformation: updates (usually gradients) in, transformed updates out. */
export interface GradientTransformation {
  /** The initial state for parameters `params` (their structure, shapes and dtypes). */
  init(params: unknown): OptState;
  /**
   * The transformed updates (with the structure of `updates`) and the next state. `params`
   * (the current parameters) is needed by transformations that read them, such as weight decay.
   */
  update<T>(updates: T, state: OptState, params?: T): [T, OptState];
}

/** Transformations applied in order, each to the updates of the one before; the state is the array of their states. */
export function chain(...transforms: readonly GradientTransformation[]): GradientTransformation {
  for (const [i, t] of transforms.entries()) {
    if (typeof t?.init !== "function" || typeof t?.update !== "function") {
      throw new ArgumentError("chain", `argument ${i + 1} is ${showValue(t)}, not a gradient transformation; pass values such as adam(1e-3) or clipByGlobalNorm(1)`);
    }
  }
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, state, params) => {
      const states = state as readonly OptState[];
      const next: OptState[] = [];
      let u = updates;
      transforms.forEach((t, i) => {
        const [nu, ns] = t.update(u, states[i], params);
        u = nu;
        next.push(ns);
      });
      return [u, next];
    },
  };
}

/** params + updates, leaf by leaf (optax.apply_updates). */
export function applyUpdates<T>(params: T, updates: T): T {
  return map((p, u) => add(p, u!), params, updates);
}

/** Multiplies every update by a constant. */
export function scale(step: number): GradientTransformation {
  return {
    init: () => ({}),
    update: (updates, state) => [map((u) => mul(step, u), updates), state],
  };
}

/** Multiplies every update by schedule(count), counting updates from 0. */
export function scaleBySchedule(schedule: Schedule): GradientTransformation {
  return {
    init: () => ({ count: 0 }),
    update: (updates, state) => {
      const { count } = state as { count: Value };
      const s = schedule(count);
      return [map((u) => mul(s, u), updates), { count: add(count, 1) }];
    },
  };
}

/** Scales updates by −learningRate (descent): a constant, or a schedule of the step count. */
export function scaleByLearningRate(learningRate: LearningRate): GradientTransformation {
  if (typeof learningRate === "function") return scaleBySchedule((c) => neg(learningRate(c)));
  if (typeof learningRate !== "number" || !Number.isFinite(learningRate)) {
    throw new ArgumentError("optimizer", `learning rate ${showValue(learningRate)} must be a finite number or a schedule (count) => rate`);
  }
  return scale(-learningRate);
}
