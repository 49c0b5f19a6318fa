// lse: log-sum-exp, computed stably as the reference does, A + log Σ exp(x_i − A) with
// A = max x; `gradient` is its gradient by reverse mode (the softmax of x).
//
// The shift A is held constant (stopGradient): the expression's derivative with respect to A
// is exactly zero (d/dA [log Σ exp(x − A) + A] = 1 − 1), so no derivative is lost, and none
// is spent on max's subgradient.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { object, vector } from "./input.js";
import { compiled } from "./prepared.js";

export function lse(x: NDArray): NDArray {
  const A = w.stopGradient(w.max(x));
  return w.add(w.log(w.sum(w.exp(w.sub(x, A)))), A);
}

const read = (input: unknown): [NDArray] => [w.array(vector(object(input).x, "input.x"))];

export const functions: Module = {
  primal: compiled(lse, read),
  gradient: compiled(w.grad(lse), read),
};
