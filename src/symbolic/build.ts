// Building expression trees in code. Two sets of constructors with one signature:
//
//  - RAW builds exactly the node asked for (the textbook rules, verbatim);
//  - LIGHT applies the local identities a person applies while writing a derivative down:
//    numbers fold, u + 0 = u, u·1 = u, u·0 = 0, u^1 = u, u^0 = 1, −(−u) = u, u + (−v) = u − v,
//    and a sign moves out of a product ((−u)·v = −(u·v)). Nothing is expanded or collected:
//    that is simplify's work.
//
// Every tree built here prints with src/expr's print and parses back to the same tree: a
// negative number is a Neg of a positive literal, never a negative literal.

import { NO_SPAN, type BinaryOp, type Expr, type FunctionName } from "../expr/index.js";

export interface Builder {
  num(v: number): Expr;
  variable(name: string): Expr;
  neg(a: Expr): Expr;
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  pow(a: Expr, b: Expr): Expr;
  call(name: FunctionName, ...args: Expr[]): Expr;
}

/** A number literal; negative values become −(literal) so the tree round-trips through print and parse. */
export function num(v: number): Expr {
  if (v < 0 || Object.is(v, -0)) return { kind: "neg", arg: { kind: "num", value: -v, span: NO_SPAN }, span: NO_SPAN };
  return { kind: "num", value: v, span: NO_SPAN };
}

export function variable(name: string): Expr {
  return { kind: "var", name, span: NO_SPAN };
}

function binary(op: BinaryOp, left: Expr, right: Expr): Expr {
  return { kind: "binary", op, left, right, span: NO_SPAN };
}

/** The value of a number literal or a negated one, else undefined. */
export function constValue(e: Expr): number | undefined {
  if (e.kind === "num") return e.value;
  if (e.kind === "neg" && e.arg.kind === "num") return -e.arg.value;
  return undefined;
}

export const RAW: Builder = {
  num,
  variable,
  neg: (arg) => ({ kind: "neg", arg, span: NO_SPAN }),
  add: (a, b) => binary("+", a, b),
  sub: (a, b) => binary("-", a, b),
  mul: (a, b) => binary("*", a, b),
  div: (a, b) => binary("/", a, b),
  pow: (a, b) => binary("^", a, b),
  call: (name, ...args) => ({ kind: "call", name, args, span: NO_SPAN }),
};

/** Folds a constant only when the result is finite and prints short (so 1/3 stays 1/3). */
function folded(v: number, short: boolean): Expr | undefined {
  if (!Number.isFinite(v)) return undefined;
  if (short && String(Math.abs(v)).length > 12) return undefined;
  return num(v);
}



export const LIGHT: Builder = {
  num,
  variable,
  neg(a) {
    const c = constValue(a);
    if (c !== undefined) return num(c === 0 ? 0 : -c);
    if (a.kind === "neg") return a.arg;
    return RAW.neg(a);
  },
  add(a, b) {
    const ca = constValue(a), cb = constValue(b);
    if (ca !== undefined && cb !== undefined) return folded(ca + cb, false) ?? RAW.add(a, b);
    if (ca === 0) return b;
    if (cb === 0) return a;
    if (b.kind === "neg") return LIGHT.sub(a, b.arg);
    return RAW.add(a, b);
  },
  sub(a, b) {
    const ca = constValue(a), cb = constValue(b);
    if (ca !== undefined && cb !== undefined) return folded(ca - cb, false) ?? RAW.sub(a, b);
    if (cb === 0) return a;
    if (ca === 0) return LIGHT.neg(b);
    if (b.kind === "neg") return LIGHT.add(a, b.arg);
    return RAW.sub(a, b);
  },
  mul(a, b) {
    const ca = constValue(a), cb = constValue(b);
    if (ca !== undefined && cb !== undefined) return folded(ca * cb, false) ?? RAW.mul(a, b);
    if (ca === 0 || cb === 0) return num(0);
    if (ca === 1) return b;
    if (cb === 1) return a;
    if (ca === -1) return LIGHT.neg(b);
    if (cb === -1) return LIGHT.neg(a);
    if (a.kind === "neg") return LIGHT.neg(LIGHT.mul(a.arg, b));
    if (b.kind === "neg") return LIGHT.neg(LIGHT.mul(a, b.arg));
    return RAW.mul(a, b);
  },
  div(a, b) {
    const ca = constValue(a), cb = constValue(b);
    if (ca !== undefined && cb !== undefined && cb !== 0) return folded(ca / cb, true) ?? RAW.div(a, b);
    if (ca === 0 && cb !== 0) return num(0);
    if (cb === 1) return a;
    return RAW.div(a, b);
  },
  pow(a, b) {
    const ca = constValue(a), cb = constValue(b);
    if (ca !== undefined && cb !== undefined) return folded(Math.pow(ca, cb), true) ?? RAW.pow(a, b);
    if (cb === 0) return num(1);
    if (cb === 1) return a;
    if (ca === 1) return num(1);
    return RAW.pow(a, b);
  },
  call: RAW.call,
};


