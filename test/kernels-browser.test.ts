// The kernels in headless Chromium: with a Content-Security-Policy that allows
// 'wasm-unsafe-eval' the WebAssembly kernels run, on worker threads only when the page is
// cross-origin isolated (COOP/COEP headers) and on one thread otherwise; under a policy without
// it the JavaScript kernels run. In every case the results agree with the JavaScript kernels'
// within each element's float error bound (where, max and min exactly).

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { runPage } from "./browser/harness.js";
import type { KernelInfo } from "../src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const ISOLATED = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

interface Report {
  ready: KernelInfo;
  workerChunks: number;
  crossOriginIsolated: boolean;
  worst: { name: string; worst: number | null; size: number }[];
  crashed?: string;
}

describe("kernels in headless Chromium", () => {
  let dir = "";
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "wengert-kernels-"));
    await build({ entryPoints: [path.join(here, "browser", "kernels-page.ts")], bundle: true, format: "esm", target: "es2022", outfile: path.join(dir, "main.js"), logLevel: "error" });
    writeFileSync(path.join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>wengert kernels</title><script type="module" src="/main.js"></script>\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function open(csp: string, extra: Record<string, string>, threads: number): Promise<Report> {
    const run = await runPage({ root: dir, path: `/index.html?threads=${threads}`, headers: { "Content-Security-Policy": csp, ...extra }, timeoutMs: 120_000 });
    const r = run.result as Report;
    assert.equal(r.crashed, undefined, r.crashed);
    assert.deepEqual(run.pageErrors, []);
    assert.ok(r.worst.length >= 20, `only ${r.worst.length} cases ran`);
    for (const c of r.worst) assert.ok(c.worst !== null && c.worst <= 1 && c.size > 0, `${c.name}: the difference from the JavaScript kernels is ${c.worst ?? "unbounded"} × its bound`);
    return r;
  }

  test("'wasm-unsafe-eval' and cross-origin isolation: WebAssembly kernels on a shared memory, with a worker", async () => {
    const r = await open("script-src 'self' 'wasm-unsafe-eval' blob:", ISOLATED, 2);
    assert.equal(r.crossOriginIsolated, true, "the headers did not isolate the page: this test would prove nothing");
    assert.equal(r.ready.wasm, true, r.ready.reason);
    assert.equal(r.ready.shared, true);
    assert.equal(r.ready.workers, 1, r.ready.workerProblem);
    assert.ok(r.workerChunks > 0, "the worker computed part of a product");
  });

  test("'wasm-unsafe-eval' without isolation: WebAssembly kernels on one thread", async () => {
    const r = await open("script-src 'self' 'wasm-unsafe-eval'", {}, 2);
    assert.equal(r.crossOriginIsolated, false);
    assert.equal(r.ready.wasm, true, r.ready.reason);
    assert.equal(r.ready.shared, false, "no SharedArrayBuffer memory outside isolation");
    assert.equal(r.ready.workers, 0);
    assert.equal(r.workerChunks, 0);
  });

  test("a policy without 'wasm-unsafe-eval': the JavaScript kernels, the same results", async () => {
    const r = await open("script-src 'self'", {}, 2);
    assert.equal(r.ready.wasm, false);
    assert.match(r.ready.reason, /WebAssembly unavailable here/);
    assert.equal(r.ready.workers, 0);
  });
});
