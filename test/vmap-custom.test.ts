// customVjp and customJvp under vmap: the user's rule runs once on the batch and stays the rule
// for the transforms on either side (vmap(grad(f)), grad(vmap(f)), jvp(vmap(f)), vmap(jvp(f))),
// equal to the examples one by one. The rules below are deliberately not f's true derivatives
// (factors 2 and 3), so a transform that differentiated f instead of using the rule would fail.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, randArray, Rng } from "./helpers/check.js";
import { perExample } from "./helpers/vmap-loop.js";

const DTYPES = ["float64", "float32"] as const;
const tol = (d: string) => ({ rtol: d === "float32" ? 1e-5 : 1e-12 });

function vjpFn(calls: { fwd: number; bwd: number }) {
  return w.customVjp(
    (x: NDArray, s: NDArray) => w.mul(s, w.sin(x)),
    (x: NDArray, s: NDArray) => { calls.fwd++; return [w.mul(s, w.sin(x)), [x, s]] as [NDArray, NDArray[]]; },
    ([x, s]: NDArray[], g: NDArray) => { calls.bwd++; return [w.mul(w.mul(g, s), w.mul(2, w.cos(x!))), w.mul(w.mul(g, w.sin(x!)), 3)]; },
  );
}

const jvpFn = w.customJvp(
  (x: NDArray, s: NDArray) => w.mul(s, w.sin(x)),
  ([x, s]: [NDArray, NDArray], [tx, ts]: [NDArray, NDArray]) => [w.mul(s, w.sin(x)), w.add(w.mul(w.mul(tx, s), w.mul(2, w.cos(x))), w.mul(w.mul(ts, w.sin(x)), 3))],
);

/** The rule's own derivatives, written out: what every transform must give. */
const dx = (x: NDArray, s: NDArray, g: NDArray) => w.mul(w.mul(g, s), w.mul(2, w.cos(x)));
const ds = (x: NDArray, g: NDArray) => w.mul(w.mul(g, w.sin(x)), 3);

test("customVjp under vmap: the rule runs once on the batch, in every order with grad, the shared argument's cotangent summed", () => {
  const r = new Rng(21);
  for (const dtype of DTYPES) {
    const B = 4;
    const X = randArray([B, 3], () => r.uniform(-1, 1), dtype), s = randArray([3], () => r.uniform(0.5, 1.5), dtype);
    const calls = { fwd: 0, bwd: 0 };
    const f = vjpFn(calls);
    assertClose(w.vmap(f, { inAxes: [0, null] })(X, s), w.mul(s, w.sin(X)), tol(dtype), "value");
    // Per-example gradients: vmap(grad(f)).
    const loss = (x: NDArray, q: NDArray) => w.sum(f(x, q));
    const per = w.vmap(w.grad(loss, { argnums: [0, 1] }), { inAxes: [0, null] })(X, s) as NDArray[];
    assertClose(per[0]!, perExample((x: NDArray) => (w.grad(loss)(x, s) as NDArray), [X], [0], B), tol(dtype), "vmap(grad) x");
    assertClose(per[1]!, perExample((x: NDArray) => (w.grad(loss, { argnums: 1 })(x, s) as NDArray), [X], [0], B), tol(dtype), "vmap(grad) s");
    assertClose(per[0]!, dx(X, s, w.ones(X.shape, X.dtype)), tol(dtype), "the rule's x cotangent");
    // grad(vmap(f)): the batched rule below vmap, the shared s's cotangent summed over examples.
    calls.fwd = calls.bwd = 0;
    const G = randArray([B, 3], () => r.uniform(-1, 1), dtype);
    const [gX, gs] = w.grad((x: NDArray, q: NDArray) => w.sum(w.mul(G, w.vmap(f, { inAxes: [0, null] })(x, q))), { argnums: [0, 1] })(X, s) as NDArray[];
    assert.deepEqual(calls, { fwd: 1, bwd: 1 }, "fwd and bwd run once, on the batch");
    assertClose(gX!, dx(X, s, G), tol(dtype), "grad(vmap) x");
    assertClose(gs!, w.sum(ds(X, G), 0), tol(dtype), "grad(vmap) s, summed over the batch");
    // Batched s too, along axis 1, and the output's batch axis moved.
    const S = randArray([3, B], () => r.uniform(0.5, 1.5), dtype);
    const gS = w.grad((q: NDArray) => w.sum(w.mul(w.transpose(G), w.vmap(f, { inAxes: [0, 1], outAxes: 1 })(X, q))))(S) as NDArray;
    assertClose(gS, w.transpose(ds(X, G)), tol(dtype), "grad(vmap) of a batched s");
    // Compiled, both ways round.
    assertClose(w.compile(w.vmap(w.grad(loss), { inAxes: [0, null] }))(X, s), per[0]!, tol(dtype), "compile(vmap(grad))");
    assertClose(w.vmap(w.compile(w.grad(loss)), { inAxes: [0, null] })(X, s), per[0]!, tol(dtype), "vmap(compile(grad))");
  }
});

test("customJvp under vmap: the rule batched for jvp and grad on either side of vmap", () => {
  const r = new Rng(22);
  for (const dtype of DTYPES) {
    const B = 3;
    const X = randArray([B, 2], () => r.uniform(-1, 1), dtype), s = randArray([2], () => r.uniform(0.5, 1.5), dtype);
    const T = randArray([B, 2], () => r.uniform(-1, 1), dtype), ts = randArray([2], () => r.uniform(-1, 1), dtype);
    const want = w.add(dx(X, s, T), ds(X, ts));
    const vf = w.vmap(jvpFn, { inAxes: [0, null] });
    assertClose(vf(X, s), w.mul(s, w.sin(X)), tol(dtype), "value");
    assertClose(w.jvp(vf, [X, s], [T, ts])[1], want, tol(dtype), "jvp(vmap)");
    assertClose(w.vmap((x: NDArray, t: NDArray) => w.jvp(jvpFn, [x, s], [t, ts])[1])(X, T), want, tol(dtype), "vmap(jvp)");
    const loss = (x: NDArray, q: NDArray) => w.sum(jvpFn(x, q));
    assertClose(w.vmap(w.grad(loss), { inAxes: [0, null] })(X, s), dx(X, s, w.ones(X.shape, X.dtype)), tol(dtype), "vmap(grad)");
    const [gX, gs] = w.grad((x: NDArray, q: NDArray) => w.sum(vf(x, q)), { argnums: [0, 1] })(X, s) as NDArray[];
    assertClose(gX!, dx(X, s, w.ones(X.shape, X.dtype)), tol(dtype), "grad(vmap) x");
    assertClose(gs!, w.sum(ds(X, w.ones(X.shape, X.dtype)), 0), tol(dtype), "grad(vmap) s");
    assertClose(w.jacfwd((x: NDArray) => w.sum(vf(x, s), 1))(X), w.jacrev((x: NDArray) => w.sum(vf(x, s), 1))(X), tol(dtype), "jacfwd vs jacrev of vmap");
  }
});

test("custom rules under nested vmap, and a rule closing over a batched value is a typed error", () => {
  const calls = { fwd: 0, bwd: 0 };
  const f = vjpFn(calls);
  const X = w.reshape(w.arange(12), [2, 3, 2]), s = w.array([1, 2]);
  const g = w.grad((x: NDArray) => w.sum(w.vmap(w.vmap(f, { inAxes: [0, null] }), { inAxes: [0, null] })(x, s)))(X);
  assertClose(g, dx(X, s, w.ones(X.shape, X.dtype)));
  const y = w.array([[1, 2], [3, 4]]);
  assertThrowsWith(() => w.vmap((x: NDArray, yy: NDArray) => w.customVjp((a: NDArray) => w.mul(a, yy), (a: NDArray) => [w.mul(a, yy), null], () => [null])(x))(y, y), w.BatchingError, ["customVjp", "closes over a value that vmap batches", "argument"]);
});

test("a custom rule inside a loop body stays the rule under grad, with and without vmap (the loop runs unrolled)", () => {
  const f = w.customVjp((x: NDArray) => w.sin(x), (x: NDArray) => [w.sin(x), x] as [NDArray, NDArray], (x: NDArray, g: NDArray) => [w.mul(g, w.mul(2, w.cos(x)))]);
  const X = w.array([[0.1, 0.2], [0.3, 0.4]]);
  // Two applications of the rule (2 cos where the true derivative is cos): 2cos(sin x)·2cos(x).
  const want = w.mul(w.mul(2, w.cos(w.sin(X))), w.mul(2, w.cos(X)));
  const twice = (x: NDArray) => w.sum(w.scan((c: NDArray, _: null) => [f(c), null], x, null, { length: 2 })[0]);
  assertClose(w.grad(twice)(X), want, {}, "grad(scan)");
  assertClose(w.grad((x: NDArray) => w.sum(w.foriLoop(0, 2, (_i, c: NDArray) => f(c), x)))(X), want, {}, "grad(foriLoop)");
  assertClose(w.grad((x: NDArray) => w.sum(w.whileLoop((c: [number, NDArray]) => c[0] < 2, (c: [number, NDArray]) => [c[0] + 1, f(c[1])] as [number, NDArray], [0, x] as [number, NDArray])[1]))(X), want, {}, "grad(whileLoop)");
  assertClose(w.grad((x: NDArray) => w.sum(w.vmap(twice)(x)))(X), want, {}, "grad(vmap(scan))");
  assertClose(w.vmap(w.grad(twice))(X), want, {}, "vmap(grad(scan))");
  assertClose(w.compile(w.grad(twice))(X), want, {}, "compile(grad(scan))");
});
