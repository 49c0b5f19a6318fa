// Reverse mode: the tape. Running f with TapeNodes records the evaluation trace (the
// Wengert list: one node per elementary operation, in execution order, so the list is
// already topologically sorted). The reverse sweep walks it backwards accumulating
// adjoints with `+=`, exactly the survey's adjoint trace; one sweep gives a whole
// vector-Jacobian product.
//
// Scalar lines (an elementwise primitive on plain numbers) take a fast path: their local
// partial derivatives are numbers, evaluated from the same rule table when the line is
// recorded and kept in typed arrays, so a tape of scalar lines sweeps backwards in a tight
// loop over Float64Arrays (the survey's c·ops(f) with a small c).

import { NDArray } from "../array/ndarray.js";
import { beginLog, endLog, recycle } from "../array/pool.js";
import { TracerError } from "../base/errors.js";
import type { Primitive, ProgramRules, StoredReport } from "../core/primitive.js";
import { bind } from "../core/primitive.js";
import { newLevel, Tracer, ZERO, type Interpreter, type Masked, type MaybeZero, type Value, type Zero } from "../core/tracer.js";
import { addMaybe, dense, denseOrZero, lineJvp, scale, vjpTerm } from "./chain.js";

export class TapeNode extends Tracer {
  get kind(): string { return "reverse"; }
  /** Position in the tape. */
  readonly index: number;
  /** The primitive that produced this value; null for an input. */
  readonly prim: Primitive<unknown> | null;
  readonly params: unknown;
  // The arguments as passed (nodes of this tape, or constants): a scalar line keeps its one or
  // two arguments in fields, so recording it allocates nothing but the node itself.
  private readonly xs: readonly Value[] | null;
  private readonly x0: Value | undefined;
  private readonly x1: Value | undefined;
  /** Set on the outputs of a line with several (a loop): they share the line's pullback. */
  group: LineGroup | null = null;

  constructor(tape: Tape, primal: Value, index: number, prim: Primitive<unknown> | null, xs: readonly Value[] | null, x0: Value | undefined, x1: Value | undefined, params: unknown) {
    super(tape, primal);
    this.index = index;
    this.prim = prim;
    this.params = params;
    this.xs = xs;
    this.x0 = x0;
    this.x1 = x1;
  }

  /** The arguments as passed: nodes of this tape, or constants (values of lower levels). */
  get args(): readonly Value[] {
    if (this.xs !== null) return this.xs;
    if (this.x0 === undefined) return NO_ARGS;
    return this.x1 === undefined ? [this.x0] : [this.x0, this.x1];
  }

  /** The arguments one level down (what the primitive was applied to). */
  get primals(): Value[] {
    const tape = this.interp as Tape;
    return this.args.map((a) => (tape.own(a) ? a.primal : a));
  }

  /** The argument nodes of this tape; null where the argument is a constant here. */
  get parents(): (TapeNode | null)[] {
    const tape = this.interp as Tape;
    return this.args.map((a) => (tape.own(a) ? a : null));
  }
}

/** The output nodes first … first + n − 1 of one line with several outputs, and its pullback. */
export interface LineGroup {
  readonly first: number;
  readonly n: number;
  readonly pullback: (cts: readonly (Value | Zero)[], current?: readonly MaybeZero[]) => readonly MaybeZero[];
  readonly stored: StoredReport | undefined;
  /** The pullback takes the operands' adjoints so far and returns their totals (see ProgramRules). */
  readonly accumulates: boolean;
}

const NO_ARGS: readonly Value[] = [];
/** Reused argument list for evaluating scalar partials (they only read it). */
const SCRATCH: number[] = [0, 0];

/** One step of the reverse sweep, reported to an observer (used by reverseTrace's table). */
export interface AdjointStep {
  /** The node whose adjoint is propagated. */
  readonly from: TapeNode;
  /** Its argument position. */
  readonly arg: number;
  /** The node receiving the contribution. */
  readonly to: TapeNode;
  /** False for the first contribution (v̄ = …), true for an accumulation (v̄ = v̄ + …). */
  readonly accumulate: boolean;
  readonly contribution: Value;
  readonly adjoint: Value;
}

/** Adjoints after a sweep (dense): ZERO where no cotangent reached the node. */
export type Adjoints = (index: number) => Value | Zero;

/**
 * Typed-array storage of scalar lines: parent indices (−1: constant or none), local partials
 * ∂out/∂arg, and the adjoint buffers of the scalar sweep. Recycled between tapes that have
 * been released (typed-array allocation dominates a small gradient's cost otherwise).
 */
class ScalarStore {
  p0: Int32Array = new Int32Array(16);
  p1: Int32Array = new Int32Array(16);
  d0: Float64Array = new Float64Array(16);
  d1: Float64Array = new Float64Array(16);
  adj: Float64Array = new Float64Array(16);
  /** Per node: bit 0 set for a scalar line (or input); bit 1 set when an adjoint reached it. */
  flags: Uint8Array = new Uint8Array(16);

  grow(): void {
    const n = this.p0.length * 4;
    const g32 = (a: Int32Array): Int32Array => { const b = new Int32Array(n); b.set(a); return b; };
    const g64 = (a: Float64Array): Float64Array => { const b = new Float64Array(n); b.set(a); return b; };
    this.p0 = g32(this.p0);
    this.p1 = g32(this.p1);
    this.d0 = g64(this.d0);
    this.d1 = g64(this.d1);
    this.adj = new Float64Array(n);
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.flags = f;
  }

  /** Nodes it has room for. */
  get capacity(): number { return this.p0.length; }
  /** Bytes its typed arrays hold: 4 + 4 + 8 + 8 + 8 + 1 per node. */
  get bytes(): number { return 33 * this.p0.length; }
}

// The stores of released tapes, kept for the next tape. Kept strongly only up to
// STRONG_MAX_NODES nodes each and STRONG_MAX_BYTES in all: a pool that kept every grown store
// held +33 MB after one T = 1e5 gradient and +132 MB after T = 1e6, for good, even after GC.
// A larger store is held through a WeakRef: the next big gradient reuses it (growing one costs
// copies and the OS's zeroing of fresh pages) while it survives, and a GC may take it.
const STRONG_MAX_NODES = 1 << 16;
const STRONG_MAX_BYTES = 8 * 2 ** 20;
const MAX_STORES = 16;
const storePool: ScalarStore[] = [];
let strongBytes = 0;
let large: WeakRef<ScalarStore> | undefined;

/** A pooled store: a strongly held one first (small tapes keep theirs), else the large one if it survived. */
function takeStore(): ScalarStore {
  const s = storePool.pop();
  if (s !== undefined) {
    strongBytes -= s.bytes;
    return s;
  }
  const big = large?.deref();
  large = undefined;
  return big ?? new ScalarStore();
}

function giveStore(s: ScalarStore): void {
  if (s.capacity <= STRONG_MAX_NODES) {
    if (storePool.length < MAX_STORES && strongBytes + s.bytes <= STRONG_MAX_BYTES) {
      storePool.push(s);
      strongBytes += s.bytes;
    }
    return;
  }
  const held = large?.deref();
  if (held === undefined || held.capacity < s.capacity) large = new WeakRef(s);
}

/** What the store pool holds strongly (tests check it stays bounded after a big gradient). */
export function scalarStorePool(): { readonly stores: number; readonly bytes: number; readonly maxBytes: number; readonly maxNodesEach: number } {
  return { stores: storePool.length, bytes: strongBytes, maxBytes: STRONG_MAX_BYTES, maxNodesEach: STRONG_MAX_NODES };
}
/** The store of a released tape: never written (the tape is inactive), never swept. */
const RELEASED = new ScalarStore();

export class Tape implements Interpreter {
  readonly level = newLevel();
  active = true;
  readonly nodes: TapeNode[] = [];
  /** Set when a customVjp rule was recorded: forward mode cannot use it (jacobian's auto mode then stays reverse). */
  customVjp = false;
  private store: ScalarStore = takeStore();
  private allScalar = true;
  /** Array buffers allocated while this tape recorded or swept (pool.ts): the only ones it may give back. */
  private readonly allocs = new Set<ArrayBufferLike>();
  /** Buffers read out with value(): something outside may hold them. */
  private readonly readOut = new Set<ArrayBufferLike>();
  /** Arrays the last sweep produced (cotangents and their sums). */
  private swept: NDArray[] = [];
  /** Set when a line came from outside the primitive table (a custom rule): its arrays are the user's code's, never pooled. */
  private foreign = false;
  /** Set by a driver that recorded this tape with no other transform running (see release). */
  poolable = false;

  /**
   * Hands the typed arrays back for reuse; the tape must not be swept again. Given `keep` (what
   * the caller returns: a pytree of values), the buffers of this tape's intermediate arrays,
   * primals and cotangents alike, go back to the buffer pool, except those `keep` or value()
   * reads share: nothing else can reach them.
   */
  release(keep?: unknown): void {
    if (this.store === RELEASED) return;
    giveStore(this.store);
    this.store = RELEASED;
    if (keep !== undefined && this.poolable && !this.foreign && this.allocs.size > 0) {
      const kept = new Set(this.readOut);
      keepBuffers(keep, kept);
      const candidates: NDArray["data"][] = [];
      for (const n of this.nodes) if (n.prim !== null && n.primal instanceof NDArray) candidates.push(n.primal.data);
      for (const a of this.swept) candidates.push(a.data);
      recycle(candidates, this.allocs, kept);
    }
    this.swept = [];
    this.allocs.clear();
  }

  /** Runs `f` with this tape's allocations logged (recording, and each sweep). */
  logged<T>(f: () => T): T {
    if (!this.poolable) return f();
    const log = beginLog(this.allocs);
    try {
      return f();
    } finally {
      endLog(log);
    }
  }

  onConcrete(t: Tracer): void {
    if (t.primal instanceof NDArray) this.readOut.add(t.primal.data.buffer);
  }

  private push(node: TapeNode, scalar: boolean): TapeNode {
    const i = this.nodes.length;
    const st = this.store;
    if (i === st.p0.length) st.grow();
    this.nodes.push(node);
    st.flags[i] = scalar ? 1 : 0;
    if (!scalar) this.allScalar = false;
    st.p0[i] = -1;
    st.p1[i] = -1;
    return node;
  }

  /** A new input (independent variable) of the trace. */
  input(primal: Value): TapeNode {
    return this.push(new TapeNode(this, primal, this.nodes.length, null, NO_ARGS, undefined, undefined, undefined), typeof primal === "number");
  }

  /** Records a general line whose output `out` was computed from `args` (this level's values). */
  record(prim: Primitive<unknown>, args: readonly Value[], out: Value, params: unknown): TapeNode {
    this.foreign = true;
    return this.line(prim, args, out, params);
  }

  private line(prim: Primitive<unknown>, args: readonly Value[], out: Value, params: unknown): TapeNode {
    return this.push(new TapeNode(this, out, this.nodes.length, prim, args, undefined, undefined, params), false);
  }

  own(v: Value): v is TapeNode {
    return v instanceof TapeNode && v.interp === this;
  }

  process(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    if (args.length <= 2 && prim.scalar !== undefined) return this.process2(prim, args[0]!, args[1], params, args);
    return this.general(prim, args, params);
  }

  /** Any line: evaluate one level down, record unless the primitive carries no derivative. */
  private general(prim: Primitive<unknown>, args: readonly Value[], params: unknown): Value {
    const n = args.length;
    const primals = new Array<Value>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      primals[i] = a instanceof TapeNode && a.interp === this ? a.primal : a;
    }
    const rule = prim.rule;
    if (rule.kind === "program") return this.program(prim, rule.rules, args, primals, params);
    const out = bind(prim, primals, params);
    if (rule.kind === "none") return out;
    return this.line(prim, args, out, params);
  }

  /**
   * A line running a program (a loop): its rule runs the forward half one level down and hands
   * back a pullback; the line's outputs are consecutive nodes sharing it.
   */
  private program(prim: Primitive<unknown>, rules: ProgramRules<unknown>, args: readonly Value[], primals: readonly Value[], params: unknown): Value {
    const active = args.map((a) => this.own(a));
    const { outs, pullback, stored, accumulates } = rules.vjp(primals, active, params);
    const group: LineGroup = { first: this.nodes.length, n: outs.length, pullback, stored, accumulates: accumulates === true };
    return outs.map((o) => {
      const node = this.record(prim, args, o, params);
      node.group = group;
      return node;
    }) as unknown as Value;
  }

  /** Lines with several outputs recorded on this tape (loops), with what each keeps for the backward sweep. */
  groups(): LineGroup[] {
    const out: LineGroup[] = [];
    for (const n of this.nodes) if (n.group !== null && n.group.first === n.index) out.push(n.group);
    return out;
  }

  /** One or two arguments: a scalar line when the primals are numbers, else the general path. */
  process2(prim: Primitive<unknown>, a: Value, b: Value | undefined, params: unknown, args?: readonly Value[]): Value {
    const f = prim.scalar;
    const ta = a instanceof TapeNode && a.interp === this, tb = b instanceof TapeNode && b.interp === this;
    const pa = ta ? (a as TapeNode).primal : a;
    const pb = tb ? (b as TapeNode).primal : b;
    if (f === undefined || typeof pa !== "number" || (pb !== undefined && typeof pb !== "number")) {
      return this.general(prim, args ?? (b === undefined ? [a] : [a, b]), params);
    }
    const out = f(pa, pb as number);
    const rule = prim.rule;
    if (rule.kind !== "partials") return out;
    const node = this.push(new TapeNode(this, out, this.nodes.length, prim, null, a, b, undefined), true);
    const i = node.index, st = this.store;
    SCRATCH[0] = pa;
    SCRATCH[1] = pb as number;
    // A structurally zero partial (pow's at exponent 0, maximum's losing side) is no edge at all.
    if (ta) {
      const d = partialNumber(rule.partials[0], out as number);
      if (d !== null) { st.p0[i] = (a as TapeNode).index; st.d0[i] = d; }
    }
    if (tb) {
      const d = partialNumber(rule.partials[1], out as number);
      if (d !== null) { st.p1[i] = (b as TapeNode).index; st.d1[i] = d; }
    }
    return node;
  }

  /**
   * The tangent sweep over the recorded list (the survey's Table 2, right column): seeds
   * tangents on input nodes and returns every node's tangent (ZERO where none reached it).
   * One recording serves any number of JVPs: this is linearize's and forwardTrace's engine.
   * Entries may be selections; read them through denseOrZero.
   */
  forward(seeds: readonly (readonly [TapeNode, Value])[]): MaybeZero[] {
    const nodes = this.nodes;
    const tan = new Array<MaybeZero>(nodes.length).fill(ZERO);
    for (const [node, t] of seeds) tan[node.index] = addMaybe(tan[node.index]!, t);
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]!;
      const prim = node.prim;
      if (prim === null) continue;
      const args = node.args;
      if (node.group !== null) {
        // All outputs of the line at its first: the rule maps the operands' tangents to theirs.
        if (k !== node.group.first) continue;
        const ts = args.map((a) => (this.own(a) ? tan[a.index]! : ZERO));
        if (ts.every((x) => x === ZERO)) continue;
        const r = (prim.rule as { rules: ProgramRules<unknown> }).rules.jvp(node.primals, ts, node.params);
        r.tangents.forEach((t, j) => (tan[k + j] = t));
        continue;
      }
      const ts = args.map((a) => (a instanceof TapeNode && a.interp === this ? tan[a.index]! : ZERO));
      tan[k] = ts.every((x) => x === ZERO) ? ZERO : lineJvp(prim, ts, node.primals, node.primal, node.params);
    }
    return tan;
  }

  /**
   * The reverse sweep: seeds adjoints, walks the tape backwards, and returns each node's
   * adjoint (ZERO where none reached it).
   */
  backward(seeds: readonly (readonly [TapeNode, Value | Masked])[], observe?: (step: AdjointStep) => void): Adjoints {
    return this.logged(() => this.sweep(seeds, observe));
  }

  private sweep(seeds: readonly (readonly [TapeNode, Value | Masked])[], observe?: (step: AdjointStep) => void): Adjoints {
    if (this.store === RELEASED) throw new TracerError("backward", "this tape was released after its one sweep; record the function again");
    if (this.allScalar && observe === undefined && seeds.every(([, g]) => typeof g === "number")) return this.scalarBackward(seeds as readonly (readonly [TapeNode, number])[]);
    const nodes = this.nodes;
    const adj = new Array<MaybeZero>(nodes.length).fill(ZERO);
    let last = -1;
    for (const [node, g] of seeds) {
      adj[node.index] = addMaybe(adj[node.index]!, g);
      // A seeded output of a line with several starts the sweep at the line's last output,
      // where its pullback runs (seeding only an earlier one skipped the line: a zero gradient).
      const end = node.group === null ? node.index : node.group.first + node.group.n - 1;
      if (end > last) last = end;
    }
    for (let k = last; k >= 0; k--) {
      const node = nodes[k]!;
      const group = node.group;
      if (group !== null) {
        // A line's outputs are consecutive and read only by later lines: at the last of them
        // every output's adjoint is complete, and the line's pullback runs once.
        if (k === group.first + group.n - 1) this.sweepGroup(node, group, adj, observe);
        continue;
      }
      const g = adj[k]!;
      if (g === ZERO) continue;
      const prim = node.prim;
      if (prim === null) continue;
      const args = node.args;
      let primals: Value[] | undefined;
      const scalarLine = (this.store.flags[k]! & 1) === 1;
      for (let i = 0; i < args.length; i++) {
        const p = args[i]!;
        if (!(p instanceof TapeNode && p.interp === this)) continue;
        let ct: MaybeZero;
        if (scalarLine) {
          if ((i === 0 ? this.store.p0[k]! : this.store.p1[k]!) < 0) continue; // a structurally zero partial
          ct = scale(g, i === 0 ? this.store.d0[k]! : this.store.d1[k]!);
        } else {
          primals ??= node.primals;
          ct = vjpTerm(prim, i, g, primals, node.primal, node.params);
        }
        if (ct === ZERO) continue;
        const before = adj[p.index]!;
        const after = addMaybe(before, ct);
        adj[p.index] = after;
        if (this.poolable) {
          if (ct instanceof NDArray) this.swept.push(ct);
          if (after !== ct && after instanceof NDArray) this.swept.push(after);
        }
        if (observe) observe({ from: node, arg: i, to: p, accumulate: before !== ZERO, contribution: dense(ct), adjoint: dense(after as Value) });
      }
    }
    return (i) => denseOrZero(adj[i]!);
  }

  private sweepGroup(node: TapeNode, group: LineGroup, adj: MaybeZero[], observe?: (step: AdjointStep) => void): void {
    const cts: (Value | Zero)[] = [];
    let any = false;
    for (let j = 0; j < group.n; j++) {
      const a = adj[group.first + j]!;
      cts.push(denseOrZero(a));
      if (a !== ZERO) any = true;
    }
    if (!any) return;
    // An accumulating pullback starts from each operand's adjoint so far (once per node: an
    // operand passed twice gets it at its first position, and its other results are added).
    const firstAt = (p: Value, i: number): boolean => node.args.indexOf(p) === i;
    const current = group.accumulates ? node.args.map((p, i): MaybeZero => (this.own(p) && firstAt(p, i) ? adj[p.index]! : ZERO)) : undefined;
    const res = group.pullback(cts, current);
    node.args.forEach((p, i) => {
      const ct = res[i] ?? ZERO;
      if (!this.own(p)) return;
      const before = adj[p.index]!;
      if (current !== undefined && firstAt(p, i)) {
        adj[p.index] = ct;
        if (observe && ct !== ZERO && ct !== before) observe({ from: node, arg: i, to: p, accumulate: before !== ZERO, contribution: dense(ct), adjoint: dense(ct as Value) });
        return;
      }
      if (ct === ZERO) return;
      const after = addMaybe(before, ct);
      adj[p.index] = after;
      if (observe) observe({ from: node, arg: i, to: p, accumulate: before !== ZERO, contribution: dense(ct), adjoint: dense(after as Value) });
    });
  }

  /**
   * The sweep over a tape of scalar lines only: a tight loop over typed arrays. The adjoints
   * it returns are valid until the next sweep of this tape.
   */
  private scalarBackward(seeds: readonly (readonly [TapeNode, number])[]): Adjoints {
    const n = this.nodes.length;
    const { p0, p1, d0, d1, adj, flags } = this.store;
    for (let k = 0; k < n; k++) { adj[k] = 0; flags[k]! &= 1; }
    let last = -1;
    for (const [node, g] of seeds) {
      adj[node.index]! += g;
      flags[node.index]! |= 2;
      if (node.index > last) last = node.index;
    }
    for (let k = last; k >= 0; k--) {
      if (flags[k]! < 2) continue;
      const g = adj[k]!;
      const a = p0[k]!, b = p1[k]!;
      // IEEE products: an arithmetic zero does not absorb (0·∞ = NaN); structural zeros have no edge.
      if (a >= 0) { adj[a]! += g * d0[k]!; flags[a]! |= 2; }
      if (b >= 0) { adj[b]! += g * d1[k]!; flags[b]! |= 2; }
    }
    return (i) => (flags[i]! >= 2 ? adj[i]! : ZERO);
  }
}

/** A scalar line's partial as a number; null for a structural zero (no edge). */
function partialNumber(p: ((args: readonly Value[], out: Value, params: unknown) => MaybeZero) | null | undefined, out: number): number | null {
  if (!p) return null;
  const d = p(SCRATCH, out, undefined);
  return d === ZERO ? null : (d as number);
}

/** Adds the buffers of every array in a pytree of values (tracers: their concrete values) to `out`. */
export function keepBuffers(v: unknown, out: Set<ArrayBufferLike>): void {
  if (v instanceof NDArray) out.add(v.data.buffer);
  else if (v instanceof Tracer) keepBuffers(v.primal, out);
  else if (Array.isArray(v)) for (const x of v) keepBuffers(x, out);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) keepBuffers(x, out);
}
