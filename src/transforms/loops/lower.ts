// Loop lines under compile: a JavaScript loop whose body is the body list's own code, inlined
// (EmitContext.inline), so the generated code and the time to make it are independent of the
// trip count. A body with branches has a variant per outcome met: each step tries them in order
// (a labelled block per variant, left by its first failing guard); when none holds, the
// program misses as a failed guard does, and compile traces again.

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf } from "../../array/ndarray.js";
import type { Eqn, WengertList } from "../../core/ir.js";
import type { EmitContext, PlacedGroup, RunnableBody } from "../../core/lowering.js";
import type { ScanParams } from "./scan-prim.js";
import { allocateFull } from "../../array/pool.js";
import type { WhileParams } from "./while-prim.js";
import { sliceOf } from "./slices.js";
import { accumulatedCarries, withAccumulation } from "./accumulate.js";

/** The storage dtype of a value of `a` (numbers float64, JS booleans bool). */
export function storage(a: Aval): string {
  return a.dtype === "number" ? "float64" : a.dtype;
}

/** Statement writing value `v` (of type `a`) as row `t` of flat storage `buf`. */
export function writeRow(buf: string, t: string, a: Aval, v: string): string {
  if (!a.js) return `${buf}.set(${v}.data, ${t} * ${sizeOf(a.shape)});`;
  return a.dtype === "bool" ? `${buf}[${t}] = ${v} ? 1 : 0;` : `${buf}[${t}] = ${v};`;
}

/** Slice t of a scanned array whose data is `d` and whose slices have type `a` (a number for 1-D, else a view). */
function sliceExpr(ctx: EmitContext, d: string, t: string, a: Aval): string {
  if (a.js) return a.dtype === "bool" ? `(${d}[${t}] !== 0)` : `${d}[${t}]`;
  const n = sizeOf(a.shape);
  return `new ${ctx.constant(NDArray)}(${d}.subarray(${t} * ${n}, (${t} + 1) * ${n}), ${ctx.constant(a.shape)})`;
}

/**
 * The body's variants tried in order on `inputs`: the first whose guards all hold runs
 * `assign(its outputs)`; when none holds, `miss`. `offered`: buffers the outputs may be written
 * into. The first `strict` (the carries') are used only where every variant writes every one of
 * them it is offered, else none is (so that no carry ever sits in a buffer a later step
 * writes); the others (per-step outputs, copied out within the step) wherever a variant can.
 * Gives whether the strict ones were used. `step`: the step's expression, for ctx.stepMiss.
 * `lists`: the variants as inlined (the body's own, or copies rewritten for this loop).
 */
export function variants(ctx: EmitContext, body: RunnableBody, step: string, inputs: readonly string[], assign: (outs: readonly string[]) => string[], offered: readonly (string | null)[] = [], strict = 0, miss = ctx.miss, lists: readonly WengertList[] = body.variants): { code: string[]; buffered: boolean } {
  const p = ctx.fresh();
  const want = offered.slice(0, strict).map((b) => b !== null);
  let inlined = lists.map((list, i) => ctx.inline(list, inputs, `break ${p}b${i};`, offered));
  const buffered = want.some(Boolean) && inlined.every((r) => want.every((w, j) => !w || r.buffered[j]));
  if (!buffered && want.some(Boolean)) {
    const loose = offered.map((b, j) => (j < strict ? null : b));
    inlined = lists.map((list, i) => ctx.inline(list, inputs, `break ${p}b${i};`, loose));
  }
  const out = [`${p}ok: {`];
  inlined.forEach(({ code, outs }, i) => {
    const label = `${p}b${i}`;
    out.push(`  ${label}: {`);
    for (const l of code) out.push(`    ${l}`);
    for (const l of assign(outs)) out.push(`    ${l}`);
    out.push(`    break ${p}ok;`, `  }`);
  });
  out.push(`  ${ctx.stepMiss?.(body, step, inputs) ?? miss}`, `}`);
  return { code: out, buffered };
}

/**
 * Whether slice input `input` of the lists may be read from one buffer overwritten every step:
 * no output and no line that can hand back its operand (a view, a loop) may hold on to it.
 */
export function sliceStaysInStep(lists: readonly WengertList[], input: number): boolean {
  return lists.every((l) => !l.outs.includes(input) && l.stmts.every((s) => !s.ins.includes(input) || (s.kind === "eqn" && s.prim.lower.aliases !== true && s.prim.lower.identity !== true && s.prim.outputs === undefined)));
}

/** Whether a variant of the lists reads input `input` (a line's operand or an output). */
function readsInput(lists: readonly WengertList[], input: number): boolean {
  return lists.some((l) => l.outs.includes(input) || l.stmts.some((s) => s.ins.includes(input)));
}

/** A typed array for one value of aval `a` (a buffer the generated code holds). */
export function bufferOf(ctx: EmitContext, a: Aval): string {
  return ctx.constant(allocate(storage(a) as never, sizeOf(a.shape)));
}

/**
 * Double buffers for array carries: each step writes the next carry into whichever of the two
 * the current one is not in. Gives the statements choosing them (at the top of a step), the
 * offered buffers and the final carries' expressions (copied out of the buffers, which the
 * generated code keeps from call to call). `own[j]`: carry j has a buffer of its own (none offered).
 */
export function carryBuffers(ctx: EmitContext, q: string, carry: readonly string[], avals: readonly Aval[], own: readonly boolean[] = []): { choose: string[]; offered: (string | null)[]; final: (buffered: boolean) => string[] } {
  const ND = ctx.constant(NDArray);
  const pairs = avals.map((a, j) => (a.js || own[j] === true ? null : [bufferOf(ctx, a), bufferOf(ctx, a)] as const));
  const choose: string[] = [];
  const offered = pairs.map((ab, j) => {
    if (ab === null) return null;
    choose.push(`const ${q}w${j} = ${carry[j]}.data === ${ab[0]} ? ${ab[1]} : ${ab[0]};`);
    return `${q}w${j}`;
  });
  const final = (buffered: boolean): string[] => carry.map((c, j) => {
    const ab = pairs[j];
    if (!buffered || ab === null) return c;
    return `(${c}.data === ${ab[0]} || ${c}.data === ${ab[1]} ? new ${ND}(${c}.data.slice(), ${c}.shape) : ${c})`;
  });
  return { choose, offered, final };
}

/** Locals bound once to the line's operands (`let` for the carries, which the loop updates). */
function bind(code: string[], q: string, tag: string, exprs: readonly string[], kind: "const" | "let"): string[] {
  return exprs.map((e, j) => {
    code.push(`${kind} ${q}${tag}${j} = ${e};`);
    return `${q}${tag}${j}`;
  });
}

/** Statements assigning new carry values (through temporaries: an output may read another carry). */
export function next(q: string, carry: readonly string[], outs: readonly string[]): string[] {
  return [...carry.map((_, j) => `const ${q}n${j} = ${outs[j]};`), ...carry.map((c, j) => `${c} = ${q}n${j};`)];
}

export function emitScan(line: Eqn, ctx: EmitContext): string[] {
  const p = line.params as ScanParams;
  const { nConsts: nc, nCarry: nk, nY: ny, length: T } = p;
  const lists = p.body.variants, list0 = lists[0]!;
  const ins = line.ins.map((a) => ctx.atom(a));
  const q = ctx.fresh(), code: string[] = [], alloc = ctx.constant(allocate), ND = ctx.constant(NDArray);
  const consts = bind(code, q, "k", ins.slice(0, nc), "const");
  const carry = bind(code, q, "c", ins.slice(nc, nc + nk), "let");
  const xs = bind(code, q, "X", ins.slice(nc + nk), "const");
  if (lists.length === 0) return [...code, untracedStep(ctx, p.body, [...consts, ...carry], xs, p.reverse ? T - 1 : 0)];
  const xAval = (j: number): Aval => list0.avals[nc + nk + j]!;
  const yAval = (j: number): Aval => list0.avalOf(list0.outs[nk + j]!);
  const kAval = (j: number): Aval => list0.avals[nc + j]!;
  // Per-step outputs placed into zero-padded arrays (compile/place.ts) have no stack of their own.
  const groups = p.placed ?? [];
  const place: (PlacedPart | null)[] = Array.from({ length: ny }, () => null);
  const after: string[] = [];
  const gs = groups.map((g, i) => {
    const name = `${q}G${i}`;
    const plan = placedPlan(ctx, name, g, T, yAval(g.parts[0]!.output - nk), p.reverse);
    code.push(...plan.init);
    after.push(...plan.after);
    plan.parts.forEach((at, j) => (place[g.parts[j]!.output - nk] = at));
    return name;
  });
  const ys = Array.from({ length: ny }, (_, j) => {
    if (place[j] !== null) return null;
    code.push(`const ${q}Y${j} = ${alloc}("${storage(yAval(j))}", ${T * sizeOf(yAval(j).shape)});`);
    return `${q}Y${j}`;
  });
  // Saved carries (reverse mode's forward half): every step's, or those the schedule lists.
  let count = 0, slot: string | null = null;
  if (p.save === "all") count = T;
  else if (p.save !== null) {
    const s = new Int32Array(T).fill(-1);
    p.save.forEach((k, i) => (s[k] = i));
    count = p.save.length;
    slot = ctx.constant(s);
  }
  const saved = p.save === null ? [] : carry.map((_, j) => {
    code.push(`const ${q}S${j} = ${alloc}("${storage(kAval(j))}", ${count * sizeOf(kAval(j).shape)});`);
    return `${q}S${j}`;
  });
  const k = `${q}i`, t = `${q}t`;
  // Carries that only accumulate scattered adds (a gradient through x[i] at traced indices) are
  // added in place, into a copy of their initial value made once (accumulate.ts).
  const inPlace = accumulatedCarries(lists, nc, nk, T);
  const bodyLists = inPlace.some(Boolean) ? lists.map((l) => withAccumulation(l, nc, inPlace)) : lists;
  carry.forEach((c, j) => {
    if (!inPlace[j]) return;
    const n = sizeOf(kAval(j).shape);
    code.push(`{ const s = ${c}.data, d = ${ctx.constant(allocateFull)}("float64", ${n}); for (let i = 0; i < ${n}; i++) d[i] = s[i] + 0; ${c} = new ${ND}(d, ${c}.shape); }`);
  });
  const buf = carryBuffers(ctx, q, carry, carry.map((_, j) => kAval(j)), inPlace);
  const step: string[] = [`const ${t} = ${p.reverse ? `${T - 1} - ${k}` : k};`];
  // A scanned array's data is read once, before the loop; a slice no variant reads (the step
  // index of a derived body) is not read at all, though a step that traces a variant gets it.
  const slices = xs.map((x, j) => {
    const input = nc + nk + j, d = `${q}D${j}`;
    if (!readsInput(lists, input) && xAval(j).js) return sliceExpr(ctx, `${x}.data`, t, xAval(j));
    code.push(`const ${d} = ${x}.data;`);
    step.push(...sliceLines(ctx, `${q}x${j}`, x, t, xAval(j), sliceStaysInStep(lists, input), d));
    return `${q}x${j}`;
  });
  if (p.save === "all") carry.forEach((c, j) => step.push(writeRow(saved[j]!, t, kAval(j), c)));
  else if (slot !== null) {
    step.push(`const ${q}s = ${slot}[${k}];`, `if (${q}s >= 0) {`);
    carry.forEach((c, j) => step.push(`  ${writeRow(saved[j]!, `${q}s`, kAval(j), c)}`));
    step.push(`}`);
  }
  // Per-step outputs written into buffers the code keeps, then copied into their rows.
  const yOffer = ys.map((_, j) => (yAval(j).js ? null : bufferOf(ctx, yAval(j))));
  // A pending row is held for the next step, after the row that reads the one held before.
  const assign = (outs: readonly string[]): string[] => [
    ...ys.map((y, j) => (y === null ? placeRow(place[j]!, t, yAval(j), outs[nk + j]!) : writeRow(y, t, yAval(j), outs[nk + j]!))).filter((l) => l !== ""),
    ...place.flatMap((at, j) => (at?.holds === undefined ? [] : [`${at.holds} = ${outs[nk + j]!};`])),
    ...next(q, carry, outs),
  ];
  const body = variants(ctx, p.body, k, [...consts, ...carry, ...slices], assign, [...buf.offered, ...yOffer], nk, ctx.miss, bodyLists);
  code.push(`for (let ${k} = 0; ${k} < ${T}; ${k}++) {`);
  if (body.buffered) for (const l of buf.choose) code.push(`  ${l}`);
  for (const l of [...step, ...body.code]) code.push(`  ${l}`);
  code.push(`}`, ...after);
  buf.final(body.buffered).forEach((c, j) => code.push(`const ${ctx.local(line.out + j)} = ${c};`));
  ys.forEach((y, j) => code.push(`const ${ctx.local(line.out + nk + j)} = ${y === null ? "null" : `new ${ND}(${y}, ${ctx.constant([T, ...yAval(j).shape])})`};`));
  saved.forEach((s, j) => code.push(`const ${ctx.local(line.out + nk + ny + j)} = new ${ND}(${s}, ${ctx.constant([count, ...kAval(j).shape])});`));
  const first = line.out + nk + ny + saved.length;
  gs.forEach((g, i) => code.push(`const ${ctx.local(first + i)} = new ${ND}(${g}, ${ctx.constant(groups[i]!.aval.shape)});`));
  return code;
}

/**
 * Where a placed per-step output's rows go: a group's array, at a flat offset; stored, or added
 * to what is there; or, for a pair of number rows one element apart, `holds`: the leader's row
 * kept in a local until the next step, where the other's row is stored added to it (`onto`).
 */
interface PlacedPart { readonly buf: string; readonly offset: number; readonly add: boolean; readonly holds?: string; readonly onto?: string }

/**
 * How a placed group's array is written, bit for bit what its unslices and add compute. One
 * part: its rows stored, zeros around them. Two parts: where both reach, the sum a + b is the
 * leader's row stored, then the other's added (the leader is the part whose rows reach each
 * element first, in the loop's direction); where only the other reaches, 0 + b, on zeros;
 * where only the leader reaches, a + 0, added after the loop (a −0 becomes +0, as the add of
 * the zero-padded arrays makes it). No pass over the whole array beyond the loop's own.
 *
 * Two parts of number rows one element apart (a scan over x[0:n−1] and x[1:n]): the other
 * reaches each element one step after the leader, so the leader's row waits in a local (0
 * before the first step) and the other's is stored as held + b (the same bits as a + b: IEEE
 * addition commutes); after the loop, the last held row + 0. One store per element and no
 * read of the array, as the adjoint written by hand keeps ∂/∂x[i] in a register.
 */
function placedPlan(ctx: EmitContext, name: string, g: PlacedGroup, T: number, row: Aval, reverse: boolean): { init: string[]; after: string[]; parts: PlacedPart[] } {
  const n = T * sizeOf(row.shape), size = sizeOf(g.aval.shape);
  const init = [`const ${name} = ${ctx.constant(allocateFull)}("${storage(g.aval)}", ${size});`];
  const zeroOutside = (lo: number, hi: number): void => {
    if (lo > 0) init.push(`${name}.fill(0, 0, ${lo});`);
    if (hi < size) init.push(`${name}.fill(0, ${hi});`);
  };
  const [a, b] = g.parts;
  if (b === undefined) {
    zeroOutside(a!.offset, a!.offset + n);
    return { init, after: [], parts: [{ buf: name, offset: a!.offset, add: false }] };
  }
  // Steps run with t falling when reversed: the part at the smaller offset reaches an element first.
  const aLeads = a!.offset === b.offset ? a!.output < b.output : (a!.offset < b.offset) === reverse;
  const [lead, other] = aLeads ? [a!, b] : [b, a!];
  if (row.js && T > 0 && Math.abs(lead.offset - other.offset) === 1) {
    const held = `${name}h`, lo = Math.min(lead.offset, other.offset);
    init.push(`let ${held} = 0;`);
    zeroOutside(lo, lo + n + 1);
    const parts = g.parts.map((p) => (p === lead ? { buf: name, offset: p.offset, add: false, holds: held } : { buf: name, offset: p.offset, add: false, onto: held }));
    return { init, after: [`${name}[${lead.offset + (reverse ? 0 : T - 1)}] = ${held} + 0;`], parts };
  }
  zeroOutside(lead.offset, lead.offset + n);
  const lo = Math.max(lead.offset, Math.min(other.offset + n, lead.offset + n)), hi = lead.offset + n;
  const lo2 = lead.offset, hi2 = Math.min(Math.max(other.offset, lead.offset), lead.offset + n);
  const after: string[] = [];
  // The leader's elements the other part does not reach: below it, and above it.
  if (lo2 < hi2) after.push(`for (let i = ${lo2}; i < ${hi2}; i++) ${name}[i] += 0;`);
  if (lo < hi) after.push(`for (let i = ${lo}; i < ${hi}; i++) ${name}[i] += 0;`);
  return { init, after, parts: g.parts.map((p) => ({ buf: name, offset: p.offset, add: p !== lead })) };
}

/** Statement writing value `v` (of type `a`) as row `t` of a placed part: stored, or added (two parts); none for a held row (`assign` keeps it). */
function placeRow(at: PlacedPart, t: string, a: Aval, v: string): string {
  if (at.holds !== undefined) return "";
  if (at.onto !== undefined) return `${at.buf}[${at.offset} + ${t}] = ${at.onto} + ${v};`;
  const op = at.add ? "+=" : "=";
  if (a.js) return `${at.buf}[${at.offset} + ${t}] ${op} ${v};`;
  const n = sizeOf(a.shape);
  if (!at.add) return `${at.buf}.set(${v}.data, ${at.offset} + ${t} * ${n});`;
  return `{ const d = ${v}.data, o = ${at.offset} + ${t} * ${n}; for (let i = 0; i < ${n}; i++) ${at.buf}[o + i] += d[i]; }`;
}

/**
 * The code of a loop whose body has no variant yet (a derived body, only while compile stages
 * its line: loop-eval.ts): its first step, at step `t`'s slices, traces one; the line's code
 * is then generated again.
 */
export function untracedStep(ctx: EmitContext, body: RunnableBody, lead: readonly string[], xs: readonly string[], t: number): string {
  const slice = ctx.constant(sliceOf);
  return ctx.stepMiss?.(body, "0", [...lead, ...xs.map((x) => `${slice}(${x}, ${t})`)]) ?? ctx.miss;
}

/**
 * `name` bound to slice t of scanned array x: a number for 1-D x; else, when the body keeps no
 * hold on it, a row copied into one array the code keeps; else a fresh view.
 */
export function sliceLines(ctx: EmitContext, name: string, x: string, t: string, a: Aval, inStep: boolean, data = `${x}.data`): string[] {
  if (a.js || !inStep) return [`const ${name} = ${sliceExpr(ctx, data, t, a)};`];
  const n = sizeOf(a.shape);
  const row = ctx.constant(new NDArray(allocate(storage(a) as never, n), a.shape));
  return [`const ${name} = ${row};`, `{ const d = ${name}.data, s = ${data}, o = ${t} * ${n}; for (let i = 0; i < ${n}; i++) d[i] = s[o + i]; }`];
}

/** Helpers the while loop's code calls (from while-prim.ts, passed in to keep the import one-way). */
export interface WhileHelpers {
  iterationLimit(maxIter: number, carry: readonly unknown[]): Error;
  stackRows(saved: readonly unknown[][], j: number, like: unknown): NDArray;
}

export function emitWhile(line: Eqn, ctx: EmitContext, h: WhileHelpers): string[] {
  const p = line.params as WhileParams;
  const { nCond: ncc, nConsts: nc, nCarry: nk } = p;
  const ins = line.ins.map((a) => ctx.atom(a));
  const q = ctx.fresh(), code: string[] = [];
  const cc = bind(code, q, "q", ins.slice(0, ncc), "const");
  const bc = bind(code, q, "k", ins.slice(ncc, ncc + nc), "const");
  const carry = bind(code, q, "c", ins.slice(ncc + nc), "let");
  if (p.save) code.push(`const ${q}S = [];`);
  const k = `${q}i`, go = `${q}go`;
  code.push(`let ${k} = 0;`, `for (;; ${k}++) {`, `  let ${go};`);
  for (const l of variants(ctx, p.cond, k, [...cc, ...carry], (outs) => [`${go} = ${outs[0]};`]).code) code.push(`  ${l}`);
  code.push(`  if (!(typeof ${go} === "boolean" ? ${go} : ${go}.data[0] !== 0)) break;`);
  if (p.maxIter !== Infinity) code.push(`  if (${k} >= ${p.maxIter}) throw ${ctx.constant(h.iterationLimit)}(${p.maxIter}, [${carry.join(", ")}]);`);
  if (p.save) code.push(`  ${q}S.push([${carry.join(", ")}]);`);
  // Saved carries are held by reference: double buffers only when nothing is saved.
  const list0 = p.body.variants[0]!;
  const buf = carryBuffers(ctx, q, carry, carry.map((_, j) => list0.avals[nc + j]!));
  const body = variants(ctx, p.body, k, [...bc, ...carry], (outs) => next(q, carry, outs), p.save ? [] : buf.offered, nk);
  if (body.buffered) for (const l of buf.choose) code.push(`  ${l}`);
  for (const l of body.code) code.push(`  ${l}`);
  code.push(`}`);
  buf.final(body.buffered).forEach((c, j) => code.push(`const ${ctx.local(line.out + j)} = ${c};`));
  if (p.save) {
    code.push(`const ${ctx.local(line.out + nk)} = ${k};`);
    carry.forEach((c, j) => code.push(`const ${ctx.local(line.out + nk + 1 + j)} = ${ctx.constant(h.stackRows)}(${q}S, ${j}, ${c});`));
  }
  return code;
}
