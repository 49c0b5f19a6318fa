// The build-time form of fromJS: the module rewrite ("use wengert" functions rewritten in place,
// closures kept), the esbuild plugin on TypeScript, and the Vite example project
// (examples/vite-fromjs) built with the plugin and run in headless Chromium under a
// Content-Security-Policy that forbids eval.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import * as w from "../src/index.js";
import { transformModule } from "../src/source/build.js";
import { esbuild as wengertEsbuild, vite as wengertVite } from "../src/plugin/index.js";
import { runPage } from "./browser/harness.js";
import { assertClose, assertThrowsWith } from "./helpers/check.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const RUNTIME = path.join(root, "src", "source", "runtime-entry.ts");

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** Rosenbrock's gradient and Hessian diagonal, by hand. */
function rosenGrad(x: ArrayLike<number>): number[] {
  const g = new Array<number>(x.length).fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    g[i]! += -400 * a * x[i]! - 2 * (1 - x[i]!);
    g[i + 1]! += 200 * a;
  }
  return g;
}
function rosenHessianDiag(x: ArrayLike<number>): number[] {
  return Array.from(x, (v, i) => (i < x.length - 1 ? 1200 * v * v - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0));
}

/** Writes `code` as a module in a temporary folder inside the checkout (so tsx resolves its imports) and imports it. */
async function load(code: string): Promise<Record<string, F & { source?: string }>> {
  const dir = mkdtempSync(path.join(root, "test", ".tmp-plugin-"));
  const file = path.join(dir, "mod.mjs");
  writeFileSync(file, code);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, F>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the build-time rewrite of \"use wengert\" functions", () => {
  const src = [
    "const k = 3;",
    "export function rosen(x) {",
    "  \"use wengert\";",
    "  let s = 0;",
    "  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;",
    "  return s * k;",
    "}",
    "export const f = (a, b) => { \"use wengert\"; return a > b ? Math.sin(a) * k : a * b; };",
    "export const obj = { m(x) { \"use wengert\"; const sq = (t) => t * t; return sq(x) * k; } };",
    "export function plain(x) { return x * 2; }",
    "",
  ].join("\n");

  test("marked functions are rewritten in place and keep their closures; others are untouched", async () => {
    const out = transformModule(src, "mod.js", { runtime: pathToFileURL(RUNTIME).href })!;
    assert.equal(out.rewritten, 3);
    assert.match(out.code, /export function plain\(x\) \{ return x \* 2; \}/);
    assert.match(out.code, /\$w\.mul\(s, k\)/);
    assert.doesNotMatch(out.code, /new Function|eval\(/);
    const m = await load(out.code);
    const x = Float64Array.of(-1.2, 1, -1.2);
    const g = w.grad(m.rosen!)(x) as Float64Array;
    assert.ok(g instanceof Float64Array);
    assertClose(Array.from(g), rosenGrad(x).map((v) => 3 * v), { rtol: 1e-12 });
    assert.equal(w.grad(m.f!)(2, 1), 3 * Math.cos(2));
    assert.equal(w.grad((m.obj as unknown as { m: F }).m)(2), 12);
    assert.equal(w.fromJS(m.rosen!), m.rosen, "fromJS takes a build-time rewrite as it is");
    assert.match(m.rosen!.source!, /\$w\.add/);
  });

  test("no directive, nothing to do; refused constructs are named with the file, line and column", () => {
    assert.equal(transformModule("export const f = (x) => x * 2;\n", "a.js"), null);
    assertThrowsWith(() => transformModule("const a = 1;\nexport function* g(x) {\n  \"use wengert\";\n  yield x;\n}\n", "gen.js"), w.UnsupportedSyntaxError, [/g \(gen\.js\)/, /a generator function \(line 2, column 8\)/, /yield \(line 4, column 3\)/]);
    assertThrowsWith(() => transformModule("export const f = async (x) => { \"use wengert\"; return eval(x); };\n", "e.js"), w.UnsupportedSyntaxError, [/an async function \(line 1, column 18\)/, /eval/]);
  });
});

describe("bundler plugins", () => {
  test("esbuild, on TypeScript: a bundle whose rewritten functions differentiate, with no run-time code generation", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "wengert-esbuild-"));
    try {
      const entry = path.join(dir, "physics.ts");
      writeFileSync(entry, [
        "const DAMPING: number = 0.1;",
        "export const pendulum = (theta0: number, steps: number): number => {",
        "  \"use wengert\";",
        "  let theta = theta0, omega = 0;",
        "  for (let k = 0; k < steps; k++) { omega += 0.01 * (-Math.sin(theta) - DAMPING * omega); theta += 0.01 * omega; }",
        "  return theta;",
        "};",
        "",
      ].join("\n"));
      const out = await esbuild({ entryPoints: [entry], bundle: true, format: "esm", write: false, logLevel: "error", plugins: [wengertEsbuild({ runtime: pathToFileURL(RUNTIME).href })], external: [pathToFileURL(RUNTIME).href] });
      const text = out.outputFiles[0]!.text;
      assert.doesNotMatch(text, /new Function|eval\(/);
      const m = await load(text);
      const ref = (t0: number) => { let th = t0, om = 0; for (let k = 0; k < 100; k++) { om += 0.01 * (-Math.sin(th) - 0.1 * om); th += 0.01 * om; } return th; };
      assertClose(w.grad(m.pendulum!)(0.5, 100), (ref(0.5 + 1e-6) - ref(0.5 - 1e-6)) / 2e-6, { rtol: 1e-7 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Vite: the example project (examples/vite-fromjs) runs in headless Chromium under script-src 'self'", async () => {
    const { build } = await import("vite");
    const example = path.join(root, "examples", "vite-fromjs");
    const outDir = mkdtempSync(path.join(os.tmpdir(), "wengert-vite-"));
    try {
      // The example's vite.config.ts, with wengert resolved to this checkout's sources.
      await build({
        root: example,
        configFile: false,
        logLevel: "silent",
        plugins: [wengertVite()],
        resolve: { alias: [{ find: /^wengert\/runtime$/, replacement: RUNTIME }, { find: /^wengert$/, replacement: path.join(root, "src", "index.ts") }] },
        build: { outDir, emptyOutDir: true },
      });
      const js = readdirSync(path.join(outDir, "assets")).filter((f) => f.endsWith(".js")).map((f) => readFileSync(path.join(outDir, "assets", f), "utf8")).join("\n");
      assert.match(js, /use wengert/, "the rewritten functions are in the bundle");
      assert.doesNotMatch(js, /ecmaVersion/, "the parser (acorn) is not in the bundle");
      const run = await runPage({ root: outDir, headers: { "Content-Security-Policy": "script-src 'self'" } });
      assert.deepEqual(run.pageErrors, []);
      assert.deepEqual(run.cspViolations, [], "no eval was attempted");
      const r = run.result as Record<string, unknown>;
      assert.equal(r.surveyValue, 11.652071455223084);
      assert.deepEqual(r.surveyGrad, [5.5, 1.7163378145367738]);
      assert.deepEqual(r.surveyJvp, [11.652071455223084, 5.5]);
      assert.equal(r.rosenbrockGradIsFloat64Array, true);
      const x = Float64Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
      assertClose(r.rosenbrockGrad, rosenGrad(x), { rtol: 1e-12 });
      assertClose(r.rosenbrockHessianDiag, rosenHessianDiag(x).slice(0, 3), { rtol: 1e-12 });
      const ref = (t0: number) => { let th = t0, om = 0; for (let k = 0; k < 200; k++) { om += 0.01 * (-Math.sin(th) - 0.1 * om); th += 0.01 * om; } return th; };
      assertClose(r.pendulumSensitivity, (ref(0.5 + 1e-6) - ref(0.5 - 1e-6)) / 2e-6, { rtol: 1e-7 });
      // Minified by the build: the runtime's name and the locals are renamed, the rewrite is there.
      assert.match(String(r.rewrittenSource), /"use wengert".*\.fori\(.*\.len\(.*\.(get|elt)\(.*\.mul\(100/s);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
