// Forward mode's driver: jvp, one pass of dual numbers giving J·tangents.

import { ArgumentError } from "../base/errors.js";
import { flatten, unflatten } from "../core/pytree.js";
import { runWith, ZERO, type Value } from "../core/tracer.js";
import { checkFloatLeaves, checkFloatOutputs, checkNotOpaque, checkTransform, matchTree, outputTree, zerosLike, type Fn } from "./args.js";
import { ForwardInterpreter } from "./forward.js";

/**
 * Forward mode: [f(...primals), J·tangents] in one pass. Tangents have the structure of the primals.
 *
 * @example
 * ```ts
 * w.jvp((x: number) => w.mul(x, w.sin(x)), [2], [1]);   // [2 sin 2, sin 2 + 2 cos 2]
 * ```
 */
export function jvp<A extends unknown[], R>(f: Fn<A, R>, primals: A, tangents: A): [R, R] {
  checkTransform("jvp", f);
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new ArgumentError("jvp", `primals and tangents must be arrays with one entry per argument, got ${typeof primals} and ${typeof tangents}; e.g. jvp(f, [x], [1])`);
  }
  if (primals.length !== tangents.length) {
    throw new ArgumentError("jvp", `got ${primals.length} primals but ${tangents.length} tangents; pass one tangent per argument`);
  }
  const fi = new ForwardInterpreter();
  const callArgs = primals.map((p, k) => {
    const { def, leaves } = flatten(p, [], "jvp");
    checkNotOpaque("jvp", k, def);
    checkFloatLeaves("jvp", k, leaves);
    const tl = matchTree("jvp", primals.length === 1 ? "tangent" : `tangent of argument ${k}`, "primal", def, leaves, tangents[k]);
    const wrapped = leaves.map((l, i) => fi.lift(l, tl[i]!));
    return def.kind === "leaf" ? wrapped[0] : unflatten(def, wrapped);
  }) as A;
  const out = runWith(fi, () => f(...callArgs));
  const { def, leaves } = outputTree("jvp", out, false);
  const ps: Value[] = [], ts: Value[] = [];
  for (const l of leaves) {
    const [p, t] = fi.split(l);
    ps.push(p);
    ts.push(t === ZERO ? zerosLike(p) : t);
  }
  checkFloatOutputs("jvp", ps);
  return [unflatten(def, ps) as R, unflatten(def, ts) as R];
}


