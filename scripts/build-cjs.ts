// The CommonJS build, so that `require("wengert")` works: every module of src/ (the CLI
// aside, an ES module bin that reads import.meta) transformed one to one by esbuild into
// dist/cjs/, beside a package.json of {"type": "commonjs"}. One file per module (not a bundle
// per entry point), so "wengert", "wengert/runtime" and "wengert/plugin" required together
// share one copy of the core: code the plugin rewrote meets the same Tracer class as the
// functions it calls. Nothing in the core awaits at top level (the WebAssembly kernels are
// embedded bytes, compiled on first use), which is what makes a CommonJS form possible.
//
//   tsx scripts/build-cjs.ts [outDir]      (npm run build runs it after tsc)

import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p, ext) : e.name.endsWith(ext) ? [p] : [];
  });
}

/** Modules left out of the CommonJS build (relative to src/). */
const ESM_ONLY = ["cli"];

/**
 * Writes the CommonJS modules of `srcDir` into `outDir`; with `typesDir` (tsc's output), its
 * declaration files are copied beside them, so TypeScript resolves types under "require" too.
 */
export function buildCjs(srcDir = path.join(root, "src"), outDir = path.join(root, "dist", "cjs"), typesDir?: string): number {
  rmSync(outDir, { recursive: true, force: true });
  let n = 0;
  for (const file of files(srcDir, ".ts")) {
    const rel = path.relative(srcDir, file);
    if (rel.endsWith(".d.ts") || ESM_ONLY.some((d) => rel.startsWith(d + path.sep))) continue;
    const { code } = transformSync(readFileSync(file, "utf8"), { loader: "ts", format: "cjs", platform: "node", target: "node20", sourcefile: rel });
    const out = path.join(outDir, rel.replace(/\.ts$/, ".js"));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, code);
    n++;
  }
  if (typesDir !== undefined) {
    for (const d of files(typesDir, ".d.ts")) {
      const rel = path.relative(typesDir, d);
      if (rel.startsWith("cjs" + path.sep) || ESM_ONLY.some((e) => rel.startsWith(e + path.sep))) continue;
      mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
      copyFileSync(d, path.join(outDir, rel));
    }
  }
  writeFileSync(path.join(outDir, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
  return n;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? path.join(root, "dist", "cjs");
  const n = buildCjs(path.join(root, "src"), out, path.join(root, "dist"));
  console.log(`build-cjs: ${n} modules → ${path.relative(process.cwd(), out) || "."}`);
}
