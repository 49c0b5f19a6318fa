// Tangents and cotangents are matched to their values by pytree structure and object keys
// (as JAX's tree_util does), never by leaf order, and a mismatch is a ShapeError that shows
// both structures. Leaves fit their values: a number for a number, an array of the value's
// dtype for an array (a plain number is weakly typed), float32 and float64 never mixed.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertThrowsWith } from "./helpers/check.js";

type P = { a: number; b: number };

describe("matched by keys, not leaf order", () => {
  test("jvp: a tangent {b: 1, a: 0} for the primal {a: 1, b: 2} is the direction b (it gave 3, not 5)", () => {
    const f = (p: P) => w.add(w.mul(3, p.a), w.mul(5, p.b));
    assert.deepEqual(w.jvp(f, [{ a: 1, b: 2 }], [{ b: 1, a: 0 }]), [13, 5]);
    assert.deepEqual(w.jvp(f, [{ a: 1, b: 2 }], [{ a: 1, b: 0 }]), [13, 3]);
  });

  test("vjp: the cotangent {v: 1, u: 0} of the output {u, v} selects v (it gave 2, not 7)", () => {
    const [y, pb] = w.vjp((x: number) => ({ u: w.mul(2, x), v: w.mul(7, x) }), 1);
    assert.deepEqual(y, { u: 2, v: 7 });
    assert.deepEqual(pb({ v: 1, u: 0 } as typeof y), [7]);
    assert.deepEqual(pb({ u: 1, v: 0 } as typeof y), [2]);
  });

  test("linearize and hvp match by keys too", () => {
    const f = (p: P) => w.add(w.mul(3, p.a), w.mul(5, p.b));
    const [, lin] = w.linearize(f, { a: 1, b: 2 });
    assert.equal(lin({ b: 1, a: 0 } as P), 5);
    const g = (p: P) => w.add(w.square(p.a), w.mul(10, w.square(p.b)));
    assert.deepEqual(w.hvp(g, { a: 1, b: 2 }, { b: 1, a: 0 } as P), { a: 0, b: 20 });
  });
});

describe("a mismatched structure is a ShapeError showing both structures", () => {
  const f = (p: P) => w.add(p.a, p.b);
  test("other keys: {x, y} for {a, b}", () => {
    assertThrowsWith(() => w.jvp(f, [{ a: 1, b: 2 }], [{ x: 1, y: 0 } as unknown as P]), w.ShapeError, ["jvp:", "{x: *, y: *}", "{a: *, b: *}", "primal's structure"]);
    const [, lin] = w.linearize(f, { a: 1, b: 2 });
    assertThrowsWith(() => lin({ x: 1, y: 0 } as unknown as P), w.ShapeError, ["linearize:", "{x: *, y: *}", "{a: *, b: *}"]);
    assertThrowsWith(() => w.hvp(f, { a: 1, b: 2 }, { x: 1, y: 0 } as unknown as P), w.ShapeError, ["hvp:", "vector v has structure {x: *, y: *}", "point x has {a: *, b: *}"]);
  });

  test("other nesting: [[1], 0] for [1, [2]], and a missing or extra key", () => {
    const g = (p: [number, number[]]) => w.add(p[0], p[1][0]!);
    assertThrowsWith(() => w.jvp(g, [[1, [2]]], [[[1], 0] as unknown as [number, number[]]]), w.ShapeError, ["jvp:", "[[*], *]", "[*, [*]]"]);
    assertThrowsWith(() => w.jvp(f, [{ a: 1, b: 2 }], [{ a: 1 } as P]), w.ShapeError, ["{a: *}", "{a: *, b: *}"]);
    assertThrowsWith(() => w.jvp(f, [{ a: 1, b: 2 }], [{ a: 1, b: 0, c: 3 } as P]), w.ShapeError, ["{a: *, b: *, c: *}"]);
  });

  test("vjp: a cotangent of another structure, or none", () => {
    const [, pb] = w.vjp((x: number) => ({ u: w.mul(2, x), v: w.mul(7, x) }), 1);
    assertThrowsWith(() => pb({ u: 1, w: 0 } as never), w.ShapeError, ["vjp:", "{u: *, w: *}", "output has {u: *, v: *}"]);
    assertThrowsWith(() => pb([1, 0] as never), w.ShapeError, ["vjp:", "[*, *]", "{u: *, v: *}"]);
    assertThrowsWith(() => pb(undefined as never), w.ShapeError, ["vjp:", "structure undefined"]);
  });

  test("static parts (strings, flags) stay where they are", () => {
    const h = (p: { x: number; name: string }) => w.mul(p.x, p.name.length);
    assert.deepEqual(w.jvp(h, [{ x: 2, name: "abc" }], [{ name: "abc", x: 1 }]), [6, 3]);
    assertThrowsWith(() => w.jvp(h, [{ x: 2, name: "abc" }], [{ name: 1, x: 1 } as unknown as { x: number; name: string }]), w.ShapeError, ["{name: *, x: *}", '{x: *, name: "abc"}']);
  });
});

describe("leaves fit their values", () => {
  const x32 = w.array([1, 2], { dtype: "float32" });

  test("shapes must match, with the shapes in the message", () => {
    assertThrowsWith(() => w.jvp((x: NDArray) => x, [w.array([1, 2])], [w.array([1, 2, 3])]), w.ShapeError, ["jvp:", "shape [3]", "primal has [2]"]);
  });

  test("a plain number is weakly typed: it takes a float32 value's dtype, for a tangent and a cotangent", () => {
    const [y, t] = w.jvp((x: NDArray) => w.sum(w.mul(x, x)), [w.array(3, { dtype: "float32" })], [1 as unknown as NDArray]);
    assert.equal((y as NDArray).dtype, "float32");
    assert.equal((t as NDArray).dtype, "float32");
    const [, pb] = w.vjp((x: NDArray) => w.sum(w.mul(x, x)), x32);
    const [g] = pb(1 as unknown as NDArray);
    assert.equal(g.dtype, "float32");
    assert.deepEqual([...g.data], [2, 4]);
  });

  test("a 0-d array tangent for a number primal becomes a number (the output tangent is a number too)", () => {
    const [, t] = w.jvp((x: number) => w.sin(x), [0], [w.array(2) as unknown as number]);
    assert.equal(t, 2);
  });

  test("float64 for float32 (or the reverse) and int32 or bool leaves are DTypeErrors naming the fix", () => {
    assertThrowsWith(() => w.jvp((x: NDArray) => x, [x32], [w.array([1, 1])]), w.DTypeError, ["jvp:", "float64", "float32", "astype"]);
    const [, pb] = w.vjp((x: NDArray) => w.sin(x), x32);
    assertThrowsWith(() => pb(w.array([1, 1])), w.DTypeError, ["vjp:", "float64", "output is float32"]);
    assertThrowsWith(() => w.jvp((x: NDArray) => x, [w.array([1, 2])], [w.array([1, 1], { dtype: "int32" })]), w.DTypeError, ["jvp:", "int32", "float"]);
  });
});
