// Turns an AST into a function built from wengert's ops, so grad, jvp, the tape and every
// other transform apply to it.
//
// Evaluation order is the ASAP ("level") schedule: each operation's depth is one more than
// its deepest operand's (inputs and constants are depth 0), and operations run by depth,
// then left to right. This is the order the survey writes its traces in: for
// ln(x1) + x1*x2 - sin(x2) it gives v1 = ln v-1, v2 = v-1×v0, v3 = sin v0, v4 = v1+v2,
// v5 = v4−v3, where a plain recursive evaluation would compute the sum before the sine.
// Identical subtrees are evaluated once, and operations on constants alone are folded.

import { ArgumentError } from "../base/errors.js";
import { bind, type Primitive } from "../core/primitive.js";
import type { Value } from "../core/tracer.js";
import { add, div, mul, neg, pow, sub } from "../ops/api.js";
import type { BinaryOp, Expr } from "./ast.js";
import { functionPrimitive, type FunctionName } from "./functions.js";
import { exprArg } from "./ast.js";
import { describe } from "../base/format.js";
import { guardStack } from "../base/validate.js";

type Op = (...args: Value[]) => Value;
const u = (f: unknown): Op => f as Op;

/** Each call's op, from the primitive table; `key` is what common-subexpression sharing compares (ln and log are one op). */
const callOps = new Map<Primitive<unknown>, { readonly key: string; readonly fn: Op }>();
function callOp(name: FunctionName): { readonly key: string; readonly fn: Op } {
  const prim = functionPrimitive(name);
  let op = callOps.get(prim);
  if (op === undefined) callOps.set(prim, (op = { key: prim.name, fn: (...args) => bind(prim, args, undefined) }));
  return op;
}
const BINARY: Readonly<Record<BinaryOp, { readonly key: string; readonly fn: Op }>> = {
  "+": { key: "add", fn: u(add) }, "-": { key: "sub", fn: u(sub) }, "*": { key: "mul", fn: u(mul) },
  "/": { key: "div", fn: u(div) }, "^": { key: "pow", fn: u(pow) },
};
const NEG = { key: "neg", fn: u(neg) };

/** The variables of `expr`, in order of first appearance. */
export function variables(expr: Expr): string[] {
  exprArg("exprVariables", expr);
  const seen = new Set<string>();
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case "num": return;
      case "var": seen.add(e.name); return;
      case "neg": walk(e.arg); return;
      case "binary": walk(e.left); walk(e.right); return;
      case "call": e.args.forEach(walk); return;
    }
  };
  walk(expr);
  return [...seen];
}

/** A compiled expression: takes one value per variable, in `variables` order. */
export type CompiledExpr = ((...args: number[]) => number) & { readonly variables: readonly string[] };
/** A compiled expression taking its variables by name. */
export type CompiledRecordExpr = ((env: Readonly<Record<string, number>>) => number) & { readonly variables: readonly string[] };

/**
 * Compiles `expr` to a function of its variables, in `order` (default: order of first
 * appearance; `order` may list unused names, which then take an ignored argument).
 * Arguments may be numbers, NDArrays (elementwise) or traced values.
 */
export function compileExpr(expr: Expr, order?: readonly string[]): CompiledExpr {
  exprArg("compileExpr", expr);
  if (order !== undefined && order !== null && !(Array.isArray(order) && order.every((n) => typeof n === "string"))) throw new ArgumentError("compileExpr", `the order of the variables must be an array of names, got ${describe(order)}`);
  const names = order ? [...order] : variables(expr);
  const run = guardStack("compileExpr", "the expression", () => schedule(expr, names));
  const f = (...args: number[]): number => {
    if (args.length !== names.length) {
      throw new ArgumentError("expression", `takes ${names.length} argument${names.length === 1 ? "" : "s"} (${names.join(", ")}), got ${args.length}`);
    }
    return run(args as Value[]) as number;
  };
  return Object.assign(f, { variables: Object.freeze(names) });
}

/** Compiles `expr` to a function of a record holding (at least) its variables. */
export function compileExprRecord(expr: Expr): CompiledRecordExpr {
  exprArg("compileExprRecord", expr);
  const names = variables(expr);
  const run = guardStack("compileExprRecord", "the expression", () => schedule(expr, names));
  const f = (env: Readonly<Record<string, number>>): number => {
    const args = names.map((n) => {
      if (env === null || typeof env !== "object" || !Object.hasOwn(env, n)) throw new ArgumentError("expression", `no value for the variable '${n}'`);
      return env[n] as Value;
    });
    return run(args) as number;
  };
  return Object.assign(f, { variables: Object.freeze(names) });
}

interface OpNode {
  readonly fn: Op;
  readonly args: readonly Ref[];
  readonly depth: number;
  /** Position in a left-to-right (post-order) walk: the tie-break within a depth. */
  readonly order: number;
  /** Index into the evaluation's value array, laid out as inputs, then constants, then ops in schedule order. */
  slot: number;
}
type Ref = { readonly input: number } | { readonly value: number } | { readonly op: OpNode };

function schedule(expr: Expr, names: readonly string[]): (args: readonly Value[]) => Value {
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (index.has(n)) throw new ArgumentError("compileExpr", `the variable '${n}' appears twice in the order [${names.join(", ")}]`);
    index.set(n, i);
  });
  const shared = new Map<string, OpNode>();
  const ops: OpNode[] = [];
  const refKey = (r: Ref): string => ("input" in r ? `x${r.input}` : "value" in r ? `c${Object.is(r.value, -0) ? "-0" : r.value}` : `#${r.op.order}`);

  const apply = (op: { key: string; fn: Op }, args: Ref[]): Ref => {
    if (args.every((a) => "value" in a)) return { value: op.fn(...args.map((a) => (a as { value: number }).value)) as number };
    const key = `${op.key}(${args.map(refKey).join(",")})`;
    const hit = shared.get(key);
    if (hit) return { op: hit };
    const depth = 1 + Math.max(...args.map((a) => ("op" in a ? a.op.depth : 0)));
    const node: OpNode = { fn: op.fn, args, depth, order: ops.length, slot: -1 };
    shared.set(key, node);
    ops.push(node);
    return { op: node };
  };
  const visit = (e: Expr): Ref => {
    switch (e.kind) {
      case "num": return { value: e.value };
      case "var": {
        const i = index.get(e.name);
        if (i === undefined) throw new ArgumentError("compileExpr", `the variable '${e.name}' is missing from the order [${names.join(", ")}]`);
        return { input: i };
      }
      case "neg": return apply(NEG, [visit(e.arg)]);
      case "binary": return apply(BINARY[e.op], [visit(e.left), visit(e.right)]);
      case "call": return apply(callOp(e.name), e.args.map(visit));
    }
  };
  const root = visit(expr);

  const levels = [...ops].sort((a, b) => a.depth - b.depth || a.order - b.order);
  const n = names.length;
  const template = new Array<Value>(n).fill(0);
  const constSlot = new Map<Ref, number>();
  for (const node of levels) {
    for (const r of node.args) {
      if ("value" in r) constSlot.set(r, template.push(r.value) - 1);
    }
  }
  levels.forEach((node, k) => (node.slot = template.length + k));
  const slotOf = (r: Ref): number => ("input" in r ? r.input : "op" in r ? r.op.slot : constSlot.get(r)!);
  const steps = levels.map((node) => ({ fn: node.fn, args: node.args.map(slotOf) }));
  if ("value" in root) {
    const v = root.value;
    return () => v;
  }
  const rootSlot = slotOf(root);

  return (args) => {
    const slots = template.slice();
    for (let i = 0; i < n; i++) slots[i] = args[i]!;
    for (const s of steps) {
      const a = s.args;
      slots.push(a.length === 1 ? s.fn(slots[a[0]!]!) : s.fn(slots[a[0]!]!, slots[a[1]!]!));
    }
    return slots[rootSlot]!;
  };
}
