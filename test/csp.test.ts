// No code generation at import or in eager mode: every eager op and transform works where
// code generation from strings is disallowed, and compile falls back to its interpreter and
// says so. Checked in `node --disallow-code-generation-from-strings` and in headless Chromium
// on a page whose Content-Security-Policy is `script-src 'self'` (no 'unsafe-eval').

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { runPage } from "./browser/harness.js";
import type { Outcome } from "./csp/checks.js";

const here = path.dirname(fileURLToPath(import.meta.url));

function failures(outcomes: readonly Outcome[]): string[] {
  return outcomes.filter((o) => !o.ok).map((o) => `${o.name}: ${o.error}`);
}

describe("no code generation from strings", () => {
  test("node --disallow-code-generation-from-strings: every primitive's kernel, every transform, compile's fallback", () => {
    const child = spawnSync(process.execPath, ["--disallow-code-generation-from-strings", "--import", "tsx", path.join(here, "csp", "node-child.ts")], { encoding: "utf8", timeout: 120_000 });
    assert.equal(child.status, 0, `the child failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split("\n").pop()!) as { evalBlocked: boolean; outcomes: Outcome[]; unreached: string[] };
    assert.equal(r.evalBlocked, true, "the flag did not block new Function: this test would prove nothing");
    assert.ok(r.outcomes.length >= 45, `only ${r.outcomes.length} checks ran`);
    assert.deepEqual(failures(r.outcomes), []);
    assert.deepEqual(r.unreached, [], "primitives whose kernel no check in test/csp/checks.ts runs: add one (an eager call with a known answer) for each");
  });

  test("headless Chromium, Content-Security-Policy script-src 'self': import and eager mode make no violation; compile falls back", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "wengert-csp-"));
    try {
      await build({ entryPoints: [path.join(here, "browser", "csp-page.ts")], bundle: true, format: "esm", target: "es2022", outfile: path.join(dir, "main.js"), logLevel: "error" });
      writeFileSync(path.join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>wengert under CSP</title><script type="module" src="/main.js"></script>\n`);
      const run = await runPage({ root: dir, headers: { "Content-Security-Policy": "script-src 'self'" } });
      const r = run.result as { outcomes: Outcome[]; violationsEager: number; violationsProbe: number; evalBlocked: boolean; crashed?: string };
      assert.deepEqual(run.pageErrors, []);
      assert.equal(r.crashed, undefined);
      assert.equal(r.evalBlocked, true, "the page's CSP did not block new Function: this test would prove nothing");
      assert.ok(r.violationsProbe >= 1, "the probe's violation was not seen: the violation counter would prove nothing");
      assert.equal(r.violationsEager, 0, `importing and eager mode caused CSP violations: ${run.cspViolations.join("; ")}`);
      assert.ok(r.outcomes.length >= 45, `only ${r.outcomes.length} checks ran`);
      assert.deepEqual(failures(r.outcomes), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
