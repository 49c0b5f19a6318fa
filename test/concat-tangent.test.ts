// concat's tangent is the tangents concatenated (its table entry's jvpAll), zeros standing for
// the arguments no tangent reached. Every engine that pushes tangents reads it: eager forward
// mode, batched forward mode (vmap of jvp, dense Jacobians), linearize's tangent sweep and jet.
// Each is checked against the VJP side (jacrev: concat's per-argument slices) and against
// central differences, in float64 and float32, with a constant piece.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { assertClose } from "./helpers/check.js";

type DT = "float64" | "float32";
const tol = (dt: DT) => (dt === "float32" ? { rtol: 2e-3, atol: 2e-3 } : { rtol: 1e-7, atol: 1e-8 });

/** R^5 → R^(5+3+5+2) through concats with a constant piece and a nested concat. */
function fOf(dt: DT) {
  const c = w.array([0.5, -2, 3], { dtype: dt }), wide = w.array([1.5, -0.25], { dtype: dt });
  return (x: NDArray) => {
    const inner = w.concat([w.slice(x, [2]), w.slice(x, [0], [2])]); // a roll: both pieces carry tangents
    return w.concat([w.sin(x), c, w.mul(inner, x), w.mul(wide, w.sum(x))]);
  };
}

for (const dt of ["float64", "float32"] as const) {
  const f = fOf(dt);
  const x = w.array([0.3, -1.1, 0.7, 2.0, -0.4], { dtype: dt });

  test(`concat's tangent: jvp, jacfwd (structured and dense) and linearize agree with jacrev, ${dt}`, () => {
    const Jr = w.jacrev(f)(x) as NDArray;
    assert.deepEqual(Jr.shape, [15, 5]);
    assert.equal(Jr.dtype, dt);
    for (const opts of [{}, { structured: false }, { chunkSize: 2, structured: false }]) {
      const Jf = w.jacfwd(f, opts)(x) as NDArray;
      assertClose(Jf, Jr, tol(dt), `jacfwd ${JSON.stringify(opts)}`);
    }
    const [, lin] = w.linearize(f, x);
    for (let j = 0; j < 5; j++) {
      const e = w.array(Array.from({ length: 5 }, (_, k) => (k === j ? 1 : 0)), { dtype: dt });
      const [, t] = w.jvp(f, [x], [e]) as [NDArray, NDArray];
      const col = Array.from({ length: 15 }, (_, i) => Jr.data[i * 5 + j]!);
      assertClose(Array.from(t.data), col, tol(dt), `jvp column ${j}`);
      assertClose(Array.from((lin(e) as NDArray).data), col, tol(dt), `linearize column ${j}`);
      // The constant piece (rows 5..7) has a zero tangent.
      for (const i of [5, 6, 7]) assert.equal(t.data[i], 0);
    }
  });

  test(`concat's tangent against central differences, and under vmap of jvp, ${dt}`, () => {
    const x64 = w.astype(x, "float64");
    const f64 = fOf("float64");
    const h = 1e-6;
    const v = w.array([0.2, -0.5, 1, 0.3, -0.7], { dtype: dt });
    const [, t] = w.jvp(f, [x], [v]) as [NDArray, NDArray];
    const fd = w.div(w.sub(f64(w.add(x64, w.mul(w.astype(v, "float64"), h))), f64(w.sub(x64, w.mul(w.astype(v, "float64"), h)))), 2 * h);
    assertClose(t, fd, dt === "float32" ? { rtol: 2e-3, atol: 2e-3 } : { rtol: 1e-6, atol: 1e-7 }, "jvp vs central differences");
    // A batch of tangents through one pass against one jvp each.
    const V = w.stack([v, w.neg(v), w.mul(v, 2)], 0);
    const T = w.vmap((vi: NDArray) => (w.jvp(f, [x], [vi]) as [NDArray, NDArray])[1])(V) as NDArray;
    for (let b = 0; b < 3; b++) {
      const vb = w.reshape(w.slice(V, [b, 0], [b + 1, 5]), [5]);
      const [, tb] = w.jvp(f, [x], [vb]) as [NDArray, NDArray];
      assertClose(Array.from(T.data.subarray(b * 15, (b + 1) * 15)), Array.from(tb.data), tol(dt), `example ${b}`);
    }
  });
}

test("jet through a concat with a constant piece matches nested jvp", () => {
  const f = (x: number) => w.sum(w.mul(w.concat([w.reshape(w.sin(x), [1]), w.array([2, 3]), w.reshape(w.exp(x), [1])]), w.array([1, 2, 3, 4])));
  const [y, [d1, d2]] = w.jet(f, [0.4], [[1, 0]]) as unknown as [NDArray, NDArray[]];
  const want = Math.sin(0.4) + 2 * 2 + 3 * 3 + 4 * Math.exp(0.4);
  assertClose(y, want, { rtol: 1e-14 });
  assertClose(d1, Math.cos(0.4) + 4 * Math.exp(0.4), { rtol: 1e-14 }, "first derivative");
  assertClose(d2, -Math.sin(0.4) + 4 * Math.exp(0.4), { rtol: 1e-14 }, "second derivative");
});
