// Released tapes release memory (#7 item 13): the pool of scalar stores (the typed arrays of a
// tape's scalar lines) keeps what it holds strongly bounded after a big gradient. It kept every
// grown store: +33 MB after one T = 1e5 gradient, +132 MB after T = 1e6, even after GC.
// Checked on the pool's own count of the bytes it holds, not on timing or RSS (bench/memory.mjs
// measures RSS after GC).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { scalarStorePool } from "../src/transforms/reverse.js";

/** T steps of x ← x + h·sin(a·x) on plain numbers: 3 scalar lines per step on the tape. */
const recurrence = (T: number) => (a: number): number => {
  let x: number = 1;
  for (let t = 0; t < T; t++) x = w.add(x, w.mul(1e-4, w.sin(w.mul(a, x)))) as number;
  return x;
};

describe("the scalar store pool is bounded", () => {
  test("small tapes' stores are still kept and reused", () => {
    const f = (a: number) => w.mul(w.sin(a), a);
    for (let i = 0; i < 3; i++) w.grad(f)(0.5);
    const before = scalarStorePool();
    assert.ok(before.stores >= 1 && before.bytes > 0 && before.bytes <= before.maxBytes);
    w.grad(f)(0.5);
    assert.equal(scalarStorePool().stores, before.stores, "one store taken and given back");
    // Nested tapes take several stores; all come back within the bound.
    w.hessian((v: number[]) => w.mul(w.mul(v[0]!, v[1]!), w.sin(v[0]!)))([0.3, 0.4]);
    const after = scalarStorePool();
    assert.ok(after.bytes <= after.maxBytes && after.stores <= 16);
  });

  test("after a T = 1e5 gradient (3e5 lines) the pool holds at most its bound, and the gradient is right", () => {
    const f = recurrence(1e5);
    const g = w.grad(f)(0.7);
    const [, dy] = w.jvp(f, [0.7], [1]);
    assert.ok(Math.abs(g - dy) <= 1e-12 * Math.abs(dy), `grad ${g} vs jvp ${dy}`);
    const p = scalarStorePool();
    assert.ok(p.bytes <= p.maxBytes, `the pool holds ${p.bytes} bytes, above its bound ${p.maxBytes}`);
    assert.ok(p.bytes < 33 * (1 << 18), `the grown store (${33 * (1 << 18)} bytes for 262,144 nodes) is not held strongly: ${p.bytes}`);
    // A second big gradient (which may reuse the weakly held store) gives the same value.
    assert.equal(w.grad(f)(0.7), g);
  });
});
