// The README's "JavaScript idioms a tracer cannot see": every correct form it shows runs and
// gives the value written beside it, and every idiom it warns about really does go wrong
// when written natively (so the section is neither stale nor alarmist).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { readmeSection, runBlock, tsBlocks } from "./helpers/readme.js";

describe("README: JavaScript idioms a tracer cannot see", () => {
  const section = readmeSection("JavaScript idioms a tracer cannot see");
  const blocks = tsBlocks(section);

  test("every //=> line of the section's code gives the value it shows", () => {
    assert.equal(blocks.length, 2, "the section's two code blocks (idioms, compile)");
    const checks = blocks.flatMap((b) => runBlock(b, w));
    assert.equal(checks.length, (blocks.join("\n").match(/\/\/=>/g) ?? []).length, "every //=> line ran");
    assert.ok(checks.length >= 15);
    for (const c of checks) assert.deepEqual(c.actual, c.expected, c.line);
  });

  test("the native idioms the table names silently take the wrong branch", () => {
    const g = (f: (x: number) => unknown, x: number) => w.grad(f as (x: number) => number)(x);
    assert.equal(g((x) => (x === 0 ? 0 : w.sin(x)), 0), 1, "x === 0");
    assert.equal(g((x) => (typeof x === "number" ? w.sin(x) : 0), 0), 0, "typeof");
    assert.equal(g((x) => (Number.isFinite(x) ? w.sin(x) : 0), 0), 0, "Number.isFinite");
    assert.equal(g((x) => (Object.is(x, 1) ? w.mul(5, x) : w.sin(x)), 1), Math.cos(1), "Object.is");
    assert.equal(g((x) => { switch (x) { case 2: return w.square(x); default: return w.sin(x); } }, 2), Math.cos(2), "switch");
    assert.equal(g((x) => ([1, 2].includes(x) ? w.mul(3, x) : w.sin(x)), 1), Math.cos(1), "includes");
    assert.equal(g((x) => w.mul(x || 1, x), 0), 0, "x || 1");
  });

  test("the table's rows are the idioms checked above", () => {
    for (const idiom of ["x === 0", 'typeof x === "number"', "Number.isFinite(x)", "Object.is(x, 1)", "switch (x)", "xs.includes(x)", "x \\|\\| 1"]) {
      assert.ok(section.includes(`\`${idiom}`), `the table lists ${idiom}`);
    }
  });

  test("the correct forms trace under compile too (guards, one variant per branch)", () => {
    const f = w.compile((x: number) => (w.isfinite(x) && !w.equal(x, 1) ? w.sin(x) : w.mul(5, x)));
    assert.equal(f(0), 0);
    assert.equal(f(1), 5);
    assert.equal(f(Infinity), Infinity);
    assert.equal(f(0.5), Math.sin(0.5));
  });
});
