// What an op knows of a value before computing it: its shape and dtype, and whether it is a
// plain JS number or boolean. Shape and dtype rules take and return these.

import type { DType, Shape } from "./ndarray.js";

/** Abstract value: what an op knows of an argument before computing. */
export interface Aval {
  readonly shape: Shape;
  /** "number"/"bool" with `js` set: a plain JS number or boolean. */
  readonly dtype: DType | "number";
  /** True for plain JS numbers and booleans (results stay plain when all inputs are). */
  readonly js: boolean;
}
