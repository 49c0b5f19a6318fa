// Common-subexpression elimination: the expression as a DAG (each distinct subtree once),
// and as let-bindings t1 = …, t2 = …, result, where every operation used more than once is
// computed once. The DAG is what an evaluator with sharing computes; its size is what the
// tree's size becomes after CSE.

import { checkOptions, optionKeys } from "../base/options.js";
import { variables, type Expr } from "../expr/index.js";
import { RAW, variable } from "./build.js";
import { overExpr } from "../expr/ast.js";

/** Structural ids: equal subtrees get equal ids. Linear in the number of distinct objects. */
export class HashCons {
  private readonly ids = new Map<Expr, number>();
  private readonly byKey = new Map<string, number>();
  /** One representative node per id, children before parents. */
  readonly nodes: Expr[] = [];
  /** The children ids of each id. */
  readonly children: number[][] = [];

  id(e: Expr): number {
    const hit = this.ids.get(e);
    if (hit !== undefined) return hit;
    let key: string;
    let kids: number[] = [];
    switch (e.kind) {
      case "num": key = `n${Object.is(e.value, -0) ? "-0" : e.value}`; break;
      case "var": key = `v${e.name}`; break;
      case "neg": kids = [this.id(e.arg)]; key = `-${kids[0]}`; break;
      case "binary": kids = [this.id(e.left), this.id(e.right)]; key = `${e.op}${kids[0]},${kids[1]}`; break;
      case "call": kids = e.args.map((a) => this.id(a)); key = `${e.name}(${kids.join(",")})`; break;
    }
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.nodes.length;
      this.byKey.set(key, id);
      this.nodes.push(e);
      this.children.push(kids);
    }
    this.ids.set(e, id);
    return id;
  }
}

/** A shared subexpression given a name by `cse`. */
export interface Binding {
  readonly name: string;
  readonly expr: Expr;
}

/** What `cse` returns: the named shared subexpressions and the expression that uses them. */
export interface CseResult {
  /** Temporaries in evaluation order; each refers to the inputs and earlier temporaries. */
  readonly bindings: readonly Binding[];
  readonly result: Expr;
  /** Distinct subtrees (nodes of the DAG). */
  readonly dagNodes: number;
}

export interface CseOptions {
  /** Temporary names are prefix1, prefix2, … (default "t"; made unique against the expression's variables). */
  readonly prefix?: string;
}

/** Binds every operation that occurs more than once (counting occurrences in the DAG) to a temporary. */
export function cse(e: Expr, opts: CseOptions = {}): CseResult {
  opts = checkOptions("cse", opts, optionKeys<CseOptions>({ prefix: true }));
  return overExpr("cse", e, (x) => cseImpl(x, opts));
}

function cseImpl(e: Expr, opts: CseOptions): CseResult {
  const hc = new HashCons();
  const root = hc.id(e);
  const uses = new Array<number>(hc.nodes.length).fill(0);
  const reached = new Array<boolean>(hc.nodes.length).fill(false);
  // Count uses from each distinct node once (the DAG's edges).
  const stack = [root];
  reached[root] = true;
  while (stack.length) {
    const id = stack.pop()!;
    for (const k of hc.children[id]!) {
      uses[k]!++;
      if (!reached[k]) {
        reached[k] = true;
        stack.push(k);
      }
    }
  }
  const taken = new Set(variables(e));
  let prefix = opts.prefix ?? "t";
  while ([...taken].some((v) => new RegExp(`^${prefix}\\d+$`).test(v))) prefix += "_";
  const names = new Map<number, string>();
  const rebuilt = new Map<number, Expr>();
  const bindings: Binding[] = [];
  // Ids are assigned children-first, so ascending order is an evaluation order.
  for (let id = 0; id < hc.nodes.length; id++) {
    if (!reached[id]) continue;
    const node = hc.nodes[id]!;
    const kid = (k: number): Expr => (names.has(k) ? variable(names.get(k)!) : rebuilt.get(k)!);
    let out: Expr;
    switch (node.kind) {
      case "num": case "var": out = node; break;
      case "neg": out = RAW.neg(kid(hc.children[id]![0]!)); break;
      case "binary": out = { ...node, left: kid(hc.children[id]![0]!), right: kid(hc.children[id]![1]!) }; break;
      case "call": out = { ...node, args: hc.children[id]!.map(kid) }; break;
    }
    rebuilt.set(id, out);
    const trivial = node.kind === "num" || node.kind === "var" || (node.kind === "neg" && node.arg.kind === "num");
    if (uses[id]! > 1 && !trivial && id !== root) {
      const name = `${prefix}${bindings.length + 1}`;
      names.set(id, name);
      bindings.push({ name, expr: out });
    }
  }
  return { bindings, result: rebuilt.get(root)!, dagNodes: reached.filter(Boolean).length };
}
