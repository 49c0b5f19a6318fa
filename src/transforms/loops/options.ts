// Argument checks shared by the loop APIs (scan, foriLoop, whileLoop); options: base/options.ts.

import { ArgumentError } from "../../base/errors.js";
import { describe } from "../../base/format.js";

export function checkFunction(op: string, name: string, f: unknown): void {
  if (typeof f !== "function") throw new ArgumentError(op, `${name} must be a function, got ${describe(f)}`);
}
