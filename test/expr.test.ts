import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ArgumentError, ParseError } from "../src/base/errors.js";
import { grad } from "../src/transforms/grad.js";
import { Tape } from "../src/transforms/reverse.js";
import {
  compileExpr, compileExprRecord, equalExpr, FUNCTIONS, MAX_DEPTH, NO_SPAN, parse, parseAssignments, print, variables,
  type BinaryOp, type Expr, type FunctionName,
} from "../src/expr/index.js";

const SURVEY = "ln(x1) + x1*x2 - sin(x2)";

/** A compact rendering of the tree, fully parenthesized, to check grouping. */
function sexpr(e: Expr): string {
  switch (e.kind) {
    case "num": return String(e.value);
    case "var": return e.name;
    case "neg": return `(neg ${sexpr(e.arg)})`;
    case "binary": return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "call": return `(${e.name} ${e.args.map(sexpr).join(" ")})`;
  }
}
const tree = (s: string): string => sexpr(parse(s));

function parseError(source: string): ParseError {
  try {
    parse(source);
  } catch (e) {
    assert.ok(e instanceof ParseError, `expected a ParseError for ${JSON.stringify(source)}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(source)} not to parse`);
}

/** The message without ParseError's " at column N" and caret lines. */
const reason = (e: ParseError): string => e.message.replace(/^parse: /, "").replace(/ at column \d+\n[\s\S]*$/, "");

/** The operations a compiled function records on the reverse-mode tape, in order. */
function tapeOps(f: (...args: number[]) => number, ...inputs: number[]): string[] {
  const tape = new Tape();
  const xs = inputs.map((v) => tape.input(v));
  f(...(xs as unknown as number[]));
  tape.active = false;
  return tape.nodes.slice(inputs.length).map((n) => n.prim!.name);
}

describe("parse", () => {
  test("precedence and associativity", () => {
    assert.equal(tree("1 + 2*3"), "(+ 1 (* 2 3))");
    assert.equal(tree("1*2 + 3"), "(+ (* 1 2) 3)");
    assert.equal(tree("a - b - c"), "(- (- a b) c)");
    assert.equal(tree("a / b / c"), "(/ (/ a b) c)");
    assert.equal(tree("a / b * c"), "(* (/ a b) c)");
    assert.equal(tree("a^b^c"), "(^ a (^ b c))");
    assert.equal(tree("a*b^c"), "(* a (^ b c))");
    assert.equal(tree("(a + b)*c"), "(* (+ a b) c)");
    assert.equal(tree(SURVEY), "(- (+ (ln x1) (* x1 x2)) (sin x2))");
  });

  test("unary minus binds looser than ^ and tighter than * /", () => {
    assert.equal(tree("-x^2"), "(neg (^ x 2))");
    assert.equal(tree("(-x)^2"), "(^ (neg x) 2)");
    assert.equal(tree("-x*y"), "(* (neg x) y)");
    assert.equal(tree("x*-y"), "(* x (neg y))");
    assert.equal(tree("2^-x"), "(^ 2 (neg x))");
    assert.equal(tree("2^-x^2"), "(^ 2 (neg (^ x 2)))");
    assert.equal(tree("x - -y"), "(- x (neg y))");
    assert.equal(tree("--x"), "(neg (neg x))");
    assert.equal(tree("+x"), "x");
    assert.equal(tree("-+x"), "(neg x)");
  });

  test("numbers, names and Unicode operators", () => {
    assert.equal(tree("1e-3 + .5 + 2. + 1E+2 + 007"), "(+ (+ (+ (+ 0.001 0.5) 2) 100) 7)");
    assert.equal(tree("x + x1 + theta + x_1 + _a + θ"), "(+ (+ (+ (+ (+ x x1) theta) x_1) _a) θ)");
    assert.equal(tree("a − b × c · d ÷ e"), "(- a (/ (* (* b c) d) e))");
    assert.equal(tree("\t x \n+\u00a0y "), "(+ x y)");
  });

  test("calls, with every known function", () => {
    assert.equal(tree("pow(x, 2) + atan2(y, x)"), "(+ (pow x 2) (atan2 y x))");
    assert.equal(tree("max(min(a, b), -c)"), "(max (min a b) (neg c))");
    assert.equal(tree("sin(cos(x))^2"), "(^ (sin (cos x)) 2)");
    for (const [name, arity] of Object.entries(FUNCTIONS)) {
      const args = ["x", "y"].slice(0, arity).join(", ");
      assert.equal(tree(`${name}(${args})`), `(${name} ${args.replace(", ", " ")})`);
    }
  });

  test("spans: 1-based columns, end exclusive, parentheses included", () => {
    const e = parse("ln(x1) + (x1*x2)");
    assert.equal(e.kind, "binary");
    if (e.kind !== "binary") return;
    assert.deepEqual(e.span, { start: 1, end: 17 });
    assert.deepEqual(e.left.span, { start: 1, end: 7 });
    assert.deepEqual(e.right.span, { start: 10, end: 17 });
    if (e.left.kind === "call") assert.deepEqual(e.left.args[0]!.span, { start: 4, end: 6 });
    const n = parse(" -x^2");
    assert.deepEqual(n.span, { start: 2, end: 6 });
  });

  test("the AST is plain JSON", () => {
    const e = parse(SURVEY);
    assert.deepEqual(JSON.parse(JSON.stringify(e)), e);
  });

  test("errors name the column and say what went wrong", () => {
    const cases: [string, number, string][] = [
      ["", 1, "empty expression"],
      ["   ", 1, "empty expression"],
      ["x +", 4, "unexpected end of input: expected an expression after '+'"],
      ["x*(y + 1", 3, "expected ')' to close the '('"],
      ["(x y)", 4, "missing operator before 'y'"],
      ["2x", 2, "missing operator before 'x'"],
      ["x)", 2, "unmatched ')'"],
      ["()", 2, "empty parentheses: expected an expression inside"],
      ["x + * y", 5, "unexpected '*': expected an expression after '+'"],
      ["x, y", 2, "unexpected ',' outside a function's arguments"],
      ["x = 1", 3, "expected an operator or the end of input, got '='"],
      ["sinn(x)", 1, "unknown function 'sinn' (did you mean 'sin'?)"],
      ["1 + arcsin(x)", 5, "unknown function 'arcsin' (did you mean 'asin'?)"],
      ["sin(x, y)", 1, "sin takes 1 argument, got 2"],
      ["2 * pow(x)", 5, "pow takes 2 arguments, got 1"],
      ["cos()", 1, "cos takes 1 argument, got 0"],
      ["pow(1,)", 7, "unexpected ')': expected an expression after ','"],
      ["atan2(y x)", 9, "missing operator before 'x'"],
      ["max(a, b", 1, "expected ',' or ')' to close the 'max('"],
      ["sin x", 1, "'sin' is a function: write sin(x)"],
      ["x**2", 2, "'**' is not an operator; write x^y for a power"],
      ["x $ y", 3, "unexpected character '$'"],
      ["x\u0000", 2, "unexpected character U+0000"],
      ["1e", 2, "malformed number '1e': the exponent needs digits, as in 1e-3"],
      ["1.2.3", 4, "malformed number '1.2.': a second '.'"],
      ["1e999", 1, "number 1e999 is too large (it overflows to Infinity)"],
      ["θ + 😀", 5, "unexpected character '😀'"],
    ];
    for (const [source, column, message] of cases) {
      const e = parseError(source);
      assert.equal(reason(e), message, JSON.stringify(source));
      assert.equal(e.column, column, JSON.stringify(source));
      assert.equal(e.source, source);
    }
    assert.match(reason(parseError("f(x)")), /^unknown function 'f' \(for a product, write f\*\(\.\.\.\)\); the functions are .*\bsin, cos\b.*\bsign\b/);
  });

  test("nesting is bounded, so nothing recursive over an AST can overflow the stack", () => {
    const ok = "(".repeat(MAX_DEPTH - 1) + "x" + ")".repeat(MAX_DEPTH - 1);
    assert.equal(parse(ok).kind, "var");
    const deepParens = "(".repeat(50_000) + "x" + ")".repeat(50_000);
    assert.match(reason(parseError(deepParens)), /nested too deeply/);
    assert.match(reason(parseError("-".repeat(50_000) + "x")), /nested too deeply/);
    assert.match(reason(parseError(Array(20_000).fill("x").join("+"))), /nested too deeply \(more than 10000 levels\)/);
    assert.equal(parse(Array(5000).fill("x").join("+")).kind, "binary", "a chain is not deep recursion: 5,000 terms parse");
    // The deepest accepted tree still prints and compiles.
    const chain = Array(MAX_DEPTH).fill("x").join("+");
    const e = parse(chain);
    assert.ok(equalExpr(parse(print(e)), e));
    assert.equal(compileExpr(e)(1), MAX_DEPTH);
  });

  test("property: random input never makes parse throw anything but a ParseError", () => {
    const alphabet = [..."0123456789.eE+-*/^()，,;= xyzθ_\t\n", "−", "×", "·", "÷", "sin", "pow", "ln", "1e", "**", "\u0000", "\ud800", "😀"];
    const tokenish = fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }).map((a) => a.join(""));
    const anything = fc.oneof(tokenish, fc.string({ unit: "binary", maxLength: 30 }), fc.string({ unit: "grapheme", maxLength: 30 }));
    fc.assert(
      fc.property(anything, (s) => {
        let e: Expr;
        try {
          e = parse(s);
        } catch (err) {
          if (!(err instanceof ParseError)) throw err;
          assert.ok(err.column >= 1 && err.column <= Array.from(s).length + 1, `column ${err.column} outside ${JSON.stringify(s)}`);
          return;
        }
        assert.ok(equalExpr(parse(print(e)), e), `round trip of ${JSON.stringify(s)}`);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------- print

const OPS: BinaryOp[] = ["+", "-", "*", "/", "^"];
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** ASTs (no spans) with the given literals; calls only where `calls`, to give operators deeper trees. */
function exprArb(literal: fc.Arbitrary<number>, calls = true): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      calls ? { depthSize: "small", withCrossShrink: true } : { maxDepth: 7, depthSize: "large", withCrossShrink: true },
      literal.map((value): Expr => ({ kind: "num", value, span: NO_SPAN })),
      fc.constantFrom("x", "y", "x1", "theta", "x_1", "θ").map((name): Expr => ({ kind: "var", name, span: NO_SPAN })),
      tie("expr").map((arg): Expr => ({ kind: "neg", arg, span: NO_SPAN })),
      {
        weight: calls ? 1 : 3,
        arbitrary: fc.tuple(fc.constantFrom(...OPS), tie("expr"), tie("expr")).map(([op, left, right]): Expr => ({ kind: "binary", op, left, right, span: NO_SPAN })),
      },
      fc.constantFrom(...(calls ? NAMES : ["sin" as const])).chain((name) =>
        fc.array(tie("expr"), { minLength: FUNCTIONS[name], maxLength: FUNCTIONS[name] }).map((args): Expr => ({ kind: "call", name, args, span: NO_SPAN })),
      ),
    ),
  }));
  return expr;
}
/** Literals the parser can produce: finite and non-negative. */
const parsableLiteral = fc.oneof(fc.nat(100), fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true })).filter((v) => !Object.is(v, -0));

describe("print", () => {
  test("minimal parentheses", () => {
    const cases: [string, string][] = [
      ["(a + b) + c", "a + b + c"],
      ["a + (b + c)", "a + (b + c)"],
      ["a - (b - c)", "a - (b - c)"],
      ["(a*b)/(c*d)", "a*b/(c*d)"],
      ["(a^b)^c", "(a^b)^c"],
      ["a^(b^c)", "a^b^c"],
      ["-(x^2)", "-x^2"],
      ["(-x)^2", "(-x)^2"],
      ["-(x*y)", "-(x*y)"],
      ["(-x)*y", "-x*y"],
      ["x^(-y)", "x^-y"],
      ["x - (-y)", "x - -y"],
      ["x*(-y)", "x*-y"],
      ["-(-(x))", "--x"],
      ["sin((x + 1))*pow((x), (2))", "sin(x + 1)*pow(x, 2)"],
      ["1.50e1 + .5", "15 + 0.5"],
      ["a − b × c", "a - b*c"],
      [SURVEY, SURVEY],
    ];
    for (const [source, printed] of cases) assert.equal(print(parse(source)), printed, source);
  });

  test("built ASTs with negative or non-finite literals print as expressions of the same value", () => {
    const num = (value: number): Expr => ({ kind: "num", value, span: NO_SPAN });
    const x: Expr = { kind: "var", name: "x", span: NO_SPAN };
    assert.equal(print({ kind: "binary", op: "^", left: num(-2), right: num(2), span: NO_SPAN }), "(-2)^2");
    assert.equal(print({ kind: "binary", op: "^", left: x, right: num(-1), span: NO_SPAN }), "x^-1");
    assert.equal(print({ kind: "binary", op: "*", left: num(Infinity), right: num(NaN), span: NO_SPAN }), "(1/0)*(0/0)");
    fc.assert(
      fc.property(exprArb(fc.double()), fc.double({ noNaN: true }), (e, v) => {
        const direct = compileExpr(e, ["x", "y", "x1", "theta", "x_1", "θ"]);
        const reparsed = compileExpr(parse(print(e)), direct.variables);
        const args = direct.variables.map((_, i) => v + i);
        assert.equal(reparsed(...args), direct(...args));
      }),
      { numRuns: 500 },
    );
  });

  test("property: parse(print(e)) equals e (round trip)", () => {
    fc.assert(
      fc.property(fc.oneof(exprArb(parsableLiteral), exprArb(fc.nat(9), false)), (e) => {
        const s = print(e);
        assert.ok(equalExpr(parse(s), e), `${s} parsed back as ${sexpr(parse(s))}, not ${sexpr(e)}`);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- compile

describe("compileExpr", () => {
  test("variables in order of first appearance", () => {
    assert.deepEqual(variables(parse(SURVEY)), ["x1", "x2"]);
    assert.deepEqual(variables(parse("b*a + sin(c) - a*b + 2")), ["b", "a", "c"]);
    assert.deepEqual(variables(parse("3 + 4")), []);
  });

  test("the survey's example: value and gradient at (2, 5)", () => {
    const f = compileExpr(parse(SURVEY));
    assert.deepEqual(f.variables, ["x1", "x2"]);
    assert.equal(f(2, 5), 11.652071455223084);
    const g = grad(f, { argnums: [0, 1] })(2, 5);
    assert.equal(g[0], 5.5);
    assert.equal(g[1], 1.7163378145367738);
  });

  test("the schedule is level order, giving the survey's trace", () => {
    const f = compileExpr(parse(SURVEY));
    assert.deepEqual(tapeOps(f, 2, 5), ["log", "mul", "sin", "add", "sub"]);
    assert.deepEqual(tapeOps(compileExpr(parse("exp(sin(x) + y) * cos(y)")), 1, 2), ["sin", "cos", "add", "exp", "mul"]);
    // An explicit order renames the inputs; the schedule is unchanged.
    assert.deepEqual(tapeOps(compileExpr(parse(SURVEY), ["x2", "x1"]), 5, 2), ["log", "mul", "sin", "add", "sub"]);
  });

  test("identical subtrees are evaluated once; constant-only operations are folded", () => {
    assert.deepEqual(tapeOps(compileExpr(parse("sin(x)*sin(x)")), 1), ["sin", "mul"]);
    assert.deepEqual(tapeOps(compileExpr(parse("ln(x + y) - log(x + y)")), 1, 2), ["add", "log", "sub"]);
    assert.deepEqual(tapeOps(compileExpr(parse("x*y + y*x")), 1, 2), ["mul", "mul", "add"]);
    assert.deepEqual(tapeOps(compileExpr(parse("x^(1/2) + -2*x")), 3), ["pow", "mul", "add"]);
    const f = compileExpr(parse("sin(x)*sin(x)"));
    assert.equal(grad(f)(0.7), 2 * Math.sin(0.7) * Math.cos(0.7));
  });

  test("operator and function mapping", () => {
    const ops = (s: string): string[] => tapeOps(compileExpr(parse(s), ["x", "y"]), 0.3, 0.6);
    assert.deepEqual(ops("-x"), ["neg"]);
    assert.deepEqual(ops("x^y + pow(x, y)"), ["pow", "add"]);
    assert.deepEqual(ops("x^2"), ["pow"]);
    assert.deepEqual(ops("min(x, y) + max(x, y)"), ["minimum", "maximum", "add"]);
    assert.deepEqual(ops("abs(x) + atan2(y, x)"), ["abs", "atan2", "add"]);
  });

  test("property: values match hand-written JS", () => {
    const cases: [string, (x: number, y: number) => number][] = [
      [SURVEY.replaceAll("x1", "x").replaceAll("x2", "y"), (x, y) => Math.log(x) + x * y - Math.sin(y)],
      ["-x^2 + y/x - (x - y)*3", (x, y) => -Math.pow(x, 2) + y / x - (x - y) * 3],
      ["2^-x^y", (x, y) => Math.pow(2, -Math.pow(x, y))],
      ["exp(x)*cos(y) - sqrt(abs(x)) + tanh(y)", (x, y) => Math.exp(x) * Math.cos(y) - Math.sqrt(Math.abs(x)) + Math.tanh(y)],
      ["atan2(y, x) + pow(abs(y), x) + log1p(abs(x)) - expm1(y)", (x, y) => Math.atan2(y, x) + Math.pow(Math.abs(y), x) + Math.log1p(Math.abs(x)) - Math.expm1(y)],
      ["min(x, y)*max(x, y) + sinh(x) - cosh(y)", (x, y) => Math.min(x, y) * Math.max(x, y) + Math.sinh(x) - Math.cosh(y)],
      ["asin(x/10) + acos(y/10) + atan(x*y) + tan(x)", (x, y) => Math.asin(x / 10) + Math.acos(y / 10) + Math.atan(x * y) + Math.tan(x)],
      ["(x + 1e-3) × y · .5 − 2.", (x, y) => (x + 1e-3) * y * 0.5 - 2],
    ];
    const point = fc.double({ min: -10, max: 10, noNaN: true });
    for (const [source, js] of cases) {
      const f = compileExpr(parse(source), ["x", "y"]);
      fc.assert(fc.property(point, point, (x, y) => assert.equal(f(x, y), js(x, y), `${source} at (${x}, ${y})`)), { numRuns: 200 });
    }
  });

  test("records, constants and argument errors", () => {
    const r = compileExprRecord(parse(SURVEY));
    assert.equal(r({ x1: 2, x2: 5, unused: 1 }), 11.652071455223084);
    assert.throws(() => r({ x1: 2 }), (e: unknown) => e instanceof ArgumentError && /no value for the variable 'x2'/.test(e.message));
    assert.throws(() => compileExprRecord(parse("constructor"))({}), ArgumentError);
    assert.equal(compileExpr(parse("2^10 - 24"))(), 1000);
    assert.equal(compileExpr(parse("y"), ["x", "y"])(1, 7), 7);
    assert.throws(() => compileExpr(parse(SURVEY))(1), (e: unknown) => e instanceof ArgumentError && /takes 2 arguments \(x1, x2\), got 1/.test(e.message));
    assert.throws(() => compileExpr(parse(SURVEY), ["x1"]), (e: unknown) => e instanceof ArgumentError && /'x2' is missing/.test(e.message));
    assert.throws(() => compileExpr(parse("x"), ["x", "x"]), ArgumentError);
  });
});

// ---------------------------------------------------------------- assignments

describe("parseAssignments", () => {
  test("commas, semicolons, spaces and signs", () => {
    assert.deepEqual(parseAssignments("x1=1.5,x2=0.3"), { x1: 1.5, x2: 0.3 });
    assert.deepEqual(parseAssignments(" x1 = 1.5 ; x2 = -0.3; "), { x1: 1.5, x2: -0.3 });
    assert.deepEqual(parseAssignments("a=1 b=+2e3 c=.5 d=−1"), { a: 1, b: 2000, c: 0.5, d: -1 });
    assert.deepEqual(parseAssignments(""), {});
    const proto = parseAssignments("__proto__=3");
    assert.deepEqual(Object.keys(proto), ["__proto__"]);
    assert.equal(Object.getOwnPropertyDescriptor(proto, "__proto__")?.value, 3);
  });

  test("errors name the column", () => {
    const cases: [string, number, string][] = [
      ["x=", 3, "expected a number for 'x', got end of input"],
      ["x=y", 3, "expected a number for 'x', got 'y'"],
      ["x 1", 3, "expected '=' after 'x', got '1'"],
      ["=1", 1, "expected a variable name, got '='"],
      ["x=1,,y=2", 5, "expected a variable name, got ','"],
      ["x=1, y=2, x=3", 11, "'x' is assigned twice (first at column 1)"],
      ["sin=1", 1, "'sin' is a function name, not a variable"],
      ["x=1e", 4, "malformed number '1e': the exponent needs digits, as in 1e-3"],
      ["x=1 & y=2", 5, "unexpected character '&'"],
    ];
    for (const [text, column, message] of cases) {
      assert.throws(
        () => parseAssignments(text),
        (e: unknown) => e instanceof ParseError && e.column === column && reason(e) === message,
        JSON.stringify(text),
      );
    }
  });
});
