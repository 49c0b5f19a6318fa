/** System name → [module in systems/, the parameter its create() takes]; also the table's order. */
export const SYSTEMS = {
  js: ["js"],
  wengert: ["wengert"],
  "tfjs-cpu": ["tfjs", "cpu"],
  "tfjs-wasm": ["tfjs", "wasm"],
  "jax-js": ["jax"],
};

// Helpers shared by the systems/*.mjs modules. A system's `create()` returns
// { name, dtype, cases }, where cases maps a measure id (lib/workloads.mjs) to a builder
// returning one case, a list of variants, or { na: "why not" }. A case is
//   { run: () => result (sync, or an async function), check: () => checksums or { values, mode },
//     variant?: "jit", note?: string, slow?: true (skipped under --quick) }.

/** A case for synchronous code: check() is one more run() whose result is summarized. */
export const syncCase = (run, check, note) => ({ run, check: () => check(run()), note });

/** Builders for both sizes of W2: template "W2.array.{n}.grad" → { "W2.array.1e3.grad": ..., "W2.array.1e5.grad": ... }. */
export const eachSize = (template, make) => Object.fromEntries(["1e3", "1e5"].map((n) => [template.replace("{n}", n), () => make(n)]));
