// Symbolic differentiation of the expression AST: the sum, product and quotient rules (the
// textbook forms, whose growth is the survey's expression swell), and for every function and
// ^ the chain rule over the function's partials as the primitive table states them once
// (core/algebra.ts), applied node by node.
//
// By default (LIGHT) each rule's result is built with the local identities a person applies
// while writing (u·1 = u, u + 0 = u, u·0 = 0, numbers fold), and nothing more — so the result
// shows the expression swell of the survey's Table 1: d/dx[4x(1 − x)] = 4*(1 - x) - 4*x.
// `{ raw: true }` applies the rules verbatim; `simplify` collects and expands afterwards.
//
// Shared subtrees (the same object reached twice) are differentiated once and their
// derivatives shared, so a derivative whose printed form is megabytes stays small in memory.

import { ArgumentError } from "../base/errors.js";
import type { Algebra } from "../core/algebra.js";
import { FUNCTIONS, functionPrimitive, isFunctionName, NO_SPAN, variables, type BinaryOp, type Expr } from "../expr/index.js";
import { constValue, LIGHT, RAW, type Builder } from "./build.js";
import { exprArg } from "../expr/ast.js";
import { showValue } from "../base/format.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { guardStack } from "../base/validate.js";

/** Options of `differentiate`: whether to simplify the result. */
export interface DiffOptions {
  /** Apply the rules verbatim, without even u·1 = u (default false). */
  readonly raw?: boolean;
}

const DIFF_KEYS = optionKeys<DiffOptions>({ raw: true });

/** True for a name the expression language reads as a variable (not a number, not a function). */
export function isVariableName(name: unknown): name is string {
  return typeof name === "string" && /^[\p{L}_][\p{L}\p{M}\p{Nd}_]*$/u.test(name) && !isFunctionName(name);
}

/** d(expr)/d(wrt), as a tree that src/expr's print writes and parse reads back. */
export function differentiate(expr: Expr, wrt: string, opts: DiffOptions = {}): Expr {
  exprArg("differentiate", expr);
  opts = checkOptions("differentiate", opts, DIFF_KEYS);
  if (!isVariableName(wrt)) {
    throw new ArgumentError("differentiate", `expected a variable name to differentiate with respect to, got ${showValue(wrt)}`);
  }
  return guardStack("differentiate", "the expression", () => diffImpl(expr, wrt, opts));
}

function diffImpl(expr: Expr, wrt: string, opts: DiffOptions): Expr {
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
export function gradientExprs(expr: Expr, wrt?: readonly string[], opts: DiffOptions = {}): Expr[] {
  exprArg("gradientExprs", expr);
  opts = checkOptions("gradientExprs", opts, DIFF_KEYS);
  const names = wrt ?? variables(expr);
  if (!Array.isArray(names)) throw new ArgumentError("gradientExprs", `the variables must be an array of names, got ${showValue(names)}`);
  return names.map((v) => differentiate(expr, v, opts));
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
      return call(e.name, e.args, e, d, depends, B);
  }
}

function binary(op: BinaryOp, u: Expr, v: Expr, d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder): Expr {
  switch (op) {
    case "+": return B.add(d(u), d(v));
    case "-": return B.sub(d(u), d(v));
    case "*": return B.add(B.mul(d(u), v), B.mul(u, d(v)));
    case "/": return B.div(B.sub(B.mul(d(u), v), B.mul(u, d(v))), B.pow(v, B.num(2)));
    case "^": return call("pow", [u, v], { kind: "binary", op, left: u, right: v, span: NO_SPAN }, d, depends, B);
  }
}

/**
 * The chain rule for a call (or ^, with `out` the node itself): Σ ∂f/∂u_i · u_i' over the arguments that depend on the variable,
 * each partial the function's one statement in the primitive table (core/algebra.ts), read on
 * expression trees. So AD, the trace tables and this agree by construction, kinks included:
 * |u|' = sign(u)·u', max(a, b)' = ((1 + sign(a − b))·a' + (1 + sign(b − a))·b')/2.
 */
function call(name: string, args: readonly Expr[], out: Expr, d: (e: Expr) => Expr, depends: (e: Expr) => boolean, B: Builder): Expr {
  const el = isFunctionName(name) ? functionPrimitive(name).elementary : undefined;
  if (el === undefined || args.length !== FUNCTIONS[name]) {
    throw new ArgumentError("differentiate", `no derivative rule for ${name} with ${args.length} argument${args.length === 1 ? "" : "s"}`);
  }
  const A = algebra(B);
  let sum: Expr | null = null;
  args.forEach((u, i) => {
    if (!depends(u)) return;
    const term = B.mul(el.partials[i]!(A, args, out), d(u));
    sum = sum === null ? term : B.add(sum, term);
  });
  return sum ?? B.num(0);
}

const algebras = new Map<Builder, Algebra<Expr>>();

/** The partials' algebra on expression trees, built with B (LIGHT's identities, or RAW). */
function algebra(B: Builder): Algebra<Expr> {
  let A = algebras.get(B);
  if (A !== undefined) return A;
  const fn = (name: string) => (a: Expr): Expr => B.call(name, a);
  A = {
    num: (c) => B.num(c),
    add: (a, b) => B.add(a, b),
    sub: (a, b) => B.sub(a, b),
    mul: (a, b) => B.mul(a, b),
    // c/x with c = 1/k reads 1/(k·x): sqrt's derivative as written, 1/(2*sqrt(x)).
    div: (a, b) => {
      const c = constValue(a), k = c === undefined || c === 0 ? NaN : 1 / c;
      return Number.isInteger(k) && k > 1 ? B.div(B.num(1), B.mul(B.num(k), b)) : B.div(a, b);
    },
    neg: (a) => B.neg(a),
    square: (a) => B.pow(a, B.num(2)),
    sqrt: fn("sqrt"),
    exp: fn("exp"),
    log: fn("ln"),
    sin: fn("sin"),
    cos: fn("cos"),
    sinh: fn("sinh"),
    cosh: fn("cosh"),
    pow: (a, b) => B.pow(a, b),
    sign: fn("sign"),
    pick: (a, b, largest) => B.div(B.add(B.num(1), B.call("sign", largest ? B.sub(a, b) : B.sub(b, a))), B.num(2)),
    // Symbolically the formula itself: the expression language has no pointwise select.
    unlessZero: (x, f) => f(x),
  };
  algebras.set(B, A);
  return A;
}
