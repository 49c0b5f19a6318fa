// Taylor rules of the linear-algebra primitives (src/transforms/taylor/linalg.ts) against nested
// jvp to order 8, in float64 and float32, on matrices that vary with x along a direction v (and
// along a curved input path), batched and not: solve, triangularSolve in all its variants,
// cholesky, eigh, qr (square and tall), det (of either sign) and slogdet; compiled jet equals eager jet.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray, type Value } from "../src/index.js";

type F = (x: Value) => Value;
const ORDER = 8;

function nested(f: F, k: number, v: Value): F {
  return k === 0 ? f : nested((x) => w.jvp(f, [x], [v])[1], k - 1, v);
}
const toNums = (v: Value): number[] => (v instanceof NDArray ? Array.from(v.data) : [Number(w.value(v))]);

/** As jet.test.ts: each term against nested jvp on the scale of the normalized series (k!·max_j |f_j|/j!). */
function assertSeriesClose(got: readonly Value[], want: readonly Value[], rtol: number, what: string): void {
  const g = got.map(toNums), e = want.map(toNums);
  for (let i = 0; i < e[0]!.length; i++) {
    let scale = 0, f = 1;
    for (let k = 0; k < e.length; k++) { f *= k + 1; scale = Math.max(scale, Math.abs(e[k]![i]!) / f); }
    f = 1;
    for (let k = 0; k < e.length; k++) {
      f *= k + 1;
      const tol = rtol * (Math.abs(e[k]![i]!) + scale * f) + 1e-300;
      const err = Math.abs(g[k]![i]! - e[k]![i]!);
      assert.ok(err <= tol, `${what}: term ${k + 1}, element ${i}: jet ${g[k]![i]} vs nested jvp ${e[k]![i]} (|Δ| ${err.toExponential(2)} > ${tol.toExponential(2)})`);
    }
  }
}

const x0 = [0.3, -0.2, 0.5, 0.1, -0.4, 0.7, 0.2, -0.6];
const v0 = [1, 0.5, -1, 0.25, 2, -0.5, 0.75, -1.25];
/** A 2×2 matrix, or a batch of two, from x: well-conditioned, every entry depending on x. */
type DT = "float64" | "float32";
const mat = (x: Value, batch: boolean, dt: DT): Value => {
  const m = w.add(w.mul(0.4, w.sin(w.reshape(x, [2, 2, 2]))), w.mul(2, w.eye(2, 2, { dtype: dt })));
  return batch ? m : w.reshape(w.slice(m, [1], [2]), [2, 2]);
};
const rhs = (x: Value, batch: boolean): Value => {
  const b = w.reshape(w.exp(w.mul(0.5, x)), [2, 2, 2]);
  return batch ? b : w.reshape(w.slice(b, [0], [1]), [2, 2]);
};
/** Symmetric positive definite: M Mᵀ + I. */
const spd = (x: Value, batch: boolean, dt: DT): Value => {
  const m = mat(x, batch, dt);
  return w.add(w.matmul(m, w.transpose(m, batch ? [0, 2, 1] : [1, 0])), w.eye(2, 2, { dtype: dt }));
};

/** A 3×2 matrix (or a batch of two): mat with a row below it. */
const tall = (x: Value, batch: boolean, dt: DT): Value => {
  const row = w.reshape(w.cos(w.slice(x, [0], [4])), [2, 1, 2]);
  return w.concat([mat(x, batch, dt), batch ? row : w.reshape(w.slice(row, [0, 0, 0], [1, 1, 2]), [1, 2])], -2);
};

const OPS: readonly [string, (batch: boolean, dt: DT) => F][] = [
  ["solve", (b, dt) => (x) => w.linalg.solve(mat(x, b, dt), rhs(x, b))],
  ["solve, constant matrix (only B has a series)", (b, dt) => (x) => w.linalg.solve(mat(w.array(x0), b, dt), rhs(x, b))],
  ["solve, constant right-hand side (only A has a series)", (b, dt) => (x) => w.linalg.solve(mat(x, b, dt), rhs(w.array(x0), b))],
  ...([{}, { lower: true }, { transpose: true }, { lower: true, transpose: true, unitDiagonal: true }, { unitDiagonal: true }] as const).map(
    (opts): [string, (batch: boolean, dt: DT) => F] => [`triangularSolve ${JSON.stringify(opts)}`, (b, dt) => (x) => w.linalg.triangularSolve(mat(x, b, dt), rhs(x, b), opts)],
  ),
  ["cholesky", (b, dt) => (x) => w.linalg.cholesky(spd(x, b, dt))],
  ["cholesky of a non-symmetric argument (its symmetric part)", (b, dt) => (x) => w.linalg.cholesky(w.add(spd(x, b, dt), w.mul(0.1, mat(x, b, dt))))],
  ["eigh (eigenvalues and eigenvectors)", (b, dt) => (x) => { const [ev, vs] = w.linalg.eigh(spd(x, b, dt)); return w.concat([w.reshape(ev, [-1]), w.reshape(vs, [-1])]); }],
  ["eigh of a non-symmetric argument (its symmetric part)", (b, dt) => (x) => { const [ev, vs] = w.linalg.eigh(w.add(spd(x, b, dt), w.mul(0.3, mat(x, b, dt)))); return w.concat([w.reshape(ev, [-1]), w.reshape(vs, [-1])]); }],
  ["qr (Q and R)", (b, dt) => (x) => { const [q, r] = w.linalg.qr(mat(x, b, dt)); return w.concat([w.reshape(q, [-1]), w.reshape(r, [-1])]); }],
  ["qr of a tall matrix (thin Q)", (b, dt) => (x) => { const [q, r] = w.linalg.qr(tall(x, b, dt)); return w.concat([w.reshape(q, [-1]), w.reshape(r, [-1])]); }],
  ["det", (b, dt) => (x) => w.linalg.det(mat(x, b, dt))],
  ["det, negative", (b, dt) => (x) => w.linalg.det(w.matmul(w.array([[0, 1], [1, 0]]), mat(x, b, dt)))],
  ["slogdet (sign and log|det|)", (b, dt) => (x) => { const [s, l] = w.linalg.slogdet(w.matmul(w.array([[0, 1], [1, 0]]), mat(x, b, dt))); return w.stack([w.mul(s, 1), l]); }],
];

describe("jet through linear algebra, against nested jvp to order 8", () => {
  for (const [name, make] of OPS) {
    for (const batch of [false, true]) {
      test(`${name}${batch ? ", batched" : ""}`, () => {
        const f = make(batch, "float64"), x = w.array(x0), v = w.array(v0);
        const [y, ts] = w.jet(f, [x], [[v, ...Array(ORDER - 1).fill(0)]]);
        assert.deepEqual(toNums(y), toNums(f(x)));
        const want = Array.from({ length: ORDER }, (_, k) => nested(f, k + 1, v)(x));
        assertSeriesClose(ts as Value[], want, 1e-9, name);
      });
    }
  }

  test("float32: every term keeps the dtype and agrees with float64 nested jvp", () => {
    for (const [name, make] of OPS.filter(([n]) => ["solve", "cholesky", "det", "eigh (eigenvalues and eigenvectors)", "qr of a tall matrix (thin Q)"].includes(n))) {
      const f32 = make(true, "float32"), f = make(true, "float64"), x = w.array(x0, { dtype: "float32" }), v = w.array(v0, { dtype: "float32" });
      const [, ts] = w.jet(f32, [x], [[v, ...Array(ORDER - 1).fill(0)]]);
      for (const t of ts as NDArray[]) assert.equal(t.dtype, "float32", name);
      const want = Array.from({ length: ORDER }, (_, k) => nested(f, k + 1, w.array(v0))(w.array(x0)));
      assertSeriesClose(ts as Value[], want, 2e-3, `${name} (float32)`);
    }
  });

  test("a curved input path: jet of the composition equals jet through the path's terms", () => {
    const f = (x: Value) => w.add(w.sum(w.linalg.solve(mat(x, true, "float64"), rhs(x, true))), w.add(w.sum(w.linalg.cholesky(spd(x, true, "float64"))), w.sum(w.linalg.det(mat(x, true, "float64")))));
    const path = (t: Value) => w.add(w.array(x0), w.add(w.mul(t, w.array(v0)), w.mul(w.mul(t, t), w.array(v0.map((c) => -0.3 * c * c)))));
    const [, viaPath] = w.jet((t: Value) => f(path(t)), [0], [[1, 0, 0, 0, 0, 0]]);
    const [, terms] = w.jet(path, [0], [[1, 0, 0, 0, 0, 0]]);
    const [, direct] = w.jet(f, [w.array(x0)], [terms as Value[]]);
    assertSeriesClose(direct as Value[], viaPath as Value[], 1e-11, "curved path");
  });

  test("compile(jet) equals eager jet", () => {
    const f = (x: Value) => w.sum(w.mul(w.linalg.solve(mat(x, true, "float64"), rhs(x, true)), w.linalg.cholesky(spd(x, true, "float64"))));
    const j = (x: Value) => w.jet(f, [x], [[w.array(v0), 0, 0, 0]])[1] as Value[];
    const cj = w.compile(j), x = w.array(x0);
    cj(w.array(v0));
    assertSeriesClose(cj(x) as Value[], j(x), 1e-13, "compiled");
  });

});
