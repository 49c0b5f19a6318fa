// Batched Jacobians (jacfwd, jacrev, jacobian, hessian push the basis through one pass, a chunk
// at a time, structured rows or dense) against Jacobians built one vector at a time with the
// public jvp and vjp, on random vector functions, in float64 and float32.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith, property, randArray, Rng } from "./helpers/check.js";

type V = NDArray;
type Vec = ((x: V) => V) & { readonly text: string };

/** A random function R^4 → R^m built from the ops the structured rows cover and some they do not. */
function randomVec(r: Rng, depth: number): Vec {
  const mk = (text: string, f: (x: V) => V): Vec => Object.assign(f, { text });
  if (depth <= 0) return r.bool() ? mk("x", (x) => x) : mk("c·x", (x) => w.mul(x, w.array([0.5, -1, 2, 1.5], { dtype: x.dtype })));
  const a = randomVec(r, depth - 1), b = randomVec(r, depth - 1);
  const k = r.int(0, 15);
  switch (k) {
    case 0: return mk(`sin(${a.text})`, (x) => w.sin(a(x)));
    case 1: return mk(`exp(${a.text}/3)`, (x) => w.exp(w.div(a(x), 3)));
    case 2: return mk(`${a.text}·${b.text}`, (x) => mul4(a(x), b(x)));
    case 3: return mk(`${a.text} − ${b.text}`, (x) => sub4(a(x), b(x)));
    case 4: return mk(`roll(${a.text})`, (x) => { const y = fit(a(x)); return w.concat([w.slice(y, [1]), w.slice(y, [0], [1])]); });
    case 5: return mk(`tanh(${a.text})`, (x) => w.tanh(a(x)));
    case 6: return mk(`reverse-pad(${a.text})`, (x) => { const y = fit(a(x)); return w.add(w.slice(w.pad(y, [[1, 0]]), [0], [4]), y); });
    case 7: return mk(`matmul(M, ${a.text})`, (x) => w.matmul(w.array([[1, 2, 0, -1], [0, 1, 1, 0], [3, 0, -2, 1]], { dtype: x.dtype }), fit(a(x))));
    case 8: return mk(`where(${a.text} > 0, ${a.text}, ${b.text}²)`, (x) => { const y = fit(a(x)), z = fit(b(x)); return w.where(w.greater(y, 0), y, w.square(z)); });
    case 9: return mk(`cumsum(${a.text})`, (x) => w.cumsum(a(x)));
    case 10: return mk(`sum-broadcast(${a.text})`, (x) => w.add(fit(a(x)), w.sum(a(x))));
    case 12: return mk(`max-broadcast(${a.text})`, (x) => w.add(fit(a(x)), w.max(a(x))));
    case 13: return mk(`maximum(${a.text}, ${b.text})`, (x) => w.maximum(fit(a(x)), fit(b(x))));
    case 14: return mk(`${a.text}/(1.5 + ${b.text}²)`, (x) => w.div(fit(a(x)), w.add(1.5, w.square(fit(b(x))))));
    default: return mk(`transpose-reshape(${a.text})`, (x) => w.reshape(w.transpose(w.reshape(fit(a(x)), [2, 2])), [4]));
  }
}

/** Any vector brought to length 4 (matmul gives 3). */
function fit(y: V): V {
  return y.shape[0] === 4 ? y : w.concat([y, w.slice(y, [0], [4 - y.shape[0]!])]);
}
const mul4 = (a: V, b: V): V => w.mul(fit(a), fit(b));
const sub4 = (a: V, b: V): V => w.sub(fit(a), fit(b));

/** The Jacobian one basis vector at a time with the public jvp (columns). */
function jacByJvp(f: (x: V) => V, x: V): V {
  const cols: V[] = [];
  for (let j = 0; j < x.size; j++) {
    const e = w.zeros(x.shape, x.dtype as "float64");
    e.data[j] = 1;
    cols.push(w.jvp(f, [x], [e])[1]);
  }
  return w.stack(cols, -1);
}

/** The Jacobian one output element at a time with the public vjp (rows). */
function jacByVjp(f: (x: V) => V, x: V): V {
  const [y, back] = w.vjp(f, x);
  const rows: V[] = [];
  for (let i = 0; i < y.size; i++) {
    const e = w.zeros(y.shape, y.dtype as "float64");
    e.data[i] = 1;
    rows.push(back(e)[0]);
  }
  return w.stack(rows, 0);
}

function same(got: unknown, want: V, tol: number, msg: string): void {
  assert.ok(got instanceof w.NDArray, `${msg}: an NDArray`);
  assert.deepEqual(got.shape, want.shape, `${msg}: shape`);
  assert.equal(got.dtype, want.dtype, `${msg}: dtype`);
  assertClose(got, want, { rtol: tol }, msg);
}

test("batched jacfwd, jacrev and jacobian equal Jacobians built vector by vector, structured or dense, in every chunk size", () => {
  property((r: Rng) => {
    const f = randomVec(r, 3);
    const dtype = r.bool() ? "float64" : "float32";
    const tol = dtype === "float32" ? 2e-5 : 1e-12;
    const x = randArray([4], () => r.uniform(-1, 1), dtype);
    const want = jacByJvp(f, x);
    same(jacByVjp(f, x), want, tol * 10, `vjp rows vs jvp columns of ${f.text}`);
    for (const opts of [{}, { structured: false }, { chunkSize: 1 }, { chunkSize: 3 }, { chunkSize: 3, structured: false }]) {
      const label = `${f.text} ${JSON.stringify(opts)} ${dtype}`;
      same(w.jacfwd(f, opts)(x), want, tol, `jacfwd ${label}`);
      same(w.jacrev(f, opts)(x), want, tol * 10, `jacrev ${label}`);
      same(w.jacobian(f, opts)(x), want, tol * 10, `jacobian ${label}`);
    }
  }, 40);
});

test("batched hessian equals the Hessian built from one hvp per basis vector, and its chunks agree", () => {
  property((r: Rng) => {
    const g = randomVec(r, 3);
    const f = (x: V) => w.sum(w.mul(g(x), g(x)));
    const dtype = r.bool() ? "float64" : "float32";
    const tol = dtype === "float32" ? 1e-4 : 1e-11;
    const x = randArray([4], () => r.uniform(-1, 1), dtype);
    const cols: V[] = [];
    for (let j = 0; j < 4; j++) {
      const e = w.zeros([4], dtype);
      e.data[j] = 1;
      cols.push(w.hvp(f, x, e));
    }
    const want = w.stack(cols, -1);
    for (const opts of [{}, { structured: false }, { chunkSize: 2 }]) same(w.hessian(f, opts)(x), want, tol, `hessian ${g.text} ${JSON.stringify(opts)} ${dtype}`);
  }, 25);
});

test("W5: both Jacobians by both modes give the pinned checksums, structured and dense", () => {
  const n = 1000;
  const x = w.array(Array.from({ length: n }, (_, i) => (i + 1) / n));
  const fa = (v: V) => w.sum(w.mul(w.sin(v), w.concat([w.slice(v, [1]), w.slice(v, [0], [1])])));
  const js = w.arange(1, n + 1);
  const fb = (t: number) => w.mul(w.sin(w.mul(js, t)), t);
  const total = (J: unknown) => Array.from((J as V).data).reduce((a, b) => a + b, 0);
  for (const opts of [{}, { structured: false }, { chunkSize: 300 }]) {
    for (const jac of [w.jacfwd, w.jacrev]) {
      assert.equal(total(jac(fa, opts)(x)).toFixed(7), "842.4626635");
      assert.equal(total(jac(fb, opts)(0.3)).toFixed(7), "-996.1120291");
    }
  }
});

test("batched Jacobians under other transforms: grad of a jacfwd, compile around and inside, pytrees and numbers", () => {
  const f = (x: V) => w.mul(w.sin(x), w.sum(w.square(x)));
  const x = w.array([0.3, -0.7, 1.1]);
  // d/dx of the Jacobian's trace, against a central difference of it.
  const tr = (v: V) => w.sum(w.mul(jacobianDiag(w.jacfwd(f)(v) as V), 1));
  const g = w.grad(tr)(x) as V;
  const h = 1e-6;
  const fd = [0, 1, 2].map((j) => {
    const e = w.zeros([3]); e.data[j] = h;
    return ((w.toScalar(tr(w.add(x, e))) as number) - (w.toScalar(tr(w.sub(x, e))) as number)) / (2 * h);
  });
  assertClose(g, w.array(fd), { rtol: 1e-7 });
  const want = jacByJvp(f, x);
  assertClose(w.compile(w.jacfwd(f))(x), want);
  assertClose(w.jacrev(w.compile(f))(x), want);
  // A pytree argument and a number argument: blocks per leaf, numbers as numbers.
  const p = (a: { u: V; s: number }) => w.mul(a.u, a.s);
  const J = w.jacfwd(p)({ u: w.array([1, 2]), s: 3 }) as { u: V; s: V };
  assertClose(J.u, w.array([[3, 0], [0, 3]]));
  assertClose(J.s, w.array([1, 2]));
  assert.equal(w.jacrev((s: number) => w.mul(s, s))(3), 6);
});

function jacobianDiag(J: V): V {
  return w.sum(w.mul(J, w.eye(J.shape[0]!)), 1);
}

test("chunkSize must be a positive integer", () => {
  assertThrowsWith(() => w.jacfwd((x: V) => x, { chunkSize: 0 })(w.array([1, 2])), w.ArgumentError, ["jacfwd", "chunkSize 0", "positive integer"]);
  assertThrowsWith(() => w.jacrev((x: V) => x, { chunkSize: 1.5 })(w.array([1, 2])), w.ArgumentError, ["jacrev", "chunkSize 1.5"]);
});
