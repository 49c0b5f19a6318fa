// ode: s steps of fourth-order Runge–Kutta from t = 0 to 2 for y₀' = x₀, y_i' = x_i·y_{i−1},
// y(0) = 0 (as GradBench's C++ reference, which uses x_i alone where its README sums).
// `primal` is y(2); `gradient` is the gradient of its last component with respect to x, by
// reverse mode through all s steps.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { InputError, int, object, vector } from "./input.js";
import { compiledFor } from "./prepared.js";

/**
 * z = f(x, y): z₀ = x₀, z_i = x_i·y_{i−1}, as x ⊙ (1, y₀, …, y_{n−2}): the shifted y is one
 * gather, and the rest is elementwise, so compile fuses it with the step's other arithmetic
 * (x₀·1 is x₀ exactly). As concat(x₀, x[1:] ⊙ y[:−1]) it took three kernel calls per stage.
 */
function odeFun(x: NDArray, y: NDArray): NDArray {
  const n = x.shape[0]!;
  return w.mul(x, w.where(first(n), 1, w.take(y, previous(n))));
}

/** Index i − 1 for i ≥ 1 (and 0 for i = 0, whose entry `first` replaces), per size. */
const previous = memo((n) => w.array(Int32Array.from({ length: n }, (_, i) => Math.max(0, i - 1)), { dtype: "int32" }));
/** The mask of entry 0, per size. */
const first = memo((n) => w.array(Array.from({ length: n }, (_, i) => i === 0), { dtype: "bool" }));

function memo(make: (n: number) => NDArray): (n: number) => NDArray {
  const cache = new Map<number, NDArray>();
  return (n) => {
    let a = cache.get(n);
    if (a === undefined) cache.set(n, (a = make(n)));
    return a;
  };
}

export function primal(s: number): (x: NDArray) => NDArray {
  return (x) => rk4(x, s);
}

function rk4(x: NDArray, s: number): NDArray {
  const h = 2 / s;
  let y = w.zeros(x.shape);
  for (let step = 0; step < s; step++) {
    const k1 = odeFun(x, y);
    const k2 = odeFun(x, w.add(y, w.div(w.mul(h, k1), 2)));
    const k3 = odeFun(x, w.add(y, w.div(w.mul(h, k2), 2)));
    const k4 = odeFun(x, w.add(y, w.mul(h, k3)));
    y = w.add(y, w.div(w.mul(h, w.add(w.add(w.add(k1, w.mul(2, k2)), w.mul(2, k3)), k4)), 6));
  }
  return y;
}

/** y_{n−1}(2). */
export function last(s: number): (x: NDArray) => NDArray {
  return (x) => w.reshape(w.slice(rk4(x, s), [x.shape[0]! - 1]), []);
}

const read = (input: unknown): { x: NDArray; s: number } => {
  const o = object(input);
  const s = int(o, "s");
  if (s < 1) throw new InputError(`input.s must be ≥ 1, got ${s}`);
  return { x: w.array(vector(o.x, "input.x")), s };
};

export const functions: Module = {
  primal: compiledFor((input) => { const { x, s } = read(input); return { f: primal(s), args: [x] as [NDArray] }; }),
  gradient: compiledFor((input) => { const { x, s } = read(input); return { f: w.grad(last(s)), args: [x] as [NDArray] }; }),
};
