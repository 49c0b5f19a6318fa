// wengert, from the root package's build (../dist).
import * as w from "../../dist/index.js";
import { eachSize, syncCase as sync } from "../lib/cases.mjs";
import { data, MLP, MM_SIZES, rosen, SP, sumOf, TM, TMX, w1f, W1X, W5N, W5X, W7 } from "../lib/workloads.mjs";

const sumData = (a) => sumOf(a.data);

// A compiled variant: the first call (tracing, optimizing, generating JS) is timed here and
// reported in the note with the size of the generated program; the case times later calls.
function compiled(cf, args, check, extra = "") {
  const t0 = performance.now();
  cf(...args);
  const ms = performance.now() - t0;
  const st = cf.lastCompiled.stats;
  const kib = st.sourceChars / 1024;
  const note = `w.compile: compile ${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms, ${st.lines} lines (${st.traced} traced), ${kib < 10 ? kib.toFixed(1) : kib.toFixed(0)} KiB JS${st.chunks > 1 ? ` in ${st.chunks} functions` : ""}${extra}`;
  return { ...sync(() => cf(...args), check, note), variant: "compiled", compileMs: ms };
}

/** A sparse derivative's case: its first call (detection, coloring, compile) reported in the note, later calls timed. */
function sparseCase(sf, x) {
  const t0 = performance.now();
  const first = sf(x);
  const ms = performance.now() - t0;
  const note = `first call ${ms.toFixed(0)} ms (detect, color, compile); ${first.colors} colors, ${first.mode}, nnz ${first.nnz}`;
  return sync(() => sf(x), (m) => [sumOf(m.values)], note);
}

// W1: the survey's example, one library op per operation.
const w1 = (x1, x2) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));

// W2 scalar style: x is a number[], one library op per scalar op.
function rosenScalar(x) {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) {
    s = w.add(s, w.add(w.mul(100, w.square(w.sub(x[i + 1], w.square(x[i])))), w.square(w.sub(1, x[i]))));
  }
  return s;
}

// W2 array style: slices of one NDArray.
function rosenArray(x) {
  const n = x.shape[0];
  const head = w.slice(x, [0], [n - 1]),
    tail = w.slice(x, [1]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(tail, w.square(head)))), w.square(w.sub(1, head))));
}

// W2 as one structured loop: scan over the pairs (x_i, x_{i+1}) — slices of a 1-D array are
// numbers per step — or foriLoop over the indices.
function rosenScan(x) {
  const n = x.shape[0];
  const step = (s, [a, b]) => [w.add(s, w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)))), null];
  return w.scan(step, 0, [w.slice(x, [0], [n - 1]), w.slice(x, [1])])[0];
}

// W7: x_{t+1} = x_t + h·sin(x_t) for T steps, loss Σ x_T; a native loop (unrolled on the tape) or one scan line.
const w7step = (x) => w.add(x, w.mul(W7.h, w.sin(x)));
function w7native(x) {
  for (let t = 0; t < W7.T; t++) x = w7step(x);
  return w.sum(x);
}
const w7scan = (opts) => (x) => w.sum(w.scan((c) => [w7step(c), null], x, null, { length: W7.T, ...opts })[0]);

/** Eager and compiled variants of a W7 gradient, each built lazily in its own process. */
function w7cases(f, note) {
  const x = () => w.array(data("W7"));
  const check = (g) => [sumData(g)];
  const eager = () => {
    const g = w.grad(f),
      x0 = x();
    return { ...sync(() => g(x0), check, note), long: true };
  };
  const compiledCase = () => ({ ...compiled(w.compile(w.grad(f)), [x()], check, note ? `, ${note}` : ""), long: true });
  return [
    { variant: undefined, build: eager },
    { variant: "compiled", build: compiledCase },
  ];
}

const hasLoops = typeof w.scan === "function";
const noLoops = { na: "this build of wengert has no w.scan" };

// W3: params [W1, b1, W2, b2]; X and the one-hot labels are constants.
function mlpSetup() {
  const d = data("W3"),
    { batch, nIn, nHid, nOut } = MLP;
  const f32 = (a, shape) => w.array(a, { dtype: "float32", shape });
  const params = [f32(d.W1, [nIn, nHid]), f32(d.b1, [nHid]), f32(d.W2, [nHid, nOut]), f32(d.b2, [nOut])];
  const X = f32(d.X, [batch, nIn]),
    Y = f32(d.onehot, [batch, nOut]);
  const loss = (W1, b1, W2, b2) => {
    const h = w.relu(w.add(w.matmul(X, W1), b1));
    const logits = w.add(w.matmul(h, W2), b2);
    return w.neg(w.mean(w.sum(w.mul(w.logSoftmax(logits), Y), 1)));
  };
  return { params, loss };
}

// W5: fa(x) = Σ sin(x_i) x_{i+1 mod n} (the roll by concat of slices); fb(x)_j = sin((j+1)x)·x.
const fa = (x) => w.sum(w.mul(w.sin(x), w.concat([w.slice(x, [1]), w.slice(x, [0], [1])])));
const js = w.arange(1, W5N + 1);
const fb = (x) => w.mul(w.sin(w.mul(js, x)), x);

function jacCase(transform, f, arg, opts) {
  const jf = transform(f, opts);
  return sync(
    () => jf(arg()),
    (J) => ({ values: [typeof J === "number" ? J : sumData(J)], mode: jf.lastMode }),
  );
}
/** The batched Jacobian (structured basis), and beside it the same pass on dense batches. */
const jacCases = (transform, f, arg) => [jacCase(transform, f, arg), { ...jacCase(transform, f, arg, { structured: false }), variant: "dense", note: "structured: false (dense [n, n] batches)" }];
const faArg = () => w.array(data("W5.x"));
const fbArg = () => W5X;

/** The default thread count of the kernels (the cores, at most 4). */
let DEFAULT_THREADS = 1;
/**
 * A variant built (and timed) with the kernels on `threads` threads: built lazily, right before
 * it is measured, so that the setting holds for its whole timing. `variant` undefined: the default.
 */
const threaded = (threads, variant, make) => ({
  variant,
  build: () => {
    w.setKernelOptions({ threads });
    const c = make();
    return { ...c, note: [c.note, `${threads} thread${threads > 1 ? "s" : ""}`].filter(Boolean).join("; ") };
  },
});
const byThreads = (make) => [threaded(DEFAULT_THREADS, undefined, make), ...(DEFAULT_THREADS > 1 ? [threaded(1, "1 thread", make)] : [])];

function mmCases() {
  const out = {};
  for (const dtype of ["float32", "float64"]) {
    for (const n of MM_SIZES) {
      out[`MM.${dtype === "float32" ? "f32" : "f64"}.${n}`] = () => {
        const { A, B } = data(`MM.${n}`);
        const a = w.array(A, { dtype, shape: [n, n] }), b = w.array(B, { dtype, shape: [n, n] });
        return byThreads(() => sync(() => w.matmul(a, b), (c) => [sumData(c)]));
      };
    }
  }
  return out;
}

export async function create() {
  const info = await w.kernelsReady();
  DEFAULT_THREADS = info.options.threads;
  if (!info.wasm) process.stderr.write(`wengert: WebAssembly kernels unavailable: ${info.reason}\n`);
  return {
    name: "wengert",
    dtype: "float64",
    cases: {
      "W1.f": () =>
        sync(
          () => w1(W1X[0], W1X[1]),
          (y) => [y],
        ),
      "W1.grad": () => {
        const g = w.grad(w1, { argnums: [0, 1] });
        return [
          sync(
            () => g(W1X[0], W1X[1]),
            (r) => r,
          ),
          compiled(w.compile(g), [W1X[0], W1X[1]], (r) => r),
        ];
      },
      ...eachSize("W2.scalar.{n}.grad", (n) => {
        const x = Array.from(data(`W2.${n}`)),
          g = w.grad(rosenScalar);
        return [sync(
          () => g(x),
          (r) => [sumOf(r)],
          "x: number[]",
        ), compiled(w.compile(g), [x], (r) => [sumOf(r)], ", x: number[]")];
      }),
      ...eachSize("W2.array.{n}.grad", (n) => {
        const x = w.array(data(`W2.${n}`)),
          g = w.grad(rosenArray);
        return [sync(
          () => g(x),
          (r) => [sumData(r)],
        ), compiled(w.compile(g), [x], (r) => [sumData(r)])];
      }),
      "W2.array.1e3.hessian": () => {
        const x = w.array(data("W2.1e3"));
        const h = w.hessian(rosenArray), hd = w.hessian(rosenArray, { structured: false });
        return [
          sync(() => h(x), (H) => [sumData(H)], "dense [n, n] result; the basis structured (tridiagonal rows)"),
          { ...sync(() => hd(x), (H) => [sumData(H)], "structured: false (dense [n, n] batches)"), variant: "dense" },
        ];
      },
      "W2.array.1e5.f": () => {
        const x = w.array(data("W2.1e5"));
        return sync(
          () => rosenArray(x),
          (y) => [y.item()],
        );
      },
      "W3.forward": () => {
        const { params, loss } = mlpSetup();
        return byThreads(() => sync(
          () => loss(...params),
          (y) => [y.item()],
        ));
      },
      "W3.step": () => {
        const { params, loss } = mlpSetup();
        const vg = w.valueAndGrad(loss, { argnums: [0, 1, 2, 3] });
        return [
          ...byThreads(() => sync(
            () => vg(...params),
            ([y]) => [y.item()],
            "valueAndGrad, argnums [0,1,2,3]",
          )),
          {
            variant: "compiled",
            build: () => {
              w.setKernelOptions({ threads: DEFAULT_THREADS });
              return compiled(w.compile(vg), params, ([y]) => [y.item()], `; ${DEFAULT_THREADS} threads`);
            },
          },
        ];
      },
      ...mmCases(),
      "W5.fa.jacfwd": () => jacCases(w.jacfwd, fa, faArg),
      "W5.fa.jacrev": () => jacCase(w.jacrev, fa, faArg),
      "W5.fa.jacobian": () => jacCase(w.jacobian, fa, faArg),
      "W5.fb.jacfwd": () => jacCase(w.jacfwd, fb, fbArg),
      "W5.fb.jacrev": () => jacCases(w.jacrev, fb, fbArg),
      "W5.fb.jacobian": () => jacCase(w.jacobian, fb, fbArg),
      ...eachSize("W2.loop.{n}.grad", (n) => {
        if (!hasLoops) return noLoops;
        const x = w.array(data(`W2.${n}`)),
          g = w.grad(rosenScan);
        return [sync(() => g(x), (r) => [sumData(r)], "scan over (x_i, x_{i+1})"), compiled(w.compile(g), [x], (r) => [sumData(r)], ", scan over (x_i, x_{i+1})")];
      }),
      // fromJS: the yardsticks' plain functions, rewritten from their source.
      "W1.plainjs.grad": () => {
        if (typeof w.fromJS !== "function") return { na: "this build of wengert has no w.fromJS" };
        const g = w.grad(w.fromJS(w1f), { argnums: [0, 1] });
        return [sync(() => g(W1X[0], W1X[1]), (r) => r, "fromJS(w1f)"), compiled(w.compile(g), [W1X[0], W1X[1]], (r) => r, ", fromJS(w1f)")];
      },
      ...eachSize("W2.plainjs.{n}.grad", (n) => {
        if (typeof w.fromJS !== "function") return { na: "this build of wengert has no w.fromJS" };
        const f = w.fromJS(rosen), g = w.grad(f);
        const x = Float64Array.from(data(`W2.${n}`)), xs = Array.from(x);
        const cases = [
          sync(() => g(x), (r) => [sumOf(r)], "fromJS(rosen), x: Float64Array"),
          { ...sync(() => g(xs), (r) => [sumOf(r)], "fromJS(rosen), x: number[]"), variant: "number[]" },
        ];
        // The loop is one scan line (fromJS's structured loops), so compile time does not grow with n.
        cases.push(compiled(w.compile(g), [x], (r) => [sumOf(r)], ", fromJS(rosen), x: Float64Array"));
        return cases;
      }),
      "W7.grad.native": () => w7cases(w7native, "native loop: every step unrolled on the tape"),
      "W7.grad.scan": () => (hasLoops ? w7cases(w7scan({}), "scan: one line, T carries stored") : noLoops),
      "W7.grad.binomial": () => (hasLoops ? w7cases(w7scan({ checkpoints: "binomial" }), 'scan, checkpoints: "binomial"') : noLoops),
      // Sparse derivatives: the first call detects the pattern, colors it and compiles the products (timed in the note).
      "SP.tridiag.jacobian": () => {
        if (typeof w.sparseJacobian !== "function") return { na: "this build of wengert has no w.sparseJacobian" };
        const n = SP.n, h = 1 / (n + 1);
        const resid = (u) => {
          const up = w.pad(u, [[1, 1]]);
          return w.add(w.div(w.add(w.sub(w.slice(up, [0], [n]), w.mul(2, u)), w.slice(up, [2])), h * h), w.mul(u, w.sub(1, u)));
        };
        return sparseCase(w.sparseJacobian(resid), w.array(data("SP.u")));
      },
      "SP.rosen.hessian": () => {
        if (typeof w.sparseHessian !== "function") return { na: "this build of wengert has no w.sparseHessian" };
        return sparseCase(w.sparseHessian(rosenArray), w.array(data("W2.1e5")));
      },
      "TM.derivatives8": () => {
        if (typeof w.derivatives !== "function") return { na: "this build of wengert has no w.derivatives" };
        const t = (x) => w.div(w.mul(w.sin(x), w.exp(w.div(x, 3))), w.add(1, w.square(x)));
        const nested = (k) => (k === 0 ? t : ((g) => (x) => w.jvp(g, [x], [1])[1])(nested(k - 1)));
        const byJvp = Array.from({ length: TM.order + 1 }, (_, k) => nested(k));
        const check = (d) => [sumOf(d)];
        return [
          sync(() => w.derivatives(t, TMX[0], TM.order), check, "jet: one pass of 8-term series"),
          { ...sync(() => byJvp.map((g) => g(TMX[0])), check, "nested jvp: t, jvp(t), jvp(jvp(t)), … to order 8"), variant: "nested jvp" },
          { ...compiled(w.compile((x) => w.derivatives(t, x, TM.order)), [TMX[0]], check, ", jet"), variant: "jet compiled" },
        ];
      },
      "W6.hvp": () => {
        const x = w.array(data("W2.1e5")),
          v = w.ones([x.shape[0]]);
        const check = (h) => [sumData(h), h.data[0], h.data[1]];
        return [sync(() => w.hvp(rosenArray, x, v), check), compiled(w.compile((x, v) => w.hvp(rosenArray, x, v)), [x, v], check)];
      },
    },
  };
}
