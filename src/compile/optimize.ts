// Optimizations on a staged program, in one forward pass and one backward pass:
//   - constant folding: a line whose operands are all constants is evaluated now;
//   - algebraic simplification by the exact identities each primitive's entry declares
//     (`rewrite`: mul(1, x) → x, add(x, −0) → x, …; core/lowering.ts says which are allowed);
//   - common-subexpression elimination (same primitive, operands and parameters);
//   - dead-code elimination from the outputs and the guards.

import { NDArray, sameShape } from "../array/ndarray.js";
import type { Atom, Eqn, Line, WengertList } from "../core/ir.js";
import type { RewriteContext } from "../core/lowering.js";
import type { Aval } from "../core/primitive.js";
import { evalConcrete } from "../core/primitive.js";
import type { Tensor } from "../core/tracer.js";

export interface OptimizeStats {
  readonly before: number;
  readonly after: number;
  readonly folded: number;
  readonly simplified: number;
  readonly cse: number;
  readonly dead: number;
}

function sameAval(a: Aval, b: Aval): boolean {
  return a.js === b.js && a.dtype === b.dtype && sameShape(a.shape, b.shape);
}

/** Optimizes the list in place (its lines, outputs and constant table). */
export function optimize(p: WengertList): OptimizeStats {
  const { avals } = p;
  const consts = p.consts.values;
  const before = p.stmts.length;
  let folded = 0, simplified = 0, cse = 0;
  // alias[v]: the atom variable v was replaced by (v itself when kept).
  const alias = new Int32Array(avals.length);
  for (let i = 0; i < alias.length; i++) alias[i] = i;
  const constAtom = (v: Tensor): Atom => p.constAtom(v);
  const fill = new Map<number, number | null>();
  /** The value every element of constant atom `a` has (null when they differ or it is not a number). */
  const constantOf = (a: Atom): number | null => {
    if (a >= 0) return null;
    let u = fill.get(a);
    if (u !== undefined) return u;
    const c = consts[-a - 1]!;
    if (typeof c === "number") u = c;
    else if (typeof c === "boolean") u = c ? 1 : 0;
    else if (c instanceof NDArray && c.size > 0) {
      const d = c.data, x = d[0]!;
      u = x;
      for (let i = 1; i < d.length; i++) if (!Object.is(d[i], x)) { u = null; break; }
    } else u = null;
    fill.set(a, u);
    return u;
  };
  // What a primitive's rewrite (its entry's exact identities) may ask about the line at hand.
  let line: Eqn | null = null;
  const ctx: RewriteContext = {
    constantOf,
    fits: (a) => sameAval(p.avalOf(a), avals[line!.out]!),
    get aval() { return avals[line!.out]!; },
  };
  // CSE table. Lines of one or two operands and no parameters (nearly all of a large scalar
  // program) go in an open-addressing hash table over typed arrays (no per-line allocation:
  // a Map of 10^6 boxed keys cost seconds); the rest are keyed by a string.
  const primIds = new Map<unknown, number>();
  const primId = (prim: unknown): number => {
    let id = primIds.get(prim);
    if (id === undefined) primIds.set(prim, (id = primIds.size));
    return id;
  };
  const table = new OperandTable(p.stmts.length);
  const seen = new Map<string, Atom>();
  /** The variable of an identical earlier line, or undefined after registering this one. */
  const lookup = (s: Eqn): Atom | undefined => {
    const ins = s.ins;
    if (s.params === undefined && ins.length <= 2) {
      return table.findOrAdd(primId(s.prim), ins.length > 0 ? ins[0]! : 0, ins.length > 1 ? ins[1]! : 0x7fffffff, s.out);
    }
    const key = `${primId(s.prim)}:${ins.join(",")}${s.params === undefined ? "" : ":" + JSON.stringify(s.params)}`;
    const prev = seen.get(key);
    if (prev === undefined) seen.set(key, s.out);
    return prev;
  };
  const seenGuard = new Set<string>();
  const out: Line[] = [];

  for (const s of p.stmts) {
    const ins = s.ins;
    let allConst = true;
    for (let i = 0; i < ins.length; i++) {
      const a = ins[i]!;
      const r = a >= 0 ? alias[a]! : a;
      ins[i] = r;
      if (r >= 0) allConst = false;
    }
    if (s.kind !== "eqn") {
      if (allConst) continue; // it held when traced; with constant operands it always holds
      const key = s.kind === "guard" ? `${primId(s.prim)}:${ins.join(",")}:${String(s.expect)}` : `value:${ins[0]}`;
      if (seenGuard.has(key)) continue;
      seenGuard.add(key);
      out.push(s);
      continue;
    }
    // A line with several outputs (a loop) is kept whole: its bodies are its own programs.
    if (s.nOut !== 1 || s.prim.outputs !== undefined) { out.push(s); continue; }
    if (allConst && s.prim.bodies === undefined) {
      const v = evalConcrete(s.prim, ins.map((a) => consts[-a - 1]!), s.params);
      if (typeof v !== "boolean") { alias[s.out] = constAtom(v); folded++; continue; }
    }
    line = s;
    const rep = s.prim.rewrite?.(ins, ctx, s.params) ?? null;
    if (rep !== null) { alias[s.out] = rep; simplified++; continue; }
    const prev = lookup(s);
    if (prev !== undefined) { alias[s.out] = prev; cse++; continue; }
    out.push(s);
  }
  p.outs = p.outs.map((a) => (a >= 0 ? alias[a]! : a));

  // Dead-code elimination: keep what the outputs and the guards need.
  const live = new Uint8Array(avals.length);
  for (const a of p.outs) if (a >= 0) live[a] = 1;
  const kept: Line[] = [];
  for (let k = out.length - 1; k >= 0; k--) {
    const s = out[k]!;
    if (s.kind === "eqn" && !anyLive(live, s.out, s.nOut)) continue;
    for (const a of s.ins) if (a >= 0) live[a] = 1;
    kept.push(s);
  }
  kept.reverse();
  p.stmts = kept;
  return { before, after: kept.length, folded, simplified, cse, dead: out.length - kept.length };
}

function anyLive(live: Uint8Array, first: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (live[first + j] !== 0) return true;
  return false;
}

/** An open-addressing hash table from (primitive id, operand, operand) to a variable. */
class OperandTable {
  private keys: Int32Array;
  private vals: Int32Array;
  private count = 0;

  /** Sized for `expected` entries at load ≤ 1/2, so a program's table never rehashes. */
  constructor(expected: number) {
    let n = 1024;
    while (n < 2 * expected + 2) n *= 2;
    this.keys = new Int32Array(3 * n);
    this.vals = new Int32Array(n).fill(-1);
  }

  findOrAdd(id: number, a0: number, a1: number, out: number): number | undefined {
    if (2 * (this.count + 1) > this.vals.length) this.grow();
    const mask = this.vals.length - 1;
    let h = (Math.imul(id, 0x9e3779b1) ^ Math.imul(a0, 0x85ebca6b) ^ Math.imul(a1, 0xc2b2ae35)) & mask;
    for (;;) {
      const v = this.vals[h]!;
      if (v < 0) {
        this.keys[3 * h] = id; this.keys[3 * h + 1] = a0; this.keys[3 * h + 2] = a1;
        this.vals[h] = out;
        this.count++;
        return undefined;
      }
      if (this.keys[3 * h] === id && this.keys[3 * h + 1] === a0 && this.keys[3 * h + 2] === a1) return v;
      h = (h + 1) & mask;
    }
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.vals = new Int32Array(vals.length * 2).fill(-1);
    this.count = 0;
    for (let h = 0; h < vals.length; h++) if (vals[h]! >= 0) this.findOrAdd(keys[3 * h]!, keys[3 * h + 1]!, keys[3 * h + 2]!, vals[h]!);
  }
}
