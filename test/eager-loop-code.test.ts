// Eager transforms evaluate a checkpointed scan's reverse sweep on concrete values through its
// generated code (compile/loop-eval.ts installs core's loop runner). These tests compare every result with the
// interpreter's (the runner removed), bit for bit, over repeated calls: checkpointed and plain
// scans, float32, pytree carries, per-step outputs, reversed scans, whileLoop, and loops under
// an outer transform (jvp of grad, vmap of grad, grad of grad).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { setLoopRunner, type LoopRunner } from "../src/core/primitive.js";

type V = w.Value;

const bitsOf = (v: unknown): string =>
  JSON.stringify(v instanceof NDArray ? [v.dtype, v.shape, Array.from(new Uint8Array(Float64Array.from(v.data as ArrayLike<number>).buffer))]
    : Array.isArray(v) ? v.map(bitsOf)
    : [typeof v, Array.from(new Uint8Array(Float64Array.of(v as number).buffer))]);

/** f's results with the loop runner installed (counting the lines it computed) and without it. */
function both(f: () => unknown, calls = 3): { code: string[]; interpreted: string[]; ran: number } {
  let ran = 0;
  const runner = setLoopRunner(null) as LoopRunner;
  assert.ok(runner !== null, "importing the library installs a loop runner");
  const interpreted = Array.from({ length: calls }, () => bitsOf(f()));
  setLoopRunner((p, a, ps) => { const r = runner(p, a, ps); if (r !== null) ran++; return r; });
  try {
    const code = Array.from({ length: calls }, () => bitsOf(f()));
    return { code, interpreted, ran };
  } finally {
    setLoopRunner(runner);
  }
}

function same(f: () => unknown, what: string, expectCode = true): void {
  const { code, interpreted, ran } = both(f);
  if (expectCode) assert.ok(ran > 0, `${what}: loop lines ran their generated code`);
  code.forEach((c, i) => assert.equal(c, interpreted[i], `${what}, call ${i}`));
}

describe("eager loop lines run their generated code: the interpreter's bits", () => {
  test("W7-like recurrence, every checkpoint plan and none, float64 and float32", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const x0 = w.array(Array.from({ length: 7 }, (_, i) => (i + 1) / 7), { dtype });
      for (const checkpoints of [undefined, 1, 4, "binomial", "sqrt"] as const) {
        const f = (x: V): NDArray => w.sum(w.scan((c: V) => [w.add(c, w.mul(1e-2, w.sin(c))), null], x, null, { length: 123, checkpoints })[0] as V) as NDArray;
        same(() => w.valueAndGrad(f)(x0), `${dtype}, checkpoints ${checkpoints}`, checkpoints !== undefined);
      }
    }
  });

  test("pytree carries, scanned arrays, per-step outputs, reversed scans", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const xs = w.array(Array.from({ length: 41 * 2 }, (_, i) => Math.cos(0.37 * i)), { shape: [41, 2], dtype });
      const a0 = w.array([0.4, -0.9], { dtype });
      for (const reverse of [false, true]) {
        for (const checkpoints of [undefined, 1, 4, "binomial", "sqrt"] as const) {
          const f = (a0: NDArray, s0: number, ys: NDArray): NDArray => {
            const [[a, s], y] = w.scan(([a, s]: V[], x: V) => {
              const a1 = w.add(a!, w.mul(0.1, w.sin(w.mul(a!, x))));
              return [[a1, w.add(s!, w.mul(0.01, w.sum(w.astype(w.square(a1), "float64"))))], w.mul(s!, x)];
            }, [a0, s0] as V[], ys, { checkpoints, reverse }) as [V[], V];
            return w.add(w.add(w.sum(a!), s!), w.sum(w.square(y))) as NDArray;
          };
          same(() => w.grad(f, { argnums: [0, 1, 2] })(a0, 0.3, xs), `${dtype}, reverse ${reverse}, checkpoints ${checkpoints}`, checkpoints !== undefined);
        }
      }
    }
  });

  test("scalar carries, a branch met mid-loop, whileLoop with checkpoints", () => {
    const g = (x: number): number => w.scan((c: V) => [w.greater(c, 1.5) ? w.mul(c, 0.99) : w.add(c, w.mul(0.1, w.cos(c))), null], x, null, { length: 80, checkpoints: 5 })[0] as number;
    same(() => w.valueAndGrad(g)(0.7), "branching scalar scan");
    const h = (x: V): NDArray => w.sum(w.whileLoop((c: V) => w.less(w.sum(c), 9), (c: V) => w.add(c, w.mul(0.05, w.exp(w.neg(c)))), x, { checkpoints: 4 }) as V) as NDArray;
    same(() => w.valueAndGrad(h)(w.array([0.2, 0.5, 1.1])), "checkpointed whileLoop", false);
  });

  test("under an outer transform: jvp of grad, vmap of grad, grad of grad", () => {
    const f = (x: V): NDArray => w.sum(w.scan((c: V) => [w.add(c, w.mul(1e-2, w.sin(c))), null], x, null, { length: 50, checkpoints: "binomial" })[0] as V) as NDArray;
    const x0 = w.array([0.3, 0.8, 1.9]);
    same(() => w.jvp(w.grad(f), [x0], [w.array([1, 0.5, -2])]), "jvp of grad", false);
    same(() => w.vmap(w.grad(f))(w.array([[0.3, 0.8, 1.9], [1.1, -0.4, 2.5]])), "vmap of grad", false);
    const s = (x: number): number => w.scan((c: V) => [w.add(c, w.mul(1e-2, w.sin(c))), null], x, null, { length: 50, checkpoints: 3 })[0] as number;
    same(() => w.grad(w.grad(s))(0.6), "grad of grad", false);
  });
});
