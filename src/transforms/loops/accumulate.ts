// Compiled loops add a carry's scattered contributions in place. The gradient of a loop that
// reads x[i] at a traced index (fromJS's x[2 * i], x[n − 1 − i]: dynamicIndex) carries x's
// cotangent, and each step adds to it the sum of one-hot arrays, addAt(zeros, i, v) per read:
//
//   acc' = acc + ((addAt(0, i₁, v₁) + addAt(0, i₂, v₂)) + addAt(0, i₃, v₃))
//
// Run as written that is a copy and a pass over the whole array per read and per step, O(n²)
// for a loop over x. Here the step becomes one line (ACCUMULATE) that adds into acc's own
// buffer, at the k indices only, exactly what the sum computes there: at element j the tree
// with each leaf (iₗ === j ? 0 + vₗ : 0), added once per distinct index. Elsewhere the sum adds
// +0, which changes nothing but a −0: the loop copies the initial carry once with + 0, and
// from then on acc holds no −0 (x + y is −0 only when both are), nor does any tree value (a
// sum of +0 and 0 + v), so every step is the same bits as the arrays' adds. The carry must be
// read by nothing else in the step and be no other output, so nothing sees the buffer change.

import { NDArray, sameShape, type TypedData } from "../../array/ndarray.js";
import { MissingRuleError } from "../../base/errors.js";
import { copyList, type Atom, type Eqn, type Line, type WengertList } from "../../core/ir.js";
import type { EmitContext } from "../../core/lowering.js";
import type { Primitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";

/** The sum's shape: a leaf (its index among the line's (i, v) pairs) or the add of two trees. */
export type SumTree = number | readonly [SumTree, SumTree];

interface AccumulateParams {
  readonly tree: SumTree;
  /** Throws for an index outside the array (addAt's own check). */
  readonly check: (index: number, length: number) => void;
}

/** A carry's accumulation in a body list: the add line and its tree's leaves (addAt lines), by statement index. */
interface Match { readonly at: number; readonly leaves: readonly number[]; readonly tree: SumTree; readonly check: AccumulateParams["check"] }

/** Whether constant atom `a` is an array of +0 of the shape. */
function plusZeros(list: WengertList, a: Atom, shape: readonly number[]): boolean {
  if (a >= 0) return false;
  const c = list.consts.value(a);
  return c instanceof NDArray && c.dtype === "float64" && sameShape(c.shape, shape) && c.data.every((x) => Object.is(x, 0));
}

/**
 * The accumulation of carry input `input` into output `output` of the list: outs[output] is
 * add(carry, tree) (either order) of adds over addAt(+0 zeros, i, v), each value read once; or null.
 */
function matchAccumulation(list: WengertList, input: number, output: number): Match | null {
  const aval = list.avals[input]!;
  if (aval.js || aval.dtype !== "float64" || aval.shape.length !== 1) return null;
  const def = new Map<number, number>(), readers = new Map<number, number>();
  list.stmts.forEach((s, k) => {
    if (s.kind === "eqn") for (let j = 0; j < s.nOut; j++) def.set(s.out + j, k);
    for (const a of s.ins) if (a >= 0) readers.set(a, (readers.get(a) ?? 0) + 1);
  });
  for (const a of list.outs) if (a >= 0) readers.set(a, (readers.get(a) ?? 0) + 1);
  const out = list.outs[output]!;
  const eqn = (v: Atom): Eqn | null => {
    const s = v >= 0 ? list.stmts[def.get(v) ?? -1] : undefined;
    return s?.kind === "eqn" && s.nOut === 1 ? s : null;
  };
  const top = eqn(out);
  if (top === null || top.prim.lower.sums !== true || top.ins.length !== 2 || readers.get(out) !== 1 || readers.get(input) !== 1) return null;
  const side = top.ins[0] === input ? 1 : top.ins[1] === input ? 0 : -1;
  if (side < 0) return null;
  const leaves: number[] = [];
  let check: AccumulateParams["check"] | undefined;
  const tree = (v: Atom): SumTree | null => {
    const s = eqn(v);
    if (s === null || readers.get(v) !== 1 || list.avals[v]!.dtype !== "float64" || !sameShape(list.avals[v]!.shape, aval.shape)) return null;
    const at = s.prim.lower.addsAt;
    if (at !== undefined) {
      if (!plusZeros(list, s.ins[0]!, aval.shape) || (check !== undefined && check !== at.check)) return null;
      check = at.check;
      return leaves.push(def.get(v)!) - 1;
    }
    if (s.prim.lower.sums !== true || s.ins.length !== 2) return null;
    const a = tree(s.ins[0]!), b = a === null ? null : tree(s.ins[1]!);
    return a === null || b === null ? null : [a, b];
  };
  const t = tree(top.ins[side]!);
  return t === null || check === undefined ? null : { at: def.get(out)!, leaves, tree: t, check };
}

/**
 * For each carry (input nc + j, output j of every list): whether every variant accumulates
 * it as above, so that it can be added in place. `steps`: a loop of no steps keeps its carry.
 */
export function accumulatedCarries(lists: readonly WengertList[], nc: number, nk: number, steps: number): boolean[] {
  return Array.from({ length: nk }, (_, j) => steps > 0 && lists.length > 0 && lists.every((l) => matchAccumulation(l, nc + j, j) !== null));
}

/** A copy of the list whose accumulated carries (`which`) are each added by one ACCUMULATE line. */
export function withAccumulation(list: WengertList, nc: number, which: readonly boolean[]): WengertList {
  const matches = which.flatMap((on, j) => (on ? [{ input: nc + j, m: matchAccumulation(list, nc + j, j)! }] : []));
  if (matches.length === 0) return list;
  const copy = copyList(list);
  for (const { input, m } of matches) {
    // The copy has the same statements in the same order (its constants' atoms may differ).
    const ins = [input, ...m.leaves.flatMap((k) => copy.stmts[k]!.ins.slice(1, 3))];
    const s = copy.stmts[m.at] as Eqn;
    copy.stmts[m.at] = { kind: "eqn", prim: ACCUMULATE as Primitive<unknown>, params: { tree: m.tree, check: m.check }, ins, out: s.out, nOut: 1 } as Line;
  }
  return copy;
}

/** The tree's value at element `j` (an expression): leaf l is `u_l` where its index is j, else 0. */
function treeExpr(t: SumTree, j: string, idx: readonly string[], val: readonly string[]): string {
  if (typeof t === "number") return idx[t] === j ? val[t]! : `(${idx[t]} === ${j} ? ${val[t]} : 0)`;
  return `(${treeExpr(t[0], j, idx, val)} + ${treeExpr(t[1], j, idx, val)})`;
}

function emitAccumulate(line: Eqn, ctx: EmitContext): string[] {
  const p = line.params as AccumulateParams;
  const [acc, ...pairs] = line.ins.map((a) => ctx.atom(a));
  const q = ctx.fresh(), k = pairs.length / 2, n = ctx.list.avalOf(line.ins[0]!).shape[0]!;
  const idx = Array.from({ length: k }, (_, l) => `${q}j${l}`), val = Array.from({ length: k }, (_, l) => `${q}u${l}`);
  const check = ctx.constant(p.check);
  const code = [`const ${q}d = ${acc}.data;`];
  for (let l = 0; l < k; l++) code.push(`const ${idx[l]} = ${pairs[2 * l]};`, `${check}(${idx[l]}, ${n});`, `const ${val[l]} = 0 + ${pairs[2 * l + 1]};`);
  for (let l = 0; l < k; l++) {
    const j = idx[l]!, add = `${q}d[${j}] = ${q}d[${j}] + ${treeExpr(p.tree, j, idx, val)};`;
    // An index met before was added there already, with every leaf at it.
    code.push(l === 0 ? add : `if (${idx.slice(0, l).map((e) => `${j} !== ${e}`).join(" && ")}) ${add}`);
  }
  code.push(`const ${ctx.local(line.out)} = ${acc};`);
  return code;
}

/** What the add computes, by its arrays (the line's evaluation outside generated code). */
function accumulateImpl(args: readonly Tensor[], p: AccumulateParams): Tensor {
  const acc = args[0] as NDArray, n = acc.shape[0]!;
  const leaf = (l: number): TypedData => {
    const z = new Float64Array(n), i = +(args[1 + 2 * l] as number);
    p.check(i, n);
    z[i] = 0 + +(args[2 + 2 * l] as number);
    return z;
  };
  const sum = (t: SumTree): TypedData => {
    if (typeof t === "number") return leaf(t);
    const a = sum(t[0]), b = sum(t[1]);
    return a.map((x, i) => x + b[i]!);
  };
  const s = sum(p.tree);
  return new NDArray(acc.data.map((x, i) => x + s[i]!), acc.shape);
}

function differentiatedOnly(): never {
  throw new MissingRuleError("accumulate", "an in-place accumulation is compile's lowering of an already differentiated loop; differentiate the compiled variant's `program`");
}

/** A carry plus scattered values, added in place (see above); only in the bodies compile inlines. */
const ACCUMULATE: Primitive<AccumulateParams> = {
  name: "accumulate",
  broadcasts: false,
  infer: ([a]) => a!,
  impl: (args, p) => accumulateImpl(args, p),
  rule: { kind: "linear", jvp: [], vjp: [], variadic: { jvp: differentiatedOnly, vjp: differentiatedOnly } },
  display: { primal: (args) => `${args[0]} += scattered ${args.slice(1).join(", ")}` },
  lower: { emit: emitAccumulate, aliases: true },
};
