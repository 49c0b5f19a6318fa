// The gradient descent that GradBench's particle and saddle evals specify (as its tools all
// implement it): step 1e-5 to start, doubled after 10 accepted steps, halved on a rejected
// one; stop when the gradient's norm or the step is ≤ 1e-5. The points are lists of values
// that may be traced by an enclosing derivative (nested AD: saddle differentiates through it).

import * as w from "../../../src/index.js";
import type { Value } from "../../../src/index.js";

export type Vec = Value[];
/** How to differentiate: "f" forward mode (one JVP per coordinate), "r" reverse mode (one pass). */
export type Mode = "f" | "r";

/** An objective of x (and of fixed extra arguments) with its gradient in x. */
export interface Descent<E extends unknown[]> {
  readonly f: (x: Vec, ...extra: E) => Value;
  readonly g: (x: Vec, ...extra: E) => Vec;
}

/**
 * f with its gradient in x by the given mode of wengert's AD. `compiled`: both staged by
 * compile (once per pattern of branch outcomes inside: compile retraces when a comparison goes
 * the other way) and run as generated code, for a descent whose points are plain numbers.
 */
export function descent<E extends unknown[]>(mode: Mode, f: (x: Vec, ...extra: E) => Value, compiled = false): Descent<E> {
  const g = (mode === "r" ? w.grad(f as (x: Vec, ...e: E) => number) : w.jacfwd(f as (x: Vec, ...e: E) => number)) as (x: Vec, ...extra: E) => Vec;
  return compiled ? { f: w.compile(f), g: w.compile(g) } : { f, g };
}

const magnitude = (v: Vec): Value => w.sqrt(v.reduce<Value>((s, x) => w.add(s as number, w.square(x as number)), 0) as number);
const distance = (u: Vec, v: Vec): Value => magnitude(u.map((x, i) => w.sub(x as number, v[i]! as number)));

export function argmin<E extends unknown[]>(d: Descent<E>, x0: Vec, ...extra: E): Vec {
  let x = x0, fx = d.f(x, ...extra), gx = d.g(x, ...extra), eta = 1e-5, i = 0;
  for (;;) {
    if (w.lessEqual(magnitude(gx) as number, 1e-5)) return x;
    if (i === 10) {
      eta *= 2;
      i = 0;
      continue;
    }
    const next = x.map((xi, k) => w.sub(xi as number, w.mul(eta, gx[k]! as number)));
    if (w.lessEqual(distance(x, next) as number, 1e-5)) return x;
    const fNext = d.f(next, ...extra);
    if (w.less(fNext as number, fx as number)) {
      x = next;
      fx = fNext;
      gx = d.g(next, ...extra);
      i++;
    } else {
      eta /= 2;
      i = 0;
    }
  }
}

/** The same descent on −f. */
export function negated<E extends unknown[]>(f: (x: Vec, ...extra: E) => Value): (x: Vec, ...extra: E) => Value {
  return (x, ...extra) => w.neg(f(x, ...extra) as number);
}
