// The elementwise kernels' loops: generated from the primitive table, up to date, and equal to
// the scalar functions element for element on every path (array–array, array–scalar,
// scalar–array, broadcast rows with merged axes) and dtype.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { elementwise, GENERATED_PATH, render } from "../scripts/gen-loops.js";
import { BINARY, UNARY } from "../src/array/loops.generated.js";
import { makeBinary, makeUnary } from "../src/array/kernels.js";
import { broadcastShapes, broadcastStrides } from "../src/array/broadcast.js";
import { NDArray, allocate, sizeOf, type DType, type Shape } from "../src/array/ndarray.js";
import { PRIM_TABLE } from "../src/ops/prims.js";
import { Rng } from "./helpers/check.js";

const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-300, 1e300, Infinity, -Infinity, NaN, Math.PI];

/** The scalar function applied by hand, rounded as the output dtype stores it. */
function expected(f: (a: number, b: number) => number | boolean, a: ArrayLike<number>, b: ArrayLike<number>, dtype: DType): number[] {
  const out = allocate(dtype, a.length);
  for (let i = 0; i < a.length; i++) out[i] = +f(a[i]!, b[i]!);
  return Array.from(out);
}

function same(actual: ArrayLike<number>, want: readonly number[], what: string): void {
  assert.equal(actual.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(actual[i], want[i]), `${what}: element ${i} is ${actual[i]}, the scalar function gives ${want[i]}`);
}

/** Reads `a` (of `shape`) broadcast to `out`, element by element, by its strides. */
function broadcastRead(a: NDArray, out: Shape): number[] {
  const st = broadcastStrides(a.shape, out), n = sizeOf(out), r: number[] = [];
  for (let k = 0; k < n; k++) {
    let rem = k, p = 0;
    for (let d = out.length - 1; d >= 0; d--) { p += (rem % out[d]!) * st[d]!; rem = Math.floor(rem / out[d]!); }
    r.push(a.data[p]!);
  }
  return r;
}

describe("generated elementwise loops", () => {
  test("loops.generated.ts is what scripts/gen-loops.ts writes from the primitive table (else: npm run gen:loops)", () => {
    assert.equal(readFileSync(GENERATED_PATH, "utf8"), render(), "src/array/loops.generated.ts is stale: run `npm run gen:loops`");
  });

  test("every elementwise primitive has its own loop, and no other loop exists", () => {
    const prims = elementwise();
    assert.ok(prims.length >= 30);
    assert.deepEqual(Object.keys(UNARY).sort(), prims.filter((p) => p.arity === 1).map((p) => p.name).sort());
    assert.deepEqual(Object.keys(BINARY).sort(), prims.filter((p) => p.arity === 2).map((p) => p.name).sort());
    const loops = new Set<unknown>([...Object.values(UNARY), ...Object.values(BINARY).flatMap((l) => [l!.vv, l!.vs, l!.sv])]);
    assert.equal(loops.size, Object.keys(UNARY).length + 3 * Object.keys(BINARY).length, "each loop is a distinct function (shared loops go megamorphic)");
  });

  for (const { name, arity } of elementwise()) {
    const f = (PRIM_TABLE as Record<string, { scalar?: (a: number, b: number) => number | boolean }>)[name]!.scalar!;
    const outType = (d: DType): DType => (typeof f(1, 2) === "boolean" ? "bool" : d);
    test(`${name}: the kernel equals the scalar function on special values, float64 and float32, every path`, () => {
      for (const dtype of ["float64", "float32"] as const) {
        const xs = allocate(dtype, SPECIAL.length * SPECIAL.length), ys = allocate(dtype, xs.length);
        SPECIAL.forEach((a, i) => SPECIAL.forEach((b, j) => { xs[i * SPECIAL.length + j] = a; ys[i * SPECIAL.length + j] = b; }));
        const x = new NDArray(xs, [xs.length]), y = new NDArray(ys, [ys.length]);
        const od = outType(dtype);
        if (arity === 1) {
          const k = makeUnary(name, f as (a: number) => number | boolean);
          same((k(x, od) as NDArray).data, expected(f, xs, ys, od), `${name} ${dtype}`);
          continue;
        }
        const k = makeBinary(name, f);
        same((k(x, y, x.shape, od) as NDArray).data, expected(f, xs, ys, od), `${name} ${dtype} array–array`);
        for (const s of [2.5, -0, NaN]) {
          const sv = Array(xs.length).fill(s);
          same((k(x, s, x.shape, od) as NDArray).data, expected(f, xs, sv, od), `${name} ${dtype} array–scalar ${s}`);
          same((k(s, y, y.shape, od) as NDArray).data, expected(f, sv, ys, od), `${name} ${dtype} scalar–array ${s}`);
          const s1 = new NDArray(allocate(dtype, 1).fill(s), [1]);
          same((k(x, s1, x.shape, od) as NDArray).data, expected(f, xs, Array.from(allocate(dtype, xs.length).fill(s)), od), `${name} ${dtype} array–[1]`);
        }
        // A broadcast along the rows: [13, 13] with [13] and with [13, 1].
        const m = new NDArray(xs, [SPECIAL.length, SPECIAL.length]);
        for (const b of [new NDArray(allocate(dtype, 13).map((_, i) => SPECIAL[i]!), [13]), new NDArray(allocate(dtype, 13).map((_, i) => SPECIAL[i]!), [13, 1])]) {
          same((k(m, b, m.shape, od) as NDArray).data, expected(f, xs, broadcastRead(b, m.shape), od), `${name} ${dtype} [13,13] with ${b.shape}`);
          same((k(b, m, m.shape, od) as NDArray).data, expected(f, broadcastRead(b, m.shape), xs, od), `${name} ${dtype} ${b.shape} with [13,13]`);
        }
      }
    });
  }

  test("broadcast rows: random shape pairs (merged axes, size-1 axes, empty axes) read each operand at its broadcast position", () => {
    const r = new Rng(7);
    const add = makeBinary("add", (a, b) => a + b), sub = makeBinary("sub", (a, b) => a - b);
    for (let trial = 0; trial < 300; trial++) {
      const nd = 1 + Math.floor(r.next() * 4);
      const out = Array.from({ length: nd }, () => Math.floor(r.next() * 4));
      const pick = (): number[] => out.slice(Math.floor(r.next() * (nd + 1))).map((d) => (r.next() < 0.4 ? 1 : d));
      const sa = pick(), sb = pick();
      const shape = broadcastShapes("test", [sa, sb]);
      const fill = (s: number[]): NDArray => new NDArray(Float64Array.from({ length: sizeOf(s) }, () => Math.round(r.next() * 100)), s);
      const a = fill(sa), b = fill(sb);
      for (const [k, f] of [[add, (p: number, q: number) => p + q], [sub, (p: number, q: number) => p - q]] as const) {
        const got = k(a, b, shape, "float64") as NDArray;
        assert.deepEqual([...got.shape], shape);
        same(got.data, expected(f, broadcastRead(a, shape), broadcastRead(b, shape), "float64"), `${sa} with ${sb}`);
      }
    }
  });
});
