// Every transform over every loop form: scan (plain and checkpointed), foriLoop, whileLoop (a JS
// counter, an array counter, online checkpoints) and checkpoint, each against the same five
// steps written as a native loop (traced and unrolled), in float64 and float32.

import { test } from "node:test";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose, property, randArray, Rng } from "./helpers/check.js";
import { randomProgram } from "./helpers/random-program.js";

type F = (x: NDArray) => NDArray;
const STEPS = 5;
const body = (c: NDArray, x: NDArray): NDArray => w.add(w.mul(c, 0.9), w.mul(0.1, w.sin(w.mul(c, x))));
const counted = (c: [NDArray, NDArray], x: NDArray): [NDArray, NDArray] => [w.add(c[0], 1), body(c[1], x)];

const LOOPS: Record<string, F> = {
  "scan": (x) => w.scan((c: NDArray, _: null) => [body(c, x), null], x, null, { length: STEPS })[0] as NDArray,
  "scan with checkpoints": (x) => w.scan((c: NDArray, _: null) => [body(c, x), null], x, null, { length: STEPS, checkpoints: 2 })[0] as NDArray,
  "foriLoop": (x) => w.foriLoop(0, STEPS, (_i: number, c: NDArray) => body(c, x), x) as NDArray,
  "whileLoop, JS counter": (x) => (w.whileLoop((c: [number, NDArray]) => c[0] < STEPS, (c: [number, NDArray]) => [c[0] + 1, body(c[1], x)] as [number, NDArray], [0, x] as [number, NDArray]) as [number, NDArray])[1],
  "whileLoop, array counter": (x) => (w.whileLoop((c: [NDArray, NDArray]) => w.less(c[0], STEPS), (c: [NDArray, NDArray]) => counted(c, x), [w.array(0), x] as [NDArray, NDArray]) as [NDArray, NDArray])[1],
  "whileLoop with checkpoints": (x) => (w.whileLoop((c: [NDArray, NDArray]) => w.less(c[0], STEPS), (c: [NDArray, NDArray]) => counted(c, x), [w.array(0), x] as [NDArray, NDArray], { checkpoints: 2 }) as [NDArray, NDArray])[1],
  "checkpoint": (x) => w.checkpoint((y: NDArray) => { let c = y; for (let i = 0; i < STEPS; i++) c = body(c, x); return c; })(x) as NDArray,
};
const native: F = (x) => { let c = x; for (let i = 0; i < STEPS; i++) c = body(c, x); return c; };

const loss = (f: F) => (x: NDArray): NDArray => w.sum(w.sin(f(x)));
const TRANSFORMS: Record<string, (f: F, x: NDArray, xs: NDArray, v: NDArray) => unknown> = {
  "value": (f, x) => f(x),
  "grad": (f, x) => w.grad(loss(f))(x),
  "jvp": (f, x, _, v) => w.jvp(f, [x], [v])[1],
  "vjp": (f, x, _, v) => w.vjp(f, x)[1](v),
  "hessian": (f, x) => w.hessian(loss(f))(x),
  "hvp": (f, x, _, v) => w.hvp(loss(f), x, v),
  "jacfwd": (f, x) => w.jacfwd(f)(x),
  "jacrev": (f, x) => w.jacrev(f)(x),
  "vmap": (f, _, xs) => w.vmap(f)(xs),
  "vmap(grad)": (f, _, xs) => w.vmap(w.grad(loss(f)))(xs),
  "grad(vmap)": (f, _, xs) => w.grad((b: NDArray) => w.sum(w.vmap(loss(f))(b)))(xs),
  "compile(grad)": (f, x) => w.compile(w.grad(loss(f)))(x),
  "compile(hessian)": (f, x) => w.compile(w.hessian(loss(f)))(x),
  "compile(vmap(grad))": (f, _, xs) => w.compile(w.vmap(w.grad(loss(f))))(xs),
  "jet": (f, x, _, v) => w.jet(loss(f), [x], [[v, v, v]])[1],
  "sparseJacobian": (f, x) => w.sparseJacobian(f)(x).toDense(),
  "sparseHessian": (f, x) => w.sparseHessian(loss(f))(x).toDense(),
  "third derivative": (f, x) => {
    const along = (u: number): number => w.toScalar(w.sum(w.sin(f(w.mul(x, u)))));
    return w.grad(w.grad(w.grad(along) as (u: number) => number) as (u: number) => number)(0.7);
  },
};

for (const dtype of ["float64", "float32"] as const) {
  const x = w.array([0.3, -0.8, 1.1], { dtype });
  const xs = w.array([[0.3, -0.8, 1.1], [0.5, 0.2, -0.4]], { dtype });
  const v = w.array([1, 0.5, -2], { dtype });
  const tol = dtype === "float32" ? { rtol: 2e-5, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-13 };
  for (const [tn, t] of Object.entries(TRANSFORMS)) {
    test(`${tn} over every loop form equals the native loop (${dtype})`, () => {
      const want = t(native, x, xs, v);
      for (const [ln, f] of Object.entries(LOOPS)) assertClose(t(f, x, xs, v), want, tol, `${tn} of ${ln} (${dtype})`);
    });
  }
}

test("random bodies: every loop form's grad, jvp, vmap(grad) and jacrev equal the native loop's", () => {
  property((r: Rng) => {
    const g = randomProgram(r, 3);
    const s = r.uniform(-1, 1);
    // A bounded step of the carry, shaped by the random program (a number or a 0-d array).
    const step = (c: NDArray, x: NDArray): NDArray => w.tanh(w.add(w.mul(c, 0.8), w.mul(0.2, w.mul(x, g(c, s)))));
    const dtype = r.bool() ? "float64" : "float32";
    const x = randArray([3], () => r.uniform(-1, 1), dtype), xs = randArray([2, 3], () => r.uniform(-1, 1), dtype), v = randArray([3], () => r.uniform(-1, 1), dtype);
    const n = r.int(0, 4);
    const forms: Record<string, F> = {
      native: (y) => { let c = y; for (let i = 0; i < n; i++) c = step(c, y); return c; },
      scan: (y) => w.scan((c: NDArray, _: null) => [step(c, y), null], y, null, { length: n, checkpoints: r.bool() ? 2 : undefined })[0] as NDArray,
      whileLoop: (y) => (w.whileLoop((c: [NDArray, NDArray]) => w.less(c[0], n), (c: [NDArray, NDArray]) => [w.add(c[0], 1), step(c[1], y)] as [NDArray, NDArray], [w.array(0), y] as [NDArray, NDArray], { checkpoints: r.bool() ? 2 : undefined }) as [NDArray, NDArray])[1],
      checkpoint: (y) => w.checkpoint((z: NDArray) => { let c = z; for (let i = 0; i < n; i++) c = step(c, y); return c; })(y) as NDArray,
    };
    const tol = dtype === "float32" ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-10, atol: 1e-12 };
    for (const tn of ["grad", "jvp", "vmap(grad)", "jacrev"]) {
      const t = TRANSFORMS[tn]!;
      const want = t(forms.native!, x, xs, v);
      for (const [ln, f] of Object.entries(forms)) if (ln !== "native") assertClose(t(f, x, xs, v), want, tol, `${tn} of ${ln}, ${n} steps, body ${g.text} (${dtype})`);
    }
  }, 40);
});
