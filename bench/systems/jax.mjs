// jax-js on its wasm backend, float64 (float32 for W3), eager and jit. Arrays are reference
// counted: every call is given fresh references (x.ref) and every result is disposed.
import { eachSize } from "../lib/cases.mjs";
import { data, MLP, MM_SIZES, sumOf, W5N, W5X } from "../lib/workloads.mjs";

globalThis.Float16Array ??= class Float16Array {}; // Node 20 lacks it; jax-js tests for it at load.
const jax = await import("@jax-js/jax"); // imported after the stub (a static import would run first)

const { numpy: np, nn, tree, init, grad, valueAndGrad, jvp, vjp, jit, jacfwd, jacrev, blockUntilReady } = jax;

/** Reads every array of a result tree back (consuming it), keeping the structure. */
async function read(r) {
  if (r instanceof np.Array) return await r.data();
  if (Array.isArray(r)) return Promise.all(r.map(read));
  return r;
}

/** A case: f called on fresh references to args; run() waits for the result and frees it. */
function jcase(f, args, check, extra = {}) {
  const call = () => f(...args.map((a) => (Array.isArray(a) ? a.map((e) => e.ref) : a.ref)));
  return {
    run: async () => {
      const r = call();
      await blockUntilReady(r);
      tree.dispose(r);
    },
    check: async () => check(await read(call())),
    ...extra,
  };
}
/** The same case eagerly and under jit. */
const eagerAndJit = (f, args, check, extra) => [jcase(f, args, check, extra), { ...jcase(jit(f), args, check, extra), variant: "jit" }];

const f64 = (a, shape) => np.array(Float64Array.from(a), { dtype: np.float64, shape });
const f32 = (a, shape) => np.array(Float32Array.from(a), { dtype: np.float32, shape });

const w1 = (x1, x2) => np.log(x1.ref).add(x1.mul(x2.ref)).sub(np.sin(x2));

/** Scalar style: each x[i] is used three times (twice for x[0], once for x[n-1]); the last use consumes it. */
function rosenScalar(x) {
  let s = np.array(0, { dtype: np.float64 });
  const n = x.length;
  for (let i = 0; i < n - 1; i++) {
    const next = i + 1 === n - 1 ? x[i + 1] : x[i + 1].ref;
    const a = next.sub(np.square(x[i].ref)),
      b = np.subtract(1, x[i]);
    s = s.add(np.square(a).mul(100).add(np.square(b)));
  }
  return s;
}
function rosenArray(x) {
  const n = x.shape[0];
  const head = x.ref.slice([0, n - 1]),
    tail = x.slice([1]);
  return np
    .square(tail.sub(np.square(head.ref)))
    .mul(100)
    .add(np.square(np.subtract(1, head)))
    .sum();
}

function mlpSetup() {
  const d = data("W3"),
    { batch, nIn, nHid, nOut } = MLP;
  const params = [f32(d.W1, [nIn, nHid]), f32(d.b1, [nHid]), f32(d.W2, [nHid, nOut]), f32(d.b2, [nOut])];
  const X = f32(d.X, [batch, nIn]),
    Y = f32(d.onehot, [batch, nOut]);
  const loss = (W1, b1, W2, b2) => {
    const h = nn.relu(np.matmul(X.ref, W1).add(b1));
    return nn.logSoftmax(np.matmul(h, W2).add(b2)).mul(Y.ref).sum(1).mean().neg();
  };
  return { params, loss };
}

const fa = (x) => np.sin(x.ref).mul(np.roll(x, -1)).sum();
let js;
const fb = (x) => np.sin(js.ref.mul(x.ref)).mul(x); // x has shape [1]: jax-js's jacfwd takes 1-d inputs only

const sum1 = (r) => [sumOf(r)];

/** The Jacobian of f: R^1 → R^m row by row: one vjp, its pullback applied to each basis vector. */
const vjpRows = (f) => (x) => {
  const [y, pullback] = vjp(f, [x]);
  const m = y.shape[0];
  y.dispose();
  const eye = np.eye(m, undefined, { dtype: np.float64 });
  const rows = [];
  for (let j = 0; j < m; j++) rows.push(pullback(eye.ref.slice(j))[0]);
  eye.dispose();
  pullback.dispose();
  return np.stack(rows);
};

/** n×n·n×n products, float32 and float64, under jit. */
function mmCases() {
  const out = {};
  const mm = jit((a, b) => np.matmul(a, b));
  for (const [tag, make] of [["f32", f32], ["f64", f64]]) {
    for (const n of MM_SIZES) {
      out[`MM.${tag}.${n}`] = () => {
        const { A, B } = data(`MM.${n}`);
        return { ...jcase(mm, [make(A, [n, n]), make(B, [n, n])], sum1), variant: "jit" };
      };
    }
  }
  return out;
}

export async function create() {
  await init("wasm");
  js = np.arange(1, W5N + 1).astype(np.float64);
  const x1 = f64([2], []),
    x2 = f64([5], []);
  const w5x = f64(data("W5.x")),
    w5t = f64([W5X]);
  return {
    name: "jax-js",
    dtype: "float64",
    cases: {
      "W1.f": () => jcase(w1, [x1, x2], (y) => [y[0]]),
      "W1.grad": () => jcase(grad(w1, { argnums: [0, 1] }), [x1, x2], (r) => [r[0][0], r[1][0]]),
      "W2.scalar.1e3.grad": () =>
        jcase(grad(rosenScalar), [Array.from(data("W2.1e3"), (v) => f64([v], []))], (r) => [sumOf(r.map((t) => t[0]))], {
          slow: true,
          note: "1000 scalar arrays (a list pytree)",
        }),
      ...eachSize("W2.array.{n}.grad", (n) => eagerAndJit(grad(rosenArray), [f64(data(`W2.${n}`))], sum1)),
      "W2.array.1e5.f": () => eagerAndJit(rosenArray, [f64(data("W2.1e5"))], (y) => [y[0]]),
      "W2.array.1e3.hessian": () => (typeof jax.hessian === "function" ? eagerAndJit(jax.hessian(rosenArray), [f64(data("W2.1e3"))], sum1) : { na: "this jax-js has no hessian" }),
      "W3.forward": () => {
        const { params, loss } = mlpSetup();
        return eagerAndJit(loss, params, (y) => [y[0]]);
      },
      "W3.step": () => {
        const { params, loss } = mlpSetup();
        return eagerAndJit(valueAndGrad(loss, { argnums: [0, 1, 2, 3] }), params, (r) => [r[0][0]]);
      },
      "W5.fa.jacfwd": () => jcase(jacfwd(fa), [w5x], sum1),
      // jax-js 0.1.25's jacrev fails on a reduction (fa) and on a broadcast input (fb): the rows
      // report the error, and a variant shows what reverse mode takes by hand.
      "W5.fa.jacrev": () => [jcase(jacrev(fa), [w5x], sum1), { ...jcase(grad(fa), [w5x], sum1), variant: "grad", note: "grad = the one row" }],
      "W5.fa.jacobian": () => ({ na: "jax-js jacobian = jacrev (no auto mode)" }),
      "W5.fb.jacfwd": () => jcase(jacfwd(fb), [w5t], sum1),
      "W5.fb.jacrev": () => [
        jcase(jacrev(fb), [w5t], sum1),
        { ...jcase(vjpRows(fb), [w5t], sum1), variant: "vjp×1000", note: "one vjp, its pullback applied to 1000 basis vectors" },
      ],
      "W5.fb.jacobian": () => ({ na: "jax-js jacobian = jacrev (no auto mode)" }),
      ...mmCases(),
      "W6.hvp": () => {
        const hvp = (x, v) => jvp(grad(rosenArray), [x], [v])[1];
        const x = f64(data("W2.1e5")),
          v = np.onesLike(x.ref);
        return eagerAndJit(hvp, [x, v], (h) => [sumOf(h), h[0], h[1]], { note: "jvp of grad" });
      },
    },
  };
}
