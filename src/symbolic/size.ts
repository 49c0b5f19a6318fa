// How big an expression is, four ways: nodes of the tree as printed, nodes of the DAG after
// common-subexpression elimination, operations (tree and DAG), and printed characters.
// Counting is memoized on shared objects, so a tree with 10^6 nodes in print but a few
// hundred in memory is counted in a few hundred steps (chars excepted: they are printed).

import { checkOptions, optionKeys } from "../base/options.js";
import { print, type Expr } from "../expr/index.js";
import { HashCons } from "./cse.js";
import { overExpr } from "../expr/ast.js";

/** The size of an expression: its nodes and, when asked, its printed characters. */
export interface ExprSize {
  /** Nodes of the tree (every leaf and operation, shared subtrees counted each time they appear). */
  readonly nodes: number;
  /** Operations in the tree (negations, binary operators, calls). */
  readonly ops: number;
  /** Nodes after common-subexpression elimination (each distinct subtree once). */
  readonly dagNodes: number;
  /** Operations after common-subexpression elimination: what an evaluator with sharing performs. */
  readonly dagOps: number;
  /** Length of the printed form (src/expr's print). Absent with { chars: false }. */
  readonly chars?: number;
}

const isOp = (e: Expr): boolean => e.kind !== "num" && e.kind !== "var";

/** The tree's node and operation counts (memoized over shared objects; exact up to 2^53). */
export function treeCounts(e: Expr): { nodes: number; ops: number } {
  const memo = new Map<Expr, { nodes: number; ops: number }>();
  const go = (x: Expr): { nodes: number; ops: number } => {
    const hit = memo.get(x);
    if (hit) return hit;
    const kids = x.kind === "neg" ? [x.arg] : x.kind === "binary" ? [x.left, x.right] : x.kind === "call" ? x.args : [];
    let nodes = 1, ops = isOp(x) ? 1 : 0;
    for (const k of kids) {
      const c = go(k);
      nodes += c.nodes;
      ops += c.ops;
    }
    const r = { nodes, ops };
    memo.set(x, r);
    return r;
  };
  return go(e);
}

/** The size of `e` (node count; characters with `chars: true`), to measure expression swell. */
export function exprSize(e: Expr, opts: { chars?: boolean } = {}): ExprSize {
  opts = checkOptions("exprSize", opts, optionKeys<{ chars?: boolean }>({ chars: true }));
  return overExpr("exprSize", e, (x) => sizeImpl(x, opts));
}

function sizeImpl(e: Expr, opts: { chars?: boolean }): ExprSize {
  const { nodes, ops } = treeCounts(e);
  const hc = new HashCons();
  hc.id(e);
  const dagOps = hc.nodes.filter(isOp).length;
  const size: ExprSize = { nodes, ops, dagNodes: hc.nodes.length, dagOps };
  return opts.chars === false ? size : { ...size, chars: print(e).length };
}
