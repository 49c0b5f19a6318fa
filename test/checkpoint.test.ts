// checkpoint(f, { policy }): rematerialisation. Under reverse mode f is one line whose
// intermediates are not on the tape (gradMemory shows the tape shrink) and the backward sweep
// recomputes them; the gradient is bit for bit the plain one, under every transform that
// composes with it (jvp, vmap, compile, hessian, grad of grad, nested checkpoints, loops).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertThrowsWith, checkAll, property, randArray, Rng } from "./helpers/check.js";

type V = w.Value;
type Op = (x: V) => V;

/** A random program on vectors of n: a chain of elementwise ops and products with a fixed matrix. */
function randomBlock(r: Rng, n: number, dtype: w.DType): Op {
  const M = randArray([n, n], () => r.uniform(-0.6, 0.6), dtype);
  const steps: Op[] = [];
  for (let k = r.int(2, 6); k > 0; k--) {
    const c = r.uniform(0.2, 1.5);
    steps.push(r.pick<Op>([
      (x) => w.sin(x),
      (x) => w.tanh(w.mul(x, c)),
      (x) => w.mul(x, w.cos(x)),
      (x) => w.add(w.exp(w.mul(x, -c)), x),
      (x) => w.matmul(M, x),
      (x) => w.add(w.matmul(M, w.square(x)), x),
    ]));
  }
  return (x) => steps.reduce((v, s) => s(v), x);
}

const bits = (v: unknown): unknown => (v instanceof NDArray ? { dtype: v.dtype, data: Array.from(v.data) } : v);

describe("checkpoint rematerialises under reverse mode", () => {
  test("random programs of checkpointed blocks: gradients bit for bit the plain ones, in float64 and float32, every policy", () => {
    property((r) => {
      const dtype = r.pick<w.DType>(["float64", "float32"]);
      const n = r.int(2, 5);
      const blocks = Array.from({ length: r.int(1, 4) }, () => randomBlock(r, n, dtype));
      const policy = r.pick<w.CheckpointPolicy>(["nothing", "dots", "everything", ["sin", "tanh"], (op) => op === "exp"]);
      const nest = r.bool();
      const plain = (x: V): V => w.sum(blocks.reduce((v, b) => b(v), x));
      const ck = (x: V): V => w.sum(blocks.reduce((v, b) => {
        const c = w.checkpoint(b, { policy });
        // Nested: the block inside a checkpoint of its own, inside another.
        return nest ? w.checkpoint((u: V) => c(u))(v) : c(v);
      }, x));
      const x = randArray([n], () => r.uniform(-1, 1), dtype);
      const [v1, g1] = w.valueAndGrad(ck as never)(x as never) as [V, NDArray];
      const [v2, g2] = w.valueAndGrad(plain as never)(x as never) as [V, NDArray];
      assert.deepEqual(bits(g1), bits(g2));
      assert.deepEqual(bits(w.value(v1)), bits(w.value(v2)));
    });
  });

  test("the tape keeps fewer lines and bytes (gradMemory), and the policy decides how many", () => {
    const r = new Rng(7);
    const blocks = Array.from({ length: 4 }, () => randomBlock(r, 16, "float64"));
    const W = randArray([16, 16], () => r.uniform(-0.3, 0.3));
    const layer = (x: V): V => w.tanh(w.matmul(W, w.sin(blocks[0]!(x))));
    const run = (policy?: w.CheckpointPolicy) => {
      const c = policy === undefined ? layer : w.checkpoint(layer, { policy });
      return w.gradMemory((x: V) => w.sum(c(c(c(x)))) as never)(w.ones([16]) as never);
    };
    const plain = run(), nothing = run("nothing"), dots = run("dots"), all = run("everything");
    assert.ok(nothing.memory.lines < plain.memory.lines / 3, `lines ${nothing.memory.lines} vs ${plain.memory.lines}`);
    assert.ok(nothing.memory.bytes < plain.memory.bytes / 3, `bytes ${nothing.memory.bytes} vs ${plain.memory.bytes}`);
    assert.ok(nothing.memory.bytes < dots.memory.bytes && dots.memory.bytes < all.memory.bytes);
    assert.deepEqual(nothing.memory.loops.map((l) => [l.op, l.checkpointed, l.recomputedSteps]), [["checkpoint", true, 1], ["checkpoint", true, 1], ["checkpoint", true, 1]]);
    // "dots" keeps the three matmul outputs of each call (16 numbers each), "nothing" keeps none.
    const matmuls = w.trace(layer as never, w.ones([16]) as never).lines.filter((l) => l.op === "matmul").length;
    assert.deepEqual(dots.memory.loops.map((l) => l.bytes), [0, 1, 2].map(() => matmuls * 16 * 8));
    assert.deepEqual(nothing.memory.loops.map((l) => l.bytes), [0, 0, 0]);
    for (const m of [nothing, dots, all]) assert.deepEqual(bits(m.grad), bits(plain.grad));
  });

  test("jvp, vmap, compile, hessian and grad of grad through checkpointed functions", () => {
    const r = new Rng(11);
    const b1 = randomBlock(r, 3, "float64"), b2 = randomBlock(r, 3, "float64");
    const plain = (x: V): V => w.sum(b2(w.mul(b1(x), x)));
    const ck = (x: V): V => w.sum(w.checkpoint(b2, { policy: "dots" })(w.mul(w.checkpoint(b1)(x), x)));
    const x = w.array([0.4, -0.3, 0.9]), t = w.array([1, 0.5, -2]);
    assert.deepEqual(JSON.stringify(w.jvp(ck as never, [x], [t])), JSON.stringify(w.jvp(plain as never, [x], [t])));
    const xs = w.array([[0.4, -0.3, 0.9], [0.1, 0.2, -0.5]]);
    assert.deepEqual(bits(w.vmap(w.grad(ck as never))(xs)), bits(w.vmap(w.grad(plain as never))(xs)));
    assert.deepEqual(bits(w.compile(w.grad(ck as never))(x)), bits(w.grad(plain as never)(x)));
    assert.deepEqual(bits(w.compile(ck)(x)), bits(plain(x)));
    assert.deepEqual(bits(w.hessian(ck as never)(x)), bits(w.hessian(plain as never)(x)));
    // Reverse over reverse: the pullback line is checkpointed again.
    const s = (a: number): number => w.checkpoint((u: number) => w.mul(w.sin(u), w.exp(u)) as number)(a);
    const d2 = w.grad(w.grad(s as never) as never)(0.7) as number;
    const d2plain = w.grad(w.grad(((a: number) => w.mul(w.sin(a), w.exp(a))) as never) as never)(0.7) as number;
    assert.equal(d2, d2plain);
    assert.ok(Math.abs(d2 - 2 * Math.cos(0.7) * Math.exp(0.7)) < 1e-14);
    checkAll(ck, [x], new Rng(3), { second: true });
  });

  test("closed-over parameters, pytree arguments and outputs, and a checkpoint inside a scan body", () => {
    const W = w.array([[0.3, -0.1], [0.2, 0.5]]);
    const f = (p: { W: V; b: V }, x: V): V => {
      const layer = w.checkpoint((u: V[]) => [w.tanh(w.add(w.matmul(p.W, u[0]!), p.b)), w.sin(u[1]!)]);
      const [a, c] = layer([x, x]) as V[];
      return w.sum(w.mul(a!, c!));
    };
    const g = (p: { W: V; b: V }, x: V): V => w.sum(w.mul(w.tanh(w.add(w.matmul(p.W, x), p.b)), w.sin(x)));
    const p = { W, b: w.array([0.1, -0.2]) }, x = w.array([0.7, -1.1]);
    const gc = w.grad(f as never, { argnums: [0, 1] })(p, x) as [{ W: NDArray; b: NDArray }, NDArray];
    const gp = w.grad(g as never, { argnums: [0, 1] })(p, x) as [{ W: NDArray; b: NDArray }, NDArray];
    assert.deepEqual(bits(gc[0].W), bits(gp[0].W));
    assert.deepEqual(bits(gc[0].b), bits(gp[0].b));
    assert.deepEqual(bits(gc[1]), bits(gp[1]));
    const step = w.checkpoint((c: V) => w.add(c, w.mul(0.1, w.sin(w.matmul(W, c)))));
    const viaScan = (x: V): V => w.sum(w.scan((c: V) => [step(c), null], x, null, { length: 5 })[0]);
    const native = (x: V): V => { let c = x; for (let k = 0; k < 5; k++) c = w.add(c, w.mul(0.1, w.sin(w.matmul(W, c)))); return w.sum(c); };
    assert.deepEqual(bits(w.value(viaScan(x))), bits(w.value(native(x))));
    const ga = w.grad(viaScan as never)(x) as NDArray, gb = w.grad(native as never)(x) as NDArray;
    Array.from(ga.data).forEach((v, i) => assert.ok(Math.abs(v - gb.data[i]!) < 1e-15, `${v} vs ${gb.data[i]}`));
  });

  test("without a transform f just runs; JS operators on traced values fall back to f as is", () => {
    assert.equal(w.checkpoint((a: number, b: number) => a * b + 1)(2, 3), 7);
    const jsOps = w.checkpoint((a: number) => a * a);
    // a * a on a traced number is refused by the tracer (its TracerError), exactly as without checkpoint.
    assert.throws(() => w.grad(jsOps as never)(3), (e: Error) => e.name === "TracerError");
  });

  test("bad input: a typed error names checkpoint and the fix", () => {
    assertThrowsWith(() => w.checkpoint(3 as never), w.ArgumentError, ["checkpoint", "expected the function to checkpoint"]);
    assertThrowsWith(() => w.checkpoint((x: number) => x, { policy: "dots_saveable" as never }), w.ArgumentError, ["checkpoint", "dots_saveable", "\"nothing\", \"dots\", \"everything\""]);
    assertThrowsWith(() => w.checkpoint((x: number) => x, { polcy: "dots" } as never), w.ArgumentError, ["checkpoint", "polcy"]);
  });
});
