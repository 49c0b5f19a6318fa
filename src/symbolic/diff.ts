// Symbolic differentiation of the expression AST: the sum, product and quotient rules, the
// power rule, the chain rule and the elementary derivatives, applied node by node.
//
// By default (LIGHT) each rule's result is built with the local identities a person applies
// while writing (u·1 = u, u + 0 = u, u·0 = 0, numbers fold), and nothing more — so the result
// shows the expression swell of the survey's Table 1: d/dx[4x(1 − x)] = 4*(1 - x) - 4*x.
// `{ raw: true }` applies the rules verbatim; `simplify` collects and expands afterwards.
//
// Shared subtrees (the same object reached twice) are differentiated once and their
// derivatives shared, so a derivative whose printed form is megabytes stays small in memory.

import { ArgumentError } from "../base/errors.js";
import { FUNCTIONS, isFunctionName, variables, type BinaryOp, type Expr, type FunctionName } from "../expr/index.js";
import { LIGHT, RAW, type Builder } from "./build.js";

/** Options of `differentiate`: whether to simplify the result. */
export interface DiffOptions {
  /** Apply the rules verbatim, without even u·1 = u (default false). */
  readonly raw?: boolean;
}

/** True for a name the expression language reads as a variable (not a number, not a function). */
export function isVariableName(name: unknown): name is string {
  return typeof name === "string" && /^[\p{L}_][\p{L}\p{M}\p{Nd}_]*$/u.test(name) && !isFunctionName(name);
}

/** d(expr)/d(wrt), as a tree that src/expr's print writes and parse reads back. */
export function differentiate(expr: Expr, wrt: string, opts: DiffOptions = {}): Expr {
  if (!isVariableName(wrt)) {
    throw new ArgumentError("differentiate", `expected a variable name to differentiate with respect to, got ${JSON.stringify(wrt)}`);
  }
  const B = opts.raw ? RAW : LIGHT;
  const depends = dependence(wrt);
  const memo = new Map<Expr, Expr>();
  const d = (e: Expr): Expr => {
    const hit = memo.get(e);
    if (hit) return hit;
    const out = rule(e, d, depends, B);
    memo.set(e, out);
    return out;
  };
  return d(expr);
}

/** The gradient: one derivative per variable (default: the expression's variables, in order of appearance). */
export function gradientExprs(expr: Expr, wrt: readonly string[] = variables(expr), opts: DiffOptions = {}): Expr[] {
  return wrt.map((v) => differentiate(expr, v, opts));
}

/** Whether a subtree contains the variable (memoized). */
function dependence(wrt: string): (e: Expr) => boolean {
  const memo = new Map<Expr, boolean>();
  const dep = (e: Expr): boolean => {
    const hit = memo.get(e);
    if (hit !== undefined) return hit;
    let r: boolean;
    switch (e.kind) {
      case "num": r = false; break;
      case "var": r = e.name === wrt; break;
      case "neg": r = dep(e.arg); break;
      case "binary": r = dep(e.left) || dep(e.right); break;
      case "call": r = e.args.some(dep); break;
    }
    memo.set(e, r);
    return r;
  };
  return dep;
}

function rule(e: Expr, d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder): Expr {
  const zero = B.num(0), one = B.num(1);
  if (!depends(e)) return zero;
  switch (e.kind) {
    case "num":
      return zero;
    case "var":
      return one;
    case "neg":
      return B.neg(d(e.arg));
    case "binary":
      return binary(e.op, e.left, e.right, d, depends, B);
    case "call":
      return call(e.name, e.args, d, depends, B);
  }
}

function binary(op: BinaryOp, u: Expr, v: Expr, d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder): Expr {
  switch (op) {
    case "+": return B.add(d(u), d(v));
    case "-": return B.sub(d(u), d(v));
    case "*": return B.add(B.mul(d(u), v), B.mul(u, d(v)));
    case "/": return B.div(B.sub(B.mul(d(u), v), B.mul(u, d(v))), B.pow(v, B.num(2)));
    case "^": return power(u, v, d, depends, B);
  }
}

/** u^v: the power rule when v is constant, the exponential rule when u is, the general rule otherwise. */
function power(u: Expr, v: Expr, d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder): Expr {
  const uv = B.pow(u, v);
  if (!depends(v)) return B.mul(B.mul(v, B.pow(u, B.sub(v, B.num(1)))), d(u));
  if (!depends(u)) return B.mul(B.mul(uv, B.call("ln", u)), d(v));
  return B.mul(uv, B.add(B.mul(d(v), B.call("ln", u)), B.div(B.mul(v, d(u)), u)));
}

type CallRule = (args: readonly Expr[], d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder) => Expr;

/** The chain rule for a one-argument function: f(u)' = times(u)·u' / over(u), from f' as a function of u. */
const chain = (f: (u: Expr, B: Builder) => { times?: Expr; over?: Expr }): CallRule => ([u], d, _dep, B) => {
  const { times, over } = f(u!, B);
  const du = d(u!);
  const top = times === undefined ? du : B.mul(times, du);
  return over === undefined ? top : B.div(top, over);
};
const sq = (u: Expr, B: Builder): Expr => B.pow(u, B.num(2));

const CALLS: Readonly<Record<FunctionName, CallRule>> = {
  sin: chain((u, B) => ({ times: B.call("cos", u) })),
  cos: chain((u, B) => ({ times: B.neg(B.call("sin", u)) })),
  tan: chain((u, B) => ({ over: sq(B.call("cos", u), B) })),
  asin: chain((u, B) => ({ over: B.call("sqrt", B.sub(B.num(1), sq(u, B))) })),
  acos: chain((u, B) => ({ times: B.num(-1), over: B.call("sqrt", B.sub(B.num(1), sq(u, B))) })),
  atan: chain((u, B) => ({ over: B.add(B.num(1), sq(u, B)) })),
  sinh: chain((u, B) => ({ times: B.call("cosh", u) })),
  cosh: chain((u, B) => ({ times: B.call("sinh", u) })),
  tanh: chain((u, B) => ({ times: B.sub(B.num(1), sq(B.call("tanh", u), B)) })),
  exp: chain((u, B) => ({ times: B.call("exp", u) })),
  expm1: chain((u, B) => ({ times: B.call("exp", u) })),
  log: chain((u) => ({ over: u })),
  ln: chain((u) => ({ over: u })),
  log1p: chain((u, B) => ({ over: B.add(B.num(1), u) })),
  sqrt: chain((u, B) => ({ over: B.mul(B.num(2), B.call("sqrt", u)) })),
  // |u|' = u/|u| (undefined at 0, where |u| has no derivative).
  abs: chain((u, B) => ({ times: B.div(u, B.call("abs", u)) })),
  pow: ([u, v], d, depends, B) => power(u!, v!, d, depends, B),
  // atan2(a, b)' = (b·a' − a·b') / (a² + b²)
  atan2: ([a, b], d, _dep, B) => B.div(B.sub(B.mul(b!, d(a!)), B.mul(a!, d(b!))), B.add(sq(a!, B), sq(b!, B))),
  // min(a, b) = (a + b − |a − b|)/2, so min' = (a' + b' − (a − b)(a' − b')/|a − b|)/2; max likewise with +.
  min: ([a, b], d, _dep, B) => minMax(a!, b!, d, B, -1),
  max: ([a, b], d, _dep, B) => minMax(a!, b!, d, B, 1),
};

function minMax(a: Expr, b: Expr, d: (e: Expr) => Expr, B: Builder, sign: 1 | -1): Expr {
  const diff = B.sub(a, b);
  const kink = B.div(B.mul(diff, B.sub(d(a), d(b))), B.call("abs", diff));
  const sum = B.add(d(a), d(b));
  return B.div(sign > 0 ? B.add(sum, kink) : B.sub(sum, kink), B.num(2));
}

function call(name: FunctionName, args: readonly Expr[], d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder): Expr {
  const r = CALLS[name];
  if (!r || args.length !== FUNCTIONS[name]) throw new ArgumentError("differentiate", `no derivative rule for ${name} with ${args.length} argument${args.length === 1 ? "" : "s"}`);
  return r(args, d, depends, B);
}
