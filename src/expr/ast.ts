// The expression language's syntax tree. Plain data (JSON-serializable) so that the CLI,
// the symbolic-differentiation module and the playground can store, send and rebuild it.

import { ArgumentError } from "../base/errors.js";
import { describe } from "../base/format.js";
import { guardStack } from "../base/validate.js";
import { FUNCTIONS, isFunctionName } from "./functions.js";

/**
 * Where a node sits in its source: 1-based columns counted in code points, `start`
 * inclusive and `end` exclusive (so `end - start` is the node's length). A parenthesized
 * node's span includes its parentheses. Synthesized nodes use NO_SPAN.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** The span of a node that has no source text (built by a program, not parsed). */
export const NO_SPAN: Span = Object.freeze({ start: 0, end: 0 });

import type { FunctionName } from "./functions.js";

export { FUNCTIONS, isFunctionName, type FunctionName } from "./functions.js";

/** A number literal. The parser only produces finite, non-negative values (−2 is a Neg of 2). */
export interface Num {
  readonly kind: "num";
  readonly value: number;
  readonly span: Span;
}

export interface Var {
  readonly kind: "var";
  readonly name: string;
  readonly span: Span;
}

/** Unary minus. (Unary plus leaves no node.) */
export interface Neg {
  readonly kind: "neg";
  readonly arg: Expr;
  readonly span: Span;
}

/** The expression language's infix operators. */
export type BinaryOp = "+" | "-" | "*" | "/" | "^";

export interface Binary {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface Call {
  readonly kind: "call";
  /** As written: `ln` and `log` stay distinct here, though they compute the same thing. */
  readonly name: FunctionName;
  readonly args: readonly Expr[];
  readonly span: Span;
}

/** An expression tree: numbers, variables, negation, infix operators and function calls. */
export type Expr = Num | Var | Neg | Binary | Call;

/** Deepest tree (and parser recursion) parse accepts, so recursive consumers of an AST never overflow the stack. */
export const MAX_DEPTH = 1000;

/** Nodes already found well formed (expressions are immutable, so a subtree is checked once). */
const wellFormed = new WeakSet<object>();

/** What is wrong with one node (not its children), or null. */
function nodeProblem(n: unknown): string | null {
  if (typeof n !== "object" || n === null) return `found ${describe(n)}`;
  const e = n as Record<string, unknown>;
  switch (e.kind) {
    case "num": return typeof e.value === "number" ? null : `a "num" node's value is ${describe(e.value)}`;
    case "var": return typeof e.name === "string" ? null : `a "var" node's name is ${describe(e.name)}`;
    case "neg": return null;
    case "binary": return ["+", "-", "*", "/", "^"].includes(e.op as string) ? null : `a "binary" node's op is ${describe(e.op)}`;
    case "call": return typeof e.name === "string" && isFunctionName(e.name) && Array.isArray(e.args) && e.args.length === FUNCTIONS[e.name] ? null : `a "call" node of ${describe(e.name)} with ${Array.isArray(e.args) ? e.args.length : "no"} arguments`;
    default: return `a node of kind ${describe(e.kind)}`;
  }
}

/**
 * `e` checked to be an expression tree (every node, iteratively, shared subtrees once): junk
 * is an ArgumentError naming `op`, before anything walks it.
 */
export function exprArg(op: string, e: unknown, what = "the expression"): Expr {
  const seen = new Set<object>();
  const stack: unknown[] = [e];
  while (stack.length > 0) {
    const n = stack.pop();
    if (typeof n === "object" && n !== null && (wellFormed.has(n) || seen.has(n))) continue;
    const problem = nodeProblem(n);
    if (problem !== null) throw new ArgumentError(op, `${what} is not an expression tree (${problem}); make one with parseExpr("…")`);
    const x = n as Expr;
    seen.add(x);
    if (x.kind === "neg") stack.push(x.arg);
    else if (x.kind === "binary") stack.push(x.left, x.right);
    else if (x.kind === "call") stack.push(...x.args);
  }
  for (const n of seen) wellFormed.add(n);
  return e as Expr;
}

/** A public entry over an expression: `e` checked, and a stack overflow inside refused as nesting. */
export function overExpr<T>(op: string, e: unknown, f: (e: Expr) => T): T {
  const x = exprArg(op, e);
  return guardStack(op, "the expression", () => f(x));
}

/** The most nodes printed as text: a tree that shares subtrees can print exponentially long. */
export const MAX_PRINTED_NODES = 2_000_000;

/**
 * `e` checked, and small enough written out as a tree to print (shared subtrees count once
 * per use): logisticExpr(30) has 88 distinct nodes and 10^9 as a tree.
 */
export function printable(op: string, e: unknown): Expr {
  const x = exprArg(op, e);
  const size = new Map<Expr, number>();
  const stack: [Expr, boolean][] = [[x, false]];
  while (stack.length > 0) {
    const [n, done] = stack.pop()!;
    if (size.has(n)) continue;
    const kids = n.kind === "neg" ? [n.arg] : n.kind === "binary" ? [n.left, n.right] : n.kind === "call" ? n.args : [];
    if (!done) { stack.push([n, true]); for (const k of kids) if (!size.has(k)) stack.push([k, false]); continue; }
    size.set(n, kids.reduce((s, k) => s + size.get(k)!, 1));
  }
  const total = size.get(x)!;
  if (total > MAX_PRINTED_NODES) throw new ArgumentError(op, `the expression written out is a tree of ${total.toExponential(2)} nodes (its subtrees are shared), more than ${MAX_PRINTED_NODES} can be printed; cse(e) names each shared subtree once`);
  return x;
}

/** Structural equality, ignoring spans. Number literals compare with Object.is (so NaN equals NaN, 0 differs from −0). */
export function equalExpr(a: Expr, b: Expr): boolean {
  exprArg("equalExpr", a, "the first expression");
  return overExpr("equalExpr", b, (y) => equalImpl(a, y));
}

function equalImpl(a: Expr, b: Expr): boolean {
  switch (a.kind) {
    case "num":
      return b.kind === "num" && Object.is(a.value, b.value);
    case "var":
      return b.kind === "var" && a.name === b.name;
    case "neg":
      return b.kind === "neg" && equalImpl(a.arg, b.arg);
    case "binary":
      return b.kind === "binary" && a.op === b.op && equalImpl(a.left, b.left) && equalImpl(a.right, b.right);
    case "call":
      return b.kind === "call" && a.name === b.name && a.args.length === b.args.length && a.args.every((x, i) => equalImpl(x, b.args[i]!));
  }
}
