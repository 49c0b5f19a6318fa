// particle (Siskind & Pearlmutter): a charged particle starts at (0, 8) with velocity
// (0.75, 0) in the potential of two charges at (10, 10 − w) and (10, 0); Euler steps of 0.1
// (acceleration = −∇ of the potential, a derivative inside the objective) until it crosses the
// x-axis, then linear interpolation to the crossing point; the cost is its x-coordinate
// squared, and gradient descent on w (a derivative of that) minimises it. Nested AD: the four
// functions name the modes (outer: the descent's gradient, inner: the Euler step's).

import * as w from "../../../src/index.js";
import type { Value } from "../../../src/index.js";
import type { Module, Prepared } from "../protocol.js";
import { argmin, descent, type Descent, type Mode, type Vec } from "./descent.js";
import { num, object } from "./input.js";

const dist = (u: Vec, v: Vec): Value => w.sqrt(w.add(w.square(w.sub(u[0]! as number, v[0]! as number)), w.square(w.sub(u[1]! as number, v[1]! as number))));

/** The squared x-coordinate where the particle crosses the x-axis, for control parameter w. */
export function naiveEuler(inner: Mode, wc: Value): Value {
  const charges: Vec[] = [[10, w.sub(10, wc as number)], [10, 0]];
  const potential = (x: Vec): Value => charges.reduce<Value>((s, c) => w.add(s as number, w.div(1, dist(c, x) as number)), 0);
  const force = descent(inner, potential).g;
  const dt = 0.1;
  let x: Vec = [0, 8], xdot: Vec = [0.75, 0];
  for (;;) {
    const xddot = force(x).map((g) => w.neg(g as number));
    const xNew = x.map((xi, k) => w.add(xi as number, w.mul(dt, xdot[k]! as number)));
    if (!w.greater(xNew[1]! as number, 0)) break;
    x = xNew;
    xdot = xdot.map((v, k) => w.add(v as number, w.mul(dt, xddot[k]! as number)));
  }
  const dtf = w.div(w.neg(x[1]! as number), xdot[1]! as number);
  const xf = x.map((xi, k) => w.add(xi as number, w.mul(dtf, xdot[k]! as number)));
  return w.square(xf[0]! as number);
}

/** The descent on w for a pair of modes, compiled once and kept: its compiled variants serve every run. */
const problems = new Map<string, Descent<[]>>();

export function particle(outer: Mode, inner: Mode, w0: number): number {
  const key = outer + inner;
  let d = problems.get(key);
  if (d === undefined) problems.set(key, (d = descent(outer, (v: Vec) => naiveEuler(inner, v[0]!), true)));
  return argmin(d, [w0])[0] as number;
}

function prepare(outer: Mode, inner: Mode) {
  return (input: unknown): Prepared<number> => {
    const w0 = num(object(input), "w");
    return { run: () => particle(outer, inner, w0), output: (r) => r };
  };
}

export const functions: Module = { rr: prepare("r", "r"), ff: prepare("f", "f"), fr: prepare("f", "r"), rf: prepare("r", "f") };
