// A small neural network: a 2 → 64 → 64 → 3 multilayer perceptron (tanh; 32 wide in short mode) classifying three
// interleaved spirals, trained by Adam with the loss and its gradient from
// compile(valueAndGrad(loss)): traced once, then generated JavaScript every step.

import * as w from "wengert";
import { elapsed, fmt, type Example, type ExampleOptions } from "./common.js";

export interface MlpResult {
  readonly accuracy: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly traces: number;
}

type Layer = { W: w.NDArray; b: w.NDArray };

/** Three spirals of `n` points each, with a little noise in the angle. */
function spirals(n: number): { x: w.NDArray; y: number[] } {
  const t = w.linspace(0, 1, n);
  const pts: w.NDArray[] = [], y: number[] = [];
  for (let k = 0; k < 3; k++) {
    const angle = w.add(w.add(w.mul(4, t), (2 * Math.PI * k) / 3), w.mul(0.2, w.random.normal(w.random.foldIn(w.random.key(3), k), [n])));
    pts.push(w.stack([w.mul(t, w.cos(angle)), w.mul(t, w.sin(angle))], 1));
    for (let i = 0; i < n; i++) y.push(k);
  }
  return { x: w.concat(pts, 0), y };
}

/** Glorot-uniform weights and zero biases. */
function init(key: w.NDArray, sizes: number[]): Layer[] {
  const keys = w.random.split(key, sizes.length - 1);
  return sizes.slice(1).map((m, i) => {
    const n = sizes[i]!, lim = Math.sqrt(6 / (n + m));
    return { W: w.random.uniform(keys[i]!, [n, m], { minval: -lim, maxval: lim }), b: w.zeros([m]) };
  });
}

function forward(layers: Layer[], x: w.NDArray): w.NDArray {
  let h = x;
  layers.forEach((l, i) => {
    const z = w.add(w.matmul(h, l.W), l.b);
    h = i < layers.length - 1 ? w.tanh(z) : z;
  });
  return h;
}

function run({ short, log }: ExampleOptions): MlpResult {
  const { x, y } = spirals(100);
  const Y = w.oneHot(y, 3);
  const loss = (p: Layer[]) => w.toScalar(w.neg(w.mean(w.sum(w.mul(Y, w.logSoftmax(forward(p, x))), 1))));
  const vg = w.compile(w.valueAndGrad(loss));
  const steps = short ? 150 : 3000, hidden = short ? 32 : 64;
  const opt = w.adam(w.warmupCosineDecay(0, 0.02, 50, steps, 1e-3));
  let params = init(w.random.key(0), [2, hidden, hidden, 3]), state = opt.init(params);
  log(`data: 3 spirals × 100 points; network 2 → ${hidden} → ${hidden} → 3 (tanh), ${params.reduce((s, l) => s + l.W.size + l.b.size, 0)} parameters; ${steps} Adam steps`);
  const t0 = performance.now();
  let first = NaN, last = NaN;
  for (let i = 1; i <= steps; i++) {
    const [l, g] = vg(params);
    const [u, s] = opt.update(g, state, params);
    params = w.applyUpdates(params, u);
    state = s;
    if (i === 1) first = l as number;
    last = l as number;
    if (i % Math.round(steps / 6) === 0) log(`  step ${String(i).padStart(4)}  loss ${fmt(last, 6)}  (${elapsed(t0)})`);
  }
  const pred = w.argmax(forward(params, x), 1).data;
  const accuracy = y.filter((c, i) => pred[i] === c).length / y.length;
  log(`trained in ${elapsed(t0)}: loss ${fmt(first, 4)} → ${fmt(last, 4)}, training accuracy ${(100 * accuracy).toFixed(1)}%; compile traced ${vg.counts.traces} time(s)`);
  return { accuracy, firstLoss: first, lastLoss: last, traces: vg.counts.traces };
}

export const example: Example<MlpResult> = {
  name: "mlp",
  description: "a 2-64-64-3 MLP on three spirals, trained by Adam with compile(valueAndGrad(loss))",
  run,
};
