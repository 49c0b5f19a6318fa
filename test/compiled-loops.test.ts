// Compiled loops against eager ones, bit for bit: random scan bodies (array and number carries,
// scanned arrays, per-step outputs, reverse scans), nested loops, foriLoop, whileLoop and
// checkpointed gradients. A compiled body is optimized, fused and written into buffers the
// code keeps; none of that may change a single bit of any result.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { Rng } from "./helpers/check.js";
import { firstSweep, reverseSweep } from "../src/transforms/loops/revolve.js";

type V = w.Value;

/** Every leaf's bits: numbers and array elements as float64 bit patterns, with shapes and dtypes. */
function bits(v: unknown): string {
  if (typeof v === "number") return `n${[...new Uint32Array(Float64Array.of(v).buffer)].join(".")}`;
  if (typeof v === "boolean") return `b${v}`;
  if (v instanceof NDArray) return `a${v.dtype}[${v.shape.join(",")}]${[...v.data].map((x) => bits(Number(x))).join(",")}`;
  if (Array.isArray(v)) return `[${v.map(bits).join(";")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}:${bits(x)}`).join(";")}}`;
  return String(v);
}

function assertSameBits(got: unknown, want: unknown, what: string): void {
  assert.equal(bits(got), bits(want), what);
}

/** compile(f) against f on each argument list: the first call (staging) and the generated code's calls. */
function assertCompiledSame(f: (...a: never[]) => unknown, argLists: readonly unknown[][], what: string): void {
  const cf = w.compile(f);
  argLists.forEach((args, i) => {
    const want = bits(f(...(args as never[])));
    assert.equal(bits(cf(...(args as never[]))), want, `${what}, call ${i + 1}`);
    assert.equal(bits(cf(...(args as never[]))), want, `${what}, call ${i + 1} again`);
  });
  assert.equal(cf.lastCompiled?.stats.backend, "javascript", `${what}: generated code ran`);
}

/** A random step function of (array carry a, number carry s, slice x): elementwise ops, a reduction, a mix of both carries. */
function randomBody(rng: Rng): (a: V, s: V, x: V) => [V, V, V] {
  const unary = [w.sin, w.cos, w.tanh, (v: V) => w.mul(v, 0.5), w.square, (v: V) => w.exp(w.mul(-0.1, w.square(v)))];
  const binary = [w.add, w.sub, w.mul, (u: V, v: V) => w.div(u, w.add(1.5, w.square(v)))];
  const plan = Array.from({ length: rng.int(2, 6) }, () => ({ u: rng.int(0, unary.length - 1), b: rng.int(0, binary.length - 1), pick: rng.int(0, 3) }));
  const h = rng.uniform(0.01, 0.1);
  return (a, s, x) => {
    let v: V = a;
    const pool: V[] = [a, x, s];
    for (const st of plan) {
      const other = pool[st.pick % pool.length]!;
      v = binary[st.b]!(unary[st.u]!(v), other);
      pool.push(v);
    }
    const a2 = w.add(a, w.mul(h, v));
    const s2 = w.add(w.mul(s, 0.9), w.mul(h, w.sum(w.sin(v))));
    return [a2, s2, w.mul(v, s2)];
  };
}

describe("compiled loop bodies give the eager loop's bits", () => {
  const rng = new Rng(20261202);
  const n = 7, T = 23;
  for (let trial = 0; trial < 12; trial++) {
    const body = randomBody(rng);
    const reverse = trial % 3 === 2;
    const xs = w.array(Array.from({ length: T * n }, () => rng.uniform(-1, 1)), { shape: [T, n] });
    const f = (a0: NDArray, s0: number) => {
      const [[a, s], ys] = w.scan(([a, s]: [V, V], x: V) => {
        const [a2, s2, y] = body(a, s, x);
        return [[a2, s2], y];
      }, [a0 as V, s0 as V], xs, { reverse });
      return w.add(w.sum(w.mul(a as NDArray, ys as never)), w.mul(s as number, w.sum(ys as NDArray)));
    };
    const a0 = w.array(Array.from({ length: n }, () => rng.uniform(-1, 1)));
    test(`random body ${trial}${reverse ? " (reverse)" : ""}: values, gradient, JVP`, () => {
      const s0 = rng.uniform(-1, 1);
      const b0 = w.array(Array.from({ length: n }, () => rng.uniform(-1, 1)));
      assertCompiledSame(f as never, [[a0, s0], [b0, -s0]], "values");
      assertCompiledSame(w.grad(f, { argnums: [0, 1] }) as never, [[a0, s0], [b0, -s0]], "gradient");
      const t = w.array(Array.from({ length: n }, () => rng.uniform(-1, 1)));
      assertCompiledSame(((a: NDArray, s: number) => w.jvp(f, [a, s], [t, 0.5])) as never, [[a0, s0], [b0, -s0]], "JVP");
    });
  }

  test("per-step outputs that are carries, slices and constants; a carry passed through", () => {
    const xs = w.array(Array.from({ length: 30 }, (_, i) => Math.cos(i)), { shape: [10, 3] });
    const f = (a0: NDArray) => {
      const [[a, b], ys] = w.scan(([a, b]: [V, V], x: V) => {
        const a2 = w.add(w.sin(a), x);
        return [[a2, a], [a2, x, w.mul(b, 2)]];
      }, [a0 as V, a0 as V], xs);
      const [y0, y1, y2] = ys as unknown as NDArray[];
      return w.add(w.add(w.sum(w.mul(a as NDArray, b as NDArray)), w.sum(w.mul(y0!, y1!))), w.sum(w.sin(y2!)));
    };
    const args = [[w.array([0.1, -0.4, 0.9])], [w.array([1, 2, 3])]];
    assertCompiledSame(f as never, args, "values");
    assertCompiledSame(w.grad(f) as never, args, "gradient");
  });

  test("the old carry read after the new one is written (no step writes over a value still read)", () => {
    const f = (a0: NDArray) => {
      const [c, ys] = w.scan((a: V) => {
        const a2 = w.add(a, w.mul(0.1, w.sin(a)));
        const z = w.sum(a2);
        return [a2, w.mul(a, w.add(z, w.cos(a)))];
      }, a0, null, { length: 9 });
      return w.add(w.sum(c as NDArray), w.sum(ys as NDArray));
    };
    const args = [[w.array([0.2, 0.5, -0.3, 1.2])], [w.array([1, -2, 0.5, 0.25])]];
    assertCompiledSame(f as never, args, "values");
    assertCompiledSame(w.grad(f) as never, args, "gradient");
  });

  test("nested scans and a foriLoop inside a scan", () => {
    const f = (a0: NDArray) => w.sum(w.scan((c: V) => {
      const inner = w.scan((d: V) => [w.add(d, w.mul(0.1, w.cos(w.mul(d, c)))), null], c, null, { length: 5 })[0];
      const i2 = w.foriLoop(0, 4, (i: number, e: V) => w.add(w.mul(e, 0.9), w.mul(i, 0.01)), inner);
      return [w.sin(i2), null];
    }, a0, null, { length: 8 })[0] as NDArray);
    const args = [[w.array([0.3, 0.7, -1.1, 2])], [w.array([1, 0.2, 0.3, -0.4])]];
    assertCompiledSame(f as never, args, "values");
    assertCompiledSame(w.grad(f) as never, args, "gradient");
  });

  test("whileLoop with an array carry: values and gradient at data-dependent trip counts", () => {
    const f = (a0: NDArray) => w.sum(w.whileLoop((c: [V, V]) => w.less(c[1] as number, 3), ([a, s]: [V, V]) => [w.add(a, w.mul(0.3, w.sin(a))), w.add(s, w.sum(w.square(a)))] as [V, V], [a0 as V, 0 as V])[0] as NDArray);
    const args = [[w.array([0.1, 0.2, 0.3])], [w.array([0.5, 0.2, 0.1])], [w.array([0.01, 0.02, 0.03])]];
    assertCompiledSame(f as never, args, "values");
    assertCompiledSame(w.grad(f) as never, args, "gradient");
  });

  test("checkpointed scans of array carries, compiled, give the plain gradient's bits", () => {
    const xs = w.array(Array.from({ length: 60 }, (_, i) => Math.sin(i * 0.3)), { shape: [30, 2] });
    const loss = (checkpoints?: w.CheckpointOption) => (a0: NDArray, p: number) => {
      const [c, ys] = w.scan((c: V, x: V) => [w.add(c, w.mul(0.1, w.sin(w.mul(c, w.add(p, x))))), w.mul(c, x)], a0, xs, { checkpoints });
      return w.add(w.sum(c as NDArray), w.sum(w.square(ys as NDArray)));
    };
    const a0 = w.array([0.4, -0.8]), b0 = w.array([1.5, 0.1]);
    const plain = w.grad(loss(), { argnums: [0, 1] });
    for (const ck of [2, 5, "binomial", "sqrt"] as const) {
      const cg = w.compile(w.grad(loss(ck), { argnums: [0, 1] }));
      for (const [a, p] of [[a0, 0.7], [b0, -0.2], [a0, 0.7]] as const) {
        assertSameBits(cg(a, p), plain(a, p), `checkpoints ${ck}`);
        assertSameBits(cg(a, p), plain(a, p), `checkpoints ${ck}, generated code`);
      }
    }
  });
  test("a checkpointed sweep, compiled: its functions, made on the first run, serve later runs with other values, float32 too", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const f = (checkpoints?: w.CheckpointOption) => (a0: NDArray, p: number) =>
        w.sum(w.scan((s: V) => [w.add(s, w.mul(0.05, w.sin(w.mul(s, p)))), null], a0, null, { length: 41, checkpoints })[0] as NDArray);
      const a0 = w.array([0.3, -0.7, 1.1], { dtype }), b0 = w.array([0.9, 0.2, -0.4], { dtype });
      const plain = w.grad(f(), { argnums: [0, 1] });
      for (const ck of [3, "binomial", "sqrt"] as const) {
        const cg = w.compile(w.grad(f(ck), { argnums: [0, 1] }));
        for (const [a, p] of [[a0, 1.3], [b0, -0.6], [a0, 1.3], [b0, 0.4]] as const) assertSameBits(cg(a, p), plain(a, p), `${dtype}, checkpoints ${ck}`);
      }
    }
  });

  test("a checkpointed gradient inside a loop body (its values traced there, so its carries saved in full), compiled: the plain bits", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const inner = (checkpoints?: w.CheckpointOption) => (c: V) => w.sum(w.scan((s: V) => [w.add(s, w.mul(0.05, w.sin(w.mul(s, c)))), null], c, null, { length: 23, checkpoints })[0] as NDArray);
      const outer = (checkpoints?: w.CheckpointOption) => (a0: NDArray) =>
        w.scan((c: V) => { const g = w.grad(inner(checkpoints))(c) as NDArray; return [w.add(c, w.mul(0.1, g)), g]; }, a0, null, { length: 4 });
      const a0 = w.array([0.3, -0.7, 1.1], { dtype }), b0 = w.array([0.9, 0.2, -0.4], { dtype });
      for (const ck of [3, "binomial"] as const) {
        const cg = w.compile(outer(ck));
        for (const a of [a0, b0, a0]) assertSameBits(cg(a), outer()(a), `${dtype}, checkpoints ${ck}`);
      }
    }
  });
});

describe("staging, the checkpointed sweep's states, and chunks of fused code", () => {
  test("where code generation is off, staging runs loop lines through their kernels: the same bits", () => {
    const f = (a0: NDArray) => w.sum(w.scan((c: V) => [w.add(c, w.mul(0.01, w.sin(c))), null], a0, null, { length: 50, checkpoints: 4 })[0] as NDArray);
    const a0 = w.array([0.3, 0.6, 0.9]);
    const cg = w.compile(w.grad(f), { codegen: false });
    assertSameBits(cg(a0), w.grad(f)(a0), "first call");
    assertSameBits(cg(a0), w.grad(f)(a0), "interpreted variant");
    assert.equal(cg.lastCompiled?.stats.backend === "javascript", false);
  });

  test("reverseSweep releases each state once, after its last use, and never hands a released one back", () => {
    for (const plan of [{ kind: "revolve", slots: 3 }, { kind: "revolve", slots: 1 }, { kind: "sqrt", segment: 4 }] as const) {
      const T = 37;
      const released = new Set<object>();
      let made = 0;
      const positions = firstSweep(T, plan);
      const states = positions.map((i) => ({ i }));
      const use = (s: { i: number }): void => assert.ok(!released.has(s), "a released state was used again");
      const order: number[] = [];
      reverseSweep<{ i: number }, number>(T, plan, states, 0, {
        advance: (s, from, to) => { use(s); assert.equal(s.i, from); made++; return { i: to }; },
        adjoint: (s, i, g) => { use(s); assert.equal(s.i, i); order.push(i); return g + 1; },
        release: (s) => { assert.ok(!released.has(s), "released twice"); released.add(s); },
      });
      assert.deepEqual(order, Array.from({ length: T }, (_, k) => T - 1 - k));
      assert.equal(released.size, T, "every adjoint's state is released");
      assert.ok(made + states.length >= T);
    }
  });

  test("a chunk of generated code holds at most chunkSize lines, fused loops' bodies counted", () => {
    const f = (x: NDArray) => { let c: V = x; for (let t = 0; t < 300; t++) c = w.add(c, w.mul(1e-3, w.sin(c))); return w.sum(c as NDArray); };
    const x = w.array([0.1, 0.2, 0.3, 0.4]);
    const cg = w.compile(w.grad(f), { chunkSize: 600 });
    cg(x);
    assertSameBits(cg(x), w.grad(f)(x), "gradient");
    const st = cg.lastCompiled!.stats;
    assert.ok(st.fusedLines > 800, `fused lines ${st.fusedLines}`);
    assert.ok(st.chunks >= Math.ceil(st.fusedLines / 600), `${st.chunks} chunks for ${st.fusedLines} fused lines`);
  });
});
