// Compiled scans write per-step outputs straight into the zero-padded arrays after them
// (compile/place.ts): the gradient of a scan over slices of one array is one loop adding into
// one array, with no unslice and no add left; bit for bit the eager gradient, signed zeros
// included, for numbers and rows, float64 and float32, either direction, two or three slices.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { evaluateConcrete, MISS } from "../src/core/evaluate.js";

type V = w.Value;

/** The elements with their signs of zero (deepStrictEqual tells −0 from +0 apart through Object.is). */
const bits = (v: unknown): number[] => Array.from((v as NDArray).data);

/** Loss of a scan over `k` shifted slices of x's leading axis, each step adding term(slices). */
const shifted = (k: number, term: (xs: V[]) => V, o: w.ScanOptions = {}) => (x: V): V => {
  const m = (x as NDArray).shape[0]! - k + 1;
  const xs = Array.from({ length: k }, (_, i) => w.slice(x, [i], [i + m]));
  return w.sum(w.scan((s: V, sl: V[]) => [w.add(s, term(sl)), null], 0 as V, xs, o)[0] as V) as V;
};

/** The compiled gradient against the eager one, bit for bit; gives the generated source. */
function sameAsEager(f: (x: V) => V, x: NDArray): string {
  const cf = w.compile(w.grad(f as never));
  const want = bits(w.grad(f as never)(x as never));
  assert.deepStrictEqual(bits(cf(x as never)), want);
  assert.deepStrictEqual(bits(cf(x as never)), want, "a second call (buffers from the pool)");
  // The list the code was generated from, run line by line through the kernels: the same bits.
  const v = cf.lastCompiled!;
  const r = evaluateConcrete(v.trace, [x]);
  assert.notEqual(r, MISS);
  assert.deepStrictEqual(bits((r as unknown[])[0]), want);
  return v.source;
}

const rosenTerm = ([a, b]: V[]): V => w.add(w.mul(100, w.square(w.sub(b!, w.square(a!)))), w.square(w.sub(1, a!)));
const x64 = (n: number, dtype: w.DType = "float64") => w.array(Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1 + i / (10 * n))), dtype === "float32" ? { dtype } as never : undefined);

describe("compiled scans place per-step outputs into the arrays after them", () => {
  test("W2 as a scan: one loop, no unslice and no add after it; the eager gradient's bits", () => {
    const src = sameAsEager(shifted(2, rosenTerm), x64(50));
    assert.doesNotMatch(src, /unslice|_add\b/);
    assert.equal(src.match(/for \(let f\d+_i /g)?.length, 1, src);
  });

  test("signed zeros: −0 + −0 stays −0 where both slices reach, +0 where only one does", () => {
    // Every cotangent is −0: a·(−0) and b·(−0).
    const z = ([a, b]: V[]): V => w.add(w.mul(a!, -0), w.mul(b!, -0));
    const x = x64(9);
    const g = bits(w.grad(shifted(2, z) as never)(x as never));
    assert.ok(Object.is(g[0], 0) && Object.is(g[8], 0) && Object.is(g[4], -0), String(g));
    sameAsEager(shifted(2, z), x);
    // One slice alone: the unslice is a store, −0 kept, the padding +0.
    const one = (x: V): V => w.sum(w.scan((s: V, a: V) => [w.add(s, w.mul(a, -0)), null], 0 as V, w.slice(x, [1], [9]))[0] as V) as V;
    const g1 = bits(w.grad(one as never)(x as never));
    assert.ok(Object.is(g1[0], 0) && Object.is(g1[1], -0), String(g1));
    sameAsEager(one, x);
  });

  test("slices one element apart: the leader's row held for the next step, either direction, either order", () => {
    const swapped = (o: w.ScanOptions = {}) => (x: V): V => {
      const n = (x as NDArray).shape[0]!;
      return w.sum(w.scan((s: V, [b, a]: V[]) => [w.add(s, rosenTerm([a!, b!])), null], 0 as V, [w.slice(x, [1]), w.slice(x, [0], [n - 1])], o)[0] as V) as V;
    };
    const z = ([a, b]: V[]): V => w.add(w.mul(a!, -0), w.mul(b!, -0));
    for (const reverse of [false, true]) {
      for (const n of [2, 3, 50, 2001]) {
        const src = sameAsEager(shifted(2, rosenTerm, { reverse }), x64(n));
        // One store per element, no read-modify-write of the array, nothing after the loop but the last held row.
        assert.match(src, /_G0h = /, src);
        assert.doesNotMatch(src, /\+=|unslice/, src);
        sameAsEager(swapped({ reverse }), x64(n));
      }
      // Signed zeros through the held row: −0 + −0 inside, +0 at both ends.
      const g = bits(w.grad(shifted(2, z, { reverse }) as never)(x64(9) as never));
      assert.ok(Object.is(g[0], 0) && Object.is(g[8], 0) && Object.is(g[4], -0), String(g));
      sameAsEager(shifted(2, z, { reverse }), x64(9));
      // A body with two variants (a branch per step): both write through the one held row.
      const branchy = ([a, b]: V[]): V => ((w.less(a!, 0) as unknown as boolean) ? w.mul(w.sin(a!), b!) : w.sub(w.square(b!), w.mul(3, a!)));
      const x = w.array(Float64Array.from({ length: 40 }, (_, i) => Math.sin(1.7 * i)));
      const bsrc = sameAsEager(shifted(2, branchy, { reverse }), x);
      assert.match(bsrc, /_G0h = /);
      assert.match(bsrc, /_b1: \{/, "two variants");
    }
  });

  test("rows of a matrix, float32, reversed scans, three slices", () => {
    const X = w.array(Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(2 * i), i / 7]));
    const rows = ([a, b]: V[]): V => w.sum(w.mul(w.sin(a!), w.square(b!)));
    assert.doesNotMatch(sameAsEager(shifted(2, rows), X), /unslice/);
    const x32 = x64(40, "float32");
    assert.equal(x32.dtype, "float32");
    // A float32 array's slices are numbers: the stacked cotangents are cast back to float32
    // before they are placed, so this one is not placed in the loop (only checked against eager).
    sameAsEager(shifted(2, rosenTerm), x32);
    sameAsEager(shifted(2, rosenTerm, { reverse: true }), x32);
    sameAsEager(shifted(2, rosenTerm, { reverse: true }), x64(40));
    const three = ([a, b, c]: V[]): V => w.mul(w.sub(c!, b!), w.add(a!, w.square(b!)));
    sameAsEager(shifted(3, three), x64(30));
    // The same slice twice (equal offsets), and slices far apart (no overlap), either direction.
    for (const reverse of [false, true]) {
      const twice = (x: V): V => w.sum(w.scan((s: V, [a, b]: V[]) => [w.add(s, w.mul(w.sin(a!), w.mul(b!, -0.5))), null], 0 as V, [w.slice(x, [2], [12]), w.slice(x, [2], [12])], { reverse })[0] as V) as V;
      assert.doesNotMatch(sameAsEager(twice, x64(16)), /unslice/);
      const apart = (x: V): V => w.sum(w.scan((s: V, [a, b]: V[]) => [w.add(s, w.mul(a!, w.cos(b!))), null], 0 as V, [w.slice(x, [0], [5]), w.slice(x, [9], [14])], { reverse })[0] as V) as V;
      assert.doesNotMatch(sameAsEager(apart, x64(16)), /unslice/);
      sameAsEager(shifted(2, ([a, b]: V[]): V => w.add(w.mul(a!, -0), w.mul(b!, -0)), { reverse }), x64(9));
    }
  });
});
