// customVjp and customJvp under vmap, as JAX batches custom_vjp_call: the function is not just run
// on the batch (that would drop the rule for a transform below vmap, as in grad(vmap(f))), but
// made a custom function again one level down, over the batches, whose f, fwd, bwd and jvpRule
// are the user's run under a batching interpreter of their own. The rule thus runs once on the
// whole batch, and reverse or forward mode below vmap still uses it. A cotangent that bwd gives
// batched for an argument shared by every example is summed over the batch (JAX's
// _match_axes_and_sum); one it gives shared for a batched argument is broadcast.

import type { Aval } from "../array/aval.js";
import { BatchingError } from "../base/errors.js";
import { flatten, unflatten, type TreeDef } from "../core/pytree.js";
import { runWith, shapeOf, Tracer, type Value } from "../core/tracer.js";
import { broadcastTo, sum, toScalar } from "../ops/api.js";
import { BatchInterpreter } from "./batch.js";

/** A pytree's leaves as the level below a batch sees them, with each batched leaf's example aval (null: shared). */
interface Mapped {
  readonly def: TreeDef;
  readonly leaves: Value[];
  readonly avals: (Aval | null)[];
}

type AnyFn = (...a: unknown[]) => unknown;

/** `tree` (values of `I`) one level down: batched leaves become their batch (axis 0). */
function unwrap(I: BatchInterpreter, outer: BatchInterpreter, tree: unknown, op: string): Mapped {
  const { def, leaves } = flatten(tree, [], op);
  const down = leaves.map((l) => (I.own(l) ? l.val : l));
  // A value of the enclosing batch here: the function closed over a value vmap batches, which
  // this level would take for one value shared by every example.
  if (I !== outer && down.some((l) => l instanceof Tracer && l.interp === outer)) {
    throw new BatchingError(op, "under vmap, the function or its rule closes over a value that vmap batches; pass that value as an argument of the custom function instead");
  }
  return { def, leaves: down, avals: leaves.map((l) => (I.own(l) ? l.aval : null)) };
}

/** The leaves lifted into `I` where batched. */
function lift(I: BatchInterpreter, m: Mapped): unknown {
  return unflatten(m.def, m.leaves.map((l, i) => (m.avals[i] ? I.lift(l, m.avals[i]!) : l)));
}

/** Runs `fn` on the examples of `args` (batches one level down) under a fresh batching interpreter. */
function onExamples(outer: BatchInterpreter, fn: (J: BatchInterpreter, ...a: unknown[]) => unknown, args: readonly Mapped[]): unknown {
  const J = new BatchInterpreter(outer.size);
  return runWith(J, () => fn(J, ...args.map((m) => lift(J, m))));
}

/** Arguments one level down, leaf by leaf batched as the call's arguments are. */
function like(values: readonly unknown[], ins: readonly Mapped[], op: string): Mapped[] {
  return values.map((v, k) => {
    const { def, leaves } = flatten(v, [], op);
    return { def, leaves, avals: ins[k]?.avals ?? leaves.map(() => null) };
  });
}

/** `x` one level down as a batch: itself when batched, else broadcast to every example. */
function asBatch(x: Value, batched: boolean, size: number): Value {
  return batched ? x : broadcastTo(x, [size, ...shapeOf(x)]);
}

/** A cotangent leaf fitted to its argument leaf: summed over the batch for a shared argument, broadcast for a batched one. */
function fitCotangent(ct: Value, ctBatched: boolean, arg: Aval | null, argLeaf: Value, size: number): Value {
  if (arg === null) {
    if (!ctBatched) return ct;
    const s = sum(ct, 0);
    return typeof argLeaf === "number" ? toScalar(s) : s;
  }
  return ctBatched ? ct : broadcastTo(ct, [size, ...arg.shape]);
}

/** customVjp(f, fwd, bwd) on `args` under the batching interpreter `I`: customVjp again (`make`), one level down, over the batches. */
export function batchCustomVjp(I: BatchInterpreter, op: string, make: (f: AnyFn, fwd: AnyFn, bwd: AnyFn) => AnyFn, fns: { f: AnyFn; fwd: AnyFn; bwd: AnyFn }, args: readonly unknown[]): unknown {
  const ins = args.map((a) => unwrap(I, I, a, op));
  let out: Mapped | null = null, res: Mapped | null = null;
  const f = (...bargs: unknown[]): unknown => {
    out = onExamples(I, (J, ...a) => unwrap(J, I, fns.f(...a), op), like(bargs, ins, op)) as Mapped;
    return unflatten(out.def, out.leaves);
  };
  const fwd = (...bargs: unknown[]): unknown => {
    const r = onExamples(I, (J, ...a) => {
      const pair = fns.fwd(...a);
      // Not a pair: customVjp names the error on what fwd returned.
      if (!Array.isArray(pair) || pair.length !== 2) return pair;
      return [unwrap(J, I, pair[0], op), unwrap(J, I, pair[1], op)];
    }, like(bargs, ins, op));
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] as Mapped).def) return r;
    [out, res] = r as [Mapped, Mapped];
    return [unflatten(out.def, out.leaves), unflatten(res.def, res.leaves)];
  };
  const bwd = (resDown: unknown, ct: unknown): unknown => {
    // The residuals as given (a nested batch gives them at its own level), typed by fwd's.
    const o = out!, rs: Mapped = { ...res!, leaves: flatten(resDown, [], op).leaves };
    // A cotangent is batched where its output is: a shared output's cotangent is shared one level down.
    const g: Mapped = { def: o.def, leaves: flatten(ct, [], op).leaves, avals: o.avals };
    return onExamples(I, (J, rr, gg) => {
      const cts = fns.bwd(rr, gg);
      if (!Array.isArray(cts) || cts.length !== ins.length) return cts; // customVjp names the error
      return cts.map((c: unknown, k: number) => {
        if (c === null) return null;
        const m = unwrap(J, I, c, op), arg = ins[k]!;
        // A structure unlike the argument's: customVjp names the mismatch.
        if (m.leaves.length !== arg.leaves.length) return unflatten(m.def, m.leaves);
        return unflatten(m.def, m.leaves.map((l, j) => fitCotangent(l, m.avals[j] !== null, arg.avals[j]!, arg.leaves[j]!, I.size)));
      });
    }, [rs, g]);
  };
  const result = make(f, fwd, bwd)(...ins.map((m) => unflatten(m.def, m.leaves)));
  const o = out as Mapped | null;
  return o === null ? result : lift(I, { def: o.def, leaves: flatten(result, [], op).leaves, avals: o.avals });
}

/**
 * customJvp(f, jvpRule) on `args` under `I`: customJvp again one level down. Tangents are batched
 * where their primals are; an output leaf is batched where its value or its tangent is (the other
 * broadcast to match).
 */
export function batchCustomJvp(I: BatchInterpreter, op: string, make: (f: AnyFn, rule: (p: unknown[], t: unknown[]) => [unknown, unknown]) => AnyFn, fns: { f: AnyFn; jvpRule: (p: unknown[], t: unknown[]) => unknown }, args: readonly unknown[]): unknown {
  const ins = args.map((a) => unwrap(I, I, a, op));
  let outAvals: (Aval | null)[] | null = null;
  const f = (...bargs: unknown[]): unknown => {
    const o = onExamples(I, (J, ...a) => unwrap(J, I, fns.f(...a), op), like(bargs, ins, op)) as Mapped;
    outAvals = o.avals;
    return unflatten(o.def, o.leaves);
  };
  const rule = (ps: unknown[], ts: unknown[]): [unknown, unknown] => {
    const r = onExamples(I, (J, p, t) => {
      const pair = fns.jvpRule(p as unknown[], t as unknown[]);
      if (!Array.isArray(pair) || pair.length !== 2) return pair;
      return [unwrap(J, I, pair[0], op), unwrap(J, I, pair[1], op)];
    }, [
      { def: flatten(ps, [], op).def, leaves: like(ps, ins, op).flatMap((m) => m.leaves), avals: ins.flatMap((m) => m.avals) },
      { def: flatten(ts, [], op).def, leaves: like(ts, ins, op).flatMap((m) => m.leaves), avals: ins.flatMap((m) => m.avals) },
    ]);
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] as Mapped).def) return r as [unknown, unknown];
    const [v, t] = r as [Mapped, Mapped];
    if (v.leaves.length !== t.leaves.length) return [unflatten(v.def, v.leaves), unflatten(t.def, t.leaves)]; // customJvp names the mismatch
    const avals = v.avals.map((a, j) => a ?? t.avals[j] ?? null);
    outAvals = avals;
    return [
      unflatten(v.def, v.leaves.map((x, j) => (avals[j] ? asBatch(x, v.avals[j] !== null, I.size) : x))),
      unflatten(t.def, t.leaves.map((x, j) => (avals[j] ? asBatch(x, t.avals[j] !== null, I.size) : x))),
    ];
  };
  const result = make(f, rule)(...ins.map((m) => unflatten(m.def, m.leaves)));
  const oa = outAvals as (Aval | null)[] | null;
  if (oa === null) return result;
  const { def, leaves } = flatten(result, [], op);
  return lift(I, { def, leaves, avals: oa });
}
