// No internal errors, hangs or crashes on bad input (#7 item 11): every export of the package
// (and of random, tree and linalg) called with junk from a seeded generator, in a child
// process with a per-call time limit. Every throw must be one of the library's typed errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzz } from "./fuzz/run.js";

test("junk arguments to every export: typed errors only, no hang, no crash", { timeout: 300_000 }, async () => {
  const r = await runFuzz(8, 20261202, 10_000, 5);
  assert.ok(r.exports >= 200, `only ${r.exports} exports were called`);
  assert.ok(r.calls >= 8 * 2 * r.exports, `only ${r.calls} calls`);
  assert.deepEqual(r.hangs, [], "calls that ran past the time limit");
  assert.deepEqual(r.crashes, [], "calls that killed the process");
  assert.deepEqual(r.leaks.slice(0, 20), [], `${r.leaks.length} throws that are not WengertErrors`);
});
