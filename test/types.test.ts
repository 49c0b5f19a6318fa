// Type-level tests: what the public types accept, refuse (each `// @ts-expect-error` line must
// be an error, or `npm run typecheck` fails with "Unused '@ts-expect-error' directive") and
// infer (Expect<Equal<…>> fails to compile when the inferred type differs). They are checked
// by the typecheck step of `npm test`; the runtime test below runs the same calls once.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when T is exactly true. */
function expect<T extends true>(_ok?: T): void {}

declare const x: number;
declare const a: NDArray;

/** Never called: its statements are checked by tsc, not run. */
export function typeOnly(): void {
  // ---- any op passed directly to a transform
  const dtanh = w.grad(w.tanh);
  const dt = dtanh(x);
  expect<Equal<typeof dt, number>>();
  const dta = dtanh(a);
  expect<Equal<typeof dta, NDArray>>();
  w.grad(w.sin)(x); w.grad(w.cos)(x); w.grad(w.exp)(x); w.grad(w.log)(x); w.grad(w.sqrt)(x); w.grad(w.square)(x);
  w.grad(w.neg)(x); w.grad(w.abs)(x); w.grad(w.sigmoid)(x); w.grad(w.softplus)(x); w.grad(w.relu)(x); w.grad(w.erf)(x);
  w.grad(w.mul)(x, x); w.grad(w.pow, { argnums: [0, 1] })(x, 2);
  const d2 = w.grad(w.grad(w.sin))(x);
  expect<Equal<typeof d2, number>>();
  w.jvp(w.tanh, [x], [1]);
  w.vjp(w.exp, x);
  w.hessian(w.cos)(x);

  // ---- plain numbers stay numbers, arrays stay arrays
  expect<Equal<ReturnType<typeof w.sin<number>>, number>>();
  expect<Equal<typeof w.sin extends (a: NDArray) => NDArray ? true : false, true>>();
  expect<Equal<ReturnType<typeof w.add<NDArray, number>>, NDArray>>();

  // ---- valueAndGrad of a number-returning f: the value is a number
  const [v1, g1] = w.valueAndGrad((t: number) => w.mul(t, t))(3);
  expect<Equal<typeof v1, number>>();
  expect<Equal<typeof g1, number>>();
  const [v2] = w.valueAndGrad((m: NDArray) => w.sum(m))(a);
  expect<Equal<typeof v2, NDArray>>();

  // ---- several argnums: an ordinary (mutable) tuple of the arguments' types
  const gs = w.grad((p: number, q: NDArray) => w.sum(w.mul(p, q)), { argnums: [0, 1] })(x, a);
  expect<Equal<typeof gs, [number, NDArray]>>();
  const [gp, gq] = gs;
  expect<Equal<typeof gp, number>>();
  expect<Equal<typeof gq, NDArray>>();
  const one = w.grad((p: number, q: NDArray) => w.sum(w.mul(p, q)), { argnums: 1 })(x, a);
  expect<Equal<typeof one, NDArray>>();
  const [, vg] = w.valueAndGrad((p: number, q: number) => w.mul(p, q), { argnums: [1, 0] })(1, 2);
  expect<Equal<typeof vg, [number, number]>>();
  // argnums from the end, as in JAX
  const last = w.grad((p: number, q: NDArray) => w.sum(w.mul(p, q)), { argnums: -1 })(x, a);
  expect<Equal<typeof last, NDArray>>();
  const both = w.grad((p: number, q: NDArray) => w.sum(w.mul(p, q)), { argnums: [-2, -1] })(x, a);
  expect<Equal<typeof both, [number, NDArray]>>();

  // ---- where: an array condition gives an array, whatever the branches; a comparison of arrays
  // may be a JS boolean (0-d operands), and then number branches give a number
  const wm = w.where(w.greater(a, 0), 1, 0);
  expect<Equal<typeof wm, NDArray | number>>();
  const wc = w.where(w.ones([2], "bool"), 1, 0);
  expect<Equal<typeof wc, NDArray>>();
  const wn = w.where(w.greater(x, 0), x, 0);
  expect<Equal<typeof wn, number>>();
  const wa = w.where(w.greater(a, 0), a, 0);
  expect<Equal<typeof wa, NDArray>>();

  // ---- value() narrows
  const vx = w.value(x);
  expect<Equal<typeof vx, number>>();
  const va = w.value(a);
  expect<Equal<typeof va, NDArray>>();

  // ---- checkGrad / numericGradient: 0-d NDArray outputs and pytree arguments
  w.checkGrad((m: NDArray) => w.sum(w.square(m)), a);
  w.checkGrad((p: { w: NDArray; b: number }) => w.add(w.sum(p.w), p.b), { w: a, b: x });
  const ng = w.numericGradient((p: { w: NDArray; b: number }) => w.add(w.sum(p.w), p.b), { w: a, b: x }).value;
  expect<Equal<typeof ng, { w: NDArray; b: number }>>();
  const nv = w.numericGradient((v: number[]) => v[0]!, [1, 2]).value;
  expect<Equal<typeof nv, number[]>>();

  // ---- what is refused
  // @ts-expect-error: grad of a function returning a string
  w.grad((t: number) => String(t));
  // @ts-expect-error: a string where a value belongs
  w.sin("1");
  // @ts-expect-error: argnums past the arguments is caught at run time, but a string is not an index
  w.grad((p: number) => p, { argnums: "0" });
  // @ts-expect-error: checkGrad of a function returning a string
  w.checkGrad((t: number) => String(t), 1);
}

test("the type-tested calls run and give what their types say", () => {
  assert.equal(w.grad(w.tanh)(0), 1);
  assert.equal(w.grad(w.grad(w.sin))(0.5), -Math.sin(0.5));
  const [v1, g1] = w.valueAndGrad((t: number) => w.mul(t, t))(3);
  assert.equal(typeof v1, "number");
  assert.equal(g1, 6);
  const gs = w.grad((p: number, q: NDArray) => w.sum(w.mul(p, q)), { argnums: [0, 1] })(2, w.array([1, 2]));
  assert.ok(Array.isArray(gs));
  gs[0] = 1; // a mutable tuple
  assert.ok(w.where(w.greater(w.array([1, -1]), 0), 1, 0) instanceof w.NDArray);
  assert.equal(typeof w.value(2), "number");
  assert.ok(w.checkGrad((p: { w: NDArray; b: number }) => w.add(w.sum(w.square(p.w)), p.b), { w: w.array([1, 2]), b: 3 }).ok);
  const ng = w.numericGradient((p: { w: NDArray; b: number }) => w.add(w.sum(w.square(p.w)), p.b), { w: w.array([1, 2]), b: 3 }).value;
  assert.ok(ng.w instanceof w.NDArray);
  assert.equal(typeof ng.b, "number");
});
