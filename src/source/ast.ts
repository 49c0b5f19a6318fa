// The little of ESTree that fromJS needs: a node type loose enough for every node acorn
// produces, the list of a node's children in source order, and parsing a function's source.

import { parse, type Options } from "acorn";
import { SourceUnavailableError } from "./errors.js";

/** An ESTree node as acorn builds it (fields by node type; children are nodes or arrays of them). */
export interface Node {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly [field: string]: unknown;
}

export function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string" && typeof (v as { start?: unknown }).start === "number";
}

/** A field that holds one node (or null). */
export function child(n: Node, field: string): Node | null {
  const v = n[field];
  return isNode(v) ? v : null;
}

/** A field that holds an array of nodes (holes as null). */
export function children(n: Node, field: string): (Node | null)[] {
  const v = n[field];
  return Array.isArray(v) ? (v as unknown[]).map((c) => (isNode(c) ? c : null)) : [];
}

/** Every direct child node in source order (a shorthand property's key and value once). */
export function childNodes(n: Node): Node[] {
  const out: Node[] = [];
  for (const k in n) {
    if (k === "type" || k === "start" || k === "end" || k === "loc" || k === "range") continue;
    const v = n[k];
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) for (const c of v) if (isNode(c)) out.push(c);
  }
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const unique: Node[] = [];
  let end = -1;
  for (const c of out) {
    if (c.start < end) continue;
    unique.push(c);
    end = c.end;
  }
  return unique;
}

export function isFunction(n: Node): boolean {
  return n.type === "FunctionExpression" || n.type === "FunctionDeclaration" || n.type === "ArrowFunctionExpression";
}

const OPTIONS: Options = { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: false };

/** A function's source parsed: its node, and the text its offsets refer to. */
export interface ParsedFunction {
  readonly fn: Node;
  /** The text the node's offsets index (the function's source with a wrapper prefix). */
  readonly text: string;
  /** Characters of wrapper before the user's source in `text`. */
  readonly prefix: number;
  /** True for a method shorthand (`name(x) { … }`), printed back as a function expression. */
  readonly method: boolean;
  /** "get" or "set" for an accessor's source (refused). */
  readonly accessor: "get" | "set" | null;
}

/** Parses the text of one function (what Function.prototype.toString returns). */
export function parseFunction(source: string, name: string): ParsedFunction {
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new SourceUnavailableError("fromJS", `${name} is a native or bound function, whose source JavaScript does not expose; pass the plain function itself`);
  }
  const attempt = (text: string): Node | null => {
    try {
      return parse(text, OPTIONS) as unknown as Node;
    } catch {
      return null;
    }
  };
  const expr = (prog: Node | null): Node | null => {
    const st = prog === null ? null : children(prog, "body")[0];
    return st && st.type === "ExpressionStatement" ? child(st, "expression") : null;
  };
  let text = `(${source}\n)`;
  const e = expr(attempt(text));
  if (e !== null && isFunction(e)) return { fn: e, text, prefix: 1, method: false, accessor: null };
  // A method shorthand: `name(x) { … }` (also `async name`, `*name`: refused later).
  text = `({${source}\n})`;
  const obj = expr(attempt(text));
  const prop = obj && obj.type === "ObjectExpression" ? children(obj, "properties")[0] : null;
  const value = prop ? child(prop, "value") : null;
  if (prop && value && (prop.method === true || prop.kind === "get" || prop.kind === "set") && isFunction(value)) {
    return { fn: value, text, prefix: 2, method: true, accessor: prop.kind === "get" || prop.kind === "set" ? prop.kind : null };
  }
  if (/^\s*class[\s{]/.test(source)) throw new SourceUnavailableError("fromJS", `${name} is a class, not a function; pass a function`);
  // Report acorn's own message for the plain form.
  try {
    parse(`(${source}\n)`, OPTIONS);
  } catch (err) {
    throw new SourceUnavailableError("fromJS", `the source of ${name} does not parse as a function (${(err as Error).message}); fromJS needs the function's own text, e.g. fromJS(function f(x) { … }) or fromJS((x) => …)`);
  }
  throw new SourceUnavailableError("fromJS", `the source of ${name} is not a function expression`);
}
