// TensorFlow.js (float32 only), on its cpu or wasm backend. Reverse mode only: tf.grad(s).
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import path from "node:path";
import { eachSize } from "../lib/cases.mjs";
import { data, MLP, MM_SIZES, sumOf, W5N, W5X } from "../lib/workloads.mjs";

/** A case: run() inside tf.tidy (results freed in the timed region); check() reads the result back. */
function tcase(f, check, extra = {}) {
  return {
    run: () =>
      tf.tidy(() => {
        f();
      }),
    check: () => {
      const out = tf.tidy(f);
      const read = (t) => (t instanceof tf.Tensor ? t.dataSync() : t.map(read));
      const vals = read(out);
      tf.dispose(out);
      return check(vals);
    },
    ...extra,
  };
}
const vec = (a) => tf.tensor1d(Float32Array.from(a));

const w1 = (x1, x2) => tf.log(x1).add(x1.mul(x2)).sub(tf.sin(x2));

function rosenScalar(...x) {
  let s = tf.scalar(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1].sub(x[i].square()),
      b = tf.scalar(1).sub(x[i]);
    s = s.add(a.square().mul(100).add(b.square()));
  }
  return s;
}
function rosenArray(x) {
  const n = x.shape[0];
  const head = x.slice(0, n - 1),
    tail = x.slice(1);
  return tail.sub(head.square()).square().mul(100).add(tf.scalar(1).sub(head).square()).sum();
}

function mlpSetup() {
  const d = data("W3"),
    { batch, nIn, nHid, nOut } = MLP;
  const params = [tf.tensor2d(d.W1, [nIn, nHid]), tf.tensor1d(d.b1), tf.tensor2d(d.W2, [nHid, nOut]), tf.tensor1d(d.b2)];
  const X = tf.tensor2d(d.X, [batch, nIn]),
    Y = tf.tensor2d(d.onehot, [batch, nOut]);
  const loss = (W1, b1, W2, b2) => {
    const h = tf.relu(tf.matMul(X, W1).add(b1));
    return tf.logSoftmax(tf.matMul(h, W2).add(b2)).mul(Y).sum(1).mean().neg();
  };
  return { params, loss };
}

const fa = (x) =>
  tf
    .sin(x)
    .mul(tf.concat([x.slice(1), x.slice(0, 1)]))
    .sum();
let js;
const fb = (x) => tf.sin(js.mul(x)).mul(x);
const noForward = { na: "no forward mode in tfjs" };

/** n×n·n×n products: float32 only (tfjs has no float64). */
function mmCases() {
  const out = {};
  for (const n of MM_SIZES) {
    out[`MM.f32.${n}`] = () => {
      const { A, B } = data(`MM.${n}`);
      const a = tf.tensor2d(Float32Array.from(A), [n, n]), b = tf.tensor2d(Float32Array.from(B), [n, n]);
      return tcase(() => tf.matMul(a, b), (c) => [sumOf(c)]);
    };
    out[`MM.f64.${n}`] = () => ({ na: "tfjs is float32 only" });
  }
  return out;
}

export async function create(backend) {
  if (backend === "wasm") {
    const require = createRequire(import.meta.url);
    setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to start`);
  await tf.ready();
  js = tf.range(1, W5N + 1, 1, "float32");
  const x1 = tf.scalar(2),
    x2 = tf.scalar(5);
  return {
    name: `tfjs-${backend}`,
    dtype: "float32",
    cases: {
      "W1.f": () =>
        tcase(
          () => w1(x1, x2),
          (y) => [y[0]],
        ),
      "W1.grad": () => {
        const g = tf.grads(w1);
        return tcase(
          () => g([x1, x2]),
          (r) => [r[0][0], r[1][0]],
        );
      },
      "W2.scalar.1e3.grad": () => {
        const xs = Array.from(data("W2.1e3"), (v) => tf.scalar(v)),
          g = tf.grads(rosenScalar);
        return tcase(
          () => g(xs),
          (r) => [sumOf(r.map((t) => t[0]))],
          { slow: true, note: "1000 scalar tensors, tf.grads" },
        );
      },
      ...eachSize("W2.array.{n}.grad", (n) => {
        const x = vec(data(`W2.${n}`)),
          g = tf.grad(rosenArray);
        return tcase(
          () => g(x),
          (r) => [sumOf(r)],
        );
      }),
      "W2.array.1e5.f": () => {
        const x = vec(data("W2.1e5"));
        return tcase(
          () => rosenArray(x),
          (y) => [y[0]],
        );
      },
      "W3.forward": () => {
        const { params, loss } = mlpSetup();
        return tcase(
          () => loss(...params),
          (y) => [y[0]],
        );
      },
      "W3.step": () => {
        const { params, loss } = mlpSetup(),
          vg = tf.valueAndGrads(loss);
        return tcase(
          () => {
            const { value, grads } = vg(params);
            return [value, ...grads];
          },
          (r) => [r[0][0]],
          { note: "tf.valueAndGrads" },
        );
      },
      "W5.fa.jacfwd": () => noForward,
      "W5.fa.jacrev": () => {
        const x = vec(data("W5.x")),
          g = tf.grad(fa);
        return tcase(
          () => g(x),
          (r) => [sumOf(r)],
          { note: "tf.grad (one VJP)" },
        );
      },
      "W5.fa.jacobian": () => ({ na: "no jacobian in tfjs" }),
      "W5.fb.jacfwd": () => noForward,
      "W5.fb.jacrev": () => {
        const x = tf.scalar(W5X);
        const rows = Array.from({ length: W5N }, (_, j) => tf.grad((t) => fb(t).slice(j, 1).sum()));
        return tcase(
          () => tf.stack(rows.map((g) => g(x))),
          (r) => [sumOf(r)],
          { slow: true, note: "1000 tf.grad calls, stacked" },
        );
      },
      "W5.fb.jacobian": () => ({ na: "no jacobian in tfjs" }),
      ...mmCases(),
      "W6.hvp": () => {
        const x = vec(data("W2.1e5")),
          v = tf.onesLike(x),
          g = tf.grad(rosenArray);
        const hvp = tf.grad((y) => g(y).mul(v).sum());
        return tcase(
          () => hvp(x),
          (h) => [sumOf(h), h[0], h[1]],
          { note: "reverse-over-reverse, tf.grad of tf.grad" },
        );
      },
    },
  };
}
