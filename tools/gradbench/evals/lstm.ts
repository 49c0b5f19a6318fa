// lstm: ADBench's LSTM with diagonal weights (as GradBench's C++ reference computes it): l
// layers of b cells, over a sequence of c characters of b bits. Each step predicts the next
// character and adds its log-likelihood under L = log(2 + Σ exp ŷ) (the "+2" is ADBench's,
// kept). `objective` is −total/((c−1)·b); `jacobian` its gradient with respect to the main
// and extra parameters (flattened row after row, concatenated), by reverse mode through all
// c − 1 steps.
//
// Every step is written on b-vectors; compile unrolls the c − 1 steps (no loop construct yet)
// and fuses runs of the elementwise lines into loops over the b cells.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { InputError, matrixArray, object } from "./input.js";
import { compiledFor } from "./prepared.js";

const row = (a: NDArray, i: number): NDArray => w.reshape(w.slice(a, [i, 0], [i + 1, undefined]), [-1]);
const sigmoid = (x: NDArray): NDArray => w.div(1, w.add(1, w.exp(w.neg(x))));

export function objective(state: NDArray, sequence: NDArray): (main: NDArray, extra: NDArray) => NDArray {
  const l = state.shape[0]! / 2, b = state.shape[1]!, c = sequence.shape[0]!;
  const seq = Array.from({ length: c }, (_, t) => row(sequence, t));
  return (main, extra) => {
    const inWeight = row(extra, 0), outWeight = row(extra, 1), outBias = row(extra, 2);
    // Layer i: weights main[2i] and biases main[2i+1], each four blocks of b (forget, ingate, outgate, change).
    const gates = (r: NDArray) => [0, 1, 2, 3].map((j) => w.slice(r, [j * b], [(j + 1) * b]));
    const W = Array.from({ length: l }, (_, i) => gates(row(main, 2 * i)));
    const B = Array.from({ length: l }, (_, i) => gates(row(main, 2 * i + 1)));
    const hidden = Array.from({ length: l }, (_, i) => row(state, 2 * i));
    const cell = Array.from({ length: l }, (_, i) => row(state, 2 * i + 1));
    let total: NDArray | number = 0;
    for (let t = 0; t < c - 1; t++) {
      let v = w.mul(seq[t]!, inWeight);
      for (let i = 0; i < l; i++) {
        const [Wf, Wi, Wo, Wc] = W[i]!, [Bf, Bi, Bo, Bc] = B[i]!;
        const forget = sigmoid(w.add(w.mul(v, Wf!), Bf!));
        const ingate = sigmoid(w.add(w.mul(hidden[i]!, Wi!), Bi!));
        const outgate = sigmoid(w.add(w.mul(v, Wo!), Bo!));
        const change = w.tanh(w.add(w.mul(hidden[i]!, Wc!), Bc!));
        cell[i] = w.add(w.mul(cell[i]!, forget), w.mul(ingate, change));
        hidden[i] = w.mul(outgate, w.tanh(cell[i]!));
        v = hidden[i]!;
      }
      const yPred = w.add(w.mul(v, outWeight), outBias);
      const lse = w.log(w.add(w.sum(w.exp(yPred)), 2));
      total = w.add(total, w.sum(w.mul(seq[t + 1]!, w.sub(yPred, lse))));
    }
    return w.div(w.neg(total as NDArray), (c - 1) * b);
  };
}

function read(input: unknown): { main: NDArray; extra: NDArray; state: NDArray; sequence: NDArray } {
  const o = object(input);
  const main = matrixArray(o.main_params, "input.main_params");
  const b4 = main.shape[1]!;
  if (main.shape[0]! % 2 !== 0 || main.shape[0]! < 2 || b4 % 4 !== 0) throw new InputError(`main_params must be 2l rows of 4b numbers, got ${main.shape.join("×")}`);
  const b = b4 / 4, l = main.shape[0]! / 2;
  const extra = matrixArray(o.extra_params, "input.extra_params", 3, b);
  const state = matrixArray(o.state, "input.state", 2 * l, b);
  const sequence = matrixArray(o.sequence, "input.sequence", undefined, b);
  if (sequence.shape[0]! < 2) throw new InputError("input.sequence needs at least two characters");
  return { main, extra, state, sequence };
}

const flatGradient = (g: unknown): number[] => (g as NDArray[]).flatMap((a) => Array.from(a.data as Float64Array));

export const functions: Module = {
  objective: compiledFor((input) => { const r = read(input); return { f: objective(r.state, r.sequence), args: [r.main, r.extra] as [NDArray, NDArray] }; }),
  jacobian: compiledFor((input) => { const r = read(input); return { f: w.grad(objective(r.state, r.sequence), { argnums: [0, 1] }), args: [r.main, r.extra] as [NDArray, NDArray] }; }, flatGradient),
};
