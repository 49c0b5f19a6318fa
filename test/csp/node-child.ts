// Run by test/csp.test.ts as `node --disallow-code-generation-from-strings --import tsx …`:
// the checks of checks.ts, plus which primitives' array kernels they reached. Prints one JSON line.

import { PRIM_TABLE } from "../../src/ops/prims.js";
import { allChecks, runChecks } from "./checks.js";

let evalBlocked = false;
try {
  new Function("return 1");
} catch (e) {
  evalBlocked = e instanceof EvalError;
}

// Every primitive's kernel (impl) must be reached by some check.
const reached = new Set<string>();
for (const prim of Object.values(PRIM_TABLE) as { name: string; impl: (...a: never[]) => unknown }[]) {
  const impl = prim.impl;
  prim.impl = (...a: never[]) => { reached.add(prim.name); return impl(...a); };
}

const outcomes = runChecks(allChecks({ codegen: !evalBlocked }));
const unreached = Object.values(PRIM_TABLE).map((p) => p.name).filter((n) => !reached.has(n));
console.log(JSON.stringify({ evalBlocked, outcomes, unreached }));
