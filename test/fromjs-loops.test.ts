// The loop analysis behind fromJS's structured loops (src/source/loops.ts): which loops can
// become foriLoop/whileLoop, their loop-carried variables (data flow: assigned in the body and
// upward-exposed or live after the loop), what the body reads and writes, and why the others
// fall back to running as written.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseFunction } from "../src/source/ast.js";
import { analyzeLoops, shiftedReads, type LoopAnalysis } from "../src/source/loops.js";

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
  test("a let in an inner block shadows by block scope: the outer variable of that name is still carried", () => {
    // The inner loop's own `let n` once hid the outer loop's n++, so n was not carried and the outer loop never ended.
    const [outer, inner] = loops("function f(x) { let a = x; { let n = 0; while (n < 3 && x < a) { { let n = 0; while (n < 3 && x >= 0.5) { a *= 0.9; n++; } } a -= 1; n++; } } return a; }");
    assert.equal(outer!.fallback, null);
    assert.deepEqual([...outer!.carried].sort(), ["a", "n"]);
    assert.deepEqual([...inner!.carried].sort(), ["a", "n"]);
    const l = one("function f(x) { let t = 0, s = 0; for (let i = 0; i < 3; i++) { { const t = x * i; s += t; } t += 1; } return s; }");
    assert.deepEqual(l.carried, ["s", "t"]);
    const m = one("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { const o = { v: x }; o.v *= 2; for (let i = 0; i < 2; i++) s += o.v; } return s; }");
    assert.equal(m.fallback, null, "a body-local object changed, and an inner counter shadowing the outer one");
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
  test("shifted reads x[i + k] of arrays the loop does not assign: the elements a scan can slice", () => {
    const reads = (src: string) => shiftedReads(one(src)).map((r) => `${r.array}${r.offset >= 0 ? "+" : ""}${r.offset}`);
    assert.deepEqual(reads("function f(x, y) { let s = 0; for (let i = 1; i < x.length - 1; i++) s += x[i + 1] * x[i] - y[i - 1] + x[1 + i] + x[2 * i] + y[i * 1]; return s; }"), ["x+1", "x+0", "y-1", "x+1"]);
    assert.deepEqual(reads("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { const x = [1, 2, 3]; s += x[i]; } return s; }"), [], "x declared again inside");
    assert.deepEqual(reads("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { s += x[i]; for (let i = 0; i < 2; i++) s += x[i]; } return s; }"), [], "the counter declared again inside");
    assert.deepEqual(reads("function f(x) { let s = 0, y = x; for (let i = 0; i < 3; i++) { s += y[i]; y = [s, s, s]; } return s; }"), [], "y assigned in the loop");
    assert.deepEqual(reads("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { const g = () => x[i]; s += g(); } return s; }"), [], "inside a nested function");
  });
  test("a break inside an inner loop is the inner loop's own", () => {
    const [outer] = loops("function f(x) { let s = 0; for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j > i) break; s += x; } } return s; }");
    assert.equal(outer!.fallback, null);
  });
});

describe("fromJS rewrites analysable loops as structured loops", () => {
  test("a counted loop becomes fori over its carry, a while loop whileLoop; the others stay loops", async () => {
    const w = await import("../src/index.js");
    const f = w.fromJS(new Function("return function f(x) { let s = 0, t = 0; for (let i = 0; i < x.length; i++) { t = x[i] * x[i]; s += t; } return s; }")() as (x: number[]) => number);
    // x[i] is element 1 of the step's elements (a scanned slice of x when the runtime can make one).
    assert.match(f.source, /;\[s\] = \$w\.fori\(0, \$w\.len\(x\), \(i, \[s\], (\$\w+)\) => \{\s+t = \$w\.mul\(\$w\.elt\(\1, 1, x, i\), \$w\.elt\(\1, 1, x, i\)\)/);
    // Then the loop's index among the function's loops and the outer values its body reads (loop-cache.ts).
    assert.match(f.source, /return \[s\]; \}, \[s\], \[\[x, 0\]\], \$sites, 0, \(\) => \[x\]\);/);
    assert.deepEqual(w.grad(f)([1, 2, 3]), [2, 4, 6]);
    const g = w.fromJS(new Function("return function g(a) { let x = a; while (x > 1) x = x / 2; return x; }")() as (a: number) => number);
    assert.match(g.source, /;\[x\] = \$w\.whileLoop\(\(\[x\]\) => \$w\.gt\(x, 1\), \(\[x\]\) => \{/);
    assert.equal(w.grad(g)(5), 1 / 8);
    const h = w.fromJS(new Function("return function h(x) { let s = 0; for (let i = 0; i < 9; i++) { if (i > 2) break; s += x; } return s; }")() as (x: number) => number);
    assert.match(h.source, /for \(let i = 0; \$w\.lt\(i, 9\); i = \$w\.add\(i, 1\)\)/);
    assert.equal(w.grad(h)(2), 3);
  });
  test("a carry that is not numbers (undefined, a string) runs as an ordinary loop", async () => {
    const w = await import("../src/index.js");
    const f = w.fromJS(new Function("return function f(x) { let best, tag = ''; for (let i = 0; i < 3; i++) { best = best === undefined ? x : best * x; tag += 'a'; } return tag.length * best; }")() as (x: number) => number);
    assert.match(f.source, /\$w\.fori/);
    assert.equal(f(2), 3 * 8);
    assert.equal(w.grad(f)(2), 3 * 3 * 4);
  });
});

describe("through foriLoop/whileLoop (useStructuredLoops(true)): the same values and derivatives", () => {
  test("Rosenbrock, Newton's √a, nested loops, under grad, jvp, hessian and compile", async () => {
    const w = await import("../src/index.js");
    const rt = await import("../src/source/runtime.js");
    const fns = [
      "function rosen(x) { let s = 0; for (let i = 0; i < x.length - 1; i++) { const a = x[i + 1] - x[i] * x[i], b = 1 - x[i]; s += 100 * a * a + b * b; } return s; }",
      "function ns(x) { const a = x[0] * x[0] + 1; let r = a, steps = 0; while (Math.abs(r * r - a) > 1e-13 * a && steps < 100) { r = 0.5 * (r + a / r); steps++; } return r * x[1]; }",
      "function nest(x) { let s = 0; for (let i = 0; i < x.length; i++) { let p = 1; for (let j = 0; j <= i; j++) p *= x[j]; s += Math.sin(p); } return s; }",
    ].map((src) => new Function(`return ${src}`)() as (x: number[]) => number);
    const x = [0.7, -1.1, 0.4];
    const results = (on: boolean) => {
      rt.useStructuredLoops(on);
      try {
        return fns.map((f0) => {
          const f = w.fromJS(f0);
          return [f(x), w.grad(f)(x), w.jvp(f, [x], [[1, 2, 3]])[1], w.hessian(f)(x), w.compile(w.grad(f))(x)];
        });
      } finally {
        rt.useStructuredLoops(false);
      }
    };
    const plain = results(false), structured = results(true);
    for (let k = 0; k < fns.length; k++) {
      assert.deepEqual(structured[k], plain[k], `function ${k}`);
    }
    assert.ok(typeof structured[0]![0] === "number");
  });
});
