// Comparisons of 0-d arrays are comparisons of the numbers they hold: a JS boolean, so that
// native `if` takes the branch the values select, eagerly, under every transform, and under
// compile (where the comparison is a guard). A 0-d bool NDArray is an object, and `if` read
// every object as true: it took the first branch whatever the values (#7 item 9).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";

const A = (v: number | number[], dtype: w.DType = "float64"): NDArray => w.array(v, { dtype });

/** s·2 when sum(x) > 0, s·(−3) otherwise, branching natively on a comparison of a 0-d array. */
const branchy = (x: NDArray): NDArray => {
  const s = w.sum(x);
  if (w.greater(s, 0)) return w.mul(s, 2);
  return w.mul(s, -3);
};

describe("comparisons of 0-d arrays are JS booleans", () => {
  test("every comparison, with a 0-d array on either side or both, in every float and int dtype", () => {
    const cases: [string, (a: w.Value, b: w.Value) => unknown, (a: number, b: number) => boolean][] = [
      ["greater", w.greater, (a, b) => a > b], ["greaterEqual", w.greaterEqual, (a, b) => a >= b], ["less", w.less, (a, b) => a < b],
      ["lessEqual", w.lessEqual, (a, b) => a <= b], ["equal", w.equal, (a, b) => a === b], ["notEqual", w.notEqual, (a, b) => a !== b],
    ];
    for (const [name, op, ref] of cases) {
      for (const dtype of ["float64", "float32", "int32"] as const) {
        for (const [a, b] of [[-1, 0], [0, 0], [2, 1]] as const) {
          for (const [x, y] of [[A(a, dtype), b], [a, A(b, dtype)], [A(a, dtype), A(b, dtype)]] as const) {
            const got = op(x, y);
            assert.equal(got, ref(a, b), `${name}(${a}, ${b}) ${dtype}: got ${got instanceof NDArray ? `a ${got.dtype} NDArray` : String(got)}`);
          }
        }
      }
    }
    // 0-d bool arrays compare as the booleans they hold.
    assert.equal(w.equal(w.reshape(w.greater(A([3]), 1) as NDArray, []), true), true);
    assert.equal(w.notEqual(w.astype(A(0), "bool"), true), true);
  });

  test("an operand of rank 1 or more still gives a bool array", () => {
    const r = w.greater(A(1), A([0, 2]));
    assert.ok(r instanceof NDArray && r.dtype === "bool");
    assert.deepEqual(Array.from(r.data), [1, 0]);
    assert.ok(w.less(A([5]), A(1)) instanceof NDArray);
  });

  test("native if takes the branch the values select, eagerly (it took the first one always)", () => {
    assert.equal(branchy(A([-1, -2])).item(), 9);
    assert.equal(branchy(A([1, 2])).item(), 6);
    assert.equal(w.where(w.less(w.sum(A([1, 2])), 0), 1, 2), 2, "a where on a 0-d comparison selects as on a boolean");
  });
});

describe("under transforms and compile", () => {
  test("under vmap a comparison of per-example 0-d arrays stays a bool array, for where (one boolean cannot stand for a batch)", () => {
    const f = (x: NDArray) => { const s = w.sum(x); return w.where(w.greater(s, 0), w.mul(s, 2), w.mul(s, -3)); };
    assert.deepEqual(Array.from(w.vmap(f)(w.array([[-1, -2], [1, 2]])).data), [9, 6]);
  });

  const neg = A([-1, -2]), pos = A([1, 2]);

  test("grad, jvp and hessian follow the branch", () => {
    assert.deepEqual(Array.from(w.grad(branchy)(neg).data), [-3, -3]);
    assert.deepEqual(Array.from(w.grad(branchy)(pos).data), [2, 2]);
    const [y, dy] = w.jvp(branchy, [neg], [A([1, 1])]);
    assert.equal(y.item(), 9);
    assert.equal(dy.item(), -6);
    assert.deepEqual(Array.from(w.hessian((x: NDArray) => { const s = w.sum(w.square(x)); return w.lessEqual(s, 4) ? s : w.mul(s, s); })(A([1, 2])).data), [28, 16, 16, 52], "s = 5 > 4: the Hessian of s²");
  });

  test("compile records the comparison as a guard: one variant per branch, each giving its branch's value", () => {
    const c = w.compile(branchy);
    assert.equal(c(neg).item(), 9);
    assert.equal(c(pos).item(), 6);
    assert.equal(c(neg).item(), 9, "the first variant again");
    assert.equal(c(A([3, 4])).item(), 14, "the second variant again");
    assert.equal(c.variants.length, 2);
    for (const v of c.variants) assert.equal(v.stats.guards, 1);
    assert.equal(c.stats.traces, 2);
  });

  test("compile(grad) and grad(compile) follow the branch too", () => {
    const cg = w.compile(w.grad(branchy));
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(Array.from(cg(neg).data), [-3, -3]);
      assert.deepEqual(Array.from(cg(pos).data), [2, 2]);
    }
    const gc = w.grad(w.compile(branchy));
    assert.deepEqual(Array.from(gc(neg).data), [-3, -3]);
    assert.deepEqual(Array.from(gc(pos).data), [2, 2]);
  });
});
