// llsq: linear least squares, y(x) = ½ Σ_i (s_i − Σ_j x_j t_i^j)² with t_i = −1 + 2i/(n−1) and
// s_i = sign(t_i); `gradient` is ∂y/∂x by reverse mode.
//
// The powers t_i^j depend on n only, not on x: compile folds them into a constant matrix
// when it traces (as JAX's jit does with n static), so each call is two passes over it.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { int, object, vector } from "./input.js";
import { compiledFor } from "./prepared.js";

/** The objective for n points, as a function of x (m coefficients). */
export function llsq(n: number, m: number): (x: NDArray) => NDArray {
  const i = w.arange(n);
  const t = w.add(-1, w.div(w.mul(i, 2), n - 1));
  const s = w.sign(t);
  const powers = w.pow(w.reshape(t, [n, 1]), w.reshape(w.arange(m), [1, m])); // T[i, j] = t_i^j
  return (x) => w.div(w.sum(w.square(w.sub(s, w.matmul(powers, x)))), 2);
}

function read(input: unknown): { f: (x: NDArray) => NDArray; x: NDArray } {
  const o = object(input);
  const x = w.array(vector(o.x, "input.x"));
  return { f: llsq(int(o, "n"), x.size), x };
}

export const functions: Module = {
  primal: compiledFor((input) => { const { f, x } = read(input); return { f, args: [x] as [NDArray] }; }),
  gradient: compiledFor((input) => { const { f, x } = read(input); return { f: w.grad(f), args: [x] as [NDArray] }; }),
};
