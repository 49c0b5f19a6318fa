// Fusion of elementwise array lines: a run of lines on arrays of one shape, each the
// elementwise image of its operands, becomes ONE loop that carries every element through the
// whole run in scalar locals. Eager mode makes a pass over memory (and a fresh array) per
// line; a fused group makes one pass and allocates only the arrays read after it.
//
// Grouping is greedy in program order: an eligible line joins the open group of the same
// output size that produced one of its operands (or opens one). A group closes as soon as a
// line outside it reads one of its values, because the group is emitted at its LAST line and
// everything it defines must exist before any outside reader. Groups of one line are left to
// the primitive's kernel.

import type { Program } from "./optimize.js";
import type { Atom, Eqn } from "./stage.js";
import { scalarExpr } from "./codegen.js";
import { NDArray, sizeOf, type Shape } from "../array/ndarray.js";

export interface FusedGroup {
  /** Index (in the program's statements) of the group's last line: where its loop is emitted. */
  readonly last: number;
  /** Operands read from outside the group. */
  readonly ins: Atom[];
  /** Variables the group defines that are read after it. */
  readonly outs: number[];
  /** Outputs the group accumulates into, which must start as fresh zeros (never a workspace buffer). */
  readonly zeroed: number[];
  /** `buffer(v)`: a reusable workspace buffer for output v, or null for a fresh array. */
  emit(atom: (a: Atom) => string, local: (v: number) => string, fns: Map<string, string>, kconst: (v: unknown) => string, buffer: (v: number) => string | null): string[];
}

export interface FusionPlan {
  readonly groups: FusedGroup[];
  readonly groupAt: Map<number, FusedGroup>;
  /** Lines fused in all. */
  readonly lines: number;
}

const TYPED: Record<string, string> = { float64: "Float64Array", float32: "Float32Array", bool: "Uint8Array", int32: "Int32Array" };

interface Open {
  readonly size: number;
  readonly members: number[];
  readonly defines: Set<number>;
  closed: boolean;
}

const NO_PLAN: FusionPlan = { groups: [], groupAt: new Map(), lines: 0 };

export function planFusion(p: Program): FusionPlan {
  const { avals, consts, stmts } = p;
  // A program on numbers alone (up to 10^6 lines) has nothing to fuse: skip the bookkeeping.
  if (!stmts.some((s) => s.kind === "eqn" && !s.aval.js)) return NO_PLAN;
  const sizeOfAtom = (a: Atom): number | null => {
    if (a >= 0) return avals[a]!.js ? null : sizeOf(avals[a]!.shape);
    const c = consts[-a - 1];
    return c instanceof NDArray ? c.size : null;
  };
  /** The line can run per element: an elementwise primitive whose operands are scalars, size-1 arrays or arrays of its own size. */
  const eligible = (e: Eqn): boolean => {
    if (e.aval.js || !e.prim.broadcasts || !(e.aval.dtype in TYPED)) return false;
    if (e.prim.scalar === undefined && e.prim.name !== "where") return false;
    const n = sizeOf(e.aval.shape);
    if (n <= 1) return false;
    return e.ins.every((a) => {
      const s = sizeOfAtom(a);
      return s === null || s === 1 || s === n;
    });
  };

  const producer = new Map<number, Open>();
  const all: Open[] = [];
  const openBySize = new Map<number, Open>();
  stmts.forEach((s, k) => {
    const e = s.kind === "eqn" && eligible(s) ? s : null;
    // Outside readers close the groups they read from.
    const readsFrom = new Set<Open>();
    for (const a of s.ins) {
      const g = a >= 0 ? producer.get(a) : undefined;
      if (g !== undefined && !g.closed) readsFrom.add(g);
    }
    const n = e ? sizeOf(e.aval.shape) : -1;
    let join: Open | undefined;
    if (e) for (const g of readsFrom) if (g.size === n) { join = g; break; }
    for (const g of readsFrom) if (g !== join) close(g);
    if (!e) return;
    if (join === undefined) {
      const prev = openBySize.get(n);
      // An open group of this size that this line does not read from: join it too (independent
      // lines of one size fuse into the same loop), unless the order forbids it — it never
      // does, since the new line only reads values defined before it.
      join = prev && !prev.closed ? prev : { size: n, members: [], defines: new Set(), closed: false };
      if (join !== prev) { all.push(join); openBySize.set(n, join); }
    }
    join.members.push(k);
    join.defines.add(e.out);
    producer.set(e.out, join);
  });
  function close(g: Open): void {
    g.closed = true;
  }

  const epilogues = planEpilogues(p, all, producer);
  const absorbed = new Set<number>();
  for (const ep of epilogues.values()) for (const k of ep.absorbed) absorbed.add(k);

  // Which group values are read after the group (by other statements or as outputs).
  const readOutside = new Set<number>();
  stmts.forEach((s, k) => {
    if (absorbed.has(k)) return;
    const own = s.kind === "eqn" ? producer.get(s.out) : undefined;
    for (const a of s.ins) if (a >= 0 && producer.has(a) && producer.get(a) !== own) readOutside.add(a);
  });
  for (const a of p.outs) if (a >= 0) readOutside.add(a);

  const groups: FusedGroup[] = [];
  const groupAt = new Map<number, FusedGroup>();
  let lines = 0;
  all.forEach((g, gi) => {
    if (g.members.length < 2) return;
    const eqns = g.members.map((k) => stmts[k] as Eqn);
    const ep = epilogues.get(g);
    const outs = eqns.map((e) => e.out).filter((v) => readOutside.has(v));
    if (ep) outs.push(ep.out);
    const ins: Atom[] = [];
    for (const e of eqns) for (const a of e.ins) if (!(a >= 0 && g.defines.has(a)) && !ins.includes(a)) ins.push(a);
    const last = ep ? ep.absorbed[ep.absorbed.length - 1]! : g.members[g.members.length - 1]!;
    const fg: FusedGroup = { last, ins, outs, zeroed: ep ? [ep.out] : [], emit: (atom, local, fns, kconst, buffer) => emitGroup(gi, g.size, eqns, ins, outs, ep, p, atom, local, fns, kconst, buffer) };
    groups.push(fg);
    for (const k of g.members) groupAt.set(k, fg);
    if (ep) for (const k of ep.absorbed) groupAt.set(k, fg);
    lines += eqns.length + (ep ? ep.absorbed.length : 0);
  });
  return { groups, groupAt, lines };
}

/**
 * add(unslice(a), unslice(b)) where a and b are values of one fused group: the transpose of
 * slicing, as every gradient of x[1:] and x[:-1] ends. The group's loop then adds a and b into
 * one zeroed array at their offsets, instead of two zero-padded copies and a third pass.
 */
interface Epilogue {
  /** The add's output variable. */
  readonly out: number;
  readonly parts: readonly { readonly v: number; readonly offset: number }[];
  /** The unslice and add lines the group takes over, in program order (the add last). */
  readonly absorbed: readonly number[];
}

function planEpilogues(p: Program, groups: readonly Open[], producer: ReadonlyMap<number, Open>): Map<Open, Epilogue> {
  const { stmts, avals } = p;
  const defAt = new Map<number, number>();
  const readers = new Map<number, number[]>();
  const addReader = (v: number, k: number): void => {
    const list = readers.get(v);
    if (list === undefined) readers.set(v, [k]);
    else list.push(k);
  };
  stmts.forEach((s, k) => {
    if (s.kind === "eqn") defAt.set(s.out, k);
    for (const a of s.ins) if (a >= 0) addReader(a, k);
  });
  for (const a of p.outs) if (a >= 0) addReader(a, Infinity);
  const found = new Map<Open, Epilogue>();
  /** The contiguous offset at which a single-use unslice places a value of group g, or null. */
  const placement = (v: number, add: number, g: { value: Open | undefined }): { src: number; offset: number; at: number } | null => {
    const at = defAt.get(v);
    const u = at === undefined ? undefined : stmts[at];
    if (u === undefined || u.kind !== "eqn" || u.prim.name !== "unslice" || (readers.get(v) ?? []).some((r) => r !== add)) return null;
    const src = u.ins[0]!;
    const owner = src >= 0 ? producer.get(src) : undefined;
    if (owner === undefined || owner.members.length < 2 || (g.value !== undefined && g.value !== owner)) return null;
    const prm = u.params as { starts: readonly number[]; steps: readonly number[]; full: readonly number[] };
    const inShape = avals[src]!.shape;
    if (prm.steps.some((st) => st !== 1) || inShape.some((d, i) => i > 0 && d !== prm.full[i])) return null;
    if (sizeOf(inShape) !== owner.size) return null;
    g.value = owner;
    let offset = 0, stride = 1;
    for (let i = prm.full.length - 1; i >= 0; i--) { offset += prm.starts[i]! * stride; stride *= prm.full[i]!; }
    return { src, offset, at: at! };
  };
  stmts.forEach((s, k) => {
    if (s.kind !== "eqn" || s.prim.name !== "add" || s.ins.length !== 2 || s.aval.js) return;
    // An add that joined a fused group of its own size is emitted by that group's loop; taking
    // it over as well would leave two owners of one line, and the group that lost it in
    // groupAt would never be emitted (its values read as undefined in the next chunk).
    const own = producer.get(s.out);
    if (own !== undefined && own.members.length >= 2) return;
    const g: { value: Open | undefined } = { value: undefined };
    const a = s.ins[0]! >= 0 ? placement(s.ins[0]!, k, g) : null;
    const b = a && s.ins[1]! >= 0 ? placement(s.ins[1]!, k, g) : null;
    if (!a || !b || found.has(g.value!) || a.src === b.src) return;
    const grp = g.value!;
    const lastMember = grp.members[grp.members.length - 1]!;
    const ua = avals[stmts[a.at]!.kind === "eqn" ? (stmts[a.at] as Eqn).out : 0]!;
    if (ua.dtype !== s.aval.dtype || sizeOf(ua.shape) !== sizeOf(s.aval.shape) || a.at < lastMember || b.at < lastMember) return;
    // The group is now emitted at the add: nothing between may read its values.
    for (let j = lastMember + 1; j < k; j++) {
      if (j === a.at || j === b.at) continue;
      if (stmts[j]!.ins.some((x) => x >= 0 && producer.get(x) === grp)) return;
    }
    found.set(grp, { out: s.out, parts: [{ v: a.src, offset: a.offset }, { v: b.src, offset: b.offset }], absorbed: [Math.min(a.at, b.at), Math.max(a.at, b.at), k] });
  });
  return found;
}

function emitGroup(
  gi: number, n: number, eqns: readonly Eqn[], ins: readonly Atom[], outs: readonly number[], ep: Epilogue | undefined, p: Program,
  atom: (a: Atom) => string, local: (v: number) => string, fns: Map<string, string>, kconst: (v: unknown) => string, buffer: (v: number) => string | null,
): string[] {
  const pre = `g${gi}_`;
  const head: string[] = [`// fused: ${eqns.map((e) => e.prim.name).join(", ")} over ${n} elements`];
  // Operands: arrays of the group's size are indexed, size-1 arrays and numbers are hoisted.
  const operand = new Map<Atom, string>();
  ins.forEach((a, j) => {
    const isArray = a >= 0 ? !p.avals[a]!.js : p.consts[-a - 1] instanceof NDArray;
    if (!isArray) { operand.set(a, atom(a)); return; }
    const size = a >= 0 ? sizeOf(p.avals[a]!.shape) : (p.consts[-a - 1] as NDArray).size;
    // A constant array of one repeated value (a folded seed such as ones·100) is read as that number.
    if (size === n && !(a < 0 && uniform(p.consts[-a - 1] as NDArray))) { head.push(`const ${pre}d${j} = ${atom(a)}.data;`); operand.set(a, `${pre}d${j}[i]`); }
    else { head.push(`const ${pre}s${j} = ${atom(a)}.data[0];`); operand.set(a, `${pre}s${j}`); }
  });
  for (const v of outs) {
    if (ep && v === ep.out) continue;
    head.push(`const ${pre}o${v} = ${buffer(v) ?? `new ${TYPED[p.avals[v]!.dtype]!}(${n})`};`);
  }
  // The epilogue's array starts at zero: it is the sum of zero-padded placements.
  if (ep) head.push(`const ${pre}o${ep.out} = new ${TYPED[p.avals[ep.out]!.dtype]!}(${sizeOf(p.avals[ep.out]!.shape)});`);
  const body: string[] = [];
  for (const e of eqns) {
    const a = e.ins.map((x) => (x >= 0 && operand.get(x) === undefined ? `${pre}e${x}` : operand.get(x)!));
    let rhs = e.prim.name === "where" ? `${a[0]} ? ${a[1]} : ${a[2]}` : scalarExpr(e.prim, a, fns)!;
    // float32 lines round every intermediate, exactly as the unfused kernels store them.
    if (e.aval.dtype === "float32") rhs = `Math.fround(${rhs})`;
    body.push(`const ${pre}e${e.out} = ${rhs};`);
    if (outs.includes(e.out)) body.push(`${pre}o${e.out}[i] = ${pre}e${e.out};`);
  }
  // Placements in the order the add reads them, so each element sums as (0 + a) + b.
  if (ep) for (const part of ep.parts) body.push(`${pre}o${ep.out}[${part.offset} + i] += ${pre}e${part.v};`);
  const tail = outs.map((v) => `const ${local(v)} = new NDArray(${pre}o${v}, ${kconst(p.avals[v]!.shape as Shape)});`);
  return [...head, `for (let i = 0; i < ${n}; i++) {`, ...body.map((l) => "  " + l), `}`, ...tail];
}

function uniform(c: NDArray): boolean {
  const d = c.data, v = d[0];
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], v)) return false;
  return true;
}
