// The one Wengert list: trace(f) and compile's optimized program are the same type, print
// through the same printer, draw through the same toDot, and evaluate through the same
// interpreter; a fused loop is one line whose body is a nested list.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { evaluate, MISS } from "../src/core/evaluate.js";
import { ConstTable } from "../src/core/ir.js";

// Written in the survey's order of evaluation, so the numbering is the survey's.
const survey = (x1: number, x2: number) => {
  const v1 = w.log(x1), v2 = w.mul(x1, x2), v3 = w.sin(x2);
  return w.sub(w.add(v1, v2), v3);
};
const rosen = (x: w.NDArray) => {
  const a = w.slice(x, [1]), b = w.slice(x, [0], [-1]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(a, w.square(b)))), w.square(w.sub(1, b))));
};

describe("one list type for the tape and the stager", () => {
  test("trace(f) and compile(f).lastCompiled.trace are both WengertLists, printed alike", () => {
    const t = w.trace(survey, 2, 5);
    const cf = w.compile(survey);
    cf(2, 5);
    const c = cf.lastCompiled!.trace;
    assert.ok(t instanceof w.WengertList && c instanceof w.WengertList);
    // The same lines; the compiled program keeps no values, so its rows have none.
    assert.deepEqual(c.lines.map((l) => [l.index, l.op, c.lineText(l)]), t.lines.map((l) => [l.index, l.op, t.lineText(l)]));
    assert.equal(c.toString(), ["v-1 = x1", "v0  = x2", "v1  = ln v-1", "v2  = v-1 × v0", "v3  = sin v0", "v4  = v1 + v2", "v5  = v4 − v3", "y   = v5"].join("\n"));
    assert.match(t.toString(), /^v5\s+= v4 − v3\s+= 11\.652$/m);
    assert.equal(typeof c.toMarkdown(), "string");
    assert.deepEqual(Object.keys(c.toJSON() as object), ["inputs", "lines", "outputs"]);
  });

  test("compile(valueAndGrad(f)) of the survey's example prints its optimized adjoint program", () => {
    const vg = w.compile(w.valueAndGrad(survey, { argnums: [0, 1] }));
    assert.deepEqual(vg(2, 5), [11.652071455223084, [5.5, 1.7163378145367738]]);
    const text = vg.lastCompiled!.trace.toString();
    // The primal lines, then the adjoint lines; outputs y1 = f, y2 = ∂f/∂x1, y3 = ∂f/∂x2.
    assert.match(text, /^v1\s+= ln v-1$/m);
    assert.match(text, /^v\d+\s+= cos v0$/m);
    assert.match(text, /^v\d+\s+= 1 \/ v-1$/m);
    assert.match(text, /^y3\s+= v\d+$/m);
    assert.equal(vg.lastCompiled!.trace.lines.length, vg.lastCompiled!.stats.lines);
  });

  test("a fused loop is one line whose body is a nested list: printed indented, drawn as a cluster", () => {
    const g = w.compile(w.grad(rosen));
    const x = w.array([-1.2, 1, -1.2, 1, -1.2, 1]);
    g(x);
    const tr = g.lastCompiled!.trace;
    const loops = tr.lines.filter((l) => l.bodies.length > 0);
    assert.equal(loops.length, 1);
    assert.equal(g.lastCompiled!.stats.fusedGroups, 1);
    const body = loops[0]!.bodies[0]!.list;
    assert.ok(body instanceof w.WengertList);
    assert.ok(body.lines.length >= 8, "the whole elementwise run is in the body");
    const text = tr.toString();
    assert.match(text, /^v\d+\s+= for i < 5 \{$/m);
    assert.match(text, /^ {2}u-1\s+= v\d+\[i\]$/m);
    assert.match(text, /^ {2}(v\d+)\[1 \+ i\] += \1\[1 \+ i\] \+ u\d+$/m, "the slice-transpose epilogue adds into the gradient");
    assert.match(text, /^\}$/m);
    const dot = tr.toDot();
    assert.match(dot, /subgraph cluster_0 \{/);
    assert.equal(w.toDot(tr), dot);
    const json = tr.toJSON() as { lines: { op: string; bodies?: { list: { lines: unknown[] } }[] }[] };
    const fused = json.lines.find((l) => l.bodies !== undefined)!;
    assert.equal(fused.bodies![0]!.list.lines.length, body.lines.length);
    // The unfused program is what enclosing transforms replay: no loop lines there.
    assert.ok(g.lastCompiled!.program.lines.every((l) => l.bodies.length === 0));
  });
});

describe("one interpreter evaluates every list", () => {
  test("the optimized and the fused program give the compiled result", () => {
    const g = w.compile(w.grad(rosen));
    const x = w.array([-1.2, 1, -1.2, 1, -1.2, 1]);
    const expected = g(x) as w.NDArray;
    for (const list of [g.lastCompiled!.program, g.lastCompiled!.trace]) {
      const r = evaluate(list, [x]);
      assert.notEqual(r, MISS);
      assert.deepEqual([...((r as w.Value[])[0] as w.NDArray).data], [...expected.data]);
    }
  });

  test("a guard the inputs fail gives MISS, never a stale value", () => {
    const cf = w.compile((x: number) => (w.greater(x, 1) ? w.sin(x) : w.cos(x)));
    cf(2);
    assert.deepEqual(evaluate(cf.lastCompiled!.program, [3]), [Math.sin(3)]);
    assert.equal(evaluate(cf.lastCompiled!.program, [0]), MISS);
    assert.match(cf.lastCompiled!.trace.toString(), /^assert\s+= v0 > 1$/m);
  });

  test("under an enclosing transform the interpreter's lines are differentiated like any code", () => {
    const cf = w.compile(survey);
    cf(2, 5);
    const prog = cf.lastCompiled!.program;
    const [y, dy] = w.jvp((a: number, b: number) => (evaluate(prog, [a, b]) as w.Value[])[0] as number, [2, 5], [1, 0]);
    assert.equal(y, 11.652071455223084);
    assert.equal(dy, 5.5);
  });
});

describe("one constant interning", () => {
  test("equal constants share an atom; −0 is kept apart from 0; NaN is one constant", () => {
    const c = new ConstTable();
    assert.equal(c.atom(2), c.atom(2));
    assert.notEqual(c.atom(0), c.atom(-0));
    assert.equal(c.atom(-0), c.atom(-0));
    assert.ok(Object.is(c.value(c.atom(-0)), -0));
    assert.equal(c.atom(NaN), c.atom(NaN));
    const a = w.array([1, 2]);
    assert.equal(c.atom(a), c.atom(a));
    assert.notEqual(c.atom(a), c.atom(w.array([1, 2])));
    assert.equal(c.values.length, 6);
  });
});
