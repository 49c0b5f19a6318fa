// Random loop bodies for the loop properties: a carry { a: array [n], s: number }, a step
// slice x (a number, or an array [n]) and a parameter p (an array [n] the loop closes over,
// differentiated from outside). Each body's update is a small random expression of bounded
// ops, scaled by 0.2 so that values stay in range over a few steps; a body may hold a loop of
// its own (nested loops) and may return a per-step output.

import * as w from "../../src/index.js";
import type { NDArray } from "../../src/index.js";
import type { Rng } from "./check.js";

type V = w.Value;
export interface Carry { readonly a: V; readonly s: V }
export type Body = (c: Carry, x: V, p: V) => [Carry, V | null];

type Expr = (env: { a: V; x: V; p: V; s: V }) => V;

const UNARY: readonly ((v: V) => V)[] = [w.sin, w.cos, w.tanh, (v) => w.mul(v, v), (v) => w.mul(0.5, v), w.sigmoid as (v: V) => V];
const BINARY: readonly ((u: V, v: V) => V)[] = [w.add, w.sub, w.mul, (u, v) => w.mul(u, w.tanh(v))];

/** A random expression over a, x, p (arrays or numbers) and s (a number), at most `depth` ops deep. */
export function randomExpr(r: Rng, depth: number): Expr {
  if (depth === 0 || r.next() < 0.25) {
    const leaf = r.pick(["a", "x", "p", "s"] as const);
    return (env) => env[leaf];
  }
  if (r.next() < 0.5) {
    const f = r.pick(UNARY), e = randomExpr(r, depth - 1);
    return (env) => f(e(env));
  }
  const f = r.pick(BINARY), e1 = randomExpr(r, depth - 1), e2 = randomExpr(r, depth - 1);
  return (env) => f(e1(env), e2(env));
}

/** A random body; `inner` > 0 puts a scan of that many steps inside it (nested loops). */
export function randomBody(r: Rng, opts: { inner?: number; y?: boolean } = {}): Body {
  const ea = randomExpr(r, 3), es = randomExpr(r, 2), ey = randomExpr(r, 2);
  const inner = opts.inner ?? 0;
  const withY = opts.y ?? r.bool();
  const innerBody = inner > 0 ? randomExpr(r, 2) : null;
  return (c, x, p) => {
    let a = c.a;
    if (innerBody !== null) {
      // An inner loop over the same carry leaf: a ← a + 0.1·g(a, x, p, s), `inner` times.
      a = w.scan((b: V) => [w.add(b, w.mul(0.1, innerBody({ a: b, x, p, s: c.s }))), null], a, null, { length: inner })[0] as V;
    }
    const env = { a, x, p, s: c.s };
    const na = w.add(a, w.mul(0.2, ea(env)));
    const ns = w.add(c.s, w.mul(0.2, w.toScalar(w.mean(es(env) as NDArray))));
    return [{ a: na, s: ns }, withY ? ey(env) : null];
  };
}
