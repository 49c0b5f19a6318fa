// The expression language's functions, derived from the primitive table: every entry with an
// `elementary` statement (src/ops/prims.ts) is a function under each of its names, with the
// arity of its partials. Evaluation, constant folding, and symbolic differentiation all read
// the primitive from here, so the language can only know what the table declares.

import type { Primitive } from "../core/primitive.js";
import { PRIM_TABLE } from "../ops/prims.js";

const BY_NAME = new Map<string, Primitive<unknown>>();
for (const prim of Object.values(PRIM_TABLE) as Primitive<unknown>[]) {
  for (const name of prim.elementary?.names ?? []) BY_NAME.set(name, prim);
}

/** The functions the language knows, with their arity. */
export const FUNCTIONS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries([...BY_NAME].map(([name, prim]) => [name, prim.elementary!.partials.length])));

/** A name the language calls a function (sin, ln, max, …): a key of FUNCTIONS. */
export type FunctionName = string;

/** Whether the language calls a function by this name. */
export function isFunctionName(name: string): name is FunctionName {
  return BY_NAME.has(name);
}

/** The primitive a function name stands for (`ln` and `log` for log, `max` for maximum). */
export function functionPrimitive(name: FunctionName): Primitive<unknown> {
  const prim = BY_NAME.get(name);
  if (prim === undefined) throw new TypeError(`${name} is not a function of the expression language`);
  return prim;
}
