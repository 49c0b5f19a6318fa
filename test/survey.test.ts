// The survey's Tables 2 and 3 (Baydin et al. 2018), reproduced row by row.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { readmeFunction, readmeSection, tsBlocks } from "./helpers/readme.js";

// Written in the survey's order of evaluation, so the trace numbering is the survey's.
const f = (x1: number, x2: number): number => {
  const v1 = w.log(x1), v2 = w.mul(x1, x2), v3 = w.sin(x2), v4 = w.add(v1, v2);
  return w.sub(v4, v3);
};
// The same function written as an expression (level-order scheduling gives the same list).
const fromExpr = w.compileExpr(w.parseExpr("ln(x1) + x1*x2 - sin(x2)"), ["x1", "x2"]);

// The README's own f (its "Ten lines"), which claims to reproduce Tables 2 and 3 row by row.
const readmeF = readmeFunction(tsBlocks(readmeSection("Ten lines"))[0]!, "f", w) as (x1: number, x2: number) => number;

const close = (a: unknown, b: number, tol = 5e-4): void => assert.ok(typeof a === "number" && Math.abs(a - b) <= tol, `${String(a)} ≉ ${b}`);

for (const [label, fn] of [["hand-written", f], ["expression", fromExpr], ["the README's f", readmeF]] as const) {
  test(`trace (${label}): the Wengert list of Table 2's left column`, () => {
    const list = w.trace(fn, 2, 5);
    assert.deepEqual(list.inputs.map((x) => [x.index, x.name, x.value]), [[-1, "x1", 2], [0, "x2", 5]]);
    assert.deepEqual(list.lines.map((l) => [l.index, l.op, list.lineText(l)]), [
      [1, "log", "ln v-1"],
      [2, "mul", "v-1 × v0"],
      [3, "sin", "sin v0"],
      [4, "add", "v1 + v2"],
      [5, "sub", "v4 − v3"],
    ]);
    const values = list.lines.map((l) => l.value as number);
    [0.693, 10, -0.959, 10.693, 11.652].forEach((v, i) => close(values[i], v));
    assert.equal(values[4], 11.652071455223084);
    assert.deepEqual(list.outputs.map((o) => [o.name, o.operand]), [["y", { kind: "var", index: 5 }]]);
  });

  test(`forwardTrace (${label}): Table 2's tangent column, row by row`, () => {
    const t = w.forwardTrace(fn, [2, 5], [1, 0]);
    const rows = t.derivative.map((r) => [r.lhs, r.expr, r.value]);
    assert.deepEqual(rows, [
      ["v̇-1", "ẋ1", 1],
      ["v̇0", "ẋ2", 0],
      ["v̇1", "v̇-1/v-1", 0.5],
      ["v̇2", "v̇-1 × v0 + v̇0 × v-1", 5],
      ["v̇3", "v̇0 × cos v0", 0],
      ["v̇4", "v̇1 + v̇2", 5.5],
      ["v̇5", "v̇4 − v̇3", 5.5],
      ["ẏ", "v̇5", 5.5],
    ]);
    assert.equal(t.derivative[3]!.formula, "1 × 5 + 0 × 2");
    assert.deepEqual(t.result, [5.5]);
  });

  test(`reverseTrace (${label}): Table 3's adjoint column in the survey's order, accumulations included`, () => {
    const t = w.reverseTrace(fn, [2, 5]);
    const rows = t.derivative.map((r) => [r.lhs, r.expr, r.formula ?? null, r.accumulate ?? null]);
    assert.deepEqual(rows, [
      ["v̄5", "ȳ", null, null],
      ["v̄4", "v̄5 ∂v5/∂v4", "v̄5", false],
      ["v̄3", "v̄5 ∂v5/∂v3", "−v̄5", false],
      ["v̄1", "v̄4 ∂v4/∂v1", "v̄4", false],
      ["v̄2", "v̄4 ∂v4/∂v2", "v̄4", false],
      ["v̄0", "v̄3 ∂v3/∂v0", "v̄3 × cos v0", false],
      ["v̄-1", "v̄2 ∂v2/∂v-1", "v̄2 × v0", false],
      ["v̄0", "v̄0 + v̄2 ∂v2/∂v0", "v̄0 + v̄2 × v-1", true],
      ["v̄-1", "v̄-1 + v̄1 ∂v1/∂v-1", "v̄-1 + v̄1/v-1", true],
      ["x̄1", "v̄-1", null, null],
      ["x̄2", "v̄0", null, null],
    ]);
    const values = t.derivative.map((r) => r.value as number);
    [1, 1, -1, 1, 1, -0.284, 5, 1.716, 5.5, 5.5, 1.716].forEach((v, i) => close(values[i], v));
    assert.deepEqual(t.result, [5.5, 1.7163378145367738]);
  });
}

test("the tables print as text, Markdown and JSON", () => {
  const fwd = w.forwardTrace(f, [2, 5], [1, 0]);
  const text = fwd.toString();
  assert.match(text, /v2\s+= v-1 × v0\s+= 10\s+│ v̇2\s+= v̇-1 × v0 \+ v̇0 × v-1 = 1 × 5 \+ 0 × 2 = 5/);
  assert.match(fwd.toMarkdown(), /^\| Forward primal trace \| Forward tangent trace \|/);
  const rev = w.reverseTrace(f, [2, 5]);
  assert.match(rev.toString(), /v̄0\s+= v̄0 \+ v̄2 ∂v2\/∂v0\s+= v̄0 \+ v̄2 × v-1 = 1\.716/);
  const json = JSON.parse(JSON.stringify(rev)) as { adjoint: { lhs: string; value: number }[]; result: number[] };
  assert.equal(json.adjoint.length, 11);
  assert.deepEqual(json.result, [5.5, 1.7163378145367738]);
  assert.match(w.trace(f, 2, 5).toMarkdown(), /\| v5 \| v4 − v3 \| 11\.652 \|/);
});

test("written as one expression, f's add precedes its sin: the two lines (and Table 3's rows naming them) trade places", () => {
  const oneExpr = (x1: number, x2: number) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));
  const list = w.trace(oneExpr, 2, 5);
  assert.deepEqual(list.lines.map((l) => list.lineText(l)), ["ln v-1", "v-1 × v0", "v1 + v2", "sin v0", "v3 − v4"]);
  assert.deepEqual(w.reverseTrace(oneExpr, [2, 5]).result, w.reverseTrace(readmeF, [2, 5]).result);
});

test("toDot draws Figure 1's graph: one node per variable, edges from operands", () => {
  const dot = w.toDot(w.trace(f, 2, 5));
  assert.match(dot, /^digraph wengert \{/);
  for (const e of ['"v-1" -> "v1"', '"v-1" -> "v2"', '"v0" -> "v2"', '"v0" -> "v3"', '"v1" -> "v4"', '"v2" -> "v4"', '"v4" -> "v5"', '"v3" -> "v5"', '"v5" -> "y"']) {
    assert.ok(dot.includes(e), `missing edge ${e}`);
  }
});

test("reverseTrace of a vector output needs a cotangent; forwardTrace checks the tangents", () => {
  const g = (x: number): number[] => [w.sin(x), w.cos(x)];
  assert.throws(() => w.reverseTrace(g, [1]), w.NonScalarOutputError);
  const t = w.reverseTrace(g, [1], [1, 1]);
  close(t.result[0], Math.cos(1) - Math.sin(1), 1e-15);
  assert.throws(() => w.forwardTrace(f, [2, 5], [1] as unknown as [number, number]), w.ShapeError);
});
