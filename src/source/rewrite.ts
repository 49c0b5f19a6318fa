// The rewrite: a function's source, with every operator that a traced value could reach
// replaced by a call of the runtime (runtime.ts), so transforms see each operation. The output
// is the user's own text wherever nothing changes (comments and layout kept): each node is
// printed as its source with its children's rewritten text spliced in, and only the nodes that
// matter get a form of their own.
//
//   a + b, a * b … a % b, a ** b     →  $.add(a, b) …            (numbers: the native operator)
//   a < b, a === b, a == b …         →  $.lt(a, b), $.eq(a, b) … (traced: concrete booleans)
//   if (c), c ? x : y, !c, while (c) →  $.truthy(c) where c is not already a boolean
//   a && b, a || b (values)          →  (t = a, $.truthy(t) ? b : t)
//   x += e, x++, o[k] *= e           →  x = $.add(x, e) …, with temporaries for o and k
//   x[i], x.length, x[i] = v         →  $.get(x, i), $.len(x), $.set(x, i, v)
//   Math.f, Number.isFinite, typeof  →  $.math.f, $.number.isFinite, $.typeOf
//   switch (d) { case v: … }         →  switch ((t = d, true)) { case $.eq(t, v): … }
//   Object.is(a, b), xs.includes(v)  →  $.objectIs(a, b), $.search(xs, "includes", v) (also indexOf, lastIndexOf)
//   for…of, [...x], const [a] = x    →  over $.iter(x)
//
// Positions: every rewritten node is preceded in the output by a marker carrying its source
// offset; `finish` strips the markers and keeps (output offset → source offset) anchors, which
// map an error's position in the generated code back to the user's line and column.

import { child, childNodes, children, isFunction, type Node } from "./ast.js";
import { analyzeLoops, shiftedReads, type LoopAnalysis } from "./loops.js";
import type { Refusal, ScopeInfo } from "./scope.js";
import { MATH_NAMES } from "./runtime.js";

const ARITH: Readonly<Record<string, string>> = { "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem", "**": "pow" };
const COMPARE: Readonly<Record<string, string>> = { "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "===": "eq", "!==": "ne", "==": "looseEq", "!=": "looseNe" };
const BITWISE = new Set(["|", "&", "^", "<<", ">>", ">>>"]);
/** Array methods that compare elements by identity, which a traced number never shares with a number. */
const SEARCHES = new Set(["includes", "indexOf", "lastIndexOf"]);
/** Globals whose meaning fromJS replaces. */
const GLOBALS: Readonly<Record<string, string>> = { Math: "math", Number: "number", isFinite: "globalIsFinite", isNaN: "globalIsNaN" };

const MARK = "\u0001", MARK_END = "\u0002";

type Ctx = "value" | "test" | "effect";

export interface Rewritten {
  /** The rewritten function expression. */
  readonly code: string;
  /** Sorted pairs [offset in `code`, offset in the parsed text]. */
  readonly anchors: readonly (readonly [number, number])[];
  readonly refusals: readonly Refusal[];
}

interface FnFrame {
  temps: number;
}

/**
 * Where a counted loop's body trace may be kept across calls (loop-cache.ts): `name` is the
 * variable holding the function's loop sites; `constants` the free names whose values never
 * change (Math, Number …), which the key leaves out.
 */
export interface LoopSitesOption {
  readonly name: string;
  readonly constants: ReadonlySet<string>;
}

/**
 * Rewrites `fn` (parsed from `text`). `rt` names the runtime object and `tmp` prefixes the
 * temporaries; both avoid every name the function uses. With `sites`, each structured counted
 * loop also passes its index and the values of the outer variables its body reads.
 */
export function rewrite(fn: Node, text: string, info: ScopeInfo, rt: string, tmp: string, methodName: string | null, sites: LoopSitesOption | null = null): Rewritten {
  const globals = new Set(info.free);
  const refusals: Refusal[] = [];
  const frames: FnFrame[] = [];
  /** Callees whose member expression must keep its `this` (obj.m(), obj[k]()). */
  const callees = new Set<Node>();
  const markers = !text.includes(MARK);
  /** The loops of f that become structured loops (loops.ts), by node. */
  const structured = new Map(analyzeLoops(fn).filter((l) => l.fallback === null && (l.kind === "for" || l.kind === "while")).map((l) => [l.node, l]));
  /** Reads x[i + k] of a structured loop's body: the name of the loop's per-step elements and their slot there. */
  const shifted = new Map<Node, { readonly elements: string; readonly slot: number }>();
  let loops = 0;

  const src = (n: Node): string => text.slice(n.start, n.end);
  const mark = (n: Node, code: string): string => (markers ? `${MARK}${n.start}${MARK_END}${code}` : code);
  const temp = (): string => {
    const f = frames[frames.length - 1]!;
    return `${tmp}${f.temps++}`;
  };
  const isGlobal = (n: Node | null, name: string): boolean => n !== null && n.type === "Identifier" && n.name === name && globals.has(n);

  /** The node's source with its children's rewritten text spliced in (`over` replaces chosen children). */
  const splice = (n: Node, over?: Map<Node, string>, ctxOf?: (c: Node) => Ctx): string => {
    let out = "", pos = n.start;
    for (const c of childNodes(n)) {
      out = join(join(out, text.slice(pos, c.start)), over?.get(c) ?? emit(c, ctxOf ? ctxOf(c) : "value"));
      pos = c.end;
    }
    return join(out, text.slice(pos, n.end));
  };

  /** An argument position: a sequence expression keeps its parentheses. */
  const arg = (n: Node): string => {
    const e = emit(n, "value");
    return n.type === "SequenceExpression" ? `(${e})` : e;
  };

  const isBool = (n: Node): boolean =>
    (n.type === "BinaryExpression" && (COMPARE[n.operator as string] !== undefined || n.operator === "in" || n.operator === "instanceof")) ||
    (n.type === "UnaryExpression" && n.operator === "!") ||
    (n.type === "Literal" && typeof n.value === "boolean");

  const test = (n: Node): string => {
    if (n.type === "LogicalExpression" && n.operator !== "??") return `(${test(child(n, "left")!)} ${n.operator as string} ${test(child(n, "right")!)})`;
    return isBool(n) ? emit(n, "test") : mark(n, `${rt}.truthy(${arg(n)})`);
  };

  const iter = (n: Node): string => mark(n, `${rt}.iter(${arg(n)})`);

  /** Reads and writes of an assignment target, evaluating its object and key once. */
  const place = (t: Node): { setup: string[]; read: string; write: (v: string) => string } => {
    if (t.type === "Identifier") return { setup: [], read: emit(t, "value"), write: (v) => `${t.name as string} = ${v}` };
    if (t.type === "MemberExpression") {
      const o = temp();
      const setup = [`${o} = ${arg(child(t, "object")!)}`];
      if (t.computed === true) {
        const k = temp();
        setup.push(`${k} = ${arg(child(t, "property")!)}`);
        return { setup, read: `${rt}.get(${o}, ${k})`, write: (v) => `${rt}.set(${o}, ${k}, ${v})` };
      }
      const p = child(t, "property")!.name as string;
      const read = p === "length" ? `${rt}.len(${o})` : `${o}.${p}`;
      return { setup, read, write: (v) => `${o}.${p} = ${v}` };
    }
    refusals.push({ what: "an assignment to this kind of target", at: t.start });
    return { setup: [], read: src(t), write: (v) => `${src(t)} = ${v}` };
  };
  const seq = (parts: string[], ctx: Ctx): string => (parts.length === 1 && ctx === "effect" ? parts[0]! : `(${parts.join(", ")})`);

  const emitFunction = (n: Node): string => {
    frames.push({ temps: 0 });
    const body = child(n, "body")!;
    let out: string;
    if (body.type === "BlockStatement") {
      const inner = splice(body, undefined, () => "effect");
      const f = frames[frames.length - 1]!;
      const decl = f.temps > 0 ? ` let ${Array.from({ length: f.temps }, (_, i) => `${tmp}${i}`).join(", ")};` : "";
      out = splice(n, new Map([[body, decl === "" ? inner : `{${decl}${inner.slice(1)}`]]));
    } else {
      const e = arg(body);
      const f = frames[frames.length - 1]!;
      const repl = f.temps > 0 ? `{ let ${Array.from({ length: f.temps }, (_, i) => `${tmp}${i}`).join(", ")}; return ${e}; }` : e;
      out = splice(n, new Map([[body, repl]]));
    }
    frames.pop();
    return out;
  };

  /** A loop body as the statements of an arrow function's block, ending by returning the carry. */
  const loopBody = (body: Node, carry: string): string => {
    frames.push({ temps: 0 });
    const inner = body.type === "BlockStatement" ? splice(body, undefined, () => "effect").slice(1, -1) : emit(body, "effect");
    const f = frames.pop()!;
    const decl = f.temps > 0 ? ` let ${Array.from({ length: f.temps }, (_, i) => `${tmp}${i}`).join(", ")};` : "";
    return `{${decl} ${inner}\n return ${carry}; }`;
  };

  /**
   * A loop that loops.ts found analysable, as foriLoop/whileLoop over its carried variables:
   * under a transform its body is one function of (counter, carry), which is what a loop that
   * stays a loop needs; on plain values the runtime runs it as an ordinary loop.
   */
  const emitStructured = (l: LoopAnalysis): string => {
    const n = l.node;
    const carry = `[${l.carried.join(", ")}]`;
    const assign = l.carried.length > 0 ? `;${carry} = ` : ";";
    if (l.counter !== null) {
      const end = l.counter.inclusive ? `${rt}.add(${arg(l.counter.end)}, 1)` : arg(l.counter.end);
      // x[i + k]: slot j of the step's elements (the runtime scans slices of x when it can).
      const elements = `${tmp}e${loops++}`, slots = new Map<string, number>(), reads: string[] = [];
      for (const r of shiftedReads(l)) {
        const key = `${r.array} ${r.offset}`;
        let slot = slots.get(key);
        if (slot === undefined) { slot = slots.size + 1; slots.set(key, slot); reads.push(`[${r.array}, ${r.offset}]`); }
        shifted.set(r.node, { elements, slot });
      }
      let extra = reads.length > 0 ? `, [${reads.join(", ")}]` : "";
      if (sites !== null) {
        // What else the body reads: variables from outside, neither carried nor assigned in it (then written before read).
        const outer = l.reads.filter((x) => x !== l.counter!.name && !l.carried.includes(x) && !l.writes.includes(x) && !(sites.constants.has(x) && !info.declared.has(x)));
        extra = `${reads.length > 0 ? extra : ", undefined"}, ${sites.name}, ${loops - 1}, () => [${outer.join(", ")}]`;
      }
      return mark(n, `${assign}${rt}.fori(${arg(l.counter.start)}, ${end}, (${l.counter.name}, ${carry}${reads.length > 0 ? `, ${elements}` : ""}) => ${loopBody(child(n, "body")!, carry)}, ${carry}${extra});`);
    }
    frames.push({ temps: 0 });
    const cond = test(child(n, "test")!);
    const f = frames.pop()!;
    const condFn = f.temps > 0 ? `(${carry}) => { let ${Array.from({ length: f.temps }, (_, i) => `${tmp}${i}`).join(", ")}; return ${cond}; }` : `(${carry}) => ${cond}`;
    return mark(n, `${assign}${rt}.whileLoop(${condFn}, (${carry}) => ${loopBody(child(n, "body")!, carry)}, ${carry});`);
  };

  const emit = (n: Node, ctx: Ctx): string => {
    const loop = structured.get(n);
    if (loop !== undefined) return emitStructured(loop);
    switch (n.type) {
      case "Identifier": {
        const g = globals.has(n) ? GLOBALS[n.name as string] : undefined;
        return g === undefined ? (n.name as string) : `${rt}.${g}`;
      }
      case "FunctionExpression": case "FunctionDeclaration": case "ArrowFunctionExpression":
        return emitFunction(n);

      case "BinaryExpression": {
        const op = n.operator as string, l = child(n, "left")!, r = child(n, "right")!;
        const name = ARITH[op] ?? COMPARE[op];
        if (name !== undefined) return mark(n, `${rt}.${name}(${arg(l)}, ${arg(r)})`);
        if (BITWISE.has(op)) return mark(n, `${rt}.bit(${JSON.stringify(op)}, ${arg(l)}, ${arg(r)})`);
        return splice(n);
      }
      case "LogicalExpression": {
        const op = n.operator as string;
        if (op === "??") return splice(n);
        if (ctx === "test") return test(n);
        const t = temp(), l = arg(child(n, "left")!), r = arg(child(n, "right")!);
        return mark(n, op === "&&" ? `(${t} = ${l}, ${rt}.truthy(${t}) ? ${r} : ${t})` : `(${t} = ${l}, ${rt}.truthy(${t}) ? ${t} : ${r})`);
      }
      case "UnaryExpression": {
        const op = n.operator as string, a = child(n, "argument")!;
        switch (op) {
          case "-": return mark(n, `${rt}.neg(${arg(a)})`);
          case "+": return mark(n, `${rt}.pos(${arg(a)})`);
          case "!": return mark(n, `!${isBool(a) ? `(${emit(a, "test")})` : `${rt}.truthy(${arg(a)})`}`);
          case "~": return mark(n, `${rt}.bitNot(${arg(a)})`);
          case "typeof": return mark(n, `${rt}.typeOf(${arg(a)})`);
          default: return splice(n);
        }
      }
      case "ConditionalExpression":
        return mark(n, `(${test(child(n, "test")!)} ? ${arg(child(n, "consequent")!)} : ${arg(child(n, "alternate")!)})`);

      case "UpdateExpression": {
        const one = n.operator === "++" ? "add" : "sub";
        const p = place(child(n, "argument")!);
        if (ctx === "effect" || n.prefix === true) return mark(n, seq([...p.setup, p.write(`${rt}.${one}(${p.read}, 1)`)], ctx));
        const old = temp();
        return mark(n, `(${[...p.setup, `${old} = ${rt}.pos(${p.read})`, p.write(`${rt}.${one}(${old}, 1)`), old].join(", ")})`);
      }
      case "AssignmentExpression": {
        const op = n.operator as string, left = child(n, "left")!, right = child(n, "right")!;
        if (op === "=") {
          if (left.type === "MemberExpression" && left.computed === true) {
            return mark(n, `${rt}.set(${arg(child(left, "object")!)}, ${arg(child(left, "property")!)}, ${arg(right)})`);
          }
          const rhs = left.type === "ArrayPattern" ? iter(right) : arg(right);
          const lhs = left.type === "MemberExpression" ? `${arg(child(left, "object")!)}${text.slice(child(left, "object")!.end, left.end)}` : splice(left);
          const code = `${lhs} = ${rhs}`;
          return ctx === "effect" ? mark(n, code) : mark(n, `(${code})`);
        }
        const bin = op.slice(0, -1);
        if (bin === "??") return splice(n);
        const p = place(left);
        if (bin === "||" || bin === "&&") {
          const cur = temp();
          const w = p.write(arg(right));
          return mark(n, `(${[...p.setup, `${cur} = ${p.read}`].join(", ")}, ${rt}.truthy(${cur}) ? ${bin === "||" ? `${cur} : (${w})` : `(${w}) : ${cur}`})`);
        }
        const fn = ARITH[bin];
        const v = fn !== undefined ? `${rt}.${fn}(${p.read}, ${arg(right)})` : `${rt}.bit(${JSON.stringify(bin)}, ${p.read}, ${arg(right)})`;
        return mark(n, seq([...p.setup, p.write(v)], ctx));
      }

      case "MemberExpression": {
        const obj = child(n, "object")!, prop = child(n, "property")!;
        if (isGlobal(obj, "Math") && n.computed !== true && !MATH_NAMES.has(prop.name as string)) {
          refusals.push({ what: `Math.${prop.name as string}`, at: n.start });
        }
        if (callees.has(n) || n.optional === true) return mark(n, splice(n));
        const sh = shifted.get(n);
        if (sh !== undefined) return mark(n, `${rt}.elt(${sh.elements}, ${sh.slot}, ${arg(obj)}, ${arg(prop)})`);
        if (n.computed === true) return mark(n, `${rt}.get(${arg(obj)}, ${arg(prop)})`);
        if (prop.name === "length") return mark(n, `${rt}.len(${arg(obj)})`);
        return mark(n, splice(n));
      }
      case "CallExpression": {
        const callee = child(n, "callee")!;
        // esbuild's keepNames (tsx, vitest) wraps functions in __name(fn, "name"): the function itself.
        if (isGlobal(callee, "__name")) return emit(children(n, "arguments")[0]!, ctx);
        if (callee.type === "MemberExpression" && callee.computed !== true && isGlobal(child(callee, "object"), "Array") && child(callee, "property")!.name === "from") {
          return mark(n, `${rt}.arrayFrom(${children(n, "arguments").map((a) => arg(a!)).join(", ")})`);
        }
        if (callee.type === "MemberExpression" && callee.computed !== true && callee.optional !== true && n.optional !== true) {
          const obj = child(callee, "object")!, method = child(callee, "property")!.name as string;
          const args = children(n, "arguments").map((a) => arg(a!));
          if (isGlobal(obj, "Object") && method === "is") return mark(n, `${rt}.objectIs(${args.join(", ")})`);
          if (SEARCHES.has(method)) return mark(n, `${rt}.search(${[arg(obj), JSON.stringify(method), ...args].join(", ")})`);
        }
        if (callee.type === "MemberExpression") callees.add(callee);
        return mark(n, splice(n));
      }
      case "SpreadElement":
        return `...${iter(child(n, "argument")!)}`;
      case "Property":
        if (n.shorthand === true && n.kind === "init") {
          const v = child(n, "value")!;
          if (v.type === "Identifier") {
            const e = emit(v, "value");
            return e === v.name ? e : `${v.name as string}: ${e}`;
          }
        }
        return splice(n);
      case "ObjectExpression":
        // Object spread copies properties; it does not iterate.
        return splice(n, new Map(children(n, "properties").filter((p) => p?.type === "SpreadElement").map((p) => [p!, `...${arg(child(p!, "argument")!)}`])));
      case "SequenceExpression": {
        const xs = children(n, "expressions");
        return xs.map((x, i) => emit(x!, i === xs.length - 1 ? ctx : "effect")).join(", ");
      }
      case "VariableDeclarator": {
        const id = child(n, "id")!, init = child(n, "init");
        if (init !== null && id.type === "ArrayPattern") return splice(n, new Map([[init, iter(init)]]));
        return splice(n);
      }

      // Statements: tests become booleans, expression statements discard their value.
      case "ExpressionStatement":
        return mark(n, splice(n, undefined, () => "effect"));
      case "IfStatement": case "WhileStatement": case "DoWhileStatement":
        return mark(n, splice(n, new Map([[child(n, "test")!, test(child(n, "test")!)]]), (c) => (c === child(n, "test") ? "test" : "effect")));
      case "ForStatement": {
        const over = new Map<Node, string>();
        const t = child(n, "test"), u = child(n, "update");
        if (t !== null) over.set(t, test(t));
        if (u !== null) over.set(u, emit(u, "effect"));
        return mark(n, splice(n, over));
      }
      case "ForOfStatement":
        return mark(n, splice(n, new Map([[child(n, "right")!, iter(child(n, "right")!)]])));
      case "SwitchStatement": {
        const d = temp();
        const over = new Map<Node, string>([[child(n, "discriminant")!, `(${d} = ${arg(child(n, "discriminant")!)}, true)`]]);
        for (const c of children(n, "cases")) {
          const t = c && child(c, "test");
          if (c === null || t === null) continue;
          over.set(c, splice(c, new Map([[t, `${rt}.eq(${d}, ${arg(t)})`]])));
        }
        return mark(n, splice(n, over));
      }
      case "ReturnStatement": case "ThrowStatement": case "VariableDeclaration":
        return mark(n, splice(n));
      default:
        return isFunction(n) ? emitFunction(n) : splice(n);
    }
  };

  let body = emit(fn, "value");
  if (methodName !== null) body = `function ${methodName}${body}`;
  return { ...finish(body), refusals };
}

const WORD = /[\w$\u0080-\uffff]/;

/**
 * a + b, with a space where the two would fuse into one token: minified source writes
 * `return(x)`, and replacing the parenthesized operand must not give `return$w.mul(…)`.
 */
function join(a: string, b: string): string {
  if (a === "" || b === "") return a + b;
  const first = stripMarks(b).charAt(0);
  return WORD.test(a.charAt(a.length - 1)) && WORD.test(first) ? `${a} ${b}` : a + b;
}

function stripMarks(s: string): string {
  if (!s.startsWith(MARK)) return s;
  let i = 0;
  while (s.startsWith(MARK, i)) i = s.indexOf(MARK_END, i) + 1;
  return s.slice(i);
}

/** Strips the position markers, keeping where each was. */
function finish(marked: string): { code: string; anchors: [number, number][] } {
  const anchors: [number, number][] = [];
  let code = "", pos = 0;
  for (;;) {
    const i = marked.indexOf(MARK, pos);
    if (i < 0) break;
    const j = marked.indexOf(MARK_END, i);
    code += marked.slice(pos, i);
    anchors.push([code.length, Number(marked.slice(i + 1, j))]);
    pos = j + 1;
  }
  code += marked.slice(pos);
  return { code, anchors };
}
