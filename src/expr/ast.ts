// The expression language's syntax tree. Plain data (JSON-serializable) so that the CLI,
// the symbolic-differentiation module and the playground can store, send and rebuild it.

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

/** Structural equality, ignoring spans. Number literals compare with Object.is (so NaN equals NaN, 0 differs from −0). */
export function equalExpr(a: Expr, b: Expr): boolean {
  switch (a.kind) {
    case "num":
      return b.kind === "num" && Object.is(a.value, b.value);
    case "var":
      return b.kind === "var" && a.name === b.name;
    case "neg":
      return b.kind === "neg" && equalExpr(a.arg, b.arg);
    case "binary":
      return b.kind === "binary" && a.op === b.op && equalExpr(a.left, b.left) && equalExpr(a.right, b.right);
    case "call":
      return b.kind === "call" && a.name === b.name && a.args.length === b.args.length && a.args.every((x, i) => equalExpr(x, b.args[i]!));
  }
}
