// The build-time form of fromJS: in one module's source, every function whose body begins with
// the directive "use wengert" is rewritten in place (the same rewrite as fromJS's), so it keeps
// its closures and no code is generated at run time. What the bundler plugin (src/plugin/) runs.
//
//   function rosen(x) { "use wengert"; … }   →  function rosen(x) { "use wengert"; …$w.add(…)… }
//                                                built(rosen);            (marks it, like fromJS)
//   const f = (x) => { "use wengert"; … }    →  const f = built((x) => { … });
//
// plus one import of the run-time helpers (`wengert/runtime`, no parser, no eval).

import { parse } from "acorn";
import MagicString from "magic-string";
import { childNodes, children, child, isFunction, type Node } from "./ast.js";
import { lineColumn, UnsupportedSyntaxError } from "./errors.js";
import { rewrite } from "./rewrite.js";
import { analyze } from "./scope.js";

export const DIRECTIVE = "use wengert";

export interface BuildOptions {
  /** The module the output imports the run-time helpers from (default "wengert/runtime"). */
  readonly runtime?: string;
}

export interface BuildResult {
  readonly code: string;
  /** A source map of the edit (version 3). */
  readonly map: ReturnType<MagicString["generateMap"]>;
  /** How many functions were rewritten. */
  readonly rewritten: number;
}

/** Refusals that only matter for a copy built at run time: in place, `this` and its kin work. */
const IN_PLACE_OK = new Set(["this", "super", "new.target"]);

function hasDirective(fn: Node): boolean {
  const body = child(fn, "body");
  if (body === null || body.type !== "BlockStatement") return false;
  for (const st of children(body, "body")) {
    if (st === null || st.type !== "ExpressionStatement" || typeof st.directive !== "string") return false;
    if (st.directive === DIRECTIVE) return true;
  }
  return false;
}

/** Functions marked with the directive, outermost only (a marked function's inner functions are rewritten with it). */
function markedFunctions(root: Node): { fn: Node; parent: Node | null }[] {
  const out: { fn: Node; parent: Node | null }[] = [];
  const walk = (n: Node, parent: Node | null): void => {
    if (isFunction(n) && hasDirective(n)) { out.push({ fn: n, parent }); return; }
    for (const c of childNodes(n)) walk(c, n);
  };
  walk(root, null);
  return out;
}

/** A name that occurs nowhere in `text`. */
function unused(base: string, text: string): string {
  let name = base;
  while (text.includes(name)) name += "$";
  return name;
}

/**
 * Rewrites the functions marked "use wengert" in `code` (a JavaScript module; `id` names it in
 * errors and the source map). Null when there is nothing to rewrite.
 */
export function transformModule(code: string, id: string, opts: BuildOptions = {}): BuildResult | null {
  if (!code.includes(DIRECTIVE)) return null;
  const ast = parse(code, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true, allowAwaitOutsideFunction: true }) as unknown as Node;
  const marked = markedFunctions(ast);
  if (marked.length === 0) return null;
  const rt = unused("$w", code), tmp = unused("$t", code), built = unused("__wengertBuilt", code), helpers = unused("__wengertRuntime", code);
  const s = new MagicString(code);
  for (const { fn, parent } of marked) {
    const info = analyze(fn);
    const refusals = info.refusals.filter((r) => !IN_PLACE_OK.has(r.what));
    const name = (child(fn, "id")?.name as string | undefined) ?? "anonymous";
    const rw = rewrite(fn, code, info, rt, tmp, null);
    const all = [...refusals, ...rw.refusals];
    if (all.length > 0) {
      throw new UnsupportedSyntaxError(`${name} (${id})`, all.map((r) => ({ what: r.what, ...lineColumn(code, r.at) })), code);
    }
    const method = parent !== null && ((parent.type === "Property" && (parent.method === true || parent.kind !== "init")) || parent.type === "MethodDefinition");
    if (method) s.overwrite(fn.start, fn.end, rw.code);
    else if (fn.type === "FunctionDeclaration") {
      s.overwrite(fn.start, fn.end, rw.code);
      if (name !== "anonymous") s.appendLeft(fn.end, `\n${built}(${name});`);
    } else s.overwrite(fn.start, fn.end, `${built}(${rw.code})`);
  }
  const header = `import { runtime as ${helpers}, built as ${built} } from ${JSON.stringify(opts.runtime ?? "wengert/runtime")};\nconst ${rt} = ${helpers};\n`;
  const bang = code.startsWith("#!") ? code.indexOf("\n") + 1 : 0;
  s.appendLeft(bang, header);
  return { code: s.toString(), map: s.generateMap({ hires: true, source: id, includeContent: true }), rewritten: marked.length };
}
