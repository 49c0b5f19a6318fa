// lstm: ADBench's LSTM with diagonal weights (as GradBench's C++ reference computes it): l
// layers of b cells, over a sequence of c characters of b bits. Each step predicts the next
// character and adds its log-likelihood under L = log(2 + Σ exp ŷ) (the "+2" is ADBench's,
// kept). `objective` is −total/((c−1)·b); `jacobian` its gradient with respect to the main
// and extra parameters (flattened row after row, concatenated), by reverse mode through all
// c − 1 steps.
//
// The time steps are unrolled into the trace (wengert has no loop construct yet), in wavefront
// order: at wavefront τ every layer i advances its own step t = τ − i, whose inputs (layer i −
// 1's output of step t, layer i's state after step t − 1) were computed at wavefront τ − 1.
// That is the reference's double loop over steps and layers, skewed: every gate, cell and
// hidden value of every (layer, step) is the same expression of the same values; only
// independent (layer, step) pairs are computed side by side, as rows of one l×b array, so the
// trace has c + l − 2 wavefronts of array lines instead of (c − 1)·l steps. During the first
// l − 1 wavefronts the layers that have not started keep their initial state (a where over
// constant rows); after its last step a layer's rows are still computed, but nothing reads them.
// The prediction and log-likelihood of all steps are then whole-sequence array lines.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { InputError, matrixArray, object } from "./input.js";
import { compiledFor } from "./prepared.js";

const row = (a: NDArray, i: number): NDArray => w.slice(a, [i, 0], [i + 1, undefined]);
const sigmoid = (x: NDArray): NDArray => w.div(1, w.add(1, w.exp(w.neg(x))));

export function objective(state: NDArray, sequence: NDArray): (main: NDArray, extra: NDArray) => NDArray {
  const l = state.shape[0]! / 2, b = state.shape[1]!, c = sequence.shape[0]!;
  const steps = c - 1;
  const rowsOf = (a: NDArray, parity: number): NDArray => w.take(a, Array.from({ length: l }, (_, i) => 2 * i + parity), 0); // (l, ·)
  const seq = Array.from({ length: c }, (_, t) => row(sequence, t));
  // started[τ]: which layers have begun by wavefront τ (a row mask, l×1), while any has not.
  const started = Array.from({ length: l - 1 }, (_, tau) => w.array(Array.from({ length: l }, (_, i) => i <= tau), { dtype: "bool", shape: [l, 1] }));
  return (main, extra) => {
    const inWeight = row(extra, 0), outWeight = row(extra, 1), outBias = row(extra, 2);
    const weights = rowsOf(main, 0), biases = rowsOf(main, 1); // (l, 4b): forget, ingate, outgate, change
    const block = (a: NDArray, j: number): NDArray => w.slice(a, [0, j * b], [l, (j + 1) * b]);
    const [Wf, Wi, Wo, Wc] = [0, 1, 2, 3].map((j) => block(weights, j)) as [NDArray, NDArray, NDArray, NDArray];
    const [Bf, Bi, Bo, Bc] = [0, 1, 2, 3].map((j) => block(biases, j)) as [NDArray, NDArray, NDArray, NDArray];
    let hidden = rowsOf(state, 0), cell = rowsOf(state, 1); // (l, b)
    const top: NDArray[] = [];
    for (let tau = 0; tau < steps + l - 1; tau++) {
      // Layer 0 reads character τ; layer i reads layer i − 1's hidden state of the wavefront before.
      const x0 = w.mul(seq[Math.min(tau, steps - 1)]!, inWeight);
      const v = l === 1 ? x0 : w.concat([x0, w.slice(hidden, [0, 0], [l - 1, b])]);
      const forget = sigmoid(w.add(w.mul(v, Wf), Bf));
      const ingate = sigmoid(w.add(w.mul(hidden, Wi), Bi));
      const outgate = sigmoid(w.add(w.mul(v, Wo), Bo));
      const change = w.tanh(w.add(w.mul(hidden, Wc), Bc));
      let nextCell = w.add(w.mul(cell, forget), w.mul(ingate, change));
      let nextHidden = w.mul(outgate, w.tanh(nextCell));
      if (tau < l - 1) {
        nextCell = w.where(started[tau]!, nextCell, cell);
        nextHidden = w.where(started[tau]!, nextHidden, hidden);
      }
      cell = nextCell;
      hidden = nextHidden;
      if (tau >= l - 1) top.push(row(hidden, l - 1)); // the last layer's output of step τ − (l − 1)
    }
    const yPred = w.add(w.mul(w.concat(top), outWeight), outBias); // (c − 1, b)
    const lse = w.log(w.add(w.sum(w.exp(yPred), 1, true), 2)); // L = log(2 + Σ exp ŷ), per step
    const total = w.sum(w.mul(w.slice(sequence, [1, 0]), w.sub(yPred, lse)));
    return w.div(w.neg(total), steps * b);
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
