// Tokens of the expression language, read lazily so that the leftmost error is the one
// reported. Columns are 1-based and count code points, so the caret of a ParseError lines
// up under non-ASCII input too.

import { ParseError } from "../base/errors.js";
import type { BinaryOp } from "./ast.js";

export type TokenKind = "number" | "name" | "op" | "(" | ")" | "," | "=" | ";" | "end";

export interface Token {
  readonly kind: TokenKind;
  /** Canonical text: an op's ASCII spelling ("−" reads as "-"), a name, a number as written. */
  readonly text: string;
  /** The characters as written (for messages). */
  readonly raw: string;
  readonly start: number;
  readonly end: number;
  /** A number token's value (0 otherwise). */
  readonly value: number;
}

/** Operator characters, with the Unicode spellings people paste from typeset formulas. */
const OPS: Readonly<Record<string, BinaryOp>> = {
  "+": "+",
  "-": "-",
  "\u2212": "-", // − minus sign
  "*": "*",
  "\u00d7": "*", // ×
  "\u00b7": "*", // · middle dot
  "\u22c5": "*", // ⋅ dot operator
  "/": "/",
  "\u00f7": "/", // ÷
  "^": "^",
};
const PUNCT = new Set(["(", ")", ",", "=", ";"]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isNameStart = (c: string | undefined): boolean => c !== undefined && /^[\p{L}_]$/u.test(c);
const isNamePart = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{M}\p{Nd}_]$/u.test(c);
const isSpace = (c: string): boolean => /^\s$/u.test(c);

/** A character as a message shows it: quoted when visible, as U+XXXX when not. */
export function showChar(c: string): string {
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c)) return `'${c}'`;
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A token as a message shows it. */
export function showToken(t: Token): string {
  return t.kind === "end" ? "end of input" : `'${t.raw}'`;
}

export class Lexer {
  private readonly chars: readonly string[];
  private pos = 0;

  constructor(readonly source: string) {
    this.chars = Array.from(source);
  }

  error(column: number, message: string): ParseError {
    return new ParseError(this.source, column, message);
  }

  next(): Token {
    const cs = this.chars;
    while (this.pos < cs.length && isSpace(cs[this.pos]!)) this.pos++;
    const i = this.pos;
    if (i >= cs.length) return this.token("end", "", i, i);
    const c = cs[i]!;
    if (isDigit(c) || (c === "." && isDigit(cs[i + 1]))) return this.number();
    if (isNameStart(c)) {
      let j = i + 1;
      while (isNamePart(cs[j])) j++;
      return this.token("name", cs.slice(i, j).join(""), i, j);
    }
    const op = OPS[c];
    if (op !== undefined) {
      if (op === "*" && cs[i + 1] === "*") throw this.error(i + 1, "'**' is not an operator; write x^y for a power");
      return this.token("op", op, i, i + 1, c);
    }
    if (PUNCT.has(c)) return this.token(c as TokenKind, c, i, i + 1);
    throw this.error(i + 1, `unexpected character ${showChar(c)}`);
  }

  // digits [. digits] [e [+-] digits], or . digits
  private number(): Token {
    const cs = this.chars;
    const i = this.pos;
    let j = i;
    while (isDigit(cs[j])) j++;
    if (cs[j] === ".") {
      j++;
      while (isDigit(cs[j])) j++;
    }
    let text = cs.slice(i, j).join("");
    if (cs[j] === "e" || cs[j] === "E") {
      const sign = cs[j + 1] === "+" || cs[j + 1] === "-" || cs[j + 1] === "\u2212" ? 1 : 0;
      if (!isDigit(cs[j + 1 + sign])) {
        throw this.error(j + 1, `malformed number '${cs.slice(i, j + 1 + sign).join("")}': the exponent needs digits, as in 1e-3`);
      }
      text += "e" + (sign ? (cs[j + 1] === "+" ? "+" : "-") : "");
      j += 1 + sign;
      const k = j;
      while (isDigit(cs[j])) j++;
      text += cs.slice(k, j).join("");
    }
    if (cs[j] === ".") throw this.error(j + 1, `malformed number '${cs.slice(i, j + 1).join("")}': a second '.'`);
    const value = Number(text);
    if (!Number.isFinite(value)) throw this.error(i + 1, `number ${cs.slice(i, j).join("")} is too large (it overflows to Infinity)`);
    return this.token("number", text, i, j, cs.slice(i, j).join(""), value);
  }

  private token(kind: TokenKind, text: string, from: number, to: number, raw?: string, value = 0): Token {
    this.pos = to;
    return { kind, text, raw: raw ?? text, start: from + 1, end: to + 1, value };
  }
}
