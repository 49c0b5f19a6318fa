// A hand-written Pratt parser for the expression language.
//
// Binding powers (left, right): + - (1, 2) and * / (3, 4) associate left; ^ (7, 6)
// associates right. Prefix minus parses its operand at 5: above * (so -x*y = (-x)*y) and
// below ^ (so -x^2 = -(x^2), as in mathematics). print.ts derives its parentheses from
// the same table.

import { ArgumentError, ParseError } from "../base/errors.js";
import { describe } from "../base/format.js";
import { closest } from "../base/text.js";
import { FUNCTIONS, isFunctionName, MAX_DEPTH, type BinaryOp, type Expr, type FunctionName, type Span } from "./ast.js";
import { Lexer, showToken, type Token, type TokenKind } from "./lexer.js";

export const INFIX: Readonly<Record<BinaryOp, readonly [left: number, right: number]>> = {
  "+": [1, 2],
  "-": [1, 2],
  "*": [3, 4],
  "/": [3, 4],
  "^": [7, 6],
};
export const PREFIX_BP = 5;

/**
 * The tallest tree parse builds. A chain (x+x+…+x) is built without recursion, so it may be
 * taller than MAX_DEPTH, which bounds the parser's own recursion; what walks a tree too tall
 * for the stack refuses it with an ArgumentError (guardStack).
 */
export const MAX_HEIGHT = 10_000;

/** Parses an expression; every failure is a ParseError naming its 1-based column. */
export function parse(source: string): Expr {
  if (typeof source !== "string") throw new ArgumentError("parse", `expected the expression as a string, got ${describe(source)}`);
  try {
    return new Parser(source).parseAll();
  } catch (e) {
    // The depth limit keeps recursion shallow; this covers a caller that was already deep.
    if (e instanceof RangeError) throw new ParseError(source, 1, "expression nested too deeply for the stack");
    throw e;
  }
}

class Parser {
  private readonly lx: Lexer;
  private tok: Token;
  private prev: Token | null = null;
  private depth = 0;
  private readonly heights = new WeakMap<Expr, number>();

  constructor(source: string) {
    this.lx = new Lexer(source);
    this.tok = this.lx.next();
  }

  parseAll(): Expr {
    if (this.tok.kind === "end") throw this.lx.error(1, "empty expression");
    const e = this.expr(0);
    const t = this.tok;
    if (t.kind === "end") return e;
    if (t.kind === ")") throw this.lx.error(t.start, "unmatched ')'");
    if (t.kind === ",") throw this.lx.error(t.start, "unexpected ',' outside a function's arguments");
    throw this.unexpectedAfterOperand("an operator or the end of input");
  }

  // A method, not `this.tok.kind === k`, so TypeScript does not keep a narrowing across advance().
  private at(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  private advance(): Token {
    const t = this.tok;
    this.prev = t;
    this.tok = this.lx.next();
    return t;
  }

  private expr(minBp: number): Expr {
    if (++this.depth > MAX_DEPTH) throw this.lx.error(this.tok.start, `expression nested too deeply (more than ${MAX_DEPTH} levels)`);
    let left = this.prefix();
    for (;;) {
      const t = this.tok;
      if (t.kind !== "op") break;
      const op = t.text as BinaryOp;
      const [lbp, rbp] = INFIX[op];
      if (lbp < minBp) break;
      this.advance();
      const right = this.expr(rbp);
      left = this.node({ kind: "binary", op, left, right, span: { start: left.span.start, end: right.span.end } }, [left, right], t);
    }
    this.depth--;
    return left;
  }

  private prefix(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case "number":
        this.advance();
        return this.node({ kind: "num", value: t.value, span: span(t, t) }, [], t);
      case "name":
        this.advance();
        return this.tok.kind === "(" ? this.call(t) : this.variable(t);
      case "(": {
        this.advance();
        const inner = this.expr(0);
        if (this.tok.kind !== ")") throw this.unclosed("')'", "(", t.start);
        const close = this.advance();
        return this.widen(inner, t, close);
      }
      case "op":
        if (t.text === "-" || t.text === "+") {
          this.advance();
          const arg = this.expr(PREFIX_BP);
          if (t.text === "+") return this.widen(arg, t, null);
          return this.node({ kind: "neg", arg, span: { start: t.start, end: arg.span.end } }, [arg], t);
        }
        break;
      case "end": {
        const after = this.prev ? `: expected an expression after '${this.prev.raw}'` : "";
        throw this.lx.error(t.start, `unexpected end of input${after}`);
      }
      case ")":
        if (this.prev?.kind === "(") throw this.lx.error(t.start, "empty parentheses: expected an expression inside");
        break;
    }
    const after = this.prev ? ` after '${this.prev.raw}'` : "";
    throw this.lx.error(t.start, `unexpected ${showToken(t)}: expected an expression${after}`);
  }

  private variable(t: Token): Expr {
    if (isFunctionName(t.text)) {
      const params = FUNCTIONS[t.text] === 1 ? "x" : "a, b";
      throw this.lx.error(t.start, `'${t.text}' is a function: write ${t.text}(${params})`);
    }
    return this.node({ kind: "var", name: t.text, span: span(t, t) }, [], t);
  }

  private call(name: Token): Expr {
    if (!isFunctionName(name.text)) throw this.lx.error(name.start, unknownFunction(name.text));
    const fn: FunctionName = name.text;
    this.advance(); // (
    const args: Expr[] = [];
    if (!this.at(")")) {
      for (;;) {
        args.push(this.expr(0));
        if (this.at(",")) {
          this.advance();
          continue;
        }
        if (this.at(")")) break;
        throw this.unclosed("',' or ')'", `${fn}(`, name.start);
      }
    }
    const close = this.advance();
    const arity = FUNCTIONS[fn];
    if (args.length !== arity) {
      throw this.lx.error(name.start, `${fn} takes ${arity} argument${arity === 1 ? "" : "s"}, got ${args.length}`);
    }
    return this.node({ kind: "call", name: fn, args, span: span(name, close) }, args, name);
  }

  /** After a complete operand: a second operand means a missing operator; anything else was not `expected`. */
  /**
   * A bracket left open: at the end of input the error points at the bracket ("expected ')'
   * to close the '(' at column 1"); before another token, at that token.
   */
  private unclosed(expected: string, open: string, column: number): ParseError {
    const t = this.tok;
    if (t.kind === "end") return this.lx.error(column, `expected ${expected} to close the '${open}'`);
    if (t.kind === "number" || t.kind === "name" || t.kind === "(") return this.lx.error(t.start, `missing operator before '${t.raw}'`);
    return this.lx.error(t.start, `expected ${expected} to close the '${open}' of column ${column}, got '${t.raw}'`);
  }

  private unexpectedAfterOperand(expected: string): ParseError {
    const t = this.tok;
    if (t.kind === "number" || t.kind === "name" || t.kind === "(") {
      return this.lx.error(t.start, `missing operator before '${t.raw}'`);
    }
    return this.lx.error(t.start, t.kind === "end" ? `unexpected end of input: expected ${expected}` : `expected ${expected}, got '${t.raw}'`);
  }

  /** The same node, its span grown to cover a leading '+' or enclosing parentheses. */
  private widen(e: Expr, open: Token, close: Token | null): Expr {
    const w = { ...e, span: { start: open.start, end: close ? close.end : e.span.end } };
    this.heights.set(w, this.heights.get(e) ?? 1);
    return w;
  }

  /** Records the node's height, refusing trees deeper than MAX_DEPTH (long chains like x+x+…+x grow without recursion). */
  private node<E extends Expr>(e: E, children: readonly Expr[], at: Token): E {
    let h = 1;
    for (const c of children) h = Math.max(h, 1 + (this.heights.get(c) ?? 1));
    if (h > MAX_HEIGHT) throw this.lx.error(at.start, `expression nested too deeply (more than ${MAX_HEIGHT} levels)`);
    this.heights.set(e, h);
    return e;
  }
}

function span(from: Token, to: Token): Span {
  return { start: from.start, end: to.end };
}

function unknownFunction(name: string): string {
  const names = Object.keys(FUNCTIONS);
  const best = closest(name.toLowerCase(), names);
  if (best !== undefined) return `unknown function '${name}' (did you mean '${best}'?)`;
  return `unknown function '${name}' (for a product, write ${name}*(...)); the functions are ${names.join(", ")}`;
}
