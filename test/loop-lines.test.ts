// foriLoop and whileLoop as one line of the trace each, and loop bodies with branches: the
// line against the same steps run as a native loop (values and JVPs bit for bit, gradients to
// rounding), and the fallbacks that keep a body correct when it cannot stay one line.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, checkAll, Rng } from "./helpers/check.js";

type V = w.Value;
const REASSOCIATED = { rtol: 1e-13, atol: 1e-15 };

/** The trace's top-level lines whose op is `op`. */
function linesOf(f: (...a: never[]) => unknown, args: unknown[], op: string): number {
  return w.trace(f as never, ...(args as never[])).lines.filter((l) => l.op === op).length;
}

describe("foriLoop is one line", () => {
  const body = (x: V) => (i: number, c: V): V => w.add(w.mul(c, w.sin(x)), w.mul(i, 0.1));
  const viaFori = (x: V): V => w.sum(w.foriLoop(0, 6, body(x), x));
  const native = (x: V): V => { let c = x; for (let i = 0; i < 6; i++) c = body(x)(i, c); return w.sum(c); };
  const x = w.array([0.3, -1.2, 2]);

  test("one scan line whatever the trip count; values, JVPs exact, gradients and Hessians to rounding", () => {
    assert.equal(linesOf(viaFori, [x], "scan"), 1);
    assert.ok(w.trace(viaFori as never, x as never).lines.length < 6);
    assert.deepEqual(w.value(viaFori(x)), w.value(native(x)));
    const t = w.array([1, -2, 0.5]);
    assert.deepEqual(JSON.stringify(w.jvp(viaFori, [x], [t])), JSON.stringify(w.jvp(native, [x], [t])));
    assertClose(w.grad(viaFori)(x), w.grad(native)(x), REASSOCIATED);
    assertClose(w.hessian(viaFori)(x), w.hessian(native)(x), REASSOCIATED);
    checkAll(viaFori, [x], new Rng(3), { second: true });
  });

  test("an index used as a JS number (i < 3, xs[i]) runs the loop unrolled, with plain numbers", () => {
    const ks = [2, 3, 5, 7];
    const f = (x: number): V => w.foriLoop(0, 4, (i, c: V) => (i < 2 ? w.mul(c, x) : w.add(c, w.mul(ks[i]!, x))), x);
    // f = x³ + 12x
    assert.equal(f(1.5), 1.5 ** 3 + 12 * 1.5);
    assert.equal(w.grad(f)(1.5), 3 * 1.5 ** 2 + 12);
    assert.equal(linesOf(f, [1.5], "scan"), 0);
  });
});

describe("loop bodies with branches", () => {
  test("a body reading value() of its slice: a variant per outcome; JVPs through derived bodies see the value guards", () => {
    const xs = w.array([0.5, -1, 2, -0.25, 3]);
    const step = (c: V, x: V): V => (w.value(x) > 0 ? w.mul(c, x) : w.add(c, x));
    const viaScan = (a: V): V => w.scan((c: V, x: V) => [step(c, x), null], a, xs)[0];
    const native = (a: V): V => { let c = a; for (let t = 0; t < 5; t++) c = step(c, xs.data[t]!); return c; };
    for (const a of [0.7, -2]) {
      assert.equal(viaScan(a), native(a));
      assert.deepEqual(w.jvp(viaScan, [a], [1]), w.jvp(native, [a], [1]));
      assert.equal(w.grad(viaScan)(a), w.grad(native)(a));
      assert.equal(w.hessian(viaScan)(a), w.hessian(native)(a));
    }
  });
});
