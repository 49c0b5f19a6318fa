// `wengert/plugin`: the build-time form of fromJS for esbuild, Vite, Rollup, Rolldown and
// webpack (one implementation, through unplugin). Functions whose body starts with the
// directive "use wengert" are rewritten in place at build time (src/source/build.ts): they keep
// their closures, and nothing is generated at run time, so they run on a page whose
// Content-Security-Policy forbids eval.
//
//   // vite.config.ts                        // esbuild
//   import wengert from "wengert/plugin";     await build({ plugins: [wengert.esbuild()], … })
//   export default { plugins: [wengert.vite()] };

import { createUnplugin } from "unplugin";
import { DIRECTIVE, transformModule, type BuildOptions } from "../source/build.js";

export type WengertPluginOptions = BuildOptions;

const SCRIPT = /\.[cm]?[jt]sx?$/;
const TYPESCRIPT = /\.[cm]?tsx?$/;

function fileOf(id: string): string {
  const q = id.indexOf("?");
  return q < 0 ? id : id.slice(0, q);
}

export const unplugin = createUnplugin<WengertPluginOptions | undefined>((options, meta) => ({
  name: "wengert",
  // After the bundler's own TypeScript/JSX transform (Vite, Rollup plugins): the code is JavaScript.
  enforce: "post",
  transformInclude: (id) => SCRIPT.test(fileOf(id)) && !id.includes("/node_modules/"),
  async transform(code, id) {
    if (!code.includes(DIRECTIVE)) return null;
    let js = code;
    const file = fileOf(id);
    if (meta.framework === "esbuild" && TYPESCRIPT.test(file)) {
      // esbuild hands plugins the file as written: strip the types first, with esbuild itself.
      const { transform } = await import("esbuild");
      js = (await transform(code, { loader: file.endsWith("x") ? "tsx" : "ts", format: "esm", target: "esnext", sourcefile: file })).code;
    }
    const out = transformModule(js, file, options ?? {});
    return out === null ? null : { code: out.code, map: out.map };
  },
}));

export const vite = unplugin.vite;
export const esbuild = unplugin.esbuild;
export const rollup = unplugin.rollup;
export const rolldown = unplugin.rolldown;
export const webpack = unplugin.webpack;
export default unplugin;
