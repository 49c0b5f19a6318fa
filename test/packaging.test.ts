// Packaging: the LICENSE package.json names, `require("wengert")` from CommonJS (the dual
// build of scripts/build-cjs.ts, checked on a package laid out as npm installs it), what
// `npm pack` would ship, and a README that names no file outside this repository.

import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildCjs } from "../scripts/build-cjs.js";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  license: string; main: string; files: string[]; exports: Record<string, string | { import: { types: string; default: string }; require: { types: string; default: string } }>;
};

describe("packaging", () => {
  test("LICENSE is the MIT license that package.json names, and npm pack ships it", () => {
    assert.equal(pkg.license, "MIT");
    const text = readFileSync(path.join(root, "LICENSE"), "utf8");
    assert.match(text, /^MIT License\n\nCopyright \(c\) \d{4} /);
    assert.match(text, /Permission is hereby granted, free of charge, to any person obtaining a copy/);
    assert.match(text, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(pack.status, 0, pack.stderr);
    const files = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ["LICENSE", "README.md", "package.json"]) assert.ok(files.includes(f), `npm pack leaves out ${f}`);
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "npm pack ships only dist/ and the docs");
  });

  test("every export has an import and a require form, each with its types, all under files", () => {
    for (const [name, e] of Object.entries(pkg.exports)) {
      if (name === "./package.json") continue;
      assert.ok(typeof e === "object", `${name}: conditions`);
      for (const p of [e.import.default, e.import.types, e.require.default, e.require.types]) {
        assert.ok(pkg.files.some((f) => p.startsWith(`./${f}/`)), `${name}: ${p} is not under "files"`);
      }
      assert.match(e.require.default, /^\.\/dist\/cjs\//, `${name}: the CommonJS build`);
      assert.equal(e.require.default.replace("/cjs/", "/"), e.import.default, `${name}: the same module in both forms`);
    }
    assert.equal(pkg.main, (pkg.exports["."] as { require: { default: string } }).require.default, "main (for resolvers without exports) is the CommonJS entry");
  });

  // Outside the repository: inside it, require("wengert") resolves to the repository itself.
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wengert-cjs-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("require('wengert'), 'wengert/runtime' and 'wengert/plugin' from a CommonJS file, sharing one core", () => {
    // The package as npm installs it: package.json and dist/cjs under node_modules/wengert; its
    // dependencies (acorn, unplugin …) resolve from this repository's node_modules (NODE_PATH).
    const at = path.join(tmp, "node_modules", "wengert");
    mkdirSync(at, { recursive: true });
    cpSync(path.join(root, "package.json"), path.join(at, "package.json"));
    const n = buildCjs(path.join(root, "src"), path.join(at, "dist", "cjs"));
    assert.ok(n > 50, `only ${n} modules`);
    const consumer = path.join(tmp, "consumer.cjs");
    writeFileSync(consumer, `
const w = require("wengert");
const { runtime } = require("wengert/runtime");
const plugin = require("wengert/plugin").default;
const out = {
  grad: w.grad((x) => w.mul(x, w.sin(x)))(2),
  printed: String(w.array([[1, 2, 3], [4, 5, 6]], { dtype: "float32" })),
  runtimeGrad: w.grad((x) => runtime.mul(x, x))(3),
  plugin: typeof plugin.vite + " " + typeof plugin.esbuild,
  compiled: w.compile(w.grad((x) => w.sum(w.square(x))))(w.array([1, 2])).toJSON().data,
  fromJS: w.grad(w.fromJS((x) => x * x * x))(2),
  errorClass: (() => { try { w.add("a", 1); } catch (e) { return e instanceof w.WengertError ? e.name : String(e); } })(),
};
console.log(JSON.stringify(out));
`);
    const r = spawnSync(process.execPath, [consumer], { cwd: tmp, encoding: "utf8", timeout: 60_000, env: { ...process.env, NODE_PATH: path.join(root, "node_modules") } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    assert.equal(out.grad, Math.sin(2) + 2 * Math.cos(2));
    assert.equal(out.printed, "array([[1, 2, 3],\n       [4, 5, 6]], dtype=float32)");
    assert.equal(out.runtimeGrad, 6, "the runtime's ops and the core's transforms are one copy");
    assert.equal(out.plugin, "function function");
    assert.deepEqual(out.compiled, [2, 4]);
    assert.equal(out.fromJS, 12);
    assert.equal(out.errorClass, "ArgumentError");
  });
});

describe("the README points only inside this repository", () => {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const top = new Set(readdirSync(root));
  /** Outputs of the repository's own scripts, absent from a fresh clone. */
  const generated: Record<string, string> = { "dist/": "npm run build", "docs/api/": "npm run docs", "bench/GRADBENCH.md": "npm run gradbench" };

  test("every path it names exists (or is written by one of its npm scripts)", () => {
    const paths = [...readme.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!.replace(/^\.\//, "").replace(/:\d+$/, ""))
      .filter((p) => p.includes("/") && (p.startsWith("../") || p.startsWith("/") || top.has(p.split("/")[0]!) || p.startsWith("shared/")));
    assert.ok(paths.length >= 10, `only ${paths.length} paths found`);
    for (const p of paths) {
      const gen = Object.keys(generated).find((g) => p === g || p.startsWith(g));
      if (gen !== undefined) { assert.ok(readme.includes(generated[gen]!), `${p} is generated by ${generated[gen]}, which the README names`); continue; }
      assert.ok(!p.startsWith("../") && !p.startsWith("/"), `${p} is outside the repository`);
      assert.ok(existsSync(path.join(root, p)), `README names ${p}, which this repository lacks`);
    }
  });

  test("it says how to install from a checkout or a tarball, and how to require it", () => {
    assert.match(readme, /npm pack/);
    assert.match(readme, /npm install \S+\.tgz/);
    assert.match(readme, /require\("wengert"\)/);
  });
});
