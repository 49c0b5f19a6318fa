// The survey's Table 1 (expression swell), reproduced and extended.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError } from "../src/base/errors.js";
import { parse, print } from "../src/expr/index.js";
import { expand } from "../src/symbolic/polynomial.js";
import { logisticExact, logisticExpr, logisticMap, swellTable, type SwellTable } from "../src/swell/logistic.js";
import { Rational } from "../src/symbolic/rational.js";

let cached: SwellTable | undefined;
const table = (): SwellTable => (cached ??= swellTable({ n: 12 }));

test("l_n and its derivative: the survey's columns for n ≤ 4", () => {
  const rows = table().rows;
  assert.equal(rows[0]!.ln.text, "x");
  assert.equal(rows[1]!.ln.text, "4*x*(1 - x)");
  assert.equal(rows[2]!.ln.text, "4*(4*x*(1 - x))*(1 - 4*x*(1 - x))");
  assert.equal(rows[1]!.derivative.text, "4*(1 - x) - 4*x");
  assert.equal(rows[2]!.derivative.text, "4*(4*(1 - x) - 4*x)*(1 - 4*x*(1 - x)) - 4*(4*x*(1 - x))*(4*(1 - x) - 4*x)");
  const seed = ["1", "4 - 8*x", "16*(1 - 10*x + 24*x^2 - 16*x^3)", "64*(1 - 42*x + 504*x^2 - 2640*x^3 + 7040*x^4 - 9984*x^5 + 7168*x^6 - 2048*x^7)"];
  seed.forEach((s, i) => {
    assert.equal(rows[i]!.simplified.text, s);
    // Equal as polynomials too (so "up to term order" holds whatever the printing).
    assert.ok(expand(parse(s))!.sub(rows[i]!.simplified.polynomial).isZero);
  });
});

test("values at x = 0.3: the issue's numbers, symbolic and AD agree to 1e-12 relative", () => {
  const expected: Record<number, number> = { 2: 1.6, 3: -4.352, 4: 1.3090816, 5: -5.1771031295, 6: -19.776855263, 7: -65.193159086 };
  for (const r of table().rows) {
    const v = r.values;
    if (expected[r.n] !== undefined) assert.ok(Math.abs(v.exact - expected[r.n]!) <= 5e-10 * Math.abs(expected[r.n]!) + 1e-15, `n=${r.n}: ${v.exact}`);
    for (const m of ["symbolic", "forward", "reverse"] as const) {
      assert.ok(v[m].relError! <= 1e-12, `n=${r.n} ${m}: ${v[m].value} vs exact ${v.exact}`);
      assert.ok(Math.abs(v[m].value! - v.reverse.value!) <= 1e-12 * Math.abs(v.reverse.value!));
    }
    // Central differences: about 11 digits at n = 2, losing about one per step as l_n''' grows.
    assert.ok(v.central.relError! < 1e-9 * 4 ** r.n, `n=${r.n} central ${v.central.relError}`);
  }
});

test("the expanded polynomial in float64: exact to n = 3, digits gone by n = 7 (measured), overflow from n = 10", () => {
  const rows = table().rows;
  const err = (n: number): number | null => rows[n - 1]!.values.expanded.relError;
  for (const n of [1, 2, 3]) assert.ok(err(n)! < 1e-14);
  assert.ok(err(6)! > 1e-4); // three digits lost already
  assert.ok(err(7)! > 1, `n = 7: relative error ${err(7)}`); // every digit lost: −7.6e13 for −65.19
  assert.ok(Math.abs(rows[6]!.values.expanded.value!) > 1e12);
  for (const n of [10, 11, 12]) assert.equal(rows[n - 1]!.values.expanded.value, null);
});

test("sizes: the symbolic derivative doubles with n, CSE and the AD trace grow linearly", () => {
  const rows = table().rows;
  for (const r of rows) {
    assert.equal(r.traceLines, 3 * (r.n - 1));
    assert.equal(r.simplified.terms, 2 ** (r.n - 1));
    assert.equal(r.ln.size.nodes, 6 * 2 ** (r.n - 1) - 5);
  }
  for (let i = 3; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    assert.ok(b.derivative.size.nodes / a.derivative.size.nodes > 2, `n=${b.n}: tree nodes ${a.derivative.size.nodes} → ${b.derivative.size.nodes}`);
    assert.equal(b.derivative.size.dagOps - a.derivative.size.dagOps, 7); // linear after CSE
    assert.ok(b.simplified.size.chars! / a.simplified.size.chars! > 2.5, `n=${b.n}: simplified chars ${a.simplified.size.chars} → ${b.simplified.size.chars}`);
  }
  assert.equal(rows[11]!.derivative.size.nodes, 131073);
  assert.ok(rows[11]!.simplified.coefficientBits > 5000, "coefficients of thousands of bits");
});

test("output as text, Markdown, JSON and SVG", () => {
  const t = swellTable({ n: 5 });
  const text = t.toString();
  assert.match(text, /^Table 1 \(Baydin et al\. 2018\)/);
  assert.match(text, /\n3 +4\*\(4\*x\*\(1 - x\)\)\*\(1 - 4\*x\*\(1 - x\)\) +4\*\(4\*\(1 - x\) - 4\*x\)/);
  assert.match(text, /16\*\(1 - 10\*x \+ 24\*x\^2 - 16\*x\^3\)/);
  assert.match(text, /AD trace ops/);
  assert.match(t.toMarkdown(), /\| n \| lₙ \| d\/dx lₙ \(unsimplified\) \| d\/dx lₙ \(simplified\) \|/);
  const json = JSON.parse(JSON.stringify(t.toJSON())) as { rows: { n: number; simplified: { text: string }; values: { exact: number } }[] };
  assert.equal(json.rows.length, 5);
  assert.equal(json.rows[1]!.simplified.text, "4 - 8*x");
  assert.equal(json.rows[4]!.values.exact, logisticExact(5, Rational.exact(0.3)!).derivative.toNumber());
  const svg = t.toSvg();
  assert.match(svg, /^<svg /);
  assert.match(svg, /AD trace ops/);
  // Long expressions are cut in JSON, with a flag; sizes stay exact.
  const long = swellTable({ n: 8, maxChars: 100 }).toJSON() as { rows: { derivative: { text: string; truncated: boolean; size: { chars: number } } }[] };
  assert.equal(long.rows[7]!.derivative.truncated, true);
  assert.equal(long.rows[7]!.derivative.text.length, 100);
  assert.ok(long.rows[7]!.derivative.size.chars > 100);
});

test("the pieces: logisticExpr, logisticMap, logisticExact; typed errors", () => {
  assert.equal(print(logisticExpr(2, "t")), "4*t*(1 - t)");
  assert.equal(logisticMap(3)(0.3), 4 * (4 * 0.3 * 0.7) * (1 - 4 * 0.3 * 0.7));
  assert.equal(logisticExact(3, Rational.fromNumber(0.5)!).value.toString(), "0");
  assert.throws(() => swellTable({ n: 0 }), ArgumentError);
  assert.throws(() => swellTable({ n: 14 }), ArgumentError);
  assert.throws(() => swellTable({ x: Infinity }), ArgumentError);
  assert.throws(() => logisticExpr(1.5), ArgumentError);
});
