// One derivative source per elementary function (#9 item 3): each partial is written once in
// the primitive table over core/algebra.ts's Algebra, and AD (forward and reverse), symbolic
// differentiation, the trace tables and the expression language all read it. So they agree,
// at random points and at the kinks (abs, max, min, sign; relu, a composition, by AD alone).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as w from "../src/index.js";
import { runCompare } from "../src/cli/compare-command.js";
import type { Primitive } from "../src/core/primitive.js";
import { compileExpr, FUNCTIONS, functionPrimitive, parse, print } from "../src/expr/index.js";
import { DISPLAY, TRACED } from "../src/ops/partials.js";
import { PRIM_TABLE } from "../src/ops/prims.js";
import { differentiate } from "../src/symbolic/diff.js";
import { simplify } from "../src/symbolic/simplify.js";

/** The gradient of an expression at a point by every method that reads the table's partials. */
function gradients(src: string, names: readonly string[], at: readonly number[]): Record<string, number[]> {
  const e = parse(src);
  const f = compileExpr(e, names);
  const unit = (i: number) => names.map((_, j) => (j === i ? 1 : 0));
  const forward = names.map((_, i) => w.jvp(f, [...at], unit(i))[1] as number);
  const reverse = w.grad((x: number[]) => f(...x))([...at]) as number[];
  const symbolic = names.map((v) => compileExpr(differentiate(e, v), names)(...at));
  const simplified = names.map((v) => compileExpr(simplify(differentiate(e, v)), names)(...at));
  const raw = names.map((v) => compileExpr(differentiate(e, v, { raw: true }), names)(...at));
  const table = w.reverseTrace((...x: number[]) => f(...x), [...at]).result as number[];
  const tangents = names.map((_, i) => w.forwardTrace((...x: number[]) => f(...x), [...at], unit(i)).result[0] as number);
  return { forward, reverse, symbolic, simplified, raw, "reverse table": table, "forward table": tangents };
}

function agree(src: string, names: readonly string[], at: readonly number[], tol = 1e-12): number[] {
  const g = gradients(src, names, at);
  const ref = g.reverse!;
  for (const [method, v] of Object.entries(g)) {
    v.forEach((x, i) => {
      const ok = Object.is(x, ref[i]) || Math.abs(x - ref[i]!) <= tol * Math.max(1, Math.abs(ref[i]!));
      assert.ok(ok, `${src} at (${at.join(", ")}): ∂/∂${names[i]} by ${method} is ${x}, by reverse AD ${ref[i]}`);
    });
  }
  return ref;
}

/** A point in the function's domain for random draws (u in [0, 1)). */
const DOMAIN: Record<string, (u: number) => number> = {
  asin: (u) => 1.8 * u - 0.9, acos: (u) => 1.8 * u - 0.9, log: (u) => 0.1 + 3 * u, ln: (u) => 0.1 + 3 * u,
  sqrt: (u) => 0.1 + 3 * u, log1p: (u) => -0.9 + 3 * u, pow: (u) => 0.1 + 2 * u,
};

describe("one derivative source: AD, symbolic and the tables agree", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

  for (const [name, arity] of Object.entries(FUNCTIONS)) {
    test(`${name}: at random points`, () => {
      const names = ["x", "y"].slice(0, arity);
      const src = `${name}(${names.join(", ")})`;
      for (let k = 0; k < 12; k++) {
        const at = names.map(() => (DOMAIN[name] ?? ((u: number) => 6 * u - 3))(rand()));
        agree(src, names, at, 1e-12);
        // And through the chain rule: an inner function of the variables.
        agree(`${name}(${names.map((v) => `0.5*${v} + 0.1`).join(", ")})`, names, at, 1e-12);
      }
    });
  }

  test("kinks: abs at 0 and sign at 0 take the subgradient 0; max and min split ties evenly", () => {
    assert.deepEqual(agree("abs(x)", ["x"], [0]), [0]);
    assert.deepEqual(agree("abs(x - 1)", ["x"], [1]), [0]);
    assert.deepEqual(agree("sign(x)", ["x"], [0]), [0]);
    assert.deepEqual(agree("sign(x)", ["x"], [2]), [0]);
    for (const t of [-2, 0, 1, 3.5]) {
      assert.deepEqual(agree("max(x, y)", ["x", "y"], [t, t]), [0.5, 0.5]);
      assert.deepEqual(agree("min(x, y)", ["x", "y"], [t, t]), [0.5, 0.5]);
    }
    assert.deepEqual(agree("max(x, y)", ["x", "y"], [2, 1]), [1, 0]);
    assert.deepEqual(agree("min(x, y)", ["x", "y"], [2, 1]), [0, 1]);
    assert.deepEqual(agree("max(x, 0)", ["x"], [0]), [0.5]);
    assert.deepEqual(agree("max(x, y) + abs(x - 1)", ["x", "y"], [1, 1]), [0.5, 0.5]);
    assert.deepEqual(agree("max(2*x, x + 1)*abs(x - 1)", ["x"], [1]), [0]);
  });

  test("relu (where(x ≤ 0, 0, x)): subgradient 0 at 0 in both modes, 1 above, 0 below", () => {
    for (const [x, want] of [[0, 0], [1e-300, 1], [-1e-300, 0], [2, 1], [-2, 0]] as const) {
      assert.equal(w.grad(w.relu)(x), want);
      assert.equal(w.jvp(w.relu, [x], [1])[1], want);
    }
  });

  test("wengert compare \"max(x,y)+abs(x-1)\" --at x=1,y=1: every method gives 0.5, 0.5", () => {
    const r = runCompare({ expression: "max(x,y)+abs(x-1)", at: "x=1,y=1", timeMs: 0 });
    const methods = (r.json as { methods: { method: string; gradient: Record<string, number> }[] }).methods;
    for (const m of methods) assert.deepEqual([m.gradient.x, m.gradient.y], [0.5, 0.5], m.method);
    assert.equal(methods.length, 5);
  });
});

describe("the expression language and the trace tables come from the table", () => {
  test("every function name is an elementary entry of the primitive table, with the arity of its partials", () => {
    const table = Object.values(PRIM_TABLE) as Primitive<unknown>[];
    const declared = table.flatMap((p) => (p.elementary?.names ?? []).map((n) => [n, p.elementary!.partials.length] as const));
    assert.deepEqual(Object.fromEntries(declared), { ...FUNCTIONS });
    for (const name of Object.keys(FUNCTIONS)) assert.ok(table.includes(functionPrimitive(name)));
    assert.equal(functionPrimitive("ln"), PRIM_TABLE.log);
    assert.equal(functionPrimitive("max"), PRIM_TABLE.maximum);
  });

  test("an elementary entry's rule and display partials are its one statement, read on traced values and on strings", () => {
    for (const prim of Object.values(PRIM_TABLE) as Primitive<unknown>[]) {
      const el = prim.elementary;
      if (el === undefined || prim.rule.kind !== "partials") continue;
      const args = ["v0", "v1"].slice(0, el.partials.length);
      el.partials.forEach((p, i) => {
        const text = prim.display!.partials![i]!(args, "v9", undefined);
        assert.equal(text, p(DISPLAY, args.map((s) => ({ s, prec: 5 })), { s: "v9", prec: 5 }).s, `${prim.name} ∂${i}`);
      });
      // On numbers the rule is the statement evaluated (kinks and structural zeros aside).
      const at = [0.3, 0.7].slice(0, el.partials.length);
      const out = prim.scalar!(at[0]!, at[1]!) as number;
      el.partials.forEach((p, i) => {
        const rule = (prim.rule as { partials: readonly ((a: readonly number[], o: number, q: unknown) => unknown)[] }).partials[i]!;
        assert.equal(rule(at, out, undefined), p(TRACED, at, out), `${prim.name} ∂${i}`);
      });
    }
  });

  test("survey notation of the table's partials", () => {
    const text = (prim: Primitive<undefined>, i = 0, args = ["v0", "v1"]) => prim.display!.partials![i]!(args, "v2", undefined);
    assert.equal(text(PRIM_TABLE.sin), "cos v0");
    assert.equal(text(PRIM_TABLE.log), "1/v0");
    assert.equal(text(PRIM_TABLE.sqrt), "1/(2v2)");
    assert.equal(text(PRIM_TABLE.square), "2·v0");
    assert.equal(text(PRIM_TABLE.pow, 0, ["v0", "2"]), "2·v0");
    assert.equal(text(PRIM_TABLE.pow, 0, ["v0", "3"]), "3·v0^2");
    assert.equal(text(PRIM_TABLE.pow, 1), "v2·ln v0");
    assert.equal(text(PRIM_TABLE.asin), "1/√(1−v0²)");
    assert.equal(text(PRIM_TABLE.abs), "sign v0");
    assert.equal(text(PRIM_TABLE.maximum), "[v0 > v1]");
    assert.equal(text(PRIM_TABLE.sub, 1), "−1");
    assert.equal(text(PRIM_TABLE.div, 1), "−v2/v1");
  });

  test("symbolic forms at kinks: |u|' = sign(u)·u', max's partials through sign", () => {
    assert.equal(print(differentiate(parse("abs(x)"), "x")), "sign(x)");
    assert.equal(print(differentiate(parse("max(x, y)"), "x")), "(1 + sign(x - y))/2");
    assert.equal(print(differentiate(parse("min(x, 3)"), "x")), "(1 + sign(3 - x))/2");
  });
});
