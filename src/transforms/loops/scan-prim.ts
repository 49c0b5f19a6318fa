// The scan line: one line of the trace whose body is a nested Wengert list (see loops/body.ts).
//
//   operands   consts (read by every step: what the body closes over), the initial carry,
//              the scanned arrays (sliced along their leading axis, one slice per step)
//   body       (consts, carry, x slices) → (carry', y): the first nCarry outputs are the next
//              carry, the rest per-step outputs
//   outputs    the final carry, each y stacked along a new leading axis, and — when `save` is
//              set (reverse mode) — the carries entering the steps, stacked
//
// These fields are the whole contract (vmap batches a scan by batching its body); the rules
// of the line (its JVP, its VJP) are in loops/scan-rules.ts.

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf, type DType, type TypedData } from "../../array/ndarray.js";
import { handOn, release, step } from "../../array/pool.js";
import type { Body } from "../../core/ir.js";
import type { PlacedGroup } from "../../core/lowering.js";
import { withPrimitiveShape, type Primitive } from "../../core/primitive.js";
import type { Tensor } from "../../core/tracer.js";
import { variantBodies, type LoopBody } from "./body.js";
import { SCAN_RULES } from "./scan-rules.js";
import type { CheckpointOption } from "./revolve.js";
import { emitScan } from "./lower.js";
import { sliceOf } from "./slices.js";

export interface ScanParams {
  readonly body: LoopBody;
  /** Steps. */
  readonly length: number;
  /** Steps run from the last slice to the first (per-step outputs still line up with the slices). */
  readonly reverse: boolean;
  readonly nConsts: number;
  readonly nCarry: number;
  /** Per-step outputs (the body's outputs after the carry). */
  readonly nY: number;
  /**
   * Also output the carries entering the steps, one stacked array per carry leaf: "all" (indexed
   * like the slices), or the steps listed (in execution order, 0 the first step run).
   */
  readonly save: null | "all" | readonly number[];
  /** How reverse mode keeps the carries (the user's `checkpoints` option). */
  readonly checkpoints: CheckpointOption | undefined;
  /**
   * Set only by compile on the program it generates code for (compile/place.ts): per-step
   * outputs placed straight into zero-padded arrays, output after all the others.
   */
  readonly placed?: readonly PlacedGroup[];
}

/** The dtype of storage for a value of `a` (numbers are float64, JS booleans bool). */
export function storageDType(a: Aval): DType {
  return a.dtype === "number" ? "float64" : a.dtype;
}

/** An array of `n` values of type `a`, stacked along a new leading axis, from its flat storage. */
function stacked(a: Aval, n: number, data: ReturnType<typeof allocate>): NDArray {
  return new NDArray(data, [n, ...a.shape]);
}

/** Writes value v (of type a) at row t of flat storage. */
export function writeRow(data: ReturnType<typeof allocate>, t: number, a: Aval, v: Tensor): void {
  if (v instanceof NDArray) data.set(v.data, t * sizeOf(a.shape));
  else data[t] = +v;
}

function carryAvals(p: ScanParams): Aval[] {
  const l = p.body.variants[0]!;
  return l.outs.slice(0, p.nCarry).map((a) => l.avalOf(a));
}

function yAvals(p: ScanParams): Aval[] {
  const l = p.body.variants[0]!;
  return l.outs.slice(p.nCarry).map((a) => l.avalOf(a));
}

/** Steps (in execution order) whose entering carry is saved, and where in the saved stack each goes. */
function savePlan(p: ScanParams): { slot: Int32Array; count: number } | null {
  if (p.save === null) return null;
  const slot = new Int32Array(p.length).fill(-1);
  if (p.save === "all") {
    for (let k = 0; k < p.length; k++) slot[k] = p.reverse ? p.length - 1 - k : k;
    return { slot, count: p.length };
  }
  p.save.forEach((k, i) => (slot[k] = i));
  return { slot, count: p.save.length };
}

/** The loop itself on concrete values: the body's list evaluated once per step. */
function runScan(args: readonly Tensor[], p: ScanParams): Tensor[] {
  const { nConsts: nc, nCarry: nk, length: T, reverse, body } = p;
  const nx = args.length - nc - nk;
  const ins: Tensor[] = args.slice(0, nc + nk + nx) as Tensor[];
  const xs = args.slice(nc + nk) as NDArray[];
  const save = savePlan(p);
  let ys: ReturnType<typeof allocate>[] | null = null, ya: Aval[] = [];
  let saved: ReturnType<typeof allocate>[] | null = null, ka: Aval[] = [];
  let owned: TypedData[] = [];
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    for (let j = 0; j < nx; j++) ins[nc + nk + j] = sliceOf(xs[j]!, t);
    if (save !== null && save.slot[k]! >= 0) {
      if (saved === null) { ka = args.slice(nc, nc + nk).map(avalOfTensor); saved = ka.map((a) => allocate(storageDType(a), save.count * sizeOf(a.shape))); }
      for (let j = 0; j < nk; j++) writeRow(saved[j]!, save.slot[k]!, ka[j]!, ins[nc + j]!);
    }
    body.step = k;
    const { outs, owned: own } = step(() => body.run(ins) as Tensor[]);
    // The previous step's outputs are dead now: its carry was read by this step, its y copied.
    release(owned, outs);
    owned = own;
    if (ys === null) { ya = yAvals(p); ys = ya.map((a) => allocate(storageDType(a), T * sizeOf(a.shape))); }
    for (let j = 0; j < nk; j++) ins[nc + j] = outs[j]!;
    for (let j = 0; j < ya.length; j++) writeRow(ys[j]!, t, ya[j]!, outs[nk + j]!);
  }
  const out: Tensor[] = ins.slice(nc, nc + nk);
  handOn(owned, out);
  const yv = ys ?? yAvals(p).map((a) => allocate(storageDType(a), 0));
  if (ya.length === 0 && ys === null) ya = yAvals(p);
  yv.forEach((d, j) => out.push(stacked(ya[j]!, T, d)));
  if (save !== null) {
    if (saved === null) { ka = args.slice(nc, nc + nk).map(avalOfTensor); saved = ka.map((a) => allocate(storageDType(a), 0)); }
    saved.forEach((d, j) => out.push(stacked(ka[j]!, save.count, d)));
  }
  for (const g of p.placed ?? []) out.push(placedArray(g, nk, yv));
  return out;
}

/** A placed group's array as its unslices and add compute it: the ys zero-padded, then summed. */
function placedArray(g: PlacedGroup, nk: number, ys: readonly TypedData[]): NDArray {
  const dtype = storageDType(g.aval), size = sizeOf(g.aval.shape);
  const padded = g.parts.map(({ output, offset }) => {
    const d = allocate(dtype, size);
    d.set(ys[output - nk]!, offset);
    return d;
  });
  const [a, b] = padded;
  if (b !== undefined) for (let i = 0; i < size; i++) a![i] = a![i]! + b[i]!;
  return new NDArray(a!, g.aval.shape);
}

function avalOfTensor(v: Tensor): Aval {
  if (typeof v === "number") return { shape: [], dtype: "number", js: true };
  if (typeof v === "boolean") return { shape: [], dtype: "bool", js: true };
  return { shape: v.shape, dtype: v.dtype, js: false };
}

function outputs(p: ScanParams): Aval[] {
  const stack = (a: Aval, n: number): Aval => ({ shape: [n, ...a.shape], dtype: storageDType(a), js: false });
  const carry = carryAvals(p);
  const out = [...carry, ...yAvals(p).map((a) => stack(a, p.length))];
  if (p.save !== null) out.push(...carry.map((a) => stack(a, p.save === "all" ? p.length : p.save!.length)));
  for (const g of p.placed ?? []) out.push(g.aval);
  return out;
}

/** The body's variants as the printer and toDot show them: carry in, slices x[t] in; carry and y[t] out. */
function bodies(p: ScanParams): Body[] {
  const { nConsts: nc, nCarry: nk } = p;
  return variantBodies(p.body, "body", {
    inputs: (args) => args.map((a, j) => (j < nc ? a : j < nc + nk ? `carry (initially ${a})` : `${a}[t]`)),
    outputs: (outs) => outs.slice(0, nk).map((o) => `carry → ${o}`).concat(outs.slice(nk, nk + p.nY).map((o) => `${o}[t]`)),
  });
}

/** The placeholder aval of a loop line (several outputs: recorders type them by the values the loop produced). */
export const LOOP_AVAL: Aval = Object.freeze({ shape: [], dtype: "number", js: true });

export const SCAN: Primitive<ScanParams> = withPrimitiveShape<ScanParams>({
  name: "scan",
  broadcasts: false,
  // Several outputs: the recorders type them by the values the loop produced (see `outputs`).
  infer: () => LOOP_AVAL,
  impl: (args, p) => runScan(args, p) as unknown as Tensor,
  rule: {
    kind: "program",
    rules: {
      jvp: (primals, tangents, p) => SCAN_RULES.jvp(primals, tangents, p),
      vjp: (primals, active, p) => SCAN_RULES.vjp(primals, active, p),
    },
  },
  display: { primal: (args, p) => `scan(${args.join(", ")}; ${p.length} steps${p.reverse ? ", reversed" : ""}${p.save === null ? "" : ", saving carries"})` },
  // Compiled: a JavaScript loop over the body's code (loops/lower.ts).
  lower: {
    emit: emitScan,
    // Its per-step outputs, once (compile/place.ts).
    places: {
      outputs: (l) => ((l.params as ScanParams).placed !== undefined ? [] : Array.from({ length: (l.params as ScanParams).nY }, (_, j) => (l.params as ScanParams).nCarry + j)),
      with: (l, groups) => ({ ...(l.params as ScanParams), placed: groups }),
    },
  },
  bodies,
  outputs,
});
