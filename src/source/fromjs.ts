// fromJS(f): a plain JavaScript function made differentiable by reading its source.
//
// The function's text (Function.prototype.toString) is parsed with acorn, checked (free
// variables must come from `scope`, refused constructs are named with their position),
// rewritten so that every operator goes through the runtime (rewrite.ts, runtime.ts), and
// built with `new Function`. The result computes exactly what f computes on plain numbers
// and is an ordinary wengert function under every transform.

import { ArgumentError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import type * as Runtime from "./runtime.js";
import * as runtime from "./runtime.js";
import { parseFunction } from "./ast.js";
import { CodegenUnavailableError, excerpt, FreeVariableError, lineColumn, SourceUnavailableError, UnsupportedSyntaxError, type SourceSite } from "./errors.js";
import { isRewritten, markRewritten, type RewrittenInfo } from "./marker.js";
import { isConstant, trustFunction } from "./loop-cache.js";
import { rewrite } from "./rewrite.js";
import { analyze } from "./scope.js";

/** Options of `fromJS`: the values of the function's free variables (`scope`). */
export interface FromJSOptions {
  /**
   * The function's free variables, by name: numbers, arrays, objects and functions it reads.
   * Plain functions here are rewritten too (with the same scope), fromJS functions and wengert's
   * own functions are used as they are. The values are taken when fromJS is called.
   */
  readonly scope?: Readonly<Record<string, unknown>>;
}

/** What a fromJS function carries besides being callable: its rewritten source and loop analysis. */
export type FromJSInfo<F> = RewrittenInfo<F>;

/** A function rewritten by `fromJS`: callable as the original, accepted by every transform. @typeParam F - the wrapped function's type */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FromJS<F extends (...args: any[]) => any> = F & FromJSInfo<F>;

/** Globals a fromJS function may read without `scope`. */
const GLOBALS = new Set([
  "Math", "Number", "Infinity", "NaN", "undefined", "isFinite", "isNaN", "parseFloat", "parseInt",
  "Array", "Float64Array", "Float32Array", "Int32Array", "Uint32Array", "Int16Array", "Uint16Array", "Int8Array", "Uint8Array", "Uint8ClampedArray",
  "Object", "Boolean", "String", "Symbol", "JSON", "Map", "Set", "console",
  "Error", "TypeError", "RangeError",
]);

/** Globals whose values a loop's kept trace may take as they are (loop-cache.ts); __name is esbuild's helper. */
const CONSTANT_GLOBALS: ReadonlySet<string> = new Set([...GLOBALS, "__name"]);

/** Read once: a page (or a test) may replace the global Function later. */
const fnToString = Function.prototype.toString;

interface Built {
  readonly name: string;
  readonly source: string;
  readonly text: string;
  readonly prefix: number;
  /** The generated body before the rewritten code (the scope's bindings and "return "). */
  readonly head: string;
  readonly code: string;
  readonly anchors: readonly (readonly [number, number])[];
}

let nextId = 1;
const built = new Map<number, Built>();
/** Per function: the scopes it was rewritten under and the results. */
const cache = new WeakMap<object, { scope: Readonly<Record<string, unknown>> | undefined; out: unknown }[]>();

function sameScope(a: Readonly<Record<string, unknown>> | undefined, b: Readonly<Record<string, unknown>> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && Object.is(a[k], b[k]));
}

const library = new Set<unknown>();
/**
 * Tells fromJS the library's exports, which it uses as they are and never rewrites. index.ts
 * calls it with its own namespace (this layer cannot import the package's entry point).
 */
export function registerLibrary(exports: Readonly<Record<string, unknown>>): void {
  for (const x of Object.values(exports)) if (typeof x === "function") { library.add(x); trustFunction(x); }
}
function isLibraryFunction(v: unknown): boolean {
  return library.has(v);
}

/** A fresh name not among `used`. */
function fresh(base: string, used: ReadonlySet<string>): string {
  let name = base;
  while ([...used].some((u) => u === name || u.startsWith(name))) name += "$";
  return name;
}

function sitesOf(nodes: readonly { what: string; at: number }[], source: string, prefix: number): SourceSite[] {
  return nodes.map(({ what, at }) => ({ what, ...lineColumn(source, Math.max(0, at - prefix)) }));
}

function isNative(fn: Function): boolean { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return /\{\s*\[native code\]\s*\}\s*$/.test(fnToString.call(fn));
}

/** What a scope entry becomes inside the rewritten function. */
function scopeValue(v: unknown, scope: Readonly<Record<string, unknown>>): unknown {
  if (typeof v !== "function") return v;
  if (isRewritten(v) || isLibraryFunction(v) || isNative(v)) return v;
  return fromJSWith(v as (...a: unknown[]) => unknown, scope);
}

/**
 * Makes a plain JavaScript function differentiable: arithmetic and comparison operators,
 * compound assignment, `Math.*`, `Number.isFinite`, `typeof`, `&&`/`||`, `?:`, `if`, `switch`
 * and loops all work on traced values, so grad, jvp, hessian, compile … accept the result.
 * Free variables must be passed in `scope`; `fromJS(f).source` is the rewritten code.
 * @typeParam F - the type of the function being wrapped (its arguments and result are kept)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fromJS<F extends (...args: any[]) => any>(f: F, opts: FromJSOptions = {}): FromJS<F> {
  if (typeof f !== "function") {
    throw new ArgumentError("fromJS", `expected a function, got ${f === null ? "null" : typeof f}; pass e.g. fromJS((x) => Math.sin(x) * x)`);
  }
  checkOptions("fromJS", opts, optionKeys<FromJSOptions>({ scope: true }));
  const scope = opts.scope;
  if (scope !== undefined && (typeof scope !== "object" || scope === null)) {
    throw new ArgumentError("fromJS", `scope must be an object mapping names to values, e.g. { scope: { k, helper } }, got ${scope === null ? "null" : typeof scope}`);
  }
  return fromJSWith(f, scope) as FromJS<F>;
}

function fromJSWith(f: (...a: unknown[]) => unknown, scope: Readonly<Record<string, unknown>> | undefined): unknown {
  if (isRewritten(f)) return f;
  let entries = cache.get(f);
  const hit = entries?.find((e) => sameScope(e.scope, scope));
  if (hit !== undefined) return hit.out;

  const name = f.name || "anonymous";
  const source = fnToString.call(f);
  const parsed = parseFunction(source, name);
  const info = analyze(parsed.fn);
  const site = (at: number) => lineColumn(source, Math.max(0, at - parsed.prefix));
  if (parsed.accessor !== null) throw new UnsupportedSyntaxError(name, [{ what: `a ${parsed.accessor}ter`, line: 1, column: 1 }], source, "pass a plain function");
  if (info.refusals.length > 0) throw new UnsupportedSyntaxError(name, sitesOf(info.refusals, source, parsed.prefix), source, refusalHint(info.refusals[0]!.what));

  // Free variables: globals fromJS knows, the scope's entries, and f's own name (recursion).
  const bound = new Map<string, unknown>();
  const missing: SourceSite[] = [];
  const assigned: SourceSite[] = [];
  const self = f.name !== "" && !info.declared.has(f.name) ? f.name : null;
  for (const id of info.free) {
    const nm = id.name as string;
    if (info.writes.has(id)) { assigned.push({ what: nm, ...site(id.start) }); continue; }
    if (scope !== undefined && Object.prototype.hasOwnProperty.call(scope, nm)) { bound.set(nm, undefined); continue; }
    if (nm === self) { bound.set(nm, SELF); continue; }
    if (GLOBALS.has(nm) || nm === "__name") continue; // __name: esbuild's keepNames helper, rewritten away
    if (!missing.some((m) => m.what === nm)) missing.push({ what: nm, ...site(id.start) });
  }
  if (assigned.length > 0) {
    throw new UnsupportedSyntaxError(name, assigned.map((s) => ({ ...s, what: `an assignment to ${s.what}` })), source, "a fromJS function cannot assign to variables it does not declare (scope entries are read-only); declare a local with let");
  }
  if (missing.length > 0) throw new FreeVariableError(name, missing, source);

  const used = new Set<string>([...info.declared, ...info.free.map((n) => n.name as string)]);
  const rt = fresh("$w", used), tmp = fresh("$t", used), sc = fresh("$scope", used), sites = fresh("$sites", used);
  const inn = fresh("$inner", used), loc = fresh("$locate", used);
  const rw = rewrite(parsed.fn, parsed.text, info, rt, tmp, parsed.method ? safeName(name) : null, { name: sites, constants: CONSTANT_GLOBALS });
  if (rw.refusals.length > 0) throw new UnsupportedSyntaxError(name, sitesOf(rw.refusals, source, parsed.prefix), source, refusalHint(rw.refusals[0]!.what));

  const id = nextId++;
  const prologue = [...bound.keys()].map((k) => `const ${k} = ${sc}[${JSON.stringify(k)}];\n`).join("") + `const ${sites} = ${rt}.loopSites();\n`;
  // The body makes the wrapper (one of its own per function, so its call of the rewritten code
  // stays monomorphic and inlinable) and, apart, the function that binds the scope: the wrapper
  // must exist first, as the scope may refer back to it (recursion).
  const wrap = `function () { try { return ${inn}.apply(undefined, arguments); } catch (e) { throw ${loc}(e); } }`;
  const head = `let ${inn};\nreturn [${wrap}, function (${sc}) {\n${prologue}return ${inn} = `;
  const body = `${head}${rw.code};\n}];\n//# sourceURL=wengert-fromjs-${id}.js`;
  const rec: Built = { name, source, text: parsed.text, prefix: parsed.prefix, head, code: rw.code, anchors: rw.anchors };

  type Make = (rt: typeof Runtime, locate: (e: unknown) => unknown) => [(...a: unknown[]) => unknown, (scope: Record<string, unknown>) => unknown];
  let make: Make;
  try {
    make = new Function(rt, loc, body) as Make;
  } catch (e) {
    throw codegenError(name, e);
  }
  built.set(id, rec);
  const values: Record<string, unknown> = {};
  const [wrapper, bindScope] = make(runtime, locate);
  Object.defineProperty(wrapper, "name", { value: name });
  markRewritten(wrapper, rw.code, f);
  const out = wrapper;
  // Cached before the scope's functions are rewritten, so that mutual recursion terminates.
  if (entries === undefined) { entries = []; cache.set(f, entries); }
  entries.push({ scope, out });
  for (const k of bound.keys()) values[k] = bound.get(k) === SELF ? out : scopeValue(scope![k], scope!);
  // A function of its arguments alone when its scope holds only constants: loops calling it may keep their traces.
  if ([...bound.keys()].every((k) => bound.get(k) === SELF || isConstant(values[k]))) trustFunction(out);
  bindScope(values);
  return out;
}

const SELF = Symbol("self");

function safeName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : "";
}

function refusalHint(what: string): string {
  if (what === "this" || what === "super" || what === "a class") return "write a plain function of its arguments";
  if (what.startsWith("Math.")) return `${what} has no derivative rule; supported: ${[...runtime.MATH_NAMES].join(", ")}`;
  if (what === "eval" || what === "new Function") return "fromJS reads the function's own source; code built from strings cannot be differentiated";
  return "";
}

function codegenError(name: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof EvalError || /unsafe-eval|Content Security Policy|code generation/i.test(msg)) {
    return new CodegenUnavailableError(
      "fromJS",
      `cannot build the rewritten ${name} at run time: code generation from strings is disabled here (${msg}). ` +
        `Rewrite it at build time instead: mark the function with a "use wengert" directive and add the bundler plugin (import wengert from "wengert/plugin"; plugins: [wengert.vite()] or [wengert.esbuild()])`,
    );
  }
  return e instanceof Error ? e : new Error(msg);
}

// ---------------------------------------------------------------- error positions

const LOCATED = Symbol("wengert.located");
let bodyLine: number | undefined;

/** The stack line on which a `new Function` body's first line is reported (engine-specific: measured once). */
function firstBodyLine(): number {
  if (bodyLine !== undefined) return bodyLine;
  try {
    (new Function("a", "b", "throw new Error('probe');\n//# sourceURL=wengert-fromjs-0.js") as () => void)();
  } catch (e) {
    const m = /wengert-fromjs-0\.js:(\d+):(\d+)/.exec(String((e as Error).stack));
    bodyLine = m ? Number(m[1]) : 0;
  }
  return bodyLine ?? 0;
}

/** Adds the user's line and column to an error raised inside a fromJS function. */
function locate(e: unknown): unknown {
  if (!(e instanceof Error) || (e as unknown as Record<symbol, unknown>)[LOCATED] === true) return e;
  const m = /wengert-fromjs-(\d+)\.js:(\d+):(\d+)/.exec(String(e.stack));
  const rec = m ? built.get(Number(m[1])) : undefined;
  if (m === null || rec === undefined) return e;
  const base = firstBodyLine();
  const line = Number(m[2]) - base, col = Number(m[3]) - 1;
  // The offset in the body, then in the rewritten code, then in the user's source.
  const lines = (rec.head + rec.code).split("\n");
  let off = 0;
  for (let i = 0; i < line && i < lines.length; i++) off += lines[i]!.length + 1;
  off += col - rec.head.length;
  if (off > rec.code.length) return e; // the wrapper's own line, after the rewritten code
  let src = -1;
  for (const [at, orig] of rec.anchors) { if (at <= off) src = orig; else break; }
  if (src < 0) return e;
  const where = lineColumn(rec.source, Math.max(0, src - rec.prefix));
  const note = `\n  in ${rec.name} at line ${where.line}, column ${where.column}:\n${excerpt(rec.source, where)}`;
  const old = e.message;
  try {
    e.message = old + note;
    if (typeof e.stack === "string") e.stack = e.stack.replace(old, e.message);
    Object.defineProperty(e, LOCATED, { value: true });
    Object.assign(e, { sourceLine: where.line, sourceColumn: where.column, sourceFunction: rec.name });
  } catch {
    // A frozen error object: leave it as it is.
  }
  return e;
}

