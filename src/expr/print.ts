// Prints an AST with the fewest parentheses that parse back to the same tree
// (parse(printImpl(e)) equals e up to spans). The rules follow parse.ts's binding powers.

import { overExpr, printable, type Expr } from "./ast.js";
import { INFIX, PREFIX_BP } from "./parse.js";

/** The expression as text in the expression language (parseable back by parseExpr), with the fewest parentheses. */
export function print(e: Expr): string {
  return overExpr("printExpr", printable("printExpr", e), printImpl);
}

function printImpl(e: Expr): string {
  switch (e.kind) {
    case "num":
      return number(e.value);
    case "var":
      return e.name;
    case "neg":
      return "-" + wrap(e.arg, looseUnder(e.arg, PREFIX_BP));
    case "call":
      return `${e.name}(${e.args.map(print).join(", ")})`;
    case "binary": {
      const [lbp, rbp] = INFIX[e.op];
      // The left operand parenthesized when its own right operand would swallow this operator.
      const left = wrap(e.left, rightBp(e.left) <= lbp);
      // The right operand parenthesized when its operator binds looser than this one's right side;
      // a prefix minus never needs it (x^-y, x*-y, x - -y).
      const right = wrap(e.right, e.right.kind === "binary" && INFIX[e.right.op][0] < rbp);
      const sep = e.op === "+" || e.op === "-" ? ` ${e.op} ` : e.op;
      return left + sep + right;
    }
  }
}

/** How tightly a printed node holds what follows it: its trailing operand's binding power (atoms: all). */
function rightBp(e: Expr): number {
  if (e.kind === "binary") return INFIX[e.op][1];
  if (e.kind === "neg" || isNegativeLiteral(e)) return PREFIX_BP;
  return Infinity;
}

/** True when `e` printed bare as an operand parsed at `bp` would not stay one node. */
function looseUnder(e: Expr, bp: number): boolean {
  return e.kind === "binary" && INFIX[e.op][0] < bp;
}

function wrap(e: Expr, parens: boolean): string {
  return parens ? `(${printImpl(e)})` : printImpl(e);
}

// A negative (or non-finite) literal only arises in a built AST; print it so that it
// reads back as an expression of the same value: -2 as a prefix minus, ∞ as 1/0.
function isNegativeLiteral(e: Expr): boolean {
  return e.kind === "num" && (e.value < 0 || Object.is(e.value, -0));
}

function number(v: number): string {
  if (Number.isNaN(v)) return "(0/0)";
  if (v === Infinity) return "(1/0)";
  if (v === -Infinity) return "-(1/0)";
  if (v < 0 || Object.is(v, -0)) return "-" + String(-v);
  return String(v);
}
