// float32 stays float32 through every transform, eager and compiled: random programs mixing a
// float32 array with plain numbers (toScalar, sums to 0-d arrays, where with number branches,
// maximum, hypot, norm) run under grad, valueAndGrad, vjp, jvp, linearize, jacfwd, jacrev, jacobian,
// hessian, hvp (on the arguments, and on one pytree of both) and compile of each; every array leaf of every result is float32, numbers stay
// numbers, and the values agree with the same program in float64.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, property, randArray, type AnyFn, type Rng } from "./helpers/check.js";
import { randomProgram, type Program } from "./helpers/random-program.js";

const F32 = { rtol: 2e-3 };

/** a32 and a64 have the same structure, numbers where numbers, a32's arrays float32 and a64's float64. */
function sameKinds(a32: unknown, a64: unknown, path: string): void {
  if (typeof a64 === "number") {
    assert.equal(typeof a32, "number", `${path}: expected a number, got ${a32 instanceof NDArray ? `NDArray(${a32.dtype})` : typeof a32}`);
  } else if (a64 instanceof NDArray) {
    assert.ok(a32 instanceof NDArray, `${path}: expected an NDArray, got ${typeof a32}`);
    assert.deepEqual([...a32.shape], [...a64.shape], `${path}: shape`);
    assert.equal(a32.dtype, "float32", `${path}: dtype`);
    assert.equal(a64.dtype, "float64", `${path}: the float64 run's dtype`);
  } else if (Array.isArray(a64)) {
    assert.ok(Array.isArray(a32) && a32.length === a64.length, `${path}: expected an array of ${a64.length}`);
    a64.forEach((e, i) => sameKinds((a32 as unknown[])[i], e, `${path}[${i}]`));
  } else if (typeof a64 === "object" && a64 !== null) {
    assert.ok(typeof a32 === "object" && a32 !== null && !Array.isArray(a32), `${path}: expected an object`);
    assert.deepEqual(Object.keys(a32), Object.keys(a64), `${path}: keys`);
    for (const [k, e] of Object.entries(a64)) sameKinds((a32 as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else {
    assert.fail(`${path}: unexpected value ${String(a64)}`);
  }
}

type Inputs = { x: NDArray; s: number; t: NDArray };

/** Each transform as a function of the inputs only, so that compile can wrap it whole. */
const TRANSFORMS: Record<string, (f: Program) => (x: NDArray, s: number, t: NDArray) => unknown> = {
  f: (f) => (x, s) => f(x, s),
  grad: (f) => (x, s) => w.grad(f, { argnums: [0, 1] })(x, s),
  valueAndGrad: (f) => (x, s) => w.valueAndGrad(f, { argnums: 0 })(x, s),
  vjp: (f) => (x, s) => {
    const [y, pb] = w.vjp(f as AnyFn, x, s);
    // A plain number as the cotangent of a 0-d float32 output is weakly typed: it takes the output's dtype.
    return pb(1 as typeof y);
  },
  jvp: (f) => (x, s, t) => w.jvp(f as AnyFn, [x, s], [t, 0.5]),
  linearize: (f) => (x, s, t) => w.linearize(f as AnyFn, x, s)[1](t, 0.5),
  jacfwd: (f) => (x, s) => w.jacfwd((v: NDArray) => w.mul(f(v, s) as NDArray, v))(x),
  jacrev: (f) => (x, s) => w.jacrev((v: NDArray) => w.mul(f(v, s) as NDArray, v))(x),
  jacobian: (f) => (x, s) => w.jacobian((v: NDArray, u: number) => f(v, u), { argnums: [0, 1] })(x, s),
  hessian: (f) => (x, s) => w.hessian((v: NDArray) => f(v, s) as NDArray)(x),
  hvp: (f) => (x, s, t) => w.hvp((v: NDArray) => f(v, s) as NDArray, x, t),
  // The same transforms over one pytree argument [x, s]: a float32 leaf beside a number leaf.
  "grad of [x, s]": (f) => (x, s) => w.grad((p: [NDArray, number]) => f(p[0], p[1]))([x, s]),
  "vjp of {x, s}": (f) => (x, s) => w.vjp((p: { x: NDArray; s: number }) => f(p.x, p.s) as NDArray, { x, s })[1](1 as unknown as NDArray),
  "jvp of [x, s]": (f) => (x, s, t) => w.jvp((p: [NDArray, number]) => f(p[0], p[1]), [[x, s]], [[t, 1]]),
  "hvp of [x, s]": (f) => (x, s, t) => w.hvp((p: [NDArray, number]) => f(p[0], p[1]) as NDArray, [x, s], [t, 1]),
  "hessian of [x, s]": (f) => (x, s) => w.hessian((p: [NDArray, number]) => f(p[0], p[1]) as NDArray)([x, s]),
};

function inputs(r: Rng): [Inputs, Inputs] {
  const x = randArray([3], () => r.uniform(0.5, 1.5), "float32");
  const t = randArray([3], () => r.uniform(-1, 1), "float32");
  const s = Math.fround(r.uniform(-1, 1));
  return [{ x, s, t }, { x: w.astype(x, "float64"), s, t: w.astype(t, "float64") }];
}

describe("random programs mixing float32 arrays and numbers keep float32 under every transform", () => {
  for (const [name, make] of Object.entries(TRANSFORMS)) {
    test(`${name}, eager and compiled`, () => {
      property((r) => {
        const f = randomProgram(r);
        const [i32, i64] = inputs(r);
        const run = make(f);
        const y32 = run(i32.x, i32.s, i32.t), y64 = run(i64.x, i64.s, i64.t);
        sameKinds(y32, y64, `${name} of ${f.text}`);
        assertClose(y32, y64, F32, `${name} of ${f.text}: float32 vs float64`);
        const c = w.compile(run);
        c(i32.x, i32.s, i32.t);
        const z32 = c(i32.x, i32.s, i32.t);
        sameKinds(z32, y64, `compile(${name}) of ${f.text}`);
        assertClose(z32, y32, { rtol: 1e-6 }, `compile(${name}) of ${f.text} vs eager`);
      }, 12);
    });
  }
});
