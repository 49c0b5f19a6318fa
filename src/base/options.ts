// Options objects checked at the public boundary, by one helper: a misspelt key
// (`grad(f, { argnum: 1 })`) used to be ignored, silently doing the default instead.

import { ArgumentError } from "./errors.js";
import { describe, showValue } from "./format.js";

/**
 * The keys of an options type, written as `{ key: true, … }` so that a key added to the type
 * and not listed (or listed and not in the type) is a compile error.
 */
export function optionKeys<T extends object>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * `opts` checked: undefined is {}; anything but a plain object, or a key not in `keys`, is an
 * ArgumentError naming the keys there are (and the nearest one). Without `keys` only the shape
 * is checked (for the few ops whose options are not listed yet).
 */
export function checkOptions<T extends object>(op: string, opts: T | undefined, keys?: readonly string[]): T {
  if (opts === undefined) return {} as T;
  if (typeof opts !== "object" || opts === null || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    const known = keys !== undefined && keys.length > 0 ? `; the options are ${keys.join(", ")}` : "";
    throw new ArgumentError(op, `options must be an object (or left out), got ${describe(opts)}${known}`);
  }
  if (keys === undefined) return opts;
  for (const k of Object.keys(opts)) {
    if (keys.includes(k)) continue;
    const near = keys.filter((c) => distance(k, c) <= Math.max(1, Math.floor(c.length / 3))).sort((a, b) => distance(k, a) - distance(k, b));
    const known = keys.length === 0 ? "it takes no options" : `the options are ${keys.join(", ")}`;
    throw new ArgumentError(op, `unknown option ${showValue(k)}${near.length > 0 ? ` (did you mean ${near[0]}?)` : ""}; ${known}`);
  }
  return opts;
}
