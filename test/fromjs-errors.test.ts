// Every way fromJS refuses a function, each with a typed error naming the construct or variable
// and its line and column, and the run-time refusals of the rewritten code.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { assertThrowsWith } from "./helpers/check.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;
/** A function from its text, with its layout (tsx would minify one written in this file). */
const fn = (src: string): F => new Function(`return ${src}`)() as F;

describe("fromJS refuses, naming the construct and its position", () => {
  const cases: [string, string, RegExp[]][] = [
    ["this", "function f(x) {\n  return this.k * x;\n}", [/this \(line 2, column 10\)/, /write a plain function/]],
    ["a generator", "function* f(x) { yield x; }", [/a generator function \(line 1, column 1\)/, /yield/]],
    ["async", "async function f(x) { return await x; }", [/an async function \(line 1, column 1\)/, /await \(line 1, column 30\)/]],
    ["async arrow", "async (x) => x", [/an async function/]],
    ["eval", "function f(x) { return eval(\"x * 2\"); }", [/eval \(line 1, column 24\)/, /code built from strings/]],
    ["new Function", "function f(x) { return new Function(\"x\", \"return x\")(x); }", [/new Function \(line 1, column 24\)/]],
    ["with", "function f(x) { with (Math) { return sin(x); } }", [/a with statement \(line 1, column 17\)/]],
    ["a class", "function f(x) { class A {} return x; }", [/a class \(line 1, column 17\)/]],
    ["new.target", "function f(x) { return new.target ? 1 : x; }", [/new\.target/]],
    ["import()", "function f(x) { import(\"fs\"); return x; }", [/import\(\)/]],
    ["a getter", "({ get v() { return 1; } })", [/a getter/]],
    ["an unknown Math function", "(x) => Math.sinc(x)", [/Math\.sinc \(line 1, column 8\)/, /supported: .*hypot/]],
  ];
  for (const [name, src, frags] of cases) {
    test(name, () => {
      const f = name === "a getter" ? (Object.getOwnPropertyDescriptor(fn(src), "v")!.get as F) : fn(src);
      assertThrowsWith(() => w.fromJS(f), w.UnsupportedSyntaxError, frags);
    });
  }

  test("free variables: each named with its first line and column, and the fix", () => {
    const f = fn("function f(x) {\n  const y = k * x;\n  return helper(y) + k;\n}");
    const e = assertThrowsWith(() => w.fromJS(f), w.FreeVariableError, [/k \(line 2, column 13\)/, /helper \(line 3, column 10\)/, /fromJS\(f, \{ scope: \{ k, helper \} \}\)/]);
    assert.deepEqual((e as w.FreeVariableError).sites.map((s) => [s.what, s.line, s.column]), [["k", 2, 13], ["helper", 3, 10]]);
    assert.equal((e as w.FreeVariableError).functionName, "f");
    assert.ok(e instanceof w.SourceError && e instanceof w.WengertError);
  });
  test("a free variable in scope is accepted; one scope does not cover another name", () => {
    const f = fn("(x) => x * k + j");
    assertThrowsWith(() => w.fromJS(f, { scope: { k: 2 } }), w.FreeVariableError, [/j \(line 1, column 16\)/]);
    assert.equal(w.fromJS(f, { scope: { k: 2, j: 1 } })(3), 7);
  });
  test("assigning to a scope entry or a global is refused", () => {
    assertThrowsWith(() => w.fromJS(fn("(x) => { total += x; return x; }"), { scope: { total: 0 } }), w.UnsupportedSyntaxError, [/an assignment to total \(line 1, column 10\)/, /read-only/]);
    assertThrowsWith(() => w.fromJS(fn("(x) => { Math = 1; return x; }")), w.UnsupportedSyntaxError, [/an assignment to Math/]);
    assertThrowsWith(() => w.fromJS(fn("(x) => { count++; return x; }"), { scope: { count: 0 } }), w.UnsupportedSyntaxError, [/an assignment to count/]);
  });
  test("a scope helper's own free variables are reported for the helper", () => {
    const helper = fn("function helper(t) { return t * missing; }");
    assertThrowsWith(() => w.fromJS(fn("(x) => helper(x)"), { scope: { helper } }), w.FreeVariableError, [/helper uses a variable it does not define: missing/]);
  });
});

describe("fromJS refuses what it cannot read", () => {
  test("a native or bound function, a class, a non-function, bad options", () => {
    assertThrowsWith(() => w.fromJS(Math.sin), w.SourceUnavailableError, [/native or bound/]);
    assertThrowsWith(() => w.fromJS(((x: number) => x).bind(null)), w.SourceUnavailableError, [/native or bound/]);
    assertThrowsWith(() => w.fromJS(class A {} as unknown as F), w.SourceUnavailableError, [/a class, not a function/]);
    assertThrowsWith(() => w.fromJS(42 as unknown as F), w.ArgumentError, [/expected a function, got number/]);
    assertThrowsWith(() => w.fromJS((x: number) => x, null as never), w.ArgumentError, [/options must be an object/]);
    assertThrowsWith(() => w.fromJS((x: number) => x, { scope: 3 as never }), w.ArgumentError, [/scope must be an object/]);
  });
  test("no code generation from strings (a CSP without unsafe-eval): a typed error pointing to the build plugin", () => {
    const saved = globalThis.Function;
    const f = fn("(x) => x * 3");
    globalThis.Function = function () {
      throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source of script");
    } as unknown as FunctionConstructor;
    try {
      assertThrowsWith(() => w.fromJS(f), w.CodegenUnavailableError, [/code generation from strings is disabled/, /"use wengert"/, /wengert\/plugin/]);
    } finally {
      globalThis.Function = saved;
    }
    assert.equal(w.fromJS(f)(2), 6);
  });
});

describe("the rewritten code refuses at run time, with the user's position", () => {
  test("an operator on a whole array", () => {
    const g = w.fromJS(fn("function g(x) {\n  return x * 2;\n}"));
    assertThrowsWith(() => w.grad(g)(Float64Array.of(1, 2)), w.ArgumentError, [/\*: got an array of shape \[2\]/, /x\[i\]/, /in g at line 2, column 10/]);
  });
  test("writing into an array argument, and a traced number into a typed array", () => {
    const g = w.fromJS(fn("(x) => { x[0] = 1; return x[1]; }"));
    assertThrowsWith(() => w.grad(g)(Float64Array.of(1, 2)), w.ArgumentError, [/cannot assign into an array argument/, /Array\.from\(x\)/]);
    const h = w.fromJS(fn("(x) => { const out = new Float64Array(2); out[0] = x * 2; return out[0]; }"));
    assert.equal(h(2), 4, "plain numbers still go in");
    assertThrowsWith(() => w.grad(h)(2), w.ArgumentError, [/cannot store a traced number in a Float64Array/, /new Array\(n\)\.fill\(0\)/]);
  });
  test("bitwise operators and Math functions without a derivative on traced numbers", () => {
    assertThrowsWith(() => w.grad(w.fromJS(fn("(x) => x | 0")))(2.5), w.TracerError, [/\| truncates to a 32-bit integer/, /Math\.trunc/]);
    assertThrowsWith(() => w.grad(w.fromJS(fn("(x) => ~x")))(2.5), w.TracerError, [/~ truncates/]);
    assertThrowsWith(() => w.grad(w.fromJS(fn("(x) => Math.fround(x)")))(2.5), w.TracerError, [/Math\.fround has no derivative/]);
    assert.equal(w.fromJS(fn("(x) => Math.fround(x) + (x | 0)"))(2.5), Math.fround(2.5) + 2);
  });
  test("a traced number mixed with a string or an object", () => {
    assertThrowsWith(() => w.grad(w.fromJS(fn("(x) => x * \"2\"")))(2), w.ArgumentError, [/cannot combine a traced number with the string "2"/]);
    assertThrowsWith(() => w.grad(w.fromJS(fn("(x) => x - {}")))(2), w.ArgumentError, [/a value of type object/]);
  });
  test("an index out of range reads undefined as JS does; a fractional index is refused", () => {
    assert.ok(Number.isNaN(w.grad(w.fromJS(fn("(x) => { const v = x[5]; return v === undefined ? x[0] * 2 : v; }")))(Float64Array.of(1, 2))[0]) === false);
    assertThrowsWith(() => w.grad(w.fromJS(fn("(x) => x[0.5]")))(Float64Array.of(1, 2)), w.ArgumentError, [/cannot read \[0\.5\]/, /integer in \[0, 1\]/]);
  });
});
