// Lowering belongs to the primitive: compile reads each line's JavaScript, bytecode case,
// fused-loop form, aliasing and algebraic identities from the primitive's table entry and names
// no primitive itself, so a new primitive compiles without touching src/compile/.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as w from "../src/index.js";
import { unary } from "../src/ops/builders.js";
import { bind2, type Primitive } from "../src/core/primitive.js";
import { PRIM_TABLE } from "../src/ops/prims.js";
import { toBytecode } from "../src/compile/bytecode.js";
import { MISS } from "../src/core/evaluate.js";
import { property } from "./helpers/check.js";

const prims = Object.values(PRIM_TABLE) as Primitive<unknown>[];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = `${dir}/${f}`;
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("src/compile/ names no primitive", () => {
  test("no string literal in src/compile/ is a primitive's name", () => {
    const names = new Set([...prims.map((p) => p.name), ...Object.keys(PRIM_TABLE)]);
    const found: string[] = [];
    for (const file of sources(new URL("../src/compile", import.meta.url).pathname)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g)) if (names.has(m[2]!)) found.push(`${file}: ${m[0]}`);
    }
    assert.deepEqual(found, []);
  });

  test("every primitive declares its lowering (a missing one is a type error)", () => {
    // @ts-expect-error: `lower` is required in a table entry
    const noLowering: Primitive<undefined> = { name: "x", broadcasts: false, infer: (a) => a[0]!, impl: (a) => a[0]!, rule: { kind: "none", why: "" } };
    void noLowering;
    for (const p of prims) assert.equal(typeof p.lower, "object", p.name);
  });
});

describe("each js lowering computes exactly its scalar function", () => {
  const specials = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-300, 1e300, Infinity, -Infinity, NaN];
  for (const p of prims) {
    const js = p.lower.js, f = p.scalar;
    if (js === undefined || f === undefined) continue;
    test(p.name, () => {
      const g = new Function("a", "b", `return ${js(["a", "b"], undefined)};`) as (a: number, b: number) => unknown;
      for (const a of specials) for (const b of specials) assert.ok(Object.is(g(a, b), f(a, b)), `${p.name}(${a}, ${b}): ${String(g(a, b))} vs ${String(f(a, b))}`);
      property((r) => {
        const a = r.uniform(-5, 5), b = r.uniform(-5, 5);
        assert.ok(Object.is(g(a, b), f(a, b)), `${p.name}(${a}, ${b})`);
      }, 50);
    });
  }
});

describe("bytecode: opcodes from the table, generated and portable loops alike", () => {
  test("every primitive on numbers has opcodes; a random program runs the same in both loops and eagerly", () => {
    const ops: ((a: number, b: number) => number)[] = [w.add, w.sub, w.mul, w.div, w.maximum, w.minimum, w.atan2, (a) => w.sin(a), (a) => w.sign(a), (a) => w.tanh(a), (a) => w.remainder(a, 0.7)];
    property((r) => {
      const picks = Array.from({ length: 30 }, () => ({ op: ops[r.int(0, ops.length - 1)]!, i: r.int(0, 3), j: r.int(0, 3) }));
      const f = (x: number, y: number) => {
        const vs: number[] = [x, y, w.mul(x, y), w.add(x, 1)];
        for (const s of picks) vs.push(s.op(vs[vs.length - 1 - s.i]!, vs[vs.length - 1 - s.j]!));
        return vs[vs.length - 1]!;
      };
      const cf = w.compile(f, { bytecodeMin: 1, tierUpCalls: Infinity });
      const x = r.uniform(-2, 2), y = r.uniform(-2, 2);
      cf(x, y);
      assert.ok(cf.lastCompiled!.stats.bytecodeLines > 0);
      assert.ok(Object.is(cf(x, y), f(x, y)));
      const list = cf.lastCompiled!.trace;
      for (const portable of [false, true]) {
        const bc = toBytecode(list, MISS, portable)!;
        const R = new Float64Array(bc.registers);
        bc.init(R);
        R[0] = x;
        R[1] = y;
        assert.equal(bc.run(R), undefined);
        const out = list.outs[0]!;
        assert.ok(Object.is(out >= 0 ? R[out] : list.consts.value(out), f(x, y)), portable ? "portable" : "generated");
      }
    }, 20);
  });

  test("guards in bytecode return MISS on the other branch, in both loops", () => {
    const f = (x: number) => (w.greater(x, 0) ? w.sin(x) : w.cos(x));
    const cf = w.compile(f, { bytecodeMin: 1, tierUpCalls: Infinity });
    cf(1);
    for (const portable of [false, true]) {
      const bc = toBytecode(cf.lastCompiled!.trace, MISS, portable)!;
      const R = new Float64Array(bc.registers);
      bc.init(R);
      R[0] = -1;
      assert.equal(bc.run(R), MISS);
    }
    assert.equal(cf(-1), Math.cos(-1));
  });
});

describe("a new primitive compiles from its entry alone", () => {
  // cube: x³, declared here as any table file would declare it.
  const cube = unary("cube", (a) => a * a * a, ([a]) => w.mul(3, w.square(a as number)), { primal: ([a]) => `${a}³` }, { js: ([a]) => `${a} * ${a} * ${a}` });
  const op = (x: w.Value): w.Value => bind2(cube, x, undefined, undefined);

  test("its js lowering is the generated line, its fused form and its bytecode case", () => {
    const f = (x: number) => w.add(op(x) as number, 1);
    const cf = w.compile(f);
    cf(2);
    assert.equal(cf(2), 9);
    assert.match(cf.lastCompiled!.source, /v0 \* v0 \* v0/);
    assert.match(cf.lastCompiled!.trace.toString(), /v1\s+= v0³/);
    const g = w.compile(w.grad(f), { bytecodeMin: 1, tierUpCalls: Infinity });
    g(2);
    assert.equal(g(2), 12);
    assert.ok(g.lastCompiled!.stats.bytecodeLines > 0);
    const h = w.compile((x: w.NDArray) => w.sum(w.mul(op(w.sin(x)) as w.NDArray, 2)));
    const x = w.array([0.1, 0.2, 0.3]);
    h(x);
    assert.ok(Math.abs((h(x) as w.NDArray).data[0]! - 2 * [0.1, 0.2, 0.3].reduce((s, v) => s + Math.sin(v) ** 3, 0)) < 1e-15);
    assert.match(h.lastCompiled!.source, /\* f\d+_e\d+ \* /, "cube's expression inside the fused loop");
  });
});
