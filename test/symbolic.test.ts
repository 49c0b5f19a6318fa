import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ArgumentError } from "../src/base/errors.js";
import { compileExpr, equalExpr, parse, print, type Expr } from "../src/expr/index.js";
import { grad } from "../src/transforms/grad.js";
import {
  cse, differentiate, expand, exprSize, gradientExprs, HashCons, LIGHT, Polynomial, RAW, Rational, simplify, toLatex, treeCounts,
} from "../src/symbolic/index.js";
import { exprArb, pointArb } from "./helpers/random-expr.js";

const SEED = 0x5eed_2024;
const d = (src: string, wrt = "x"): string => print(differentiate(parse(src), wrt));
const ds = (src: string, wrt = "x"): string => print(simplify(differentiate(parse(src), wrt)));
const simp = (src: string): string => print(simplify(parse(src)));

/** parse(print(e)) is e again (spans aside). */
function roundTrips(e: Expr): void {
  const text = print(e);
  assert.ok(equalExpr(parse(text), e), `print/parse round trip failed for ${text}`);
}

describe("differentiate", () => {
  test("the survey's example, and the rules one by one", () => {
    assert.equal(d("ln(x1) + x1*x2 - sin(x2)", "x1"), "1/x1 + x2");
    assert.equal(d("ln(x1) + x1*x2 - sin(x2)", "x2"), "x1 - cos(x2)");
    assert.equal(d("4*x*(1-x)"), "4*(1 - x) - 4*x"); // the survey's Table 1, n = 2
    assert.equal(d("x*sin(x)"), "sin(x) + x*cos(x)");
    assert.equal(d("x/(x+1)"), "(x + 1 - x)/(x + 1)^2");
    assert.equal(d("x^3"), "3*x^2");
    assert.equal(d("2^x"), "2^x*ln(2)");
    assert.equal(d("x^y", "y"), "x^y*ln(x)");
    assert.equal(d("x^x"), "x*x^(x - 1) + x^x*ln(x)"); // pow's two partials, as the primitive table states them
    assert.equal(d("sqrt(x)"), "1/(2*sqrt(x))");
    assert.equal(d("exp(2*x)"), "exp(2*x)*2");
    assert.equal(d("atan2(y, x)"), "-y/(y^2 + x^2)");
    assert.equal(d("y*3"), "0");
    assert.equal(d("7"), "0");
  });

  test("raw mode applies the rules verbatim", () => {
    assert.equal(print(differentiate(parse("4*x*(1-x)"), "x", { raw: true })), "(0*x + 4*1)*(1 - x) + 4*x*(0 - 1)");
    assert.equal(print(differentiate(parse("x^2"), "x", { raw: true })), "2*x^(2 - 1)*1");
  });

  test("every function's rule, checked against AD at a point", () => {
    const cases = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "ln", "log1p", "expm1", "sqrt", "abs"]
      .map((fn) => `${fn}(0.3*x + 0.1)`)
      .concat(["pow(x, 3)", "pow(2, x)", "pow(x, x)", "atan2(x, 2)", "atan2(2, x)", "min(x, 0.5)", "max(x, 0.5)", "x^-2", "1/x"]);
    for (const src of cases) {
      const e = parse(src);
      const f = compileExpr(e, ["x"]);
      for (const x of [0.7, 1.3]) {
        const ad = grad(f)(x);
        for (const deriv of [differentiate(e, "x"), differentiate(e, "x", { raw: true }), simplify(differentiate(e, "x"))]) {
          const s = compileExpr(deriv, ["x"])(x);
          assert.ok(Math.abs(s - ad) <= 1e-14 * Math.max(1, Math.abs(ad)), `${src} at ${x}: symbolic ${print(deriv)} = ${s}, AD ${ad}`);
        }
      }
    }
  });

  test("at least 100 generated expressions: symbolic derivatives agree with AD at random in-domain points", () => {
    let checked = 0;
    const samples = fc.sample(fc.tuple(exprArb(), pointArb()), { numRuns: 300, seed: SEED });
    for (const [src, [x, y]] of samples) {
      const e = parse(src);
      const f = compileExpr(e, ["x", "y"]);
      const v = f(x, y);
      const g = grad((p: number[]) => f(p[0]!, p[1]!))([x, y]) as number[];
      if (!Number.isFinite(v) || !g.every(Number.isFinite) || Math.abs(v) > 1e6 || g.some((a) => Math.abs(a) > 1e6)) continue; // out of the domain
      const derivs = ["x", "y"].map((w) => [differentiate(e, w), differentiate(e, w, { raw: true }), simplify(differentiate(e, w))]);
      const values = derivs.map((ds) => ds.map((dd) => compileExpr(dd, ["x", "y"])(x, y)));
      if (!values.flat().every(Number.isFinite)) continue; // a kink of abs/min/max, where AD takes a subgradient
      values.forEach((vs, i) => vs.forEach((s, k) => {
        assert.ok(Math.abs(s - g[i]!) <= 1e-10 * Math.max(1, Math.abs(g[i]!)), `${src} at (${x}, ${y}), d/d${"xy"[i]}: ${print(derivs[i]![k]!)} = ${s}, AD ${g[i]}`);
      }));
      derivs.flat().forEach(roundTrips);
      checked++;
    }
    assert.ok(checked >= 100, `only ${checked} expressions were in their domain`);
  });

  test("shared subtrees are differentiated once (the logistic map's derivative is small in memory)", () => {
    let l: Expr = LIGHT.variable("x");
    for (let k = 1; k < 30; k++) l = LIGHT.mul(LIGHT.mul(LIGHT.num(4), l), LIGHT.sub(LIGHT.num(1), l));
    const dl = differentiate(l, "x");
    const { nodes } = treeCounts(dl);
    assert.ok(nodes > 1e9, `the printed tree has ${nodes} nodes`);
    assert.ok(new HashCons().id(dl) < 400);
  });

  test("gradientExprs, and typed errors", () => {
    assert.deepEqual(gradientExprs(parse("x*y + y")).map(print), ["y", "x + 1"]);
    assert.throws(() => differentiate(parse("x"), "sin"), ArgumentError);
    assert.throws(() => differentiate(parse("x"), "1x"), ArgumentError);
    assert.throws(() => differentiate(parse("x"), undefined as unknown as string), ArgumentError);
  });
});

describe("simplify", () => {
  test("constant folding and the identities x·1, x + 0, x·0, x^1, x^0", () => {
    assert.equal(simp("2*3 + 4"), "10");
    assert.equal(simp("x*1 + 0"), "x");
    assert.equal(simp("x*0 + y"), "y");
    assert.equal(simp("x^1 * y^0"), "x");
    assert.equal(simp("0.1 + 0.2"), "0.3"); // exact rationals: the decimals as written
    assert.equal(simp("1/3 + 1/3"), "2/3");
    assert.equal(simp("sin(0) + exp(0) + sqrt(4)"), "3");
    assert.equal(simp("sin(2)"), "sin(2)");
    assert.equal(simp("--x"), "x");
  });

  test("like terms, like powers, and x/x", () => {
    assert.equal(simp("2*x + 3*x"), "5*x");
    assert.equal(simp("x*x*x"), "x^3");
    assert.equal(simp("x^2*x^-3"), "1/x");
    assert.equal(simp("x/x"), "1");
    assert.equal(simp("sin(x)*sin(x) + 2*sin(x)^2"), "3*sin(x)^2");
    assert.equal(simp("x - x"), "0");
    assert.equal(ds("sin(x)^2 + cos(x)^2"), "0");
  });

  test("expansion, and a common factor out of longer sums", () => {
    assert.equal(simp("(x + 1)^2"), "1 + 2*x + x^2");
    assert.equal(simp("(x + y)*(x - y)"), "x^2 - y^2");
    assert.equal(simp("4*(1 - x) - 4*x"), "4 - 8*x"); // a binomial keeps its content
    assert.equal(simp("16 - 160*x + 384*x^2 - 256*x^3"), "16*(1 - 10*x + 24*x^2 - 16*x^3)");
    assert.equal(simp("x^2 + x^3 + x^4"), "x^2*(1 + x + x^2)");
    assert.equal(print(simplify(parse("(x + 1)^2"), { expand: false })), "(1 + x)^2");
    assert.equal(print(simplify(parse("16 - 160*x + 384*x^2"), { factor: false })), "16 - 160*x + 384*x^2");
  });

  test("non-polynomial parts stay whole: fractions, powers of sums in denominators, atoms", () => {
    assert.equal(ds("x/(x+1)"), "1/(1 + x)^2");
    assert.equal(ds("x*sin(x)"), "sin(x) + x*cos(x)");
    assert.equal(ds("sqrt(x)"), "1/(2*sqrt(x))");
    assert.equal(ds("ln(x1) + x1*x2 - sin(x2)", "x1"), "1/x1 + x2");
    assert.equal(simp("(x - y)/abs(x - y)"), "(x - y)/abs(x - y)");
  });

  test("idempotent, value-preserving and round-trippable on generated expressions", () => {
    const samples = fc.sample(fc.tuple(exprArb(3), pointArb()), { numRuns: 150, seed: SEED + 1 });
    let checked = 0;
    for (const [src, [x, y]] of samples) {
      const e = parse(src);
      const s = simplify(e);
      roundTrips(s);
      assert.equal(print(simplify(s)), print(s), `simplify is not idempotent on ${src}`);
      const a = compileExpr(e, ["x", "y"])(x, y), b = compileExpr(s, ["x", "y"])(x, y);
      if (!Number.isFinite(a) || !Number.isFinite(b) || Math.abs(a) > 1e6) continue;
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)), `${src} = ${a}, simplified ${print(s)} = ${b}`);
      checked++;
    }
    assert.ok(checked >= 80);
  });

  test("products whose coefficients would not be exact in float64 stay unexpanded", () => {
    let l: Expr = LIGHT.variable("x");
    for (let k = 1; k < 12; k++) l = LIGHT.mul(LIGHT.mul(LIGHT.num(4), l), LIGHT.sub(LIGHT.num(1), l));
    const s = simplify(differentiate(l, "x"));
    const text = print(s);
    assert.doesNotMatch(text, /e\+|1\/0/); // every coefficient printed exactly
    const v = compileExpr(s, ["x"])(0.3), ad = grad(compileExpr(l, ["x"]))(0.3);
    assert.ok(Math.abs(v - ad) / Math.abs(ad) < 1e-6, `${v} vs AD ${ad}`);
    assert.throws(() => simplify(parse("x"), { maxTerms: 0 }), ArgumentError);
  });
});

describe("polynomials", () => {
  test("expand: exact coefficients, multivariate, undefined for non-polynomials", () => {
    const p = expand(parse("(x + 1)^3"))!;
    assert.equal(p.size, 4);
    assert.equal(p.toString(), "1 + 3*x + 3*x^2 + x^3");
    assert.equal(expand(parse("(x + y)^2 - 2*x*y"))!.toString(), "x^2 + y^2");
    assert.equal(expand(parse("x/2 + 0.5*x"))!.toString(), "x");
    assert.equal(expand(parse("sin(x)")), undefined);
    assert.equal(expand(parse("1/x")), undefined);
    assert.equal(expand(parse("x^y")), undefined);
    assert.equal(expand(parse("x^0.5")), undefined);
  });

  test("Kronecker multiplication agrees with term-by-term multiplication", () => {
    const rnd = fc.sample(fc.array(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), { minLength: 70, maxLength: 90 }), { numRuns: 2, seed: SEED });
    const poly = (cs: bigint[]): Polynomial => Polynomial.fromTerms(cs.map((c, i) => ({ monomial: i ? [["x", i] as const] : [], coef: Rational.int(c) })));
    const [a, b] = rnd.map(poly) as [Polynomial, Polynomial];
    const fast = a.mul(b); // 70 × 70 terms or more: the Kronecker path
    let slow = Polynomial.ZERO;
    for (const t of b.terms.values()) slow = slow.add(a.mul(Polynomial.fromTerms([t])));
    assert.ok(fast.sub(slow).isZero);
    assert.ok(a.size * b.size >= 4096);
  });

  test("exact evaluation, and float64 conversion that refuses overflow", () => {
    const p = expand(parse("(2*x - 1)^2"))!;
    assert.equal(p.evaluateExact({ x: Rational.of(1n, 3n) }).toString(), "1/9");
    const big = expand(parse("(10^200*x)^2"))!;
    assert.throws(() => big.toExpr(), /beyond float64's range/);
    assert.match(print(big.toExpr({ coefficients: "exact" })), /^1(0{400})\*x\^2$/);
  });

  test("Rational", () => {
    assert.equal(Rational.fromNumber(0.3)!.toString(), "0.3");
    assert.equal(Rational.exact(0.5)!.toString(), "0.5");
    assert.equal(Rational.exact(0.3)!.toNumber(), 0.3);
    assert.equal(Rational.of(6n, -4n).toString(), "-1.5");
    assert.equal(Rational.of(1n, 3n).add(Rational.of(1n, 6n)).toString(), "0.5");
    assert.equal(Rational.of(2n, 3n).toNumber(), 2 / 3);
    assert.throws(() => Rational.of(1n, 0n), ArgumentError);
  });
});

describe("sizes, CSE, LaTeX", () => {
  test("exprSize counts the tree, the DAG and the printed form", () => {
    const s = exprSize(parse("sin(x)*sin(x) + sin(x)"));
    assert.deepEqual(s, { nodes: 8, ops: 5, dagNodes: 4, dagOps: 3, chars: "sin(x)*sin(x) + sin(x)".length });
  });

  test("cse binds repeated operations, in evaluation order, avoiding the expression's names", () => {
    const r = cse(parse("(x + 1)*sin(x + 1) + sin(x + 1)"));
    assert.deepEqual(r.bindings.map((b) => `${b.name} = ${print(b.expr)}`), ["t1 = x + 1", "t2 = sin(t1)"]);
    assert.equal(print(r.result), "t1*t2 + t2");
    assert.equal(r.dagNodes, 6);
    assert.equal(cse(parse("t1*t1 + t1*t1")).bindings[0]!.name, "t_1");
    assert.equal(cse(parse("x + y")).bindings.length, 0);
  });

  test("LaTeX", () => {
    const tex = (s: string): string => toLatex(parse(s));
    assert.equal(tex("16*(1 - 10*x + 24*x^2 - 16*x^3)"), "16 \\left(1 - 10 x + 24 x^{2} - 16 x^{3}\\right)");
    assert.equal(tex("1/x1 + x2"), "\\frac{1}{x_{1}} + x_{2}");
    assert.equal(tex("sqrt(x)*exp(-x)"), "\\sqrt{x} e^{-x}");
    assert.equal(tex("sin(x)^2 - (a - b)"), "\\sin\\left(x\\right)^{2} - \\left(a - b\\right)");
    assert.equal(tex("2*3"), "2 \\cdot 3");
    assert.equal(tex("abs(alpha)"), "\\left|\\alpha\\right|");
    assert.equal(tex("(x + 1)^2"), "\\left(x + 1\\right)^{2}");
  });

  test("RAW and LIGHT build round-trippable trees with negative numbers", () => {
    roundTrips(LIGHT.mul(LIGHT.num(-3), LIGHT.variable("x")));
    roundTrips(RAW.pow(LIGHT.variable("x"), LIGHT.num(-0.5)));
    assert.equal(print(LIGHT.add(LIGHT.variable("a"), LIGHT.neg(LIGHT.variable("b")))), "a - b");
  });
});
