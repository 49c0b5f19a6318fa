// The folder layers of src/ (#9 item 4): every import (type-only imports included) goes from a
// folder to one listed before it, so no folder imports one above it and there is no import
// cycle between folders. The order is the code's own (base imports nothing of the project).

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src");

/** Lowest first; src/index.ts (the package entry) sits above them all. */
const LAYERS = ["base", "array", "core", "ops", "transforms", "compile", "sparse", "lib", "source", "plugin", "plot", "trace", "numeric", "expr", "symbolic", "swell", "cli"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const folderOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? "(index)" : rel[0]!;
};

/** Every relative import or re-export of a file: [importing file, imported file]. */
function imports(): [string, string][] {
  const out: [string, string][] = [];
  for (const file of files(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?["'](\.{1,2}\/[^"']+)["']/g)) {
      out.push([file, path.resolve(path.dirname(file), m[1]!)]);
    }
  }
  return out;
}

test("every folder of src/ has its place in the layer order", () => {
  const folders = readdirSync(SRC).filter((f) => statSync(path.join(SRC, f)).isDirectory());
  assert.deepEqual(folders.filter((f) => !LAYERS.includes(f)), [], "a new folder needs a place in LAYERS");
});

test("no folder imports one above it (so no import cycle between folders)", () => {
  const bad: string[] = [];
  for (const [from, to] of imports()) {
    const a = folderOf(from), b = folderOf(to);
    if (a === b || a === "(index)") continue;
    if (b === "(index)" || LAYERS.indexOf(b) > LAYERS.indexOf(a)) bad.push(`${path.relative(SRC, from)} imports ${path.relative(SRC, to)} (${b} is above ${a})`);
  }
  assert.deepEqual(bad, []);
});

test("base imports nothing of the project; core no longer imports a fluent base class", () => {
  const edges = imports();
  assert.deepEqual(edges.filter(([f, t]) => folderOf(f) === "base" && folderOf(t) !== "base").map(([f]) => f), []);
  assert.deepEqual(edges.filter(([f, t]) => folderOf(f) === "core" && /fluent/.test(t)).map(([f]) => f), []);
});

test("package.json's sideEffects names the module that installs the fluent methods", () => {
  const pkg = JSON.parse(readFileSync(path.join(SRC, "..", "package.json"), "utf8")) as { sideEffects: unknown };
  assert.ok(Array.isArray(pkg.sideEffects), "sideEffects lists modules (false would let a bundler drop them)");
  assert.ok((pkg.sideEffects as string[]).includes("./dist/ops/fluent.js"));
  assert.match(readFileSync(path.join(SRC, "ops", "fluent.ts"), "utf8"), /install\(NDArray\.prototype\)/);
  assert.match(readFileSync(path.join(SRC, "ops", "api.ts"), "utf8"), /import "\.\/fluent\.js";/);
});
