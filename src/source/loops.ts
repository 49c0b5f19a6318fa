// Which loops of a function can become structured loops (foriLoop, whileLoop), and what they
// carry: a data-flow analysis over the loop's body.
//
//   for (let i = A; i < B; i++) BODY   → foriLoop(A, B, (i, [c…]) => { BODY; return [c…]; }, [c…])
//   while (C) BODY                     → whileLoop(([c…]) => C, ([c…]) => { BODY; return [c…]; }, [c…])
//
// The loop-carried variables are the variables declared outside the loop that its body assigns
// and that are either read before being assigned in an iteration (upward-exposed: the next
// iteration sees them) or read after the loop (live out). A loop is analysable when its
// iterations only talk to each other through those variables: no break, no return, no
// continue to another loop, no yield/await, the counter and the bound are not assigned in the
// body, and nothing outside the loop is mutated through a member (o.p = v, a[i] = v, a.push(v)):
// a structured loop's body is a function of its carry, so writes into outer objects would not
// be replayed. Every other loop runs as written (unrolled into the trace).

import { child, childNodes, children, isFunction, type Node } from "./ast.js";

export interface LoopAnalysis {
  /** The loop statement. */
  readonly node: Node;
  readonly kind: "for" | "while" | "do";
  /** Null when the loop can become a structured loop; otherwise why not. */
  readonly fallback: string | null;
  /** A counted for loop: its counter and bounds (start, end exclusive or inclusive). */
  readonly counter: { readonly name: string; readonly start: Node; readonly end: Node; readonly inclusive: boolean } | null;
  /** Loop-carried variables, in order of first appearance. */
  readonly carried: readonly string[];
  /** Variables declared outside the loop that the body (or the test) reads. */
  readonly reads: readonly string[];
  /** Variables declared outside the loop that the body assigns. */
  readonly writes: readonly string[];
}

interface Uses {
  /** Reads and writes of names, in source order (reads of a compound assignment come first). */
  readonly events: { name: string; write: boolean; at: number; conditional: boolean; local: boolean }[];
  /** Names declared inside. */
  readonly declared: Set<string>;
  /** Objects changed through a member (o.p = v, a[i] = v, a.push(v)): the root variable and what. */
  readonly mutations: { name: string | null; what: string; local: boolean }[];
  /** A `var` declaration (function-scoped: it would stay inside a structured loop's body). */
  hasVar: boolean;
  /** Why the loop cannot be structured (first reason). */
  problem: string | null;
}

const LOOPS = new Set(["ForStatement", "WhileStatement", "DoWhileStatement", "ForInStatement", "ForOfStatement"]);

function patternNames(p: Node | null, out: string[]): void {
  if (p === null) return;
  switch (p.type) {
    case "Identifier": out.push(p.name as string); return;
    case "ObjectPattern": for (const q of children(p, "properties")) patternNames(q && (q.type === "RestElement" ? child(q, "argument") : child(q, "value")), out); return;
    case "ArrayPattern": for (const q of children(p, "elements")) patternNames(q, out); return;
    case "AssignmentPattern": patternNames(child(p, "left"), out); return;
    case "RestElement": patternNames(child(p, "argument"), out); return;
  }
}

/** The block-scoped names (let, const, class, function, catch parameter) a node declares for its children. */
function scopeNames(n: Node): Set<string> | null {
  const names: string[] = [];
  const statements = (list: readonly (Node | null)[]) => {
    for (const st of list) {
      if (st === null) continue;
      if (st.type === "VariableDeclaration" && st.kind !== "var") for (const d of children(st, "declarations")) patternNames(d && child(d, "id"), names);
      if ((st.type === "FunctionDeclaration" || st.type === "ClassDeclaration") && child(st, "id")) names.push(child(st, "id")!.name as string);
    }
  };
  switch (n.type) {
    case "BlockStatement": case "StaticBlock": statements(children(n, "body")); break;
    case "SwitchStatement": for (const c of children(n, "cases")) if (c) statements(children(c, "consequent")); break;
    case "ForStatement": statements([child(n, "init")]); break;
    case "ForInStatement": case "ForOfStatement": statements([child(n, "left")]); break;
    case "CatchClause": patternNames(child(n, "param"), names); break;
    default: return null;
  }
  return names.length > 0 ? new Set(names) : null;
}

/** Reads, writes and obstacles inside `root` (a loop's body, test or update). */
function collect(roots: readonly (Node | null)[], loop: Node): Uses {
  const u: Uses = { events: [], declared: new Set(), mutations: [], hasVar: false, problem: null };
  const refuse = (why: string) => { u.problem ??= why; };
  // The names declared by the blocks (inside the roots) enclosing the node being walked: an
  // event on one of them is local, even where the same name also lives outside (`let n` in an
  // inner block shadows an outer n that the loop carries).
  const scopes: Set<string>[] = [];
  const isLocal = (name: string): boolean => scopes.some((sc) => sc.has(name));
  const event = (name: string, write: boolean, at: number, conditional: boolean) => { u.events.push({ name, write, at, conditional, local: isLocal(name) }); };
  const mutation = (name: string | null, what: string) => { u.mutations.push({ name, what, local: name !== null && isLocal(name) }); };
  /** `depth`: loops nested inside the analysed one (a break or continue there is theirs). */
  const walk = (n: Node, conditional: boolean, depth: number, inFunction: boolean): void => {
    const sc = scopeNames(n);
    if (sc === null) { walkNode(n, conditional, depth, inFunction); return; }
    scopes.push(sc);
    try { walkNode(n, conditional, depth, inFunction); } finally { scopes.pop(); }
  };
  const walkNode = (n: Node, conditional: boolean, depth: number, inFunction: boolean): void => {
    switch (n.type) {
      case "Identifier": event(n.name as string, false, n.start, conditional); return;
      case "VariableDeclaration":
        if (n.kind === "var" && !inFunction) u.hasVar = true;
        break;
      case "VariableDeclarator": {
        const names: string[] = [];
        patternNames(child(n, "id"), names);
        for (const nm of names) u.declared.add(nm);
        const init = child(n, "init");
        if (init) walk(init, conditional, depth, inFunction);
        return;
      }
      case "FunctionDeclaration": case "FunctionExpression": case "ArrowFunctionExpression": {
        if (n.type === "FunctionDeclaration" && child(n, "id")) u.declared.add(child(n, "id")!.name as string);
        // A function's own parameters and locals shadow; its free reads are reads of the loop.
        const inner = collect([child(n, "body")], n);
        const own = new Set<string>();
        for (const p of children(n, "params")) { const names: string[] = []; patternNames(p, names); names.forEach((x) => own.add(x)); }
        for (const e of inner.events) if (!e.local && !own.has(e.name)) event(e.name, e.write, e.at, true);
        for (const m of inner.mutations) if (m.name === null || (!m.local && !own.has(m.name))) mutation(m.name, m.what);
        if (inner.problem !== null && !inner.problem.startsWith("break") && !inner.problem.startsWith("continue") && !inner.problem.startsWith("return")) refuse(inner.problem);
        return;
      }
      case "AssignmentExpression": {
        const left = child(n, "left")!;
        walk(child(n, "right")!, conditional, depth, inFunction);
        if (left.type === "Identifier") {
          if (n.operator !== "=") event(left.name as string, false, left.start, conditional);
          event(left.name as string, true, left.start, conditional || n.operator === "||=" || n.operator === "&&=" || n.operator === "??=");
        } else if (left.type === "MemberExpression") {
          walk(left, conditional, depth, inFunction);
          mutation(rootName(left), `it assigns to ${memberText(left)}`);
        } else {
          const names: string[] = [];
          patternNames(left, names);
          for (const nm of names) event(nm, true, left.start, conditional);
        }
        return;
      }
      case "UpdateExpression": {
        const a = child(n, "argument")!;
        if (a.type === "Identifier") {
          event(a.name as string, false, a.start, conditional);
          event(a.name as string, true, a.start, conditional);
        } else {
          walk(a, conditional, depth, inFunction);
          mutation(rootName(a), `it updates ${memberText(a)} in place`);
        }
        return;
      }
      case "CallExpression": {
        const callee = child(n, "callee")!;
        if (callee.type === "MemberExpression" && !inFunction) {
          const method = callee.computed === true ? null : (child(callee, "property")!.name as string);
          if (method !== null && MUTATORS.has(method)) mutation(rootName(callee), `it calls ${memberText(callee)}()`);
        }
        break;
      }
      case "MemberExpression":
        walk(child(n, "object")!, conditional, depth, inFunction);
        if (n.computed === true) walk(child(n, "property")!, conditional, depth, inFunction);
        return;
      case "Property":
        if (n.computed === true) walk(child(n, "key")!, conditional, depth, inFunction);
        walk(child(n, "value")!, conditional, depth, inFunction);
        return;
      case "LabeledStatement": walk(child(n, "body")!, conditional, depth, inFunction); return;
      case "BreakStatement":
        if (!inFunction && (depth === 0 || child(n, "label") !== null)) refuse("break");
        return;
      case "ContinueStatement":
        if (!inFunction && (depth === 0 || child(n, "label") !== null)) refuse("continue");
        return;
      case "ReturnStatement": if (!inFunction) refuse("return"); break;
      case "YieldExpression": case "AwaitExpression": refuse(n.type === "YieldExpression" ? "yield" : "await"); break;
      case "IfStatement": case "ConditionalExpression": case "LogicalExpression": case "SwitchStatement": case "TryStatement": {
        // The first child (the test) always runs; the rest only sometimes.
        const kids = childNodes(n);
        kids.forEach((c, i) => walk(c, conditional || i > 0, depth, inFunction));
        return;
      }
    }
    const nested = n !== loop && LOOPS.has(n.type);
    for (const c of childNodes(n)) walk(c, conditional || nested, depth + (nested ? 1 : 0), inFunction || isFunction(n));
  };
  for (const r of roots) if (r !== null) walk(r, false, 0, false);
  return u;
}

/** Methods that change the object they are called on. */
const MUTATORS = new Set(["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "set", "add", "delete", "clear"]);

function rootName(m: Node): string | null {
  let o: Node = m;
  while (o.type === "MemberExpression") o = child(o, "object")!;
  return o.type === "Identifier" ? (o.name as string) : null;
}

function memberText(m: Node): string {
  const r = rootName(m);
  return r === null ? "a member" : `${r}${m.computed === true ? "[…]" : `.${child(m, "property")!.name as string}`}`;
}

/** A counted loop `for (let i = A; i < B; i++)` (or i <= B, ++i, i += 1), or null. */
function counterOf(n: Node): LoopAnalysis["counter"] {
  const init = child(n, "init"), test = child(n, "test"), update = child(n, "update");
  if (init?.type !== "VariableDeclaration" || init.kind === "var") return null;
  const decls = children(init, "declarations");
  const d = decls[0];
  if (decls.length !== 1 || d === null || child(d, "id")?.type !== "Identifier" || child(d, "init") === null) return null;
  const name = child(d, "id")!.name as string;
  if (test?.type !== "BinaryExpression" || (test.operator !== "<" && test.operator !== "<=") || child(test, "left")?.type !== "Identifier" || child(test, "left")!.name !== name) return null;
  const isStep = update !== null && (
    (update.type === "UpdateExpression" && update.operator === "++" && child(update, "argument")?.name === name) ||
    (update.type === "AssignmentExpression" && update.operator === "+=" && child(update, "left")?.name === name && child(update, "right")?.type === "Literal" && child(update, "right")!.value === 1));
  if (!isStep) return null;
  return { name, start: child(d, "init")!, end: child(test, "right")!, inclusive: test.operator === "<=" };
}

/** Names read anywhere in `n` (a bound expression). */
function readsOf(n: Node): Set<string> {
  return new Set(collect([n], n).events.filter((e) => !e.write).map((e) => e.name));
}

/**
 * Analyses every loop of `fn` (outermost first, in source order). `after(loop)` tells which
 * names are read after the loop statement ends (its live-out set).
 */
export function analyzeLoops(fn: Node): LoopAnalysis[] {
  const out: LoopAnalysis[] = [];
  const all = collect([child(fn, "body")], fn);
  const visit = (n: Node, enclosingLoop: boolean): void => {
    if (LOOPS.has(n.type)) {
      out.push(analyzeOne(n, all, enclosingLoop));
      for (const c of childNodes(n)) visit(c, true);
      return;
    }
    if (isFunction(n) && n !== fn) return; // a nested function's loops are analysed with it
    for (const c of childNodes(n)) visit(c, enclosingLoop);
  };
  visit(child(fn, "body")!, false);
  return out;
}

function analyzeOne(n: Node, all: Uses, enclosingLoop: boolean): LoopAnalysis {
  const kind = n.type === "WhileStatement" ? "while" : n.type === "DoWhileStatement" ? "do" : "for";
  const body = child(n, "body")!;
  const test = child(n, "test");
  const update = n.type === "ForStatement" ? child(n, "update") : null;
  const counter = n.type === "ForStatement" ? counterOf(n) : null;
  const u = collect([body, ...(counter === null ? [test, update] : [])], n);
  // Declared inside the loop (an event's `local`, by block scope) or the counter: not outer.
  const outer = (e: { name: string; local: boolean }) => !e.local && e.name !== "" && e.name !== counter?.name;
  const writes = unique(u.events.filter((e) => e.write && outer(e)).map((e) => e.name));
  const reads = unique(u.events.filter((e) => !e.write && outer(e)).map((e) => e.name));
  // Upward-exposed: read before an unconditional write in the iteration.
  const exposed = new Set<string>();
  const defined = new Set<string>();
  for (const e of u.events) {
    if (!outer(e)) continue;
    if (!e.write && !defined.has(e.name)) exposed.add(e.name);
    if (e.write && !e.conditional) defined.add(e.name);
    if (e.write && e.conditional && !defined.has(e.name)) exposed.add(e.name); // a value kept on the other path
  }
  const liveOut = new Set(all.events.filter((e) => !e.write && e.at >= n.end).map((e) => e.name));
  // A while loop's test is a function of the carry too (it runs before each body): what it reads, the body must carry.
  const tested = counter === null && test !== null ? readsOf(test) : new Set<string>();
  const carried = writes.filter((x) => exposed.has(x) || liveOut.has(x) || enclosingLoop || tested.has(x));
  let fallback = u.problem;
  const outside = u.mutations.find((m) => m.name === null || (!m.local && m.name !== counter?.name));
  if (fallback === null && outside !== undefined) fallback = `${outside.what}: a structured loop's body is a function of its carry, so changes to objects outside it would not be replayed`;
  if (fallback === null && u.hasVar) fallback = "a var declaration (function-scoped) in the body";
  if (fallback === null && n.type === "ForInStatement") fallback = "a for…in loop";
  if (fallback === null && n.type === "ForOfStatement") fallback = "a for…of loop (its length is the iterable's)";
  if (fallback === null && kind === "for" && counter === null) fallback = "not a counted loop (for (let i = a; i < b; i++))";
  if (fallback === null && counter !== null) {
    if (u.events.some((e) => e.write && !e.local && e.name === counter.name)) fallback = `the body assigns the counter ${counter.name}`;
    const bound = readsOf(counter.end);
    const moved = writes.find((x) => bound.has(x));
    if (fallback === null && moved !== undefined) fallback = `the bound reads ${moved}, which the body assigns`;
  }
  return { node: n, kind, fallback, counter, carried, reads, writes };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** A read `x[i + k]` of a counted loop: array `x` (not assigned in the loop) at the counter plus a constant. */
export interface ShiftedRead {
  /** The member expression. */
  readonly node: Node;
  /** The array's name. */
  readonly array: string;
  /** k in x[i + k] (negative for x[i − k]). */
  readonly offset: number;
}

/**
 * The reads x[i], x[i + k], x[k + i], x[i − k] (k an integer literal) in a counted loop's body,
 * where x is a variable from outside the loop that nothing in it assigns and neither x nor the
 * counter is declared again inside it (conservatively: anywhere in it). Each such read is one
 * element of a slice of x per step, which a structured loop can scan over instead of indexing x
 * at the traced counter: its cotangents then come back one number per step, not an array.
 * Reads inside nested functions, assignment targets and callees are left alone.
 */
export function shiftedReads(l: LoopAnalysis): ShiftedRead[] {
  if (l.counter === null || l.fallback !== null) return [];
  const i = l.counter.name;
  const body = child(l.node, "body")!;
  const declared = new Set<string>();
  const note = (n: Node): void => {
    if (n.type === "VariableDeclarator") { const names: string[] = []; patternNames(child(n, "id"), names); names.forEach((x) => declared.add(x)); }
    if ((n.type === "FunctionDeclaration" || n.type === "FunctionExpression" || n.type === "ClassDeclaration") && child(n, "id")) declared.add(child(n, "id")!.name as string);
    if (isFunction(n)) for (const p of children(n, "params")) { const names: string[] = []; patternNames(p, names); names.forEach((x) => declared.add(x)); }
    if (n.type === "CatchClause") { const names: string[] = []; patternNames(child(n, "param"), names); names.forEach((x) => declared.add(x)); }
    for (const c of childNodes(n)) note(c);
  };
  note(body);
  if (declared.has(i)) return [];
  const offsetOf = (p: Node): number | null => {
    const isI = (q: Node | null) => q?.type === "Identifier" && q.name === i;
    const lit = (q: Node | null) => (q?.type === "Literal" && typeof q.value === "number" && Number.isInteger(q.value) && q.value >= 0 ? q.value : null);
    if (isI(p)) return 0;
    if (p.type !== "BinaryExpression") return null;
    const a = child(p, "left"), b = child(p, "right");
    if (p.operator === "+") return isI(a) ? lit(b) : isI(b) ? lit(a) : null;
    if (p.operator === "-" && isI(a)) { const k = lit(b); return k === null ? null : -k; }
    return null;
  };
  const out: ShiftedRead[] = [];
  const skip = new Set<Node>();
  const visit = (n: Node): void => {
    if (isFunction(n)) return;
    if (n.type === "AssignmentExpression") skip.add(child(n, "left")!);
    if (n.type === "UpdateExpression") skip.add(child(n, "argument")!);
    if (n.type === "CallExpression") skip.add(child(n, "callee")!);
    if (n.type === "MemberExpression" && n.computed === true && !skip.has(n) && n.optional !== true) {
      const obj = child(n, "object")!, k = offsetOf(child(n, "property")!);
      if (obj.type === "Identifier" && k !== null && !declared.has(obj.name as string) && !l.writes.includes(obj.name as string)) {
        out.push({ node: n, array: obj.name as string, offset: k });
      }
    }
    for (const c of childNodes(n)) visit(c);
  };
  visit(body);
  return out;
}
