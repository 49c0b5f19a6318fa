// The pinned workloads of ../WORKLOADS.md: inputs, expected checksums, the plain-JS
// yardsticks every ratio is taken against, and hand-written derivatives (the floor).
// Pure JS on numbers and typed arrays: importing this never loads a peer library.

// ---------------------------------------------------------------- inputs

export function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rosenbrock input: -1.2 at even i, 1.0 at odd i. */
export function rosenX(n) {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = i % 2 === 0 ? -1.2 : 1.0;
  return x;
}

export const MLP = { batch: 128, nIn: 784, nHid: 256, nOut: 10 };

/** W3 data, drawn in the pinned order: W1, W2 (0.05·gauss), then X (uniform); biases 0; labels i % 10. */
export function mlpData() {
  const { batch, nIn, nHid, nOut } = MLP;
  const rand = mulberry32(42);
  const gauss = () => {
    const u1 = rand(),
      u2 = rand();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  };
  const fill = (n, draw) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = draw();
    return a;
  };
  const W1 = fill(nIn * nHid, () => 0.05 * gauss());
  const W2 = fill(nHid * nOut, () => 0.05 * gauss());
  const X = fill(batch * nIn, rand);
  const b1 = new Float32Array(nHid),
    b2 = new Float32Array(nOut);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % nOut);
  const onehot = new Float32Array(batch * nOut);
  for (let i = 0; i < batch; i++) onehot[i * nOut + labels[i]] = 1;
  return { W1, b1, W2, b2, X, labels, onehot };
}

export const W5N = 1000;
export const W5X = 0.3;
export function w5x() {
  return Float64Array.from({ length: W5N }, (_, i) => (i + 1) / W5N);
}

/** Matrix-product benchmark sizes (n×n·n×n) and their inputs: uniform in [-0.5, 0.5) from mulberry32(7). */
export const MM_SIZES = [64, 256, 1024];
export function mmData(n) {
  const rand = mulberry32(7);
  const fill = () => Float64Array.from({ length: n * n }, () => rand() - 0.5);
  return { A: fill(), B: fill() };
}
/** Σ_ij (A·B)_ij = Σ_p (Σ_i A_ip)(Σ_j B_pj), on the inputs rounded to the dtype. */
export function mmChecksum(n, dtype) {
  const { A, B } = data(`MM.${n}`);
  const r = dtype === "float32" ? Math.fround : (x) => x;
  let s = 0;
  for (let p = 0; p < n; p++) {
    let ca = 0, rb = 0;
    for (let i = 0; i < n; i++) ca += r(A[i * n + p]);
    for (let j = 0; j < n; j++) rb += r(B[p * n + j]);
    s += ca * rb;
  }
  return s;
}

const cache = new Map();
/** Inputs built once per process, shared by every system's cases. */
export function data(key) {
  if (!cache.has(key)) {
    const make = { "SP.u": spU, "W2.1e3": () => rosenX(1e3), "W2.1e5": () => rosenX(1e5), W3: mlpData, "W5.x": w5x, ...Object.fromEntries(MM_SIZES.map((n) => [`MM.${n}`, () => mmData(n)])), W7: w7x0 }[key];
    cache.set(key, make());
  }
  return cache.get(key);
}

// ---------------------------------------------------------------- plain-JS yardsticks

/** W1's point (2, 5), read from a typed array so that the JIT cannot fold the calls to constants. */
export const W1X = new Float64Array([2, 5]);
/** Taylor mode's point, read from a typed array for the same reason. */
export const TMX = new Float64Array([0.7]);
export function w1f(x1, x2) {
  return Math.log(x1) + x1 * x2 - Math.sin(x2);
}
export function w1grad(x1, x2) {
  return [1 / x1 + x2, x1 - Math.cos(x2)];
}

export function rosen(x) {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i],
      b = 1 - x[i];
    s += 100 * a * a + b * b;
  }
  return s;
}

export function rosenGrad(x) {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    g[i] += -400 * x[i] * a - 2 * (1 - x[i]);
    g[i + 1] += 200 * a;
  }
  return g;
}

/** H·v for Rosenbrock (the Hessian is tridiagonal). */
export function rosenHvp(x, v) {
  const h = new Float64Array(x.length);
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x[i];
    h[i] += (1200 * xi * xi - 400 * x[i + 1] + 2) * v[i] - 400 * xi * v[i + 1];
    h[i + 1] += -400 * xi * v[i] + 200 * v[i + 1];
  }
  return h;
}

/** W3 forward in float32 storage: returns { loss, h (relu activations), p (softmax) }. */
export function mlpForward({ W1, b1, W2, b2, X, labels }) {
  const { batch, nIn, nHid, nOut } = MLP;
  const h = new Float32Array(batch * nHid);
  for (let i = 0; i < batch; i++) {
    const hi = i * nHid;
    for (let j = 0; j < nHid; j++) h[hi + j] = b1[j];
    for (let k = 0; k < nIn; k++) {
      const xik = X[i * nIn + k],
        wk = k * nHid;
      if (xik === 0) continue;
      for (let j = 0; j < nHid; j++) h[hi + j] += xik * W1[wk + j];
    }
    for (let j = 0; j < nHid; j++) if (h[hi + j] < 0) h[hi + j] = 0;
  }
  const p = new Float32Array(batch * nOut);
  let loss = 0;
  for (let i = 0; i < batch; i++) {
    const pi = i * nOut;
    for (let c = 0; c < nOut; c++) {
      let z = b2[c];
      for (let j = 0; j < nHid; j++) z += h[i * nHid + j] * W2[j * nOut + c];
      p[pi + c] = z;
    }
    let m = -Infinity;
    for (let c = 0; c < nOut; c++) m = Math.max(m, p[pi + c]);
    let s = 0;
    for (let c = 0; c < nOut; c++) s += Math.exp(p[pi + c] - m);
    const lse = m + Math.log(s);
    loss -= p[pi + labels[i]] - lse;
    for (let c = 0; c < nOut; c++) p[pi + c] = Math.exp(p[pi + c] - lse);
  }
  return { loss: loss / batch, h, p };
}

/** W3 value and gradient by hand-written backpropagation. */
export function mlpStep(d) {
  const { batch, nIn, nHid, nOut } = MLP;
  const { loss, h, p } = mlpForward(d);
  const dz = p; // softmax − onehot, over the batch
  for (let i = 0; i < batch; i++) {
    dz[i * nOut + d.labels[i]] -= 1;
    for (let c = 0; c < nOut; c++) dz[i * nOut + c] /= batch;
  }
  const gW2 = new Float32Array(nHid * nOut),
    gb2 = new Float32Array(nOut);
  const dh = new Float32Array(batch * nHid);
  for (let i = 0; i < batch; i++) {
    for (let c = 0; c < nOut; c++) gb2[c] += dz[i * nOut + c];
    for (let j = 0; j < nHid; j++) {
      const hij = h[i * nHid + j];
      let acc = 0;
      for (let c = 0; c < nOut; c++) {
        const g = dz[i * nOut + c];
        gW2[j * nOut + c] += hij * g;
        acc += g * d.W2[j * nOut + c];
      }
      dh[i * nHid + j] = hij > 0 ? acc : 0;
    }
  }
  const gW1 = new Float32Array(nIn * nHid),
    gb1 = new Float32Array(nHid);
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < nHid; j++) gb1[j] += dh[i * nHid + j];
    for (let k = 0; k < nIn; k++) {
      const xik = d.X[i * nIn + k],
        wk = k * nHid;
      if (xik === 0) continue;
      for (let j = 0; j < nHid; j++) gW1[wk + j] += xik * dh[i * nHid + j];
    }
  }
  return { loss, grads: [gW1, gb1, gW2, gb2] };
}

export function w5fa(x) {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sin(x[i]) * x[(i + 1) % n];
  return s;
}
export function w5fb(x) {
  const y = new Float64Array(W5N);
  for (let j = 0; j < W5N; j++) y[j] = Math.sin((j + 1) * x) * x;
  return y;
}
/** ∂fa/∂x_i = cos(x_i) x_{i+1} + sin(x_{i-1}). */
export function w5faGrad(x) {
  const n = x.length,
    g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = Math.cos(x[i]) * x[(i + 1) % n] + Math.sin(x[(i + n - 1) % n]);
  return g;
}
/** dfb_j/dx = sin((j+1)x) + (j+1) x cos((j+1)x). */
export function w5fbJac(x) {
  const g = new Float64Array(W5N);
  for (let j = 0; j < W5N; j++) g[j] = Math.sin((j + 1) * x) + (j + 1) * x * Math.cos((j + 1) * x);
  return g;
}

/** W7: x ∈ R^100, x0_i = (i+1)/100, x_{t+1} = x_t + h·sin(x_t), T = 100,000 steps, loss Σ x_T. */
export const W7 = { n: 100, T: 100_000, h: 1e-4 };
export function w7x0() {
  return Float64Array.from({ length: W7.n }, (_, i) => (i + 1) / W7.n);
}
export function w7f(x0) {
  const { n, T, h } = W7,
    x = Float64Array.from(x0);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) x[i] += h * Math.sin(x[i]);
  return sumOf(x);
}
/** The gradient is diagonal, Π_t (1 + h cos x_t,i): accumulated forward, no storage at all. */
export function w7grad(x0) {
  const { n, T, h } = W7,
    x = Float64Array.from(x0),
    g = new Float64Array(n).fill(1);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < n; i++) {
      g[i] *= 1 + h * Math.cos(x[i]);
      x[i] += h * Math.sin(x[i]);
    }
  }
  return g;
}

/** Sparse rows: a 1-D diffusion–reaction residual r_i = (u_{i−1} − 2u_i + u_{i+1})/h² + u_i(1 − u_i), zero boundary values, at u_i = (i+1)h. */
export const SP = { n: 10_000 };
export function spU() {
  const h = 1 / (SP.n + 1);
  return Float64Array.from({ length: SP.n }, (_, i) => (i + 1) * h);
}
export function diffusion(u) {
  const n = u.length, h = 1 / (n + 1), r = new Float64Array(n), k = 1 / (h * h);
  for (let i = 0; i < n; i++) {
    const l = i > 0 ? u[i - 1] : 0, rr = i < n - 1 ? u[i + 1] : 0;
    r[i] = (l - 2 * u[i] + rr) * k + u[i] * (1 - u[i]);
  }
  return r;
}
/** Its tridiagonal Jacobian by hand, CSR order (row by row): the floor. */
export function diffusionJac(u) {
  const n = u.length, h = 1 / (n + 1), k = 1 / (h * h), v = new Float64Array(3 * n - 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) v[p++] = k;
    v[p++] = -2 * k + 1 - 2 * u[i];
    if (i < n - 1) v[p++] = k;
  }
  return v;
}
/** Rosenbrock's tridiagonal Hessian by hand, CSR order: the floor. */
export function rosenHess(x) {
  const n = x.length, v = new Float64Array(3 * n - 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) v[p++] = -400 * x[i - 1];
    v[p++] = (i < n - 1 ? 1200 * x[i] * x[i] - 400 * x[i + 1] + 2 : 0) + (i > 0 ? 200 : 0);
    if (i < n - 1) v[p++] = -400 * x[i];
  }
  return v;
}

/** Taylor mode: t(x) = sin(x)·e^(x/3)/(1 + x²) at x = 0.7, and its derivatives to order 8. */
export const TM = { x: 0.7, order: 8 };
export function tmf(x) {
  return (Math.sin(x) * Math.exp(x / 3)) / (1 + x * x);
}
/** [t, t′, …, t⁽ᴷ⁾](x) by hand-written Taylor arithmetic on numbers (normalized coefficients): the floor. */
export function tmDerivatives(x, K) {
  const s = [Math.sin(x)], c = [Math.cos(x)], e = [Math.exp(x / 3)];
  for (let k = 1; k <= K; k++) {
    // x(t) = x + t: sin' = cos, cos' = −sin, (e^(x/3))' = e/3
    s.push(c[k - 1] / k);
    c.push(-s[k - 1] / k);
    e.push(e[k - 1] / (3 * k));
  }
  const num = [], d = [1 + x * x, 2 * x, 1], q = [];
  for (let k = 0; k <= K; k++) {
    let v = 0;
    for (let j = 0; j <= k; j++) v += s[j] * e[k - j];
    num.push(v);
  }
  for (let k = 0; k <= K; k++) {
    let v = num[k];
    for (let j = 1; j <= Math.min(k, 2); j++) v -= d[j] * q[k - j];
    q.push(v / d[0]);
  }
  let f = 1;
  return q.map((v, k) => (k === 0 ? v : v * (f *= k)));
}

export function sumOf(a) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

// ---------------------------------------------------------------- yardsticks and measures

/** The plain-JS f of each workload: [label, one call, its checksum]. */
export const YARDSTICKS = {
  W1: { label: "f(2,5)", run: () => w1f(W1X[0], W1X[1]) },
  "W2.1e3": { label: "rosenbrock n=1e3", run: () => rosen(data("W2.1e3")) },
  "W2.1e5": { label: "rosenbrock n=1e5", run: () => rosen(data("W2.1e5")) },
  W3: { label: "MLP forward f32", run: () => mlpForward(data("W3")).loss },
  "W5.fa": { label: "fa", run: () => w5fa(data("W5.x")) },
  "W5.fb": { label: "fb", run: () => w5fb(W5X) },
  "SP.diffusion": { label: "diffusion residual n=1e4", run: () => diffusion(data("SP.u"))[0] },
  TM: { label: "t(0.7)", run: () => tmf(TMX[0]) },
  // A call takes about half a second: 5 samples, each one call.
  W7: { label: "W7 recurrence T=1e5", run: () => w7f(data("W7")), long: true },
};

/** Σ_{k=0..8} t⁽ᵏ⁾(0.7), by the hand-written Taylor arithmetic. */
const TM_SUM = sumOf(tmDerivatives(TM.x, TM.order));

const rel = (max) => ({ kind: "ratio", max, text: `≤ ${max}× f` });
/** A ratio target judged on the compiled row (the goal is about the compiled call). */
const relCompiled = (max) => ({ ...rel(max), system: "wengert compiled" });

/**
 * Every row the table can show. `yard`: the plain-JS f its ratio is taken against;
 * `expect`: the checksum (numbers; "yard" = the yardstick's own value); `mode`: the
 * Jacobian mode w.jacobian must pick; `target`: wengert's goal for the row (judged on the `wengert`
 * row, or on the row of `target.system`).
 */
export const MEASURES = [
  { id: "W1.f", yard: "W1", text: "W1 f(2,5)", expect: [11.652071455223084] },
  { id: "W1.grad", yard: "W1", text: "W1 grad", expect: [5.5, 1.7163378145367738], target: { kind: "abs", max: 2e-6, text: "≤ 2 µs" } },
  { id: "W2.scalar.1e3.grad", yard: "W2.1e3", text: "W2 scalar n=1e3 grad", expect: [67760], target: rel(200) },
  { id: "W2.scalar.1e5.grad", yard: "W2.1e5", text: "W2 scalar n=1e5 grad", expect: [6819560] },
  { id: "W2.array.1e3.grad", yard: "W2.1e3", text: "W2 array n=1e3 grad", expect: [67760] },
  { id: "W2.array.1e5.f", yard: "W2.1e5", text: "W2 array n=1e5 f", expect: [25409516] },
  // The sum of the dense Hessian's entries is sum(H·ones): sum(rosenHvp(x, ones)).
  { id: "W2.array.1e3.hessian", yard: "W2.1e3", text: "W2 array n=1e3 dense hessian", expect: [1784918] },
  { id: "W2.array.1e5.grad", yard: "W2.1e5", text: "W2 array n=1e5 grad", expect: [6819560], target: rel(4) },
  { id: "W3.forward", yard: "W3", text: "W3 MLP forward", expect: "yard" },
  {
    id: "W3.step",
    yard: "W3",
    text: "W3 MLP value+grad step",
    expect: "yard",
    target: { kind: "peer", peer: "tfjs-wasm", max: 2, text: "≤ 2× tfjs-wasm" },
  },
  { id: "W5.fa.jacfwd", yard: "W5.fa", text: "W5 fa jacfwd", expect: [842.4626635] },
  { id: "W5.fa.jacrev", yard: "W5.fa", text: "W5 fa jacrev", expect: [842.4626635] },
  {
    id: "W5.fa.jacobian",
    yard: "W5.fa",
    text: "W5 fa jacobian (auto)",
    expect: [842.4626635],
    mode: "reverse",
    target: { kind: "mode", text: "reverse, sum ok" },
  },
  { id: "W5.fb.jacfwd", yard: "W5.fb", text: "W5 fb jacfwd", expect: [-996.1120291] },
  { id: "W5.fb.jacrev", yard: "W5.fb", text: "W5 fb jacrev", expect: [-996.1120291] },
  {
    id: "W5.fb.jacobian",
    yard: "W5.fb",
    text: "W5 fb jacobian (auto)",
    expect: [-996.1120291],
    mode: "forward",
    target: { kind: "mode", text: "forward, sum ok" },
  },
  { id: "W6.hvp", yard: "W2.1e5", text: "W6 hvp n=1e5", expect: [178598918, 1810, 1962], target: rel(10) },
  // Sparse derivatives by coloring (#13): checksums Σ entries; Σ of W2's Hessian is W6's Σ H·1.
  { id: "SP.tridiag.jacobian", yard: "SP.diffusion", text: "sparse Jacobian, tridiagonal n=1e4 (3 colors)", expect: [-2 * 10001 ** 2], target: rel(20) },
  { id: "SP.rosen.hessian", yard: "W2.1e5", text: "sparse Hessian, W2 n=1e5 (3 colors)", expect: [178598918], target: rel(30) },
  // Taylor mode (#13): [t, t′, …, t⁽⁸⁾] at 0.7; checksum Σ of the nine.
  { id: "TM.derivatives8", yard: "TM", text: "derivatives to order 8, scalar", expect: [TM_SUM] },
  // Loops: W2 written as one structured loop (scan over the pairs (x_i, x_{i+1}), or foriLoop).
  { id: "W2.loop.1e3.grad", yard: "W2.1e3", text: "W2 loop n=1e3 grad", expect: [67760], target: relCompiled(3) },
  { id: "W2.loop.1e5.grad", yard: "W2.1e5", text: "W2 loop n=1e5 grad", expect: [6819560], target: relCompiled(3) },
  // Plain JavaScript through fromJS (#11): the yardsticks' own functions (w1f, rosen) as written,
  // W2 called with a Float64Array as the yardstick is (its gradient comes back as one).
  { id: "W1.plainjs.grad", yard: "W1", text: "W1 grad, plain JS (fromJS)", expect: [5.5, 1.7163378145367738], target: { kind: "abs", max: 2e-6, text: "eager ≤ 2 µs; compiled ≤ 2× W1 grad compiled" } },
  { id: "W2.plainjs.1e3.grad", yard: "W2.1e3", text: "W2 plain JS n=1e3 grad (fromJS)", expect: [67760], target: relCompiled(2.5) },
  { id: "W2.plainjs.1e5.grad", yard: "W2.1e5", text: "W2 plain JS n=1e5 grad (fromJS)", expect: [6819560], target: relCompiled(2.5) },
  // W7's rows each run in a process of their own (`isolate`), so that their RSS growth is theirs.
  // Checksums: Σ grad (the gradient's diagonal sum); Σ x_T = 314.0658501224194.
  { id: "W7.grad.native", yard: "W7", text: "W7 grad, native loop", expect: [2.9707282777381097], isolate: true, systems: ["js", "wengert"] },
  { id: "W7.grad.scan", yard: "W7", text: "W7 grad, scan", expect: [2.9707282777381097], isolate: true, systems: ["js", "wengert"] },
  {
    id: "W7.grad.binomial",
    yard: "W7",
    text: "W7 grad, scan + binomial checkpoints",
    expect: [2.9707282777381097],
    isolate: true,
    systems: ["js", "wengert"],
    target: { kind: "memory", text: "eager ≤ 15× f, compiled ≤ 5× f; RSS ≤ +10 MB", eager: 15, compiled: 5, mb: 10 },
  },
];

// Matrix products (#15): no yardstick (GFLOP/s is the figure); the checksum is Σ C.
for (const dtype of ["float32", "float64"]) {
  for (const n of MM_SIZES) {
    const m = { id: `MM.${dtype === "float32" ? "f32" : "f64"}.${n}`, text: `matmul ${n}³ ${dtype}`, flops: 2 * n ** 3, dtype, n };
    Object.defineProperty(m, "expect", { get: () => [mmChecksum(n, dtype)], enumerable: true });
    if (dtype === "float32" && n === 256) m.target = { kind: "gflops", text: "≥ 20 GFLOP/s on 2 threads, ≥ 10 on 1", min: { "": 20, "1 thread": 10 } };
    MEASURES.push(m);
  }
}

/** PyTorch on W7 (quoted from issue #10, not run here): the anchor for the loop rows. */
export const W7_PYTORCH = [
  { text: "PyTorch, autograd through a Python loop", ratio: 8.9, rssMB: 388 },
  { text: "PyTorch, torch.utils.checkpoint", ratio: 5.3, rssMB: 8 },
];

/** Measures selected by command-line filters ("W2", "W5.fb", "W2.array"): prefix matches on ids. */
export function selectMeasures(filters) {
  return MEASURES.filter((m) => filters.length === 0 || filters.some((f) => m.id.startsWith(f)));
}
