// Variable assignments as a command line or a form gives them: "x1=1.5, x2=0.3",
// "x1 = 1.5; x2 = -0.3" or "x1=1.5 x2=0.3".

import { stringArg } from "../base/validate.js";
import { isFunctionName } from "./ast.js";
import { Lexer, showToken, type Token } from "./lexer.js";

/** Parses `name=number` pairs separated by ',', ';' or whitespace; failures are ParseErrors with a column. */
export function parseAssignments(text: string): Record<string, number> {
  stringArg("parseAssignments", "the assignments", text);
  const lx = new Lexer(text);
  const out: Record<string, number> = {};
  const first = new Map<string, number>();
  let t = lx.next();
  while (t.kind !== "end") {
    if (t.kind !== "name") throw lx.error(t.start, `expected a variable name, got ${showToken(t)}`);
    const name = t;
    if (isFunctionName(name.text)) throw lx.error(name.start, `'${name.text}' is a function name, not a variable`);
    const seen = first.get(name.text);
    if (seen !== undefined) throw lx.error(name.start, `'${name.text}' is assigned twice (first at column ${seen})`);
    t = lx.next();
    if (t.kind !== "=") throw lx.error(t.start, `expected '=' after '${name.text}', got ${showToken(t)}`);
    t = lx.next();
    let sign = 1;
    const signTok: Token | null = t.kind === "op" && (t.text === "-" || t.text === "+") ? t : null;
    if (signTok) {
      if (signTok.text === "-") sign = -1;
      t = lx.next();
    }
    if (t.kind !== "number") throw lx.error(t.start, `expected a number for '${name.text}', got ${showToken(t)}`);
    first.set(name.text, name.start);
    // defineProperty: a variable may be named __proto__, which plain assignment would drop.
    Object.defineProperty(out, name.text, { value: sign * t.value, enumerable: true, writable: true, configurable: true });
    t = lx.next();
    if (t.kind === "," || t.kind === ";") t = lx.next();
  }
  return out;
}
