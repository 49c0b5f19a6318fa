// Random programs that mix arrays and plain numbers: elementwise ops with broadcasting,
// reductions to 0-d arrays (sum, mean, norm), toScalar back to numbers, where with number branches, maximum.
// A program takes (x: NDArray of shape [3], s: number) and returns a scalar (a number or a 0-d
// array); run in float32 and float64 it shows whether dtypes survive every transform.

import * as w from "../../src/index.js";
import type { NDArray } from "../../src/index.js";
import type { Rng } from "./check.js";

type V = w.Value;
export type Program = ((x: NDArray, s: number) => number | NDArray) & { readonly text: string };

interface Node {
  readonly text: string;
  readonly run: (x: V, s: V) => V;
  /** True when the node's value is an array (else a number). */
  readonly array: boolean;
}

const UNARY: readonly [string, (a: V) => V][] = [
  ["sin", (a) => w.sin(a as NDArray)], ["tanh", (a) => w.tanh(a as NDArray)], ["square", (a) => w.square(a as NDArray)],
  ["sigmoid", (a) => w.sigmoid(a as NDArray)], ["softplus", (a) => w.softplus(a as NDArray)], ["neg", (a) => w.neg(a as NDArray)],
  ["sqrt|·|+1", (a) => w.sqrt(w.add(w.abs(a as NDArray), 1))], ["exp(·/4)", (a) => w.exp(w.div(a as NDArray, 4))],
];
const BINARY: readonly [string, (a: V, b: V) => V][] = [
  ["add", (a, b) => w.add(a as NDArray, b as NDArray)], ["sub", (a, b) => w.sub(a as NDArray, b as NDArray)],
  ["mul", (a, b) => w.mul(a as NDArray, b as NDArray)], ["maximum", (a, b) => w.maximum(a as NDArray, b as NDArray)],
  ["minimum", (a, b) => w.minimum(a as NDArray, b as NDArray)], ["hypot", (a, b) => w.hypot(a as NDArray, b as NDArray)],
  ["where(a > b, a, b·0.5)", (a, b) => w.where(w.greater(a as NDArray, b as NDArray), a as NDArray, w.mul(b as NDArray, 0.5))],
];

function node(r: Rng, depth: number): Node {
  const k = depth <= 0 ? 0 : r.int(0, 9);
  if (k <= 1) {
    const pick = r.int(0, 2);
    if (pick === 0) return { text: "x", run: (x) => x, array: true };
    if (pick === 1) return { text: "s", run: (_x, s) => s, array: false };
    const c = Math.round(r.uniform(-2, 2) * 100) / 100;
    return { text: String(c), run: () => c, array: false };
  }
  if (k <= 4) {
    const [name, f] = r.pick(UNARY);
    const a = node(r, depth - 1);
    return { text: `${name}(${a.text})`, run: (x, s) => f(a.run(x, s)), array: a.array };
  }
  if (k <= 7) {
    const [name, f] = r.pick(BINARY);
    const a = node(r, depth - 1), b = node(r, depth - 1);
    return { text: `${name}(${a.text}, ${b.text})`, run: (x, s) => f(a.run(x, s), b.run(x, s)), array: a.array || b.array };
  }
  const a = node(r, depth - 1);
  if (!a.array) return a;
  if (k === 8) {
    // toScalar of a reduction: the float32 -> number -> float32 round trip of toScalar's VJP.
    if (r.int(0, 1) === 0) return { text: `toScalar(sum(${a.text}))`, run: (x, s) => w.toScalar(w.sum(a.run(x, s) as NDArray)), array: false };
    return { text: `toScalar(norm(${a.text} + 3))`, run: (x, s) => w.toScalar(w.norm(w.add(a.run(x, s) as NDArray, 3))), array: false };
  }
  return { text: `mean(${a.text})`, run: (x, s) => w.mean(a.run(x, s) as NDArray), array: true };
}

/** A random program whose output is a scalar: a number, or the sum of an array. */
export function randomProgram(r: Rng, depth = 4): Program {
  const n = node(r, depth);
  const f = (x: NDArray, s: number): number | NDArray => {
    const y = n.run(x, s);
    return (n.array ? w.sum(y as NDArray) : y) as number | NDArray;
  };
  return Object.assign(f, { text: n.array ? `sum(${n.text})` : n.text });
}
