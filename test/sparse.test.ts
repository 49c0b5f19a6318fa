// Sparsity detection, coloring and sparse Jacobians/Hessians: every detected pattern holds
// every nonzero of the dense derivative (random programs and each structural op), exact
// patterns where the structure is known, colorings checked for their defining property, and
// sparse results checked entry by entry against jacfwd/hessian in float64 and float32; reuse
// across calls, re-detection on another branch, and the errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray, SparsityPattern, type Value } from "../src/index.js";
import { colorColumns, colorRows, isStarColoring, starColoring } from "../src/sparse/coloring.js";
import { assertThrowsWith, property, randArray, type Rng } from "./helpers/check.js";

type VF = (x: NDArray) => Value;

/** The dense Jacobian as an m × n array of numbers. */
function denseJ(f: VF, x: NDArray): number[][] {
  const J = w.jacfwd(f)(x) as NDArray | number;
  const n = x.size, data = J instanceof NDArray ? Array.from(J.data) : [J];
  const m = data.length / n;
  return Array.from({ length: m }, (_, i) => data.slice(i * n, (i + 1) * n));
}

/** Every nonzero of `dense` is in the pattern (conservative), and the pattern has the dense shape. */
function assertCovers(p: SparsityPattern, dense: number[][], what: string): void {
  assert.deepEqual([...p.shape], [dense.length, dense[0]?.length ?? p.shape[1]], `${what}: shape`);
  dense.forEach((row, i) => row.forEach((v, j) => {
    if (v !== 0) assert.ok(p.has(i, j), `${what}: entry (${i}, ${j}) = ${v} is nonzero but not in the pattern`);
  }));
}

/** The pattern is exactly the nonzeros of `dense`. */
function assertExact(p: SparsityPattern, dense: number[][], what: string): void {
  assertCovers(p, dense, what);
  const nz = dense.flat().filter((v) => v !== 0).length;
  assert.equal(p.nnz, nz, `${what}: the pattern has ${p.nnz} entries, the Jacobian ${nz} nonzeros`);
}

function assertMatches(S: w.SparseMatrix, dense: number[][], rtol: number, what: string): void {
  dense.forEach((row, i) => row.forEach((v, j) => {
    const got = S.get(i, j);
    assert.ok(Math.abs(got - v) <= rtol * (1 + Math.abs(v)), `${what}: entry (${i}, ${j}): sparse ${got}, dense ${v}`);
  }));
  const D = S.toDense(), n = S.shape[1];
  assert.deepEqual(D.shape, [dense.length, n]);
  for (let i = 0; i < dense.length; i++) for (let j = 0; j < n; j++) assert.equal(D.data[i * n + j], S.get(i, j), `${what}: toDense (${i}, ${j})`);
}

/** A 1-D diffusion–reaction residual: (u[i−1] − 2u[i] + u[i+1])/h² + u[i](1 − u[i]), zero boundary values. */
function diffusion(n: number): VF {
  const h = 1 / (n + 1);
  return (u) => {
    const up = w.pad(u, [[1, 1]]);
    return w.add(w.div(w.add(w.sub(w.slice(up, [0], [n]), w.mul(2, u)), w.slice(up, [2])), h * h), w.mul(u, w.sub(1, u)));
  };
}

const rosen = (x: NDArray): NDArray =>
  w.sum(w.add(w.mul(100, w.square(w.sub(w.slice(x, [1]), w.square(w.slice(x, [0], [-1]))))), w.square(w.sub(1, w.slice(x, [0], [-1])))));

// ---------------------------------------------------------------- detection

const STRUCTURAL: readonly [string, VF, boolean][] = [
  // name, f, whether the pattern is exact (else only conservative)
  ["elementwise with broadcasting", (x) => w.mul(w.sin(x), w.add(w.reshape(w.slice(x, [0], [1]), []), 1)), true],
  ["tridiagonal stencil (pad, slice)", diffusion(7), true],
  ["reshape, transpose", (x) => w.reshape(w.transpose(w.exp(w.reshape(x, [7, 1]))), [7]), true],
  ["reverse by take", (x) => w.mul(x, w.take(x, w.array([6, 5, 4, 3, 2, 1, 0], { dtype: "int32" }))), true],
  ["takeAlongAxis, concat", (x) => w.concat([w.takeAlongAxis(w.square(x), w.array([1, 1, 0, 3, 4, 6, 5], { dtype: "int32" }), 0), w.slice(x, [2], [4])]), true],
  ["cumsum and reverse cumsum", (x) => w.add(w.cumsum(w.slice(x, [0], [4])), w.cumsum(w.slice(x, [3]), 0, { reverse: true })), true],
  ["sum over an axis, broadcast back", (x) => w.mul(w.broadcastTo(w.sum(w.reshape(w.slice(x, [1]), [2, 3]), 1, true), [2, 3]), 2), true],
  ["max reduction (conservative: every element)", (x) => w.max(w.reshape(w.slice(x, [1]), [2, 3]), 1), false],
  ["matmul", (x) => w.reshape(w.matmul(w.reshape(w.slice(x, [1]), [2, 3]), w.array([[1, 2], [3, 4], [5, 6]])), [4]), true],
  ["where on a constant condition selects per element", (x) => w.where(w.array([true, false, true, false, true, false, true]), w.sin(x), w.square(w.take(x, w.array([1, 0, 3, 2, 5, 4, 6], { dtype: "int32" })))), true],
  ["where on a varying condition keeps both sides", (x) => w.where(w.greater(x, 0), x, w.take(x, w.array([6, 0, 1, 2, 3, 4, 5], { dtype: "int32" }))), false],
  ["take at indices computed from x (conservative: the whole axis)", (x) => w.take(x, w.argsort(x)), false],
  ["solve (dense within the matrix)", (x) => w.linalg.solve(w.add(w.eye(2), w.reshape(w.slice(x, [0], [4]), [2, 2])), w.reshape(w.slice(x, [4], [6]), [2, 1])), false],
  ["toScalar and numbers", (x) => w.mul(w.toScalar(w.slice(x, [2], [3])), w.slice(x, [4])), true],
  ["a scan line, run step by step", (x) => w.scan((c: Value, xi: Value) => [w.mul(c, xi), w.sin(c)] as const, w.slice(x, [0], [1]), w.reshape(w.slice(x, [1], [4]), [3, 1]))[1] as Value, true],
  ["a while line (its trip count the point's), run step by step", (x) => w.whileLoop((c: Value) => w.less(w.sum(w.abs(c)), 40), (c: Value) => w.add(w.mul(c, 2), w.concat([w.slice(c, [2], [3]), w.slice(c, [0], [2])])), w.slice(x, [0], [3])), false],
  ["a checkpoint line, run as f", (x) => w.checkpoint((y: Value) => w.mul(w.sin(y), w.slice(x, [1], [4])))(w.slice(x, [0], [3])), true],
];

describe("jacobianSparsity", () => {
  for (const [name, f, exact] of STRUCTURAL) {
    test(`${name}: ${exact ? "exactly the nonzeros" : "holds every nonzero"} of jacfwd`, () => {
      const x = w.array([0.3, -1.2, 0.7, 2.1, -0.4, 1.3, 0.9]);
      const p = w.jacobianSparsity(f, x);
      const J = denseJ(f, x);
      if (exact) assertExact(p, J, name);
      else assertCovers(p, J, name);
    });
  }

  test("the tridiagonal stencil's pattern, entry by entry", () => {
    const p = w.jacobianSparsity(diffusion(5), w.linspace(0, 1, 5));
    assert.deepEqual(Array.from(p.rows), [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4]);
    assert.deepEqual(Array.from(p.cols), [0, 1, 0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4]);
    assert.deepEqual(p.toDense().shape, [5, 5]);
  });

  test("random programs: the pattern holds every nonzero of jacfwd at several points", () => {
    property((r: Rng) => {
      const f = randomVectorProgram(r, 4);
      const x0 = randArray([6], () => r.uniform(-2, 2));
      const p = w.jacobianSparsity(f.f, x0);
      // The pattern belongs to x0's branch; the programs here have no JS branches, so it holds at other points too.
      for (let k = 0; k < 2; k++) {
        const x = k === 0 ? x0 : randArray([6], () => r.uniform(-2, 2));
        assertCovers(p, denseJ(f.f, x), f.text);
      }
    }, 30);
  });

  test("control flow follows the point's branch", () => {
    const f = (x: NDArray): Value => (w.greater(w.toScalar(w.sum(x)), 0) ? w.mul(x, w.take(x, w.array([1, 0, 2], { dtype: "int32" }))) : w.square(x));
    assert.equal(w.jacobianSparsity(f, w.array([1, 2, 3])).nnz, 5);
    assert.equal(w.jacobianSparsity(f, w.array([-1, -2, -3])).nnz, 3);
  });
});

/** Random maps R^6 → R^6: elementwise ops, shifts (slice + pad), reversal, cumsum, local sums. */
function randomVectorProgram(r: Rng, depth: number): { f: VF; text: string } {
  const node = (d: number): { f: VF; text: string } => {
    const k = d <= 0 ? 0 : r.int(0, 7);
    if (k === 0) return { f: (x) => x, text: "x" };
    const a = node(d - 1);
    switch (k) {
      case 1: return { f: (x) => w.sin(a.f(x) as NDArray), text: `sin(${a.text})` };
      case 2: { const b = node(d - 1); return { f: (x) => w.mul(a.f(x) as NDArray, b.f(x) as NDArray), text: `(${a.text})·(${b.text})` }; }
      case 3: { const b = node(d - 1); return { f: (x) => w.div(a.f(x) as NDArray, w.add(2, w.cos(b.f(x) as NDArray))), text: `(${a.text})/(2+cos ${b.text})` }; }
      case 4: { const s = r.int(1, 2); return { f: (x) => w.pad(w.slice(a.f(x) as NDArray, [s]), [[0, s]]), text: `shift${s}(${a.text})` }; }
      case 5: return { f: (x) => w.take(a.f(x) as NDArray, w.array([5, 4, 3, 2, 1, 0], { dtype: "int32" })), text: `rev(${a.text})` };
      case 6: return { f: (x) => w.cumsum(a.f(x) as NDArray), text: `cumsum(${a.text})` };
      default: return { f: (x) => w.add(a.f(x) as NDArray, w.sum(w.slice(a.f(x) as NDArray, [0], [2]))), text: `(${a.text}) + Σ₀₁(${a.text})` };
    }
  };
  const g = node(depth);
  return { f: (x) => w.add(g.f(x) as NDArray, w.mul(0.5, x)), text: `${g.text} + x/2` };
}

describe("hessianSparsity", () => {
  test("Rosenbrock: tridiagonal, exactly", () => {
    const x = w.array([0.5, -1, 2, 0.3, 1.1, -0.7]);
    const p = w.hessianSparsity(rosen, x);
    const H = w.hessian(rosen)(x) as NDArray;
    assertExact(p, Array.from({ length: 6 }, (_, i) => Array.from(H.data.slice(i * 6, i * 6 + 6))), "rosenbrock");
  });
  test("random programs: holds every nonzero of the dense Hessian, and is symmetric", () => {
    property((r: Rng) => {
      const g = randomVectorProgram(r, 3);
      const f = (x: NDArray) => w.sum(w.mul(g.f(x) as NDArray, w.sin(x)));
      const x = randArray([6], () => r.uniform(-2, 2));
      const p = w.hessianSparsity(f, x);
      const H = w.hessian(f)(x) as NDArray;
      assertCovers(p, Array.from({ length: 6 }, (_, i) => Array.from(H.data.slice(i * 6, i * 6 + 6))), g.text);
      assert.ok(p.transpose().equals(p), "symmetric");
    }, 20);
  });
  test("a linear function has an empty Hessian pattern", () => {
    assert.equal(w.hessianSparsity((x: NDArray) => w.sum(w.mul(x, w.array([1, 2, 3]))), w.array([1, 2, 3])).nnz, 0);
  });
});

// ---------------------------------------------------------------- coloring

function randomPattern(r: Rng, m: number, n: number, density: number, symmetric: boolean): SparsityPattern {
  const rows: number[] = [], cols: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    if ((symmetric && j < i) || r.next() >= density) continue;
    rows.push(i); cols.push(j);
    if (symmetric && i !== j) { rows.push(j); cols.push(i); }
  }
  return SparsityPattern.fromEntries([m, n], rows, cols);
}

describe("colorings", () => {
  test("column and row colorings: no two columns (rows) of one color share a row (column)", () => {
    property((r: Rng) => {
      const p = randomPattern(r, r.int(1, 12), r.int(1, 12), r.uniform(0.05, 0.5), false);
      for (const [c, q] of [[colorColumns(p), p], [colorRows(p), p.transpose()]] as const) {
        for (let i = 0; i < q.shape[0]; i++) {
          const seen = new Set<number>();
          for (let k = q.rowPtr[i]!; k < q.rowPtr[i + 1]!; k++) {
            const col = c.colors[q.colIdx[k]!]!;
            assert.ok(!seen.has(col), "two entries of one row share a color");
            seen.add(col);
          }
        }
        assert.ok(c.count <= q.shape[1]);
      }
    }, 40);
  });
  test("star coloring: every path on four vertices uses three colors", () => {
    property((r: Rng) => {
      const p = randomPattern(r, 14, 14, r.uniform(0.05, 0.35), true);
      assert.ok(isStarColoring(p, starColoring(p)));
    }, 40);
  });
  test("a path (tridiagonal) takes 3 colors; an arrow takes 2 star colors where distance-2 takes n", () => {
    const n = 9, rows: number[] = [], cols: number[] = [];
    for (let i = 0; i < n; i++) { rows.push(i); cols.push(i); if (i > 0) { rows.push(i, i - 1); cols.push(i - 1, i); } }
    assert.equal(starColoring(SparsityPattern.fromEntries([n, n], rows, cols)).count, 3);
    const ar: number[] = [], ac: number[] = [];
    for (let i = 0; i < n; i++) { ar.push(i, 0, i); ac.push(0, i, i); }
    const arrow = SparsityPattern.fromEntries([n, n], ar, ac);
    assert.equal(starColoring(arrow).count, 2);
    assert.equal(colorColumns(arrow).count, n);
  });
});

// ---------------------------------------------------------------- sparse derivatives

describe("sparseJacobian", () => {
  for (const dtype of ["float64", "float32"] as const) {
    test(`tridiagonal diffusion–reaction residual, ${dtype}: entry by entry against jacfwd, 3 colors`, () => {
      const n = 12, f = diffusion(n);
      const x = w.astype(w.linspace(0.1, 0.9, n), dtype);
      const J = w.sparseJacobian(f)(x);
      assert.equal(J.colors, 3);
      assert.equal(J.mode, "forward");
      assert.equal(J.dtype, dtype);
      assert.equal(J.nnz, 3 * n - 2);
      assertMatches(J, denseJ(f, x), dtype === "float64" ? 1e-12 : 1e-5, "diffusion");
    });
  }
  test("few dense rows: reverse mode (row coloring) takes fewer products", () => {
    const f = (x: NDArray) => w.stack([w.sum(w.sin(x)), w.sum(w.mul(x, x))]);
    const x = w.array([0.1, 0.2, 0.3, 0.4, 0.5]);
    const J = w.sparseJacobian(f)(x);
    assert.equal(J.mode, "reverse");
    assert.equal(J.colors, 2);
    assertMatches(J, denseJ(f, x), 1e-12, "rows");
    const Jf = w.sparseJacobian(f, { mode: "forward" })(x);
    assert.equal(Jf.colors, 5);
    assertMatches(Jf, denseJ(f, x), 1e-12, "forward forced");
  });
  test("random programs: sparse equals dense", () => {
    property((r: Rng) => {
      const g = randomVectorProgram(r, 4);
      const x = randArray([6], () => r.uniform(-2, 2));
      assertMatches(w.sparseJacobian(g.f)(x), denseJ(g.f, x), 1e-10, g.text);
    }, 15);
  });
  test("reuse: later calls run the same program on new points (no retrace), values right at each", () => {
    const f = diffusion(10), sj = w.sparseJacobian(f);
    const xs = [0, 1, 2].map((k) => w.linspace(0.1 * k, 1, 10));
    const first = sj(xs[0]!);
    for (const x of xs) {
      const J = sj(x);
      assert.equal(J.pattern, first.pattern, "the pattern object is reused");
      assertMatches(J, denseJ(f, x), 1e-12, "reuse");
    }
  });
  test("another branch re-detects its own pattern; coming back reuses the first", () => {
    let detections = 0;
    const f = (x: NDArray): Value => {
      detections++;
      return w.greater(w.toScalar(w.sum(x)), 0) ? w.mul(x, w.take(x, w.array([1, 0, 2, 3], { dtype: "int32" }))) : w.sin(x);
    };
    const sj = w.sparseJacobian(f);
    const a = w.array([1, 2, 3, 4]), b = w.array([-1, -2, -3, -4]);
    const Ja = sj(a);
    assert.equal(Ja.nnz, 6);
    const Jb = sj(b);
    assert.equal(Jb.nnz, 4);
    assertMatches(Jb, denseJ(f, b), 1e-12, "branch b");
    const before = detections;
    const Ja2 = sj(w.array([2, 1, 3, 5]));
    // The program staged for b's seeds on branch a, and one detection that finds a's pattern.
    assert.equal(detections - before, 2, "one staging and one detection");
    assert.equal(Ja2.pattern, Ja.pattern);
    // Both branches known now: switching costs no detection and no trace.
    let calls = 0;
    for (const x of [w.array([-1, -2, -3, -5]), w.array([3, 1, 3, 5]), w.array([-2, -2, -3, -5])]) {
      const d0 = detections;
      const J = sj(x);
      calls += detections - d0;
      assertMatches(J, denseJ(f, x), 1e-12, "switching");
    }
    assert.equal(calls, 0, "a known branch: no detection, no trace");
    assertMatches(Ja2, denseJ(f, w.array([2, 1, 3, 5])), 1e-12, "back on branch a");
  });
  test("a supplied pattern is used as given; a pattern of the wrong shape is a ShapeError naming both shapes", () => {
    const f = diffusion(6), x = w.linspace(0, 1, 6);
    const p = w.jacobianSparsity(f, x);
    assertMatches(w.sparseJacobian(f, { sparsity: p })(x), denseJ(f, x), 1e-12, "supplied");
    const wrong = w.jacobianSparsity(diffusion(5), w.linspace(0, 1, 5));
    assertThrowsWith(() => w.sparseJacobian(f, { sparsity: wrong })(x), w.ShapeError, ["sparseJacobian", "5 × 5", "6 × 6"]);
    assertThrowsWith(() => w.sparseJacobian(f, { sparsity: "tridiagonal" as never })(x), w.ArgumentError, ["SparsityPattern"]);
  });
  test("bad inputs: an integer array, several outputs, an unknown mode", () => {
    assertThrowsWith(() => w.sparseJacobian(w.sin)(w.array([1, 2], { dtype: "int32" })), w.ArgumentError, ["float64/float32"]);
    assertThrowsWith(() => w.jacobianSparsity((x: NDArray) => [x, x], w.array([1, 2])), w.ArgumentError, ["one number or array"]);
    assertThrowsWith(() => w.sparseJacobian(w.sin, { mode: "sideways" as never }), w.ArgumentError, ["mode"]);
  });
});

describe("sparseHessian", () => {
  for (const dtype of ["float64", "float32"] as const) {
    test(`Rosenbrock, ${dtype}: 3 star colors, entry by entry against hessian`, () => {
      const n = 10, x = w.astype(w.array(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1) + 0.1 * i)), dtype);
      const H = w.sparseHessian(rosen)(x);
      assert.equal(H.colors, 3);
      assert.equal(H.mode, "star");
      const D = w.hessian(rosen)(x) as NDArray;
      assertMatches(H, Array.from({ length: n }, (_, i) => Array.from(D.data.slice(i * n, (i + 1) * n))), dtype === "float64" ? 1e-12 : 1e-5, "rosenbrock");
    });
  }
  test("an arrow Hessian (x₀ couples to all): star coloring recovers it from 2 HVPs", () => {
    const f = (x: NDArray) => w.add(w.mul(w.reshape(w.slice(x, [0], [1]), []), w.sum(w.sin(x))), w.sum(w.square(w.square(x))));
    const x = w.array([0.3, -0.5, 0.8, 1.2, -0.1, 0.6]);
    const H = w.sparseHessian(f)(x);
    assert.equal(H.colors, 2);
    const D = w.hessian(f)(x) as NDArray;
    assertMatches(H, Array.from({ length: 6 }, (_, i) => Array.from(D.data.slice(i * 6, (i + 1) * 6))), 1e-12, "arrow");
  });
  test("random programs: sparse equals dense", () => {
    property((r: Rng) => {
      const g = randomVectorProgram(r, 3);
      const f = (x: NDArray) => w.sum(w.mul(g.f(x) as NDArray, w.sin(x)));
      const x = randArray([6], () => r.uniform(-2, 2));
      const D = w.hessian(f)(x) as NDArray;
      assertMatches(w.sparseHessian(f)(x), Array.from({ length: 6 }, (_, i) => Array.from(D.data.slice(i * 6, (i + 1) * 6))), 1e-9, g.text);
    }, 15);
  });
  test("repeat calls give their products back to the pool: every result stays right, the program's constants intact", () => {
    // 600 elements (4.8 KB arrays, above the pool's floor); another compiled function of the
    // same size draws from the pool between the calls.
    const n = 600, at = (k: number) => w.array(Float64Array.from({ length: n }, (_, i) => Math.cos(k + 0.7 * i)));
    const other = w.compile((x: NDArray) => w.mul(w.exp(x), w.sin(x)));
    // Rosenbrock's Hessian by hand: the diagonal and the first off-diagonal.
    const byHand = (x: NDArray) => {
      const d = x.data, e: number[][] = Array.from({ length: n }, () => []);
      for (let i = 0; i < n; i++) {
        e[i]![i] = (i < n - 1 ? 1200 * d[i]! ** 2 - 400 * d[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0);
        if (i < n - 1) e[i]![i + 1] = e[i + 1]![i] = -400 * d[i]!;
      }
      return e;
    };
    // A linear f on a given diagonal pattern: its products are the program's one constant zeros
    // array (made while tracing), which must never go to the pool for another call to fill.
    const diagonal = SparsityPattern.fromEntries([n, n], Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => i));
    const sh = w.sparseHessian(rosen), sz = w.sparseHessian((x: NDArray) => w.sum(w.mul(3, x)), { sparsity: diagonal });
    const kept: [w.SparseMatrix, Float64Array, number][] = [];
    for (const k of [1, 2, 1, 3, 3]) {
      const H = sh(at(k)), Z = sz(at(k));
      other(at(k + 0.5));
      kept.push([H, Float64Array.from(H.values), k]);
      assert.equal(Z.nnz, n);
      Z.values.forEach((v, j) => assert.equal(v, 0, `entry ${j} of the zero Hessian at call ${kept.length}`));
    }
    for (const [H, copy, k] of kept) {
      assert.deepEqual(Array.from(H.values), Array.from(copy), "a later call changed an earlier result");
      const want = byHand(at(k));
      for (let q = 0; q < H.nnz; q++) {
        const i = H.rows[q]!, j = H.cols[q]!, v = want[i]![j] ?? 0;
        assert.ok(Math.abs(H.values[q]! - v) <= 1e-12 * (1 + Math.abs(v)), `x${k}: (${i}, ${j}) ${H.values[q]} vs ${v}`);
      }
    }
  });
  test("errors: a pattern of the wrong shape, a mode", () => {
    const bad = SparsityPattern.fromEntries([3, 4], [0], [0]);
    assertThrowsWith(() => w.sparseHessian(rosen, { sparsity: bad })(w.array([1, 2, 3])), w.ShapeError, ["sparseHessian", "3 × 4", "3 × 3"]);
    assertThrowsWith(() => w.sparseHessian(rosen, { mode: "forward" }), w.ArgumentError, ["unknown option", "mode", "sparsity"]);
  });
});

describe("detection through values that vary with x but carry no dependence", () => {
  test("a comparison's result cast to float, cumsum'd, multiplied in: no dependence from it, none lost", () => {
    const f = (x: NDArray) => w.add(w.cumsum(w.astype(w.greater(x, 0), "float64")), w.mul(x, w.astype(w.less(x, 1), "float64")));
    const x = w.array([0.5, -1, 2]);
    const p = w.jacobianSparsity(f, x);
    assertCovers(p, denseJ(f, x), "cast comparison");
    assert.deepEqual(Array.from(p.rows), [0, 1, 2]);
    assert.deepEqual(Array.from(p.cols), [0, 1, 2], "the diagonal: the mask's cumsum depends on nothing");
  });
});

describe("detection through a compiled function (its program is replayed through the ops)", () => {
  test("jacobianSparsity and hessianSparsity of compile(f) equal those of f", () => {
    const f = (x: NDArray) => w.sum(w.mul(w.sin(w.slice(x, [0], [2])), w.exp(w.slice(x, [1], [3]))));
    const cf = w.compile(f), x = w.array([0.1, 0.2, 0.3, 0.4]);
    cf(x);
    const g = (h: (x: NDArray) => Value) => (x: NDArray) => w.mul(h(x), x);
    assert.ok(w.jacobianSparsity(g(cf), x).equals(w.jacobianSparsity(g(f), x)));
    assert.ok(w.hessianSparsity(cf, x).equals(w.hessianSparsity(f, x)));
    assert.equal(w.hessianSparsity(f, x).nnz, 7);
  });
});
