// gmm: the log posterior of a Gaussian mixture with a Wishart prior (ADBench's GMM, as
// GradBench's C++ reference computes it), and its gradient with respect to alpha, mu, q and l
// by reverse mode.
//
// Component k has precision QₖᵀQₖ, Qₖ lower triangular with diagonal exp(qₖ) and lₖ filling the
// strict lower part column by column. Arrays are laid out (k, n, d): component first, so that
// Qₖ·(xᵢ − μₖ) for all i is one matrix product per component (a batched matmul over k).

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { InputError, int, matrixArray, num, object, vector } from "./input.js";
import { compiledFor } from "./prepared.js";
import { lgamma } from "./lgamma.js";

export interface GmmShape { readonly d: number; readonly k: number; readonly n: number; readonly m: number; readonly gamma: number }

/** log Γ_d(a), the multivariate gamma function's logarithm. */
function logGammaDistrib(a: number, p: number): number {
  let out = 0.25 * p * (p - 1) * Math.log(Math.PI);
  for (let j = 1; j <= p; j++) out += lgamma(a + 0.5 * (1 - j));
  return out;
}

/**
 * Index map of Q in [l, exp q, 0] (P + d + 1 entries per component): entry (j, i) below the
 * diagonal reads l (column by column), (i, i) reads exp q_i, the upper part the final zero.
 */
function triangleIndex(d: number): number[] {
  const P = (d * (d - 1)) / 2;
  const idx = new Array<number>(d * d).fill(P + d);
  let p = 0;
  for (let i = 0; i < d; i++) {
    idx[i * d + i] = P + i;
    for (let j = i + 1; j < d; j++) idx[j * d + i] = p++;
  }
  return idx;
}

/** log Σ exp along `axis`, shifted by the maximum (held constant: the shift cancels exactly). */
function logsumexp(v: NDArray, axis?: number): NDArray {
  const m = w.stopGradient(w.max(v, axis, true));
  const s = w.add(w.log(w.sum(w.exp(w.sub(v, m)), axis, true)), m);
  return axis === undefined ? w.reshape(s, []) : w.reshape(s, s.shape.filter((_, i) => i !== axis));
}

export function objective(s: GmmShape, x: NDArray): (alpha: NDArray, mu: NDArray, q: NDArray, l: NDArray) => NDArray {
  const { d, k, n, m, gamma } = s;
  const nw = d + m + 1;
  const C = nw * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * nw, d);
  const CONSTANT = -n * d * 0.5 * Math.log(2 * Math.PI);
  const idx = triangleIndex(d);
  const xs = w.reshape(x, [1, n, d]);
  return (alpha, mu, q, l) => {
    const Qdiag = w.exp(q); // (k, d)
    const sumQ = w.sum(q, 1); // (k)
    // Qₖ: exp(qₖ) on the diagonal, lₖ below it (the diagonal's entries of [l, exp q, 0] by index).
    const Q = w.reshape(w.take(w.concat([l, Qdiag, w.zeros([k, 1])], 1), idx, 1), [k, d, d]);
    const xc = w.sub(xs, w.reshape(mu, [k, 1, d])); // (k, n, d)
    const Qxc = w.matmul(xc, w.transpose(Q, [0, 2, 1])); // row i: Qₖ·(xᵢ − μₖ)
    const main = w.sub(w.add(w.reshape(alpha, [k, 1]), w.reshape(sumQ, [k, 1])), w.mul(0.5, w.sum(w.square(Qxc), 2))); // (k, n)
    const slse = w.sum(logsumexp(main, 0));
    const frobenius = w.add(w.sum(w.square(Qdiag), 1), w.sum(w.square(l), 1)); // (k)
    const prior = w.add(w.neg(w.sum(w.sub(w.mul(0.5 * gamma * gamma, frobenius), w.mul(m, sumQ)))), k * C);
    return w.add(w.sub(w.add(CONSTANT, slse), w.mul(n, logsumexp(alpha))), prior);
  };
}

interface Read { readonly shape: GmmShape; readonly x: NDArray; readonly params: [NDArray, NDArray, NDArray, NDArray] }

function read(input: unknown): Read {
  const o = object(input);
  const d = int(o, "d"), k = int(o, "k"), n = int(o, "n");
  if (d < 1 || k < 1 || n < 1) throw new InputError(`d, k and n must be ≥ 1, got ${d}, ${k}, ${n}`);
  const P = (d * (d - 1)) / 2;
  const x = matrixArray(o.x, "input.x", n, d);
  const alpha = w.array(vector(o.alpha, "input.alpha", k));
  const mu = matrixArray(o.mu, "input.mu", k, d);
  const q = matrixArray(o.q, "input.q", k, d);
  const l = P === 0 ? w.zeros([k, 0]) : matrixArray(o.l, "input.l", k, P);
  return { shape: { d, k, n, m: int(o, "m"), gamma: num(o, "gamma") }, x, params: [alpha, mu, q, l] };
}

const writeGradient = (g: unknown): unknown => {
  const [alpha, mu, q, l] = g as NDArray[];
  const rows = (a: NDArray): number[][] => Array.from({ length: a.shape[0]! }, (_, i) => Array.from(a.data.subarray(i * a.shape[1]!, (i + 1) * a.shape[1]!)));
  return { alpha: Array.from(alpha!.data), mu: rows(mu!), q: rows(q!), l: rows(l!) };
};

export const functions: Module = {
  objective: compiledFor((input) => { const r = read(input); return { f: objective(r.shape, r.x), args: r.params }; }),
  jacobian: compiledFor((input) => { const r = read(input); return { f: w.grad(objective(r.shape, r.x), { argnums: [0, 1, 2, 3] }), args: r.params }; }, writeGradient),
};
