// The loop analysis behind fromJS's structured loops (src/source/loops.ts): which loops can
// become foriLoop/whileLoop, their loop-carried variables (data flow: assigned in the body and
// upward-exposed or live after the loop), what the body reads and writes, and why the others
// fall back to running as written.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseFunction } from "../src/source/ast.js";
import { analyzeLoops, type LoopAnalysis } from "../src/source/loops.js";

function loops(src: string): LoopAnalysis[] {
  return analyzeLoops(parseFunction(src, "f").fn);
}
const one = (src: string): LoopAnalysis => loops(src)[0]!;

describe("loop analysis", () => {
  test("Rosenbrock: a counted loop carrying s, reading x", () => {
    const l = one("function f(x) { let s = 0; for (let i = 0; i < x.length - 1; i++) { const a = x[i + 1] - x[i] * x[i], b = 1 - x[i]; s += 100 * a * a + b * b; } return s; }");
    assert.equal(l.fallback, null);
    assert.equal(l.counter?.name, "i");
    assert.equal(l.counter?.inclusive, false);
    assert.deepEqual(l.carried, ["s"]);
    assert.deepEqual(l.writes, ["s"]);
    assert.deepEqual(l.reads, ["x", "s"]);
  });
  test("a variable written before it is read, and unused after, is not carried", () => {
    const l = one("function f(x) { let s = 0, t = 0; for (let i = 0; i < 3; i++) { t = x * i; s += t; } return s; }");
    assert.deepEqual(l.writes, ["t", "s"]);
    assert.deepEqual(l.carried, ["s"]);
  });
  test("live after the loop, or kept on a path that does not write it: carried", () => {
    assert.deepEqual(one("function f(x) { let last = 0; for (let i = 0; i < 3; i++) { last = x * i; } return last; }").carried, ["last"]);
    assert.deepEqual(one("function f(x) { let m = 0, s = 0; for (let i = 0; i < 3; i++) { if (x > i) m = x; s = m; } return s; }").carried, ["m", "s"]);
  });
  test("<=, ++i and i += 1 are counted loops; a while loop carries what its test and body share", () => {
    assert.equal(one("function f(n) { let s = 0; for (let i = 1; i <= n; ++i) s += i; return s; }").counter?.inclusive, true);
    assert.equal(one("function f(n) { let s = 0; for (let i = 1; i < n; i += 1) s += i; return s; }").fallback, null);
    const w = one("function f(a) { let x = a, steps = 0; while (Math.abs(x * x - a) > 1e-12 && steps < 100) { x = 0.5 * (x + a / x); steps++; } return x; }");
    assert.equal(w.kind, "while");
    assert.equal(w.fallback, null);
    assert.deepEqual(w.carried, ["x", "steps"]);
    assert.deepEqual([...w.reads].sort(), ["Math", "a", "steps", "x"]);
  });
  test("nested loops: the inner loop carries everything it writes (the outer iteration reads it again)", () => {
    const [outer, inner] = loops("function f(A) { let s = 0; for (let i = 0; i < 2; i++) { let r = 0; for (let j = 0; j < 2; j++) { r = A * j; s += r; } } return s; }");
    assert.deepEqual(outer!.carried, ["s"]);
    assert.deepEqual(inner!.carried, ["r", "s"]);
  });
  test("body-local arrays may be changed; closures' reads count", () => {
    const l = one("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { const t = []; t.push(x * i); const g = (u) => u * s; s = g(t[0]); } return s; }");
    assert.equal(l.fallback, null);
    assert.deepEqual(l.carried, ["s"]);
  });
  const falls: [string, string, RegExp][] = [
    ["break", "function f(x) { let s = 0; for (let i = 0; i < 9; i++) { if (s > 3) break; s += x; } return s; }", /^break$/],
    ["continue", "function f(x) { let s = 0; for (let i = 0; i < 9; i++) { if (i === 2) continue; s += x; } return s; }", /^continue$/],
    ["return", "function f(x) { for (let i = 0; i < 9; i++) { if (x > i) return i; } return 0; }", /^return$/],
    ["writes into an outer array", "function f(x) { const out = [0, 0]; for (let i = 0; i < 2; i++) out[i] = x * i; return out[1]; }", /it assigns to out\[…\].*not be replayed/],
    ["push onto an outer array", "function f(x) { const out = []; for (let i = 0; i < 2; i++) out.push(x * i); return out[1]; }", /it calls out\.push\(\)/],
    ["an object's field", "function f(x) { const o = { s: 0 }; for (let i = 0; i < 2; i++) o.s += x; return o.s; }", /it assigns to o\.s/],
    ["the counter assigned", "function f(x) { let s = 0; for (let i = 0; i < 9; i++) { s += x; i += 2; } return s; }", /assigns the counter i/],
    ["the bound moving", "function f(x) { let s = 0, n = 3; for (let i = 0; i < n; i++) { s += x; n--; } return s; }", /the bound reads n/],
    ["not counted", "function f(x) { let s = 0; for (let i = 10; i > 0; i--) s += x; return s; }", /not a counted loop/],
    ["var in the body", "function f(x) { let s = 0; for (let i = 0; i < 3; i++) { var t = x; s += t; } return s + t; }", /a var declaration/],
    ["for…of", "function f(xs) { let s = 0; for (const v of xs) s += v; return s; }", /for…of/],
    ["break out of an outer loop from an inner one", "function f(x) { let s = 0; outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j > i) continue outer; s += x; } } return s; }", /continue/],
  ];
  for (const [name, src, why] of falls) {
    test(`falls back: ${name}`, () => {
      const l = one(src);
      assert.notEqual(l.fallback, null, "expected a fallback");
      assert.match(l.fallback!, why);
    });
  }
  test("a break inside an inner loop is the inner loop's own", () => {
    const [outer] = loops("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j > i) break; s += x; } } return s; }");
    assert.equal(outer!.fallback, null);
  });
});
