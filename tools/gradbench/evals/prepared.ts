// The common shape of a function: read the input into arguments (prepare), compile, run the
// compiled function on them (evaluate), write the result as JSON.

import * as w from "../../../src/index.js";
import type { Prepare, Prepared } from "../protocol.js";
import { toJson } from "./input.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/** compile(f) run on the arguments `read` makes of the input (its first call compiles it: see protocol.ts's warm-up). */
export function compiled<F extends AnyFn>(f: F, read: (input: unknown) => Parameters<F>, write: (result: ReturnType<F>) => unknown = toJson): Prepare {
  const cf = w.compile(f);
  return (input: unknown): Prepared => {
    const args = read(input);
    return { run: () => cf(...args), output: (r) => write(r as ReturnType<F>) };
  };
}

/** f run eagerly (no compile) on the arguments `read` makes of the input. */
export function eager<F extends AnyFn>(f: F, read: (input: unknown) => Parameters<F>, write: (result: ReturnType<F>) => unknown = toJson): Prepare {
  return (input: unknown): Prepared => {
    const args = read(input);
    return { run: () => f(...args), output: (r) => write(r as ReturnType<F>) };
  };
}

/**
 * compile of a function made for the input: for evals whose sizes or constants are static
 * parameters of the program (ode's step count, llsq's n), closed over rather than passed.
 */
export function compiledFor<A extends unknown[]>(make: (input: unknown) => { f: (...args: A) => unknown; args: A }, write: (result: unknown) => unknown = toJson): Prepare {
  return (input: unknown): Prepared => {
    const { f, args } = make(input);
    return compiled(f, () => args, write)(input);
  };
}
