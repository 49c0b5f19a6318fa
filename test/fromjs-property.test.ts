// A property test: a few hundred random plain-JS programs with branches (if, ?:, &&, ||, !),
// loops (for, and while loops whose trip count depends on the data), compound assignment and
// Math calls, each printed twice — as plain JavaScript for fromJS, and written with wengert's
// ops — and their gradients and JVPs compared with each other and with central differences.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as w from "../src/index.js";
import { assertClose, SEED } from "./helpers/check.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** One program, as plain JS and as wengert ops. */
interface Code { readonly js: string; readonly ops: string }
const code = (js: string, ops: string): Code => ({ js, ops });

const num = (k: string) => code(k, k);

/** Expressions over x, y, the locals a, b and (inside loops) the counter i. */
function exprArb(depth: number, inLoop: boolean, locals = true): fc.Arbitrary<Code> {
  const vars = ["x", "y", ...(locals ? ["a", "b"] : []), ...(inLoop ? ["i"] : [])];
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...vars).map(num) },
    { weight: 1, arbitrary: fc.constantFrom("0.5", "1.5", "2", "3").map(num) },
  );
  if (depth <= 0) return leaf;
  const e = () => exprArb(depth - 1, inLoop, locals);
  const bin = (op: string, f: string) => fc.tuple(e(), e()).map(([p, q]) => code(`(${p.js} ${op} ${q.js})`, `w.${f}(${p.ops}, ${q.ops})`));
  const fn = (js: string, ops: string) => e().map((p) => code(`Math.${js}(${p.js})`, `w.${ops}(${p.ops})`));
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: bin("+", "add") },
    { weight: 2, arbitrary: bin("-", "sub") },
    { weight: 2, arbitrary: bin("*", "mul") },
    // A denominator bounded away from zero.
    { weight: 1, arbitrary: fc.tuple(e(), e()).map(([p, q]) => code(`(${p.js} / (1.5 + ${q.js} * ${q.js}))`, `w.div(${p.ops}, w.add(1.5, w.mul(${q.ops}, ${q.ops})))`)) },
    { weight: 1, arbitrary: e().map((p) => code(`(${p.js} ** 2)`, `w.pow(${p.ops}, 2)`)) },
    { weight: 1, arbitrary: e().map((p) => code(`(-${p.js})`, `w.neg(${p.ops})`)) },
    { weight: 1, arbitrary: fn("sin", "sin") },
    { weight: 1, arbitrary: fn("cos", "cos") },
    { weight: 1, arbitrary: fn("tanh", "tanh") },
    { weight: 1, arbitrary: e().map((p) => code(`Math.exp(Math.tanh(${p.js}))`, `w.exp(w.tanh(${p.ops}))`)) },
    { weight: 1, arbitrary: e().map((p) => code(`Math.sqrt(1 + ${p.js} * ${p.js})`, `w.sqrt(w.add(1, w.mul(${p.ops}, ${p.ops})))`)) },
    { weight: 1, arbitrary: fc.tuple(e(), e()).map(([p, q]) => code(`Math.max(${p.js}, ${q.js})`, `w.maximum(${p.ops}, ${q.ops})`)) },
    { weight: 1, arbitrary: fc.tuple(condArb(depth - 1, inLoop, locals), e(), e()).map(([c, p, q]) => code(`(${c.js} ? ${p.js} : ${q.js})`, `(${c.ops} ? ${p.ops} : ${q.ops})`)) },
  );
}

/** Conditions: comparisons joined by &&, ||, !. */
function condArb(depth: number, inLoop: boolean, locals = true): fc.Arbitrary<Code> {
  const e = () => exprArb(Math.max(0, depth - 1), inLoop, locals);
  const cmp = fc.tuple(e(), fc.constantFrom(["<", "less"], [">", "greater"], [">=", "greaterEqual"]), e())
    .map(([p, [op, f], q]) => code(`${p.js} ${op} ${q.js}`, `w.${f}(${p.ops}, ${q.ops})`));
  if (depth <= 0) return cmp;
  const c = () => condArb(depth - 1, inLoop, locals);
  return fc.oneof(
    { weight: 4, arbitrary: cmp },
    { weight: 1, arbitrary: fc.tuple(c(), c()).map(([p, q]) => code(`(${p.js} && ${q.js})`, `(${p.ops} && ${q.ops})`)) },
    { weight: 1, arbitrary: fc.tuple(c(), c()).map(([p, q]) => code(`(${p.js} || ${q.js})`, `(${p.ops} || ${q.ops})`)) },
    { weight: 1, arbitrary: c().map((p) => code(`!(${p.js})`, `!(${p.ops})`)) },
  );
}

function stmtArb(depth: number, inLoop: boolean): fc.Arbitrary<Code> {
  const e = () => exprArb(2, inLoop);
  const block = (loop: boolean) => fc.array(stmtArb(depth - 1, loop), { minLength: 1, maxLength: 3 }).map((ss) => code(ss.map((s) => s.js).join(" "), ss.map((s) => s.ops).join(" ")));
  const simple = fc.oneof(
    e().map((p) => code(`a = ${p.js};`, `a = ${p.ops};`)),
    e().map((p) => code(`b += ${p.js};`, `b = w.add(b, ${p.ops});`)),
    e().map((p) => code(`a *= 0.9 + 0.1 * Math.tanh(${p.js});`, `a = w.mul(a, w.add(0.9, w.mul(0.1, w.tanh(${p.ops}))));`)),
    e().map((p) => code(`b -= Math.sin(${p.js});`, `b = w.sub(b, w.sin(${p.ops}));`)),
  );
  if (depth <= 0) return simple;
  return fc.oneof(
    { weight: 3, arbitrary: simple },
    { weight: 1, arbitrary: fc.tuple(condArb(1, inLoop), block(inLoop), block(inLoop)).map(([c, s, t]) => code(`if (${c.js}) { ${s.js} } else { ${t.js} }`, `if (${c.ops}) { ${s.ops} } else { ${t.ops} }`)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), block(true)).map(([k, s]) => code(`for (let i = 0; i < ${k}; i++) { ${s.js} }`, `for (let i = 0; i < ${k}; i++) { ${s.ops} }`)) },
    // A while loop whose trip count depends on the data (bounded by a counter).
    { weight: 1, arbitrary: fc.tuple(condArb(0, false), block(false)).map(([c, s]) => code(`{ let n = 0; while (n < 3 && ${c.js}) { ${s.js} n++; } }`, `{ let n = 0; while (n < 3 && ${c.ops}) { ${s.ops} n++; } }`)) },
  );
}

const programArb = fc.tuple(exprArb(1, false, false), exprArb(1, false, false), fc.array(stmtArb(2, false), { minLength: 1, maxLength: 4 }), exprArb(2, false))
  .map(([ia, ib, body, ret]) => code(
    `function f(x, y) { let a = ${ia.js}; let b = ${ib.js}; ${body.map((s) => s.js).join(" ")} return ${ret.js}; }`,
    `function f(x, y) { let a = ${ia.ops}; let b = ${ib.ops}; ${body.map((s) => s.ops).join(" ")} return ${ret.ops}; }`,
  ));

const pointArb = fc.tuple(fc.integer({ min: -96, max: 96 }), fc.integer({ min: -96, max: 96 })).map(([p, q]) => [p / 64 + 0.01, q / 64 - 0.02] as [number, number]);

test("random plain-JS programs: fromJS against the same program in wengert ops and against central differences", () => {
  let checkedFd = 0, runs = 0, compiled = 0;
  fc.assert(
    fc.property(programArb, pointArb, fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), (prog, [x, y], [tx, ty]) => {
      runs++;
      const plain = new Function(`return ${prog.js}`)() as F;
      const ops = new Function("w", `return ${prog.ops}`)(w) as F;
      const f = w.fromJS(plain);
      const y0 = plain(x, y);
      assert.ok(Object.is(f(x, y), y0), `value: fromJS gives ${f(x, y)}, the function ${y0}`);
      if (!Number.isFinite(y0) || Math.abs(y0) > 1e6) return;
      const g = w.grad(f, { argnums: [0, 1] })(x, y) as unknown as number[];
      const gOps = w.grad(ops, { argnums: [0, 1] })(x, y) as unknown as number[];
      assertClose(g, gOps, { rtol: 1e-12 }, `gradient vs the ops version of\n${prog.js}`);
      const [, jv] = w.jvp(f, [x, y], [tx, ty]) as [number, number];
      const [, jvOps] = w.jvp(ops, [x, y], [tx, ty]) as [number, number];
      assertClose(jv, jvOps, { rtol: 1e-12 }, "jvp vs the ops version");
      assertClose(jv, g[0]! * tx + g[1]! * ty, { rtol: 1e-10 }, "jvp vs gradient");
      // Central differences where f is smooth around the point (two steps agree).
      const fd = (h: number) => [(plain(x + h, y) - plain(x - h, y)) / (2 * h), (plain(x, y + h) - plain(x, y - h)) / (2 * h)];
      const d1 = fd(1e-5), d2 = fd(2.5e-6);
      const smooth = d1.every((d, i) => Math.abs(d - d2[i]!) <= 1e-6 * (1 + Math.abs(d)));
      if (smooth) {
        checkedFd++;
        assertClose(g, d2, { rtol: 1e-5 }, `gradient vs central differences of\n${prog.js}`);
      }
      if (runs % 10 === 0) {
        compiled++;
        const cg = w.compile(w.grad(f, { argnums: [0, 1] }));
        assertClose(cg(x, y), g, { rtol: 1e-13 }, "compiled gradient");
        assertClose(cg(x, y), g, { rtol: 1e-13 }, "compiled gradient, second call");
      }
    }),
    { numRuns: 300, seed: SEED },
  );
  assert.ok(checkedFd >= runs / 2, `only ${checkedFd} of ${runs} programs were smooth enough for finite differences`);
  assert.ok(compiled >= 20);
});
