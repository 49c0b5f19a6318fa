// Compiled loops write per-step outputs straight into the zero-padded arrays that follow them.
// The gradient of a scan over slices of one array (W2 as a scan over x[0:n−1] and x[1:n]) ends
// in each slice's cotangent stacked by the backward scan, zero-padded (unslice) and the two
// summed (add): three arrays of n and three passes after the loop. Here the scan line takes the
// unslices and the add over: each step adds its rows into one array at their offsets (loops/
// lower.ts, emitScan), which is what the loop's gradient costs by hand. A line offers the
// outputs it can place through its lowering's `places`.
//
// A rewrite of the list compile generates code for (after fusion), never of the program that
// enclosing transforms replay: the line's kernel computes the same arrays.

import type { Atom, Eqn, Line, WengertList } from "../core/ir.js";
import { WengertList as List } from "../core/ir.js";
import { sameShape } from "../array/ndarray.js";
import type { PlacedGroup } from "../core/lowering.js";

/** An output's unslice: the line, its output and where it places the output. */
interface Placed { readonly at: number; readonly out: number; readonly offset: number }

function floatDType(d: string): boolean {
  return d === "float64" || d === "float32";
}

/** The list with the outputs lines can place put into their unslices (and adds of two); `p` itself when none is. */
export function placeOutputs(p: WengertList): WengertList {
  const { stmts, avals } = p;
  // Most programs have no such line: no pass over them (a scalar program has millions of lines).
  if (!stmts.some((s) => s.kind === "eqn" && s.prim.lower.places !== undefined)) return p;
  const readers = new Map<number, number[]>();
  const read = (v: number, k: number): void => {
    const r = readers.get(v);
    if (r === undefined) readers.set(v, [k]);
    else r.push(k);
  };
  stmts.forEach((s, k) => { for (const a of s.ins) if (a >= 0) read(a, k); });
  for (const a of p.outs) if (a >= 0) read(a, Infinity);
  /** The one line reading v (an equation), or null. */
  const soleReader = (v: number): { k: number; s: Eqn } | null => {
    const r = readers.get(v);
    if (r === undefined || r.length !== 1 || r[0] === Infinity) return null;
    const s = stmts[r[0]!]!;
    return s.kind === "eqn" && s.ins.filter((a) => a === v).length === 1 ? { k: r[0]!, s } : null;
  };
  const rewrites = new Map<number, { params: unknown; groups: PlacedGroup[]; replaced: number[] }>();
  const absorbed = new Set<number>();
  stmts.forEach((s, k) => {
    const places = s.kind === "eqn" ? s.prim.lower.places : undefined;
    if (s.kind !== "eqn" || places === undefined) return;
    const placed = new Map<number, Placed>(); // by output
    const byOut = new Map<number, number>(); // unslice output → output
    for (const j of places.outputs(s)) {
      const v = s.out + j, ya = avals[v]!;
      const u = soleReader(v);
      const offset = u === null || u.s.ins[0] !== v ? null : u.s.prim.lower.placement?.(u.s.params, ya.shape) ?? null;
      if (u === null || offset === null || !floatDType(ya.dtype) || avals[u.s.out]!.dtype !== ya.dtype) continue;
      placed.set(j, { at: u.k, out: u.s.out, offset });
      byOut.set(u.s.out, j);
    }
    if (placed.size === 0) return;
    const groups: PlacedGroup[] = [], replaced: number[] = [];
    const done = new Set<number>();
    for (const [j, u] of placed) {
      if (done.has(j)) continue;
      // The add of two placed unslices of this scan: one array for both.
      const add = soleReader(u.out);
      const other = add !== null && add.s.prim.lower.sums === true && add.s.ins.length === 2 ? byOut.get(add.s.ins[add.s.ins[0] === u.out ? 1 : 0]!) : undefined;
      const sum = add === null ? undefined : avals[add.s.out]!;
      if (other !== undefined && other !== j && !done.has(other) && sum!.dtype === avals[u.out]!.dtype && sameShape(sum!.shape, avals[u.out]!.shape)) {
        const first = add!.s.ins[0] === u.out ? j : other, second = first === j ? other : j;
        groups.push({ parts: [{ output: first, offset: placed.get(first)!.offset }, { output: second, offset: placed.get(second)!.offset }], aval: sum! });
        replaced.push(add!.s.out);
        absorbed.add(u.at).add(placed.get(other)!.at).add(add!.k);
        done.add(j).add(other);
        continue;
      }
      groups.push({ parts: [{ output: j, offset: u.offset }], aval: avals[u.out]! });
      replaced.push(u.out);
      absorbed.add(u.at);
      done.add(j);
    }
    rewrites.set(k, { params: places.with(s, groups), groups, replaced });
  });
  if (rewrites.size === 0) return p;
  return rebuilt(p, rewrites, absorbed);
}

/** A copy of p with the scans rewritten (their groups' arrays as extra outputs) and the absorbed lines left out. */
function rebuilt(p: WengertList, rewrites: ReadonlyMap<number, { params: unknown; groups: PlacedGroup[]; replaced: number[] }>, absorbed: ReadonlySet<number>): WengertList {
  const q = new List(p.names);
  const env = new Int32Array(p.avals.length).fill(-1);
  const map = (a: Atom): Atom => (a >= 0 ? env[a]! : q.constAtom(p.consts.value(a)));
  for (let i = 0; i < p.nIn; i++) env[i] = q.addInput(p.avals[i]!);
  p.stmts.forEach((s: Line, k) => {
    if (absorbed.has(k)) return;
    const ins = s.ins.map(map);
    if (s.kind === "guard") { q.addGuard(s.prim, s.params, ins, s.expect); return; }
    if (s.kind === "value") { q.addValueGuard(ins, s.value); return; }
    const r = rewrites.get(k);
    const avals = p.avals.slice(s.out, s.out + s.nOut);
    if (r === undefined && s.nOut === 1) { env[s.out] = q.addEqn(s.prim, s.params, ins, avals[0]!); return; }
    const first = q.addEqnN(s.prim, r === undefined ? s.params : r.params, ins, r === undefined ? avals : [...avals, ...r.groups.map((g) => g.aval)]);
    for (let j = 0; j < s.nOut; j++) env[s.out + j] = first + j;
    r?.replaced.forEach((v, i) => (env[v] = first + s.nOut + i));
  });
  q.outs = p.outs.map(map);
  return q;
}
