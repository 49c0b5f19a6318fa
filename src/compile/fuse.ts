// Fusion of elementwise array lines: a run of lines on arrays of one shape, each the
// elementwise image of its operands, becomes ONE line of the list — a loop over the elements
// whose body is a nested Wengert list of the run's lines on single elements (see the note in
// core/ir.ts). Eager mode makes a pass over memory (and a fresh array) per line; a fused line
// makes one pass and allocates only the arrays read after it. `compiled.lastCompiled.trace`
// prints the fused program, each loop as one line with its body.
//
// Grouping is greedy in program order: an eligible line joins the open group of the same
// output size that produced one of its operands (or opens one). A group closes as soon as a
// line outside it reads one of its values, because the group is emitted at its LAST line and
// everything it defines must exist before any outside reader. Groups of one line are left to
// the primitive's kernel.

import { allocate, NDArray, sizeOf, type DType, type Shape, type TypedData } from "../array/ndarray.js";
import { allocateFull, allocateZeroed, MIN_BYTES } from "../array/pool.js";
import { MissingRuleError } from "../base/errors.js";
import type { Aval } from "../array/aval.js";
import { evaluate, MISS } from "../core/evaluate.js";
import { WengertList, type Atom, type Body, type Eqn } from "../core/ir.js";
import type { EmitContext } from "../core/lowering.js";
import type { Primitive } from "../core/primitive.js";
import type { Tensor, Value } from "../core/tracer.js";
import { constExpr } from "./codegen.js";

/** One fused group, as planned on the unfused list. */
interface Group {
  readonly size: number;
  /** Statement indices of the member lines, in order. */
  readonly members: readonly number[];
  /** Operands read from outside the group. */
  readonly ins: Atom[];
  /** Member outputs read after the group. */
  readonly outs: number[];
  readonly epilogue: Epilogue | undefined;
  /** Index of the statement at which the group's line stands (its last member, or the epilogue's add). */
  readonly last: number;
}

/** How a fused line's body reads operand j: one element per iteration, or one value for all. */
export type InputMode = "element" | "scalar";

export interface FusedParams {
  /** Iterations: the element count of the group's arrays. */
  readonly size: number;
  /** The body: the group's lines on one element (inputs: one per operand of the line). */
  readonly body: WengertList;
  readonly modes: readonly InputMode[];
  /**
   * Set when the last output is the sum of slice transposes of body values: that output starts
   * as zeros of `length` elements and body output nOut − 1 + j is added at offsets[j] + i.
   */
  readonly epilogue: { readonly offsets: readonly number[] } | null;
  /** The line's outputs (the last one accumulated when there is an epilogue). */
  readonly outAvals: readonly Aval[];
}

const TYPED: Record<string, string> = { float64: "Float64Array", float32: "Float32Array", bool: "Uint8Array", int32: "Int32Array" };
const BYTES: Record<string, number> = { float64: 8, float32: 4, bool: 1, int32: 4 };

interface Open {
  readonly size: number;
  readonly members: number[];
  readonly defines: Set<number>;
  closed: boolean;
}

/**
 * Lines per fused loop at most. A group of independent lines of one size grows without bound
 * otherwise (a recurrence on small vectors, such as an LSTM's, fused its whole unrolled
 * gradient into one loop: its emitted lines overflowed the call stack when spread into the
 * chunk, and a loop body that large is one V8 will not optimize anyway).
 */
export const MAX_GROUP_LINES = 256;

function planGroups(p: WengertList): Group[] {
  const { avals, stmts } = p;
  // A program on numbers alone (up to 10^6 lines) has nothing to fuse: skip the bookkeeping.
  if (!stmts.some((s) => s.kind === "eqn" && !avals[s.out]!.js)) return [];
  const sizeOfAtom = (a: Atom): number | null => {
    if (a >= 0) return avals[a]!.js ? null : sizeOf(avals[a]!.shape);
    const c = p.consts.value(a);
    return c instanceof NDArray ? c.size : null;
  };
  /** The line can run per element: an elementwise primitive whose operands are scalars, size-1 arrays or arrays of its own size. */
  const eligible = (e: Eqn): boolean => {
    const aval = avals[e.out]!;
    if (e.nOut !== 1 || aval.js || !e.prim.broadcasts || !(aval.dtype in TYPED)) return false;
    if (e.prim.lower.js === undefined && e.prim.scalar === undefined) return false;
    const n = sizeOf(aval.shape);
    if (n <= 1) return false;
    return e.ins.every((a) => {
      const s = sizeOfAtom(a);
      return s === null || s === 1 || s === n;
    });
  };

  const producer = new Map<number, Open>();
  const all: Open[] = [];
  const openBySize = new Map<number, Open>();
  const placedAdds = epilogueCandidates(p, producer);
  stmts.forEach((s, k) => {
    const e = s.kind === "eqn" && eligible(s) && !placedAdds(k) ? s : null;
    // Outside readers close the groups they read from.
    const readsFrom = new Set<Open>();
    for (const a of s.ins) {
      const g = a >= 0 ? producer.get(a) : undefined;
      if (g !== undefined && !g.closed) readsFrom.add(g);
    }
    const n = e ? sizeOf(avals[e.out]!.shape) : -1;
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
    if (join.members.length >= MAX_GROUP_LINES) close(join);
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

  const groups: Group[] = [];
  for (const g of all) {
    if (g.members.length < 2) continue;
    const eqns = g.members.map((k) => stmts[k] as Eqn);
    const ep = epilogues.get(g);
    const outs = eqns.map((e) => e.out).filter((v) => readOutside.has(v));
    const ins: Atom[] = [];
    for (const e of eqns) for (const a of e.ins) if (!(a >= 0 && g.defines.has(a)) && !ins.includes(a)) ins.push(a);
    const last = ep ? ep.absorbed[ep.absorbed.length - 1]! : g.members[g.members.length - 1]!;
    groups.push({ size: g.size, members: g.members, ins, outs, epilogue: ep, last });
  }
  return groups;
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

/**
 * Adds of two single-use placements (unslice) of values of a fused group: such an add stays out
 * of the grouping so that planEpilogues can hand it to its source's group. Joining another
 * group of its size — the HVP of one seed per color ends in one such add per seed, and the adds,
 * being independent, all fused into one loop — left every unslice as its own zero-padded copy.
 * The test runs as the grouping reaches line k, when the unslices' sources have their groups.
 */
function epilogueCandidates(p: WengertList, producer: ReadonlyMap<number, Open>): (k: number) => boolean {
  const { stmts, avals } = p;
  const defAt = new Map<number, number>(), uses = new Map<number, number>();
  stmts.forEach((s, k) => {
    if (s.kind === "eqn") defAt.set(s.out, k);
    for (const a of s.ins) if (a >= 0) uses.set(a, (uses.get(a) ?? 0) + 1);
  });
  for (const a of p.outs) if (a >= 0) uses.set(a, (uses.get(a) ?? 0) + 1);
  const placed = (v: Atom): boolean => {
    const at = v >= 0 ? defAt.get(v) : undefined;
    const u = at === undefined ? undefined : stmts[at];
    if (u === undefined || u.kind !== "eqn" || u.prim.lower.placement === undefined || uses.get(v) !== 1) return false;
    const src = u.ins[0]!;
    return src >= 0 && producer.has(src) && u.prim.lower.placement(u.params, avals[src]!.shape) !== null;
  };
  return (k) => {
    const s = stmts[k]!;
    return s.kind === "eqn" && s.prim.lower.sums === true && s.ins.length === 2 && !avals[s.out]!.js && placed(s.ins[0]!) && placed(s.ins[1]!);
  };
}

function planEpilogues(p: WengertList, groups: readonly Open[], producer: ReadonlyMap<number, Open>): Map<Open, Epilogue> {
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
    if (u === undefined || u.kind !== "eqn" || u.prim.lower.placement === undefined || (readers.get(v) ?? []).some((r) => r !== add)) return null;
    const src = u.ins[0]!;
    const owner = src >= 0 ? producer.get(src) : undefined;
    if (owner === undefined || owner.members.length < 2 || (g.value !== undefined && g.value !== owner)) return null;
    const inShape = avals[src]!.shape;
    const offset = u.prim.lower.placement(u.params, inShape);
    if (offset === null || sizeOf(inShape) !== owner.size) return null;
    g.value = owner;
    return { src, offset, at: at! };
  };
  stmts.forEach((s, k) => {
    if (s.kind !== "eqn" || s.prim.lower.sums !== true || s.ins.length !== 2 || avals[s.out]!.js) return;
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
    const sa = avals[s.out]!;
    if (ua.dtype !== sa.dtype || sizeOf(ua.shape) !== sizeOf(sa.shape) || a.at < lastMember || b.at < lastMember) return;
    // The group is now emitted at the add: nothing between may read its values.
    for (let j = lastMember + 1; j < k; j++) {
      if (j === a.at || j === b.at) continue;
      if (stmts[j]!.ins.some((x) => x >= 0 && producer.get(x) === grp)) return;
    }
    found.set(grp, { out: s.out, parts: [{ v: a.src, offset: a.offset }, { v: b.src, offset: b.offset }], absorbed: [Math.min(a.at, b.at), Math.max(a.at, b.at), k] });
  });
  return found;
}

/** The list with each fused group as one line of FUSED (the same list when nothing fuses). */
export function fuse(p: WengertList): { readonly list: WengertList; readonly groups: number; readonly lines: number } {
  const groups = planGroups(p);
  if (groups.length === 0) return { list: p, groups: 0, lines: 0 };
  const at = new Map<number, Group>();
  let lines = 0;
  for (const g of groups) {
    for (const k of g.members) at.set(k, g);
    if (g.epilogue) for (const k of g.epilogue.absorbed) at.set(k, g);
    lines += g.members.length + (g.epilogue ? g.epilogue.absorbed.length : 0);
  }
  const q = new WengertList(p.names);
  const env = new Int32Array(p.avals.length);
  const map = (a: Atom): Atom => (a >= 0 ? env[a]! : q.constAtom(p.consts.value(a)));
  for (let i = 0; i < p.nIn; i++) env[i] = q.addInput(p.avals[i]!);
  p.stmts.forEach((s, k) => {
    const g = at.get(k);
    if (g !== undefined) {
      if (g.last === k) fusedLine(p, q, g, map, env);
      return;
    }
    const ins = s.ins.map(map);
    if (s.kind === "guard") q.addGuard(s.prim, s.params, ins, s.expect);
    else if (s.kind === "value") q.addValueGuard(ins, s.value);
    else if (s.nOut === 1) env[s.out] = q.addEqn(s.prim, s.params, ins, p.avals[s.out]!);
    else {
      const first = q.addEqnN(s.prim, s.params, ins, p.avals.slice(s.out, s.out + s.nOut));
      for (let j = 0; j < s.nOut; j++) env[s.out + j] = first + j;
    }
  });
  q.outs = p.outs.map(map);
  return { list: q, groups: groups.length, lines };
}

/** One element of an array of `dtype` (a 0-d array), as the body's lines see it. */
function elementAval(dtype: Aval["dtype"]): Aval {
  return { shape: [], dtype, js: false };
}

/** Appends group g of list p to q as one fused line; maps the group's outputs in env. */
function fusedLine(p: WengertList, q: WengertList, g: Group, map: (a: Atom) => Atom, env: Int32Array): void {
  const body = new WengertList();
  const bodyAtom = new Map<Atom, Atom>();
  const operands: Atom[] = [];
  const modes: InputMode[] = [];
  for (const a of g.ins) {
    const c = a < 0 ? p.consts.value(a) : undefined;
    // Numbers and booleans of the program, and constant arrays of one repeated value (a folded
    // seed such as ones·100), become constants of the body itself.
    if (c !== undefined && !(c instanceof NDArray)) { bodyAtom.set(a, body.constAtom(c)); continue; }
    if (c instanceof NDArray && isUniform(c)) { bodyAtom.set(a, body.constAtom(c.data[0]!)); continue; }
    const aval = p.avalOf(a);
    modes.push(!aval.js && sizeOf(aval.shape) === g.size ? "element" : "scalar");
    bodyAtom.set(a, body.addInput(aval.js ? aval : elementAval(aval.dtype)));
    operands.push(map(a));
  }
  for (const k of g.members) {
    const e = p.stmts[k] as Eqn;
    const ins = e.ins.map((a) => bodyAtom.get(a)!);
    bodyAtom.set(e.out, body.addEqn(e.prim, e.params, ins, elementAval(p.avals[e.out]!.dtype)));
  }
  const ep = g.epilogue;
  body.outs = [...g.outs, ...(ep ? ep.parts.map((part) => part.v) : [])].map((v) => bodyAtom.get(v)!);
  const outAvals = [...g.outs, ...(ep ? [ep.out] : [])].map((v) => p.avals[v]!);
  const params: FusedParams = { size: g.size, body, modes, epilogue: ep ? { offsets: ep.parts.map((part) => part.offset) } : null, outAvals };
  const first = q.addEqnN(FUSED as Primitive<unknown>, params, operands, outAvals);
  g.outs.forEach((v, j) => (env[v] = first + j));
  if (ep) env[ep.out] = first + g.outs.length;
}

function isUniform(c: NDArray): boolean {
  const d = c.data, v = d[0];
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], v)) return false;
  return true;
}

/** Body outputs that are added into the accumulated last output (the epilogue's parts). */
function partsOf(p: FusedParams): number {
  return p.epilogue === null ? 0 : p.epilogue.offsets.length;
}

/**
 * A loop over the elements whose body is a Wengert list (see FusedParams). Evaluating it runs
 * the body once per element through the ops (core/evaluate.ts); code generation emits the loop
 * itself (emitFused). It has no derivative rule: transforms see the unfused program (a compiled
 * variant's `program`), which the fused one was lowered from.
 */
export const FUSED: Primitive<FusedParams> = {
  name: "fused",
  broadcasts: false,
  infer: (_avals, p) => p.outAvals[0]!,
  impl: (args, p) => {
    const nPlain = p.body.outs.length - partsOf(p);
    const outs = p.outAvals.map((a) => new NDArray(allocate(a.dtype as DType, sizeOf(a.shape)), a.shape));
    for (let i = 0; i < p.size; i++) {
      const ins: Value[] = args.map((a, j) => {
        if (!(a instanceof NDArray)) return a;
        const one = allocate(a.dtype, 1);
        one[0] = a.data[p.modes[j] === "element" ? i : 0]!;
        return new NDArray(one, []);
      });
      const r = evaluate(p.body, ins);
      if (r === MISS) throw new TypeError("a fused body holds no guards");
      r.forEach((v, j) => {
        const x = v instanceof NDArray ? v.data[0]! : +(v as number);
        if (j < nPlain) outs[j]!.data[i] = x;
        else outs[nPlain]!.data[p.epilogue!.offsets[j - nPlain]! + i]! += x;
      });
    }
    return (outs.length === 1 ? outs[0]! : outs) as unknown as Tensor;
  },
  rule: {
    kind: "linear",
    jvp: [],
    vjp: [],
    variadic: { jvp: unfusedOnly, vjp: unfusedOnly },
  },
  display: { primal: (_args, p) => `for i < ${p.size}` },
  lower: { emit: (line, ctx) => emitFused(line, ctx), workspace: workspaceOutputs },
  bodies: (p) => [{ label: "body", list: p.body, inputs: (args) => args.map((a, j) => (p.modes[j] === "element" ? `${a}[i]` : a)), outputs: (outs) => bodyOutputNames(p, outs) }],
};

function unfusedOnly(): never {
  throw new MissingRuleError("fused", "a fused loop is compile's lowering of an already differentiated program; differentiate its unfused form (the compiled variant's `program`)");
}

/** The body outputs' names: the line's outputs, then the accumulated output at each part's offset. */
function bodyOutputNames(p: FusedParams, outs: readonly string[]): string[] {
  const nPlain = p.body.outs.length - partsOf(p);
  const names = outs.slice(0, nPlain);
  const acc = outs[nPlain];
  if (p.epilogue !== null) for (const off of p.epilogue.offsets) names.push(`${acc}[${off === 0 ? "" : off + " + "}i] +=`);
  return names;
}

/**
 * The JavaScript of a fused line: one loop carrying each element through the body in scalar
 * locals, its outputs written into fresh arrays or the workspace buffers codegen offers.
 */
function emitFused(line: Eqn, ctx: EmitContext): string[] {
  const p = ctx.list;
  const fp = line.params as FusedParams;
  const { body, size: n } = fp;
  const pre = ctx.fresh();
  const head: string[] = [`// fused: ${body.stmts.map((s) => (s.kind === "eqn" ? s.prim.name : s.kind)).join(", ")} over ${n} elements`];
  const name = new Map<Atom, string>();
  line.ins.forEach((a, j) => {
    const isArray = !p.avalOf(a).js;
    if (!isArray) name.set(j, ctx.atom(a));
    else if (fp.modes[j] === "element") { head.push(`const ${pre}d${j} = ${ctx.atom(a)}.data;`); name.set(j, `${pre}d${j}[i]`); }
    else { head.push(`const ${pre}s${j} = ${ctx.atom(a)}.data[0];`); name.set(j, `${pre}s${j}`); }
  });
  const bodyExpr = (a: Atom): string => (a < 0 ? constExpr(body.consts.value(a)) : a < body.nIn ? name.get(a)! : `${pre}e${a}`);
  const nPlain = body.outs.length - partsOf(fp);
  // A large array not in the workspace comes from the buffer pool, as a kernel's result does: a
  // compiled call gives back the ones it does not return, and a caller that owns a result it has
  // read (sparseHessian's products) may give that back too; a fresh large array is zeroed and
  // faulted in by the OS on every call (0.5 ms per 2.4 MB measured, more than a fused pass).
  const fresh = (v: number, zeroed: boolean): string => {
    const dtype = p.avals[v]!.dtype, len = sizeOf(p.avals[v]!.shape);
    if (len * BYTES[dtype]! < MIN_BYTES) return `new ${TYPED[dtype]!}(${len})`;
    return `${ctx.constant(zeroed ? allocateZeroed : allocateFull)}(${JSON.stringify(dtype)}, ${len})`;
  };
  for (let j = 0; j < nPlain; j++) {
    const v = line.out + j;
    head.push(`const ${pre}o${j} = ${ctx.buffer(v) ?? fresh(v, false)};`);
  }
  // The accumulated output starts at zero: it is the sum of zero-padded placements.
  if (fp.epilogue !== null) head.push(`const ${pre}o${nPlain} = ${fresh(line.out + nPlain, true)};`);
  const loop: string[] = [];
  for (const s of body.stmts) {
    if (s.kind !== "eqn") continue;
    let rhs = ctx.scalar(s.prim, s.ins.map(bodyExpr), s.params);
    // float32 lines round every intermediate, exactly as the unfused kernels store them.
    if (body.avals[s.out]!.dtype === "float32") rhs = `Math.fround(${rhs})`;
    loop.push(`const ${pre}e${s.out} = ${rhs};`);
  }
  body.outs.forEach((a, j) => {
    if (j < nPlain) loop.push(`${pre}o${j}[i] = ${bodyExpr(a)};`);
    // Placements in the order the add read them, so each element sums as (0 + a) + b.
    else loop.push(`${pre}o${nPlain}[${fp.epilogue!.offsets[j - nPlain]} + i] += ${bodyExpr(a)};`);
  });
  const nOut = nPlain + (fp.epilogue === null ? 0 : 1);
  const tail = Array.from({ length: nOut }, (_, j) => {
    const v = line.out + j, shape = ctx.constant(p.avals[v]!.shape as Shape);
    // An output in a buffer the code keeps (a workspace slot, a loop's double-buffered carry)
    // takes one of the few NDArrays made over that buffer once: a loop step allocates nothing.
    if (j < nPlain && ctx.buffer(v) !== null) return `const ${ctx.local(v)} = ${ctx.constant(new Wraps())}.of(${pre}o${j}, ${shape});`;
    return `const ${ctx.local(v)} = new NDArray(${pre}o${j}, ${shape});`;
  });
  return [...head, `for (let i = 0; i < ${n}; i++) {`, ...loop.map((l) => "  " + l), `}`, ...tail];
}

/**
 * The NDArrays over the buffers one fused output is written into, made once each: two, for a
 * double-buffered carry (a step reads one buffer while writing the other). Sharing a wrapper
 * is what sharing its buffer already was: the buffer is written anew either way.
 */
class Wraps {
  private a: NDArray | null = null;
  private b: NDArray | null = null;
  of(data: TypedData, shape: Shape): NDArray {
    const a = this.a;
    if (a !== null && a.data === data) return a;
    const b = this.b;
    if (b !== null && b.data === data) return b;
    const w = new NDArray(data, shape);
    this.b = a;
    this.a = w;
    return w;
  }
}

/** Outputs written in full by the loop (a workspace buffer may hold them); the accumulated one starts at zero. */
function workspaceOutputs(line: Eqn): number[] {
  const fp = line.params as FusedParams;
  const n = line.nOut - (fp.epilogue === null ? 0 : 1);
  return Array.from({ length: n }, (_, j) => line.out + j);
}
