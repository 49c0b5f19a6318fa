// checkpoint(f): rematerialisation, like jax.checkpoint and torch.utils.checkpoint. Under
// reverse mode f's intermediates are not kept on the tape between the forward and the
// backward sweep: the backward sweep runs f again (from its inputs) to get them. A policy
// names what is worth keeping anyway, e.g. the outputs of matrix products, which are costly to
// recompute and small next to the elementwise work around them.

import { ArgumentError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { describe, showValue } from "../base/format.js";

/**
 * What a checkpointed function keeps for the backward sweep besides its inputs: "nothing"
 * (the default: everything is recomputed), "matmul" (matrix products' outputs, as JAX's
 * dots_saveable), a list of primitive names as the trace prints them (e.g. ["matmul", "exp"]),
 * or a predicate on the primitive name.
 */
export type CheckpointPolicy = "nothing" | "matmul" | readonly string[] | ((op: string) => boolean);

export interface CheckpointOptions {
  readonly policy?: CheckpointPolicy;
}

/** The policy as a predicate on primitive names. */
export function policyPredicate(policy: CheckpointPolicy | undefined): (op: string) => boolean {
  if (policy === undefined || policy === "nothing") return () => false;
  if (policy === "matmul") return (op) => op === "matmul";
  if (typeof policy === "function") return policy;
  const keep = new Set(policy);
  return (op) => keep.has(op);
}

function checkPolicy(p: unknown): CheckpointPolicy | undefined {
  if (p === undefined || p === "nothing" || p === "matmul" || typeof p === "function") return p as CheckpointPolicy | undefined;
  if (Array.isArray(p) && p.every((s) => typeof s === "string")) return p as readonly string[];
  throw new ArgumentError("checkpoint", `policy ${showValue(p)} must be "nothing", "matmul", a list of primitive names such as ["matmul", "exp"], or a function of the primitive name`);
}

/**
 * f, rematerialised under reverse mode: its intermediates are recomputed during the backward
 * sweep instead of stored (except those the policy keeps). Values and derivatives are exactly
 * those of f.
 *
 * @example
 * ```ts
 * const block = w.checkpoint((x: NDArray) => w.tanh(w.matmul(W, x)));   // recomputed in the reverse sweep
 * w.grad((x: NDArray) => w.sum(block(block(x))))(x0);
 * ```
 */
export function checkpoint<A extends unknown[], R>(f: (...args: A) => R, opts: CheckpointOptions = {}): (...args: A) => R {
  if (typeof f !== "function") throw new ArgumentError("checkpoint", `expected the function to checkpoint, got ${describe(f)}`);
  checkOptions("checkpoint", opts, optionKeys<CheckpointOptions>({ policy: true }));
  checkPolicy(opts.policy);
  return (...args: A): R => f(...args);
}
