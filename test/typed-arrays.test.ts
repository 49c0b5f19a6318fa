// Float64Array and Float32Array arguments: every transform takes one as a single array leaf
// (a 1-d NDArray over the same buffer) and hands gradients and tangents back as the same kind
// of typed array, agreeing with the NDArray version of the same call.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose } from "./helpers/check.js";

// Plain functions of typed arrays are typed loosely here: the point is what reaches them at run time.
/* eslint-disable @typescript-eslint/no-explicit-any */

const f = (x: any): any => w.sum(w.mul(w.sin(x), w.square(x)));
const xs = [0.3, -1.2, 2.5, 0.7];
const x64 = () => Float64Array.from(xs);
const xnd = () => w.array(xs);

function assertTyped(v: unknown, ctor: Float64ArrayConstructor | Float32ArrayConstructor, expected: unknown, rtol = 1e-15): void {
  assert.ok(v instanceof ctor, `expected a ${ctor.name}, got ${v instanceof NDArray ? "an NDArray" : typeof v}`);
  assertClose(w.array(v as Float64Array), expected, { rtol });
}

describe("typed-array arguments under every transform", () => {
  test("grad and valueAndGrad return a Float64Array gradient", () => {
    const x = x64();
    assertTyped(w.grad(f)(x), Float64Array, w.grad(f)(xnd()));
    const [y, g] = w.valueAndGrad(f)(x);
    assertClose(y, f(xnd()));
    assertTyped(g, Float64Array, w.grad(f)(xnd()));
    assert.deepEqual(Array.from(x), xs, "the argument is not modified");
  });

  test("Float32Array in, Float32Array out (float32 arithmetic throughout)", () => {
    const x = Float32Array.from(xs);
    const g = w.grad(f)(x);
    assertTyped(g, Float32Array, w.grad(f)(w.astype(w.array(xs), "float32")), 0);
  });

  test("jvp, linearize and vjp take typed tangents and cotangents", () => {
    const t = Float64Array.of(1, 0.5, -1, 2);
    const [y, dy] = w.jvp(f, [x64()], [t]);
    const [yr, dyr] = w.jvp(f, [xnd()], [w.array(t)]);
    assertClose(y, yr);
    assertClose(dy, dyr);
    const [, lin] = w.linearize(f, x64());
    assertClose(lin(t), dyr);
    const [out, pb] = w.vjp((x: any) => w.mul(x, 3), x64());
    assert.ok(out instanceof NDArray, "the output is what f returned (an NDArray)");
    const [ct] = pb(w.array([1, 1, 1, 1]) as never);
    assertTyped(ct, Float64Array, w.array([3, 3, 3, 3]));
  });

  test("hessian, hvp and jacobian", () => {
    const H = w.hessian(f)(x64());
    assertClose(H, w.hessian(f)(xnd()));
    const v = Float64Array.of(1, -1, 0.5, 2);
    assertTyped(w.hvp(f, x64(), v), Float64Array, w.hvp(f, xnd(), w.array(v)), 1e-14);
    const J = w.jacobian((x: any) => w.sin(x))(x64());
    assert.ok(J instanceof NDArray);
    assert.deepEqual(J.shape, [4, 4]);
    assertClose(J, w.jacobian((x: any) => w.sin(x))(xnd()));
    assertClose(w.jacfwd(f)(x64()), w.grad(f)(xnd()));
    assertClose(w.jacrev(f)(x64()), w.grad(f)(xnd()));
  });

  test("grad of grad, and pytrees holding typed arrays", () => {
    const g2 = w.grad((x: any): any => w.sum(w.grad(f)(x)));
    assertTyped(g2(x64()), Float64Array, g2(xnd()), 1e-14);
    const loss = (p: any): any => w.sum(w.mul(p.a, w.exp(p.b)));
    const g = w.grad(loss)({ a: x64(), b: Float64Array.of(0, 1, 2, 3) }) as { a: unknown; b: unknown };
    assert.ok(g.a instanceof Float64Array && g.b instanceof Float64Array);
    assertClose(w.array(g.b as Float64Array), w.mul(w.array(xs), w.exp(w.array([0, 1, 2, 3]))));
  });

  test("compile: typed arrays in the signature, Float64Array gradients out", () => {
    const cg = w.compile(w.grad(f));
    const ref = w.grad(f)(xnd());
    assertTyped(cg(x64()), Float64Array, ref, 1e-14);
    assertTyped(cg(x64()), Float64Array, ref, 1e-14); // the generated code's run
    assert.equal(cg.counts.traces, 1);
    cg(xnd()); // an NDArray is another signature
    cg(Float64Array.of(1, 2)); // so is another length
    assert.equal(cg.counts.traces, 3);
    assertTyped(w.grad(w.compile(f))(x64()), Float64Array, ref, 1e-14);
    const chvp = w.compile((x: any, v: any) => w.hvp(f, x, v));
    const v = Float64Array.of(1, 2, 3, 4);
    assertTyped(chvp(x64(), v), Float64Array, w.hvp(f, xnd(), w.array(v)), 1e-14);
  });

  test("an argument not differentiated stays the caller's typed array", () => {
    const g = w.grad((a: number, data: Float64Array) => {
      assert.ok(data instanceof Float64Array);
      return w.mul(a, data[1]!);
    })(2, Float64Array.of(5, 7));
    assert.equal(g, 7);
  });
});
