// Scope analysis of one function: which identifiers are references to names the function does
// not declare itself (its free variables: globals, or closures fromJS cannot see), and which
// constructs it uses that fromJS refuses. Two passes: the first records every declaration in
// the scope that holds it (var hoists to its function, let/const/class to their block), the
// second resolves each reference against the chain of scopes around it.

import { child, childNodes, children, isFunction, type Node } from "./ast.js";

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | null, readonly fn: boolean) {}
  has(name: string): boolean {
    for (let s: Scope | null = this; s !== null; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
  fnScope(): Scope {
    let s: Scope = this;
    while (!s.fn && s.parent !== null) s = s.parent;
    return s;
  }
}

/** A refused construct: what it is, and the offset where it starts. */
export interface Refusal {
  readonly what: string;
  readonly at: number;
}

export interface ScopeInfo {
  /** Identifier nodes that refer to a name declared nowhere in the function (in source order). */
  readonly free: readonly Node[];
  readonly refusals: readonly Refusal[];
  /** Every name the function declares somewhere (the rewriter's temporaries must avoid them). */
  readonly declared: ReadonlySet<string>;
  /** The free identifiers that are assigned to (a scope value or a global: refused). */
  readonly writes: ReadonlySet<Node>;
}

const BLOCK_SCOPES = new Set(["BlockStatement", "ForStatement", "ForInStatement", "ForOfStatement", "SwitchStatement", "CatchClause", "StaticBlock"]);

function patternNames(p: Node | null, out: string[] = []): string[] {
  if (p === null) return out;
  switch (p.type) {
    case "Identifier": out.push(p.name as string); break;
    case "ObjectPattern": for (const q of children(p, "properties")) patternNames(q && (q.type === "RestElement" ? child(q, "argument") : child(q, "value")), out); break;
    case "ArrayPattern": for (const q of children(p, "elements")) patternNames(q, out); break;
    case "AssignmentPattern": patternNames(child(p, "left"), out); break;
    case "RestElement": patternNames(child(p, "argument"), out); break;
  }
  return out;
}

function refuse(n: Node): string | null {
  switch (n.type) {
    case "ThisExpression": return "this";
    case "Super": return "super";
    case "MetaProperty": return `${(child(n, "meta")!.name as string)}.${child(n, "property")!.name as string}`;
    case "YieldExpression": return "yield";
    case "AwaitExpression": return "await";
    case "WithStatement": return "a with statement";
    case "ClassDeclaration": case "ClassExpression": return "a class";
    case "ImportExpression": return "import()";
    case "FunctionExpression": case "FunctionDeclaration": case "ArrowFunctionExpression":
      if (n.generator === true) return "a generator function";
      if (n.async === true) return "an async function";
      return null;
    case "Property":
      if (n.kind === "get" || n.kind === "set") return `a ${n.kind}ter`;
      return null;
    case "CallExpression": {
      const callee = child(n, "callee");
      if (callee?.type === "Identifier" && callee.name === "eval") return "eval";
      return null;
    }
    case "NewExpression": {
      const callee = child(n, "callee");
      if (callee?.type === "Identifier" && callee.name === "Function") return "new Function";
      return null;
    }
    default: return null;
  }
}

/** Analyses the function `fn` (its own name, if any, counts as declared). */
export function analyze(fn: Node): ScopeInfo {
  const scopeOf = new Map<Node, Scope>();
  const refusals: Refusal[] = [];
  const declared = new Set<string>();
  const root = new Scope(null, true);

  const declare = (s: Scope, names: string[]) => {
    for (const nm of names) { s.names.add(nm); declared.add(nm); }
  };

  // Pass 1: declarations. `scope` is the innermost scope, `node` creates one if it is a function or block.
  const collect = (n: Node, scope: Scope): void => {
    const why = refuse(n);
    if (why !== null) refusals.push({ what: why, at: n.start });
    let inner = scope;
    if (isFunction(n)) {
      if (n.type === "FunctionDeclaration" && child(n, "id")) declare(scope, [child(n, "id")!.name as string]);
      const named = n.type === "FunctionExpression" && child(n, "id") ? new Scope(scope, false) : scope;
      if (named !== scope) declare(named, [child(n, "id")!.name as string]);
      inner = new Scope(named, true);
      if (n.type !== "ArrowFunctionExpression") declare(inner, ["arguments"]);
      for (const p of children(n, "params")) declare(inner, patternNames(p));
      scopeOf.set(n, inner);
    } else if (BLOCK_SCOPES.has(n.type)) {
      inner = new Scope(scope, false);
      scopeOf.set(n, inner);
      if (n.type === "CatchClause") declare(inner, patternNames(child(n, "param")));
    } else if (n.type === "VariableDeclaration") {
      const target = n.kind === "var" ? scope.fnScope() : scope;
      for (const d of children(n, "declarations")) declare(target, patternNames(d && child(d, "id")));
    }
    for (const c of childNodes(n)) collect(c, inner);
  };
  collect(fn, root);

  // Pass 2: references.
  const free: Node[] = [];
  const writes = new Set<Node>();
  const resolve = (id: Node, scope: Scope, write = false) => {
    if (!scope.has(id.name as string)) { free.push(id); if (write) writes.add(id); }
  };
  /** Visits an assignment or declaration target: identifiers in it are bindings, not reads, but defaults and computed keys are read. */
  const target = (p: Node | null, scope: Scope, binding: boolean): void => {
    if (p === null) return;
    switch (p.type) {
      case "Identifier": if (!binding) resolve(p, scope, true); return;
      case "ObjectPattern":
        for (const q of children(p, "properties")) {
          if (q === null) continue;
          if (q.type === "RestElement") { target(child(q, "argument"), scope, binding); continue; }
          if (q.computed === true) visit(child(q, "key")!, scope, q);
          target(child(q, "value"), scope, binding);
        }
        return;
      case "ArrayPattern": for (const q of children(p, "elements")) target(q, scope, binding); return;
      case "AssignmentPattern": target(child(p, "left"), scope, binding); visit(child(p, "right")!, scope, p); return;
      case "RestElement": target(child(p, "argument"), scope, binding); return;
      default: visit(p, scope, null); // a member expression target
    }
  };
  const visit = (n: Node, scope: Scope, parent: Node | null): void => {
    const inner = scopeOf.get(n) ?? scope;
    switch (n.type) {
      case "Identifier": resolve(n, scope); return;
      case "MemberExpression":
        visit(child(n, "object")!, scope, n);
        if (n.computed === true) visit(child(n, "property")!, scope, n);
        return;
      case "Property": case "PropertyDefinition": case "MethodDefinition":
        if (n.computed === true) visit(child(n, "key")!, scope, n);
        if (child(n, "value")) visit(child(n, "value")!, scope, n);
        return;
      case "LabeledStatement": visit(child(n, "body")!, scope, n); return;
      case "BreakStatement": case "ContinueStatement": return;
      case "VariableDeclarator": target(child(n, "id"), scope, true); if (child(n, "init")) visit(child(n, "init")!, scope, n); return;
      case "AssignmentExpression": target(child(n, "left"), scope, false); visit(child(n, "right")!, scope, n); return;
      case "UpdateExpression": target(child(n, "argument"), scope, false); return;
      case "ForInStatement": case "ForOfStatement": {
        const left = child(n, "left")!;
        if (left.type === "VariableDeclaration") visit(left, inner, n);
        else target(left, inner, false);
        visit(child(n, "right")!, inner, n);
        visit(child(n, "body")!, inner, n);
        return;
      }
      case "CatchClause":
        target(child(n, "param"), inner, true);
        visit(child(n, "body")!, inner, n);
        return;
      case "FunctionDeclaration": case "FunctionExpression": case "ArrowFunctionExpression":
        for (const p of children(n, "params")) target(p, inner, true);
        visit(child(n, "body")!, inner, n);
        return;
    }
    for (const c of childNodes(n)) visit(c, inner, n);
  };
  visit(fn, root, null);
  return { free, refusals: refusals.sort((a, b) => a.at - b.at), declared, writes };
}
