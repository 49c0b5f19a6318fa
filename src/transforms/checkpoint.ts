// checkpoint(f): rematerialisation, like jax.checkpoint and torch.utils.checkpoint. Under
// reverse mode f's intermediates are not kept on the tape between the forward and the
// backward sweep: the backward sweep runs f again (from its inputs) to get them. A policy
// names what is worth keeping anyway, e.g. the outputs of matrix products, which are costly to
// recompute and small next to the elementwise work around them.

import { ArgumentError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { describe, showValue } from "../base/format.js";
import { transformRunning } from "../core/tracer.js";
import { checkpointLine } from "./loops/checkpoint.js";

/**
 * What a checkpointed function keeps for the backward sweep besides its inputs and outputs:
 *
 * - `"nothing"` (the default): every intermediate is recomputed (JAX's `nothing_saveable`);
 * - `"dots"`: the outputs of matrix products (`matmul`), costly to recompute and small next to
 *   the elementwise work around them (JAX's `dots_saveable`);
 * - `"everything"`: every intermediate is kept, as without checkpoint (JAX's `everything_saveable`);
 * - a list of primitive names as the trace prints them, e.g. `["matmul", "exp"]`;
 * - a predicate on the primitive name.
 *
 * A kept line keeps its derivative: only its value is not recomputed. A function with native
 * branches (an `if` on a traced number) is recomputed whole, whatever the policy.
 */
export type CheckpointPolicy = "nothing" | "dots" | "everything" | readonly string[] | ((op: string) => boolean);

/** Options of `checkpoint`. */
export interface CheckpointOptions {
  /** What the backward sweep does not recompute (default `"nothing"`). */
  readonly policy?: CheckpointPolicy;
}

const PRESETS: Record<string, (op: string) => boolean> = {
  nothing: () => false,
  dots: (op) => op === "matmul",
  everything: () => true,
};

/** The policy as a predicate on primitive names, and as the trace prints it. */
export function policyPredicate(policy: CheckpointPolicy | undefined): { keep: (op: string) => boolean; text: string } {
  if (policy === undefined) return { keep: PRESETS.nothing!, text: "nothing" };
  if (typeof policy === "string") return { keep: PRESETS[policy]!, text: policy };
  if (typeof policy === "function") return { keep: (op) => policy(op) === true, text: "by a predicate" };
  const names = new Set(policy);
  return { keep: (op) => names.has(op), text: policy.length === 0 ? "nothing" : policy.join(", ") };
}

function checkPolicy(p: unknown): void {
  if (p === undefined || typeof p === "function" || (typeof p === "string" && p in PRESETS)) return;
  if (Array.isArray(p) && p.every((s) => typeof s === "string")) return;
  throw new ArgumentError("checkpoint", `policy ${showValue(p)} must be "nothing", "dots", "everything", a list of primitive names such as ["matmul", "exp"], or a function of the primitive name`);
}

/**
 * f, rematerialised under reverse mode (as jax.checkpoint and torch.utils.checkpoint): f is one
 * line of the trace, its intermediates are not kept on the tape between the forward and the
 * backward sweep but recomputed from its arguments in the backward sweep, except those the
 * policy keeps. Values and derivatives are exactly f's, under every transform (jvp, vmap,
 * compile, hessian, nested checkpoints); `gradMemory` shows what the tape keeps.
 *
 * @example
 * ```ts
 * const block = w.checkpoint((x: NDArray) => w.tanh(w.matmul(W, x)));   // recomputed in the reverse sweep
 * w.grad((x: NDArray) => w.sum(block(block(x))))(x0);
 * w.checkpoint(f, { policy: "dots" });                                  // keeps the matmul outputs
 * ```
 */
export function checkpoint<A extends unknown[], R>(f: (...args: A) => R, opts: CheckpointOptions = {}): (...args: A) => R {
  if (typeof f !== "function") throw new ArgumentError("checkpoint", `expected the function to checkpoint, got ${describe(f)}`);
  checkOptions("checkpoint", opts, optionKeys<CheckpointOptions>({ policy: true }));
  checkPolicy(opts.policy);
  const { keep, text } = policyPredicate(opts.policy);
  return (...args: A): R => {
    // No transform: nothing is recorded, so there is nothing to rematerialise.
    if (!transformRunning()) return f(...args);
    return checkpointLine(f as (...a: unknown[]) => unknown, args, keep, text) as R;
  };
}
