// Printing: NDArrays print as NumPy's repr (the expected strings are NumPy's output, except
// where the comment says how wengert differs), summarised past a threshold, with settable
// precision; tracers print their kind, level, type and value, never their tape; JSON round
// trips; JS operators on arrays raise the tracers' error.

import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as w from "../src/index.js";
import { array, NDArray, TracerError, ArgumentError } from "../src/index.js";

afterEach(() => w.setPrintOptions(null));

const f32 = (v: w.NestedNumbers) => array(v, { dtype: "float32" });

describe("NDArray prints as NumPy's repr", () => {
  const cases: [string, NDArray, string][] = [
    // NumPy: array([[1., 2., 3.], [4., 5., 6.]], dtype=float32); integers print without the "."
    ["a 2×3 float32 array of integers", f32([[1, 2, 3], [4, 5, 6]]), "array([[1, 2, 3],\n       [4, 5, 6]], dtype=float32)"],
    ["float32 values with their own shortest digits", f32([[0.1, 1 / 3], [1.5, 2]]), "array([[0.1       , 0.33333334],\n       [1.5       , 2.        ]], dtype=float32)"],
    ["float64: aligned points, a sign column", array([0.1, 1 / 3, -2]), "array([ 0.1       ,  0.33333333, -2.        ])"],
    ["small values switch to scientific notation", array([1e-5, 1]), "array([1.e-05, 1.e+00])"],
    ["a wide range switches too; NaN and ±Infinity as JavaScript writes them", array([1.5e8, 1, NaN, -Infinity]), "array([  1.5e+08,   1.0e+00,       NaN, -Infinity])"],
    ["bool (NumPy: True/False)", array([true, false]), "array([ true, false])"],
    ["int32 names its dtype", array([1, 2, 300], { dtype: "int32" }), "array([  1,   2, 300], dtype=int32)"],
    ["0-d", array(3.5), "array(3.5)"],
    ["0-d float32", array(2, { dtype: "float32" }), "array(2, dtype=float32)"],
    ["empty 1-d", w.zeros([0]), "array([], dtype=float64)"],
    ["empty 2-d", w.zeros([0, 3]), "array([], shape=[0, 3], dtype=float64)"],
    ["rows wrap at 75 characters with a hanging indent", w.linspace(0, 1, 12), "array([0.        , 0.09090909, 0.18181818, 0.27272727, 0.36363636,\n       0.45454545, 0.54545455, 0.63636364, 0.72727273, 0.81818182,\n       0.90909091, 1.        ])"],
    ["the dtype moves to its own line when the last line is full", w.arange(0.5, 12, 1, "float32"), "array([ 0.5,  1.5,  2.5,  3.5,  4.5,  5.5,  6.5,  7.5,  8.5,  9.5, 10.5,\n       11.5], dtype=float32)"],
    ["3-d: a blank line between blocks", w.reshape(w.arange(24), [2, 3, 4]), "array([[[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]],\n\n       [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]]])"],
    // NumPy (float): array([0.000e+00, 1.000e+00, ..., 1.999e+03]); integers stay integers
    ["past 1000 elements: summarised with ...", w.arange(2000), "array([   0,    1,    2, ..., 1997, 1998, 1999])"],
    ["-0 keeps its sign", array([-0, 1.5]), "array([-0. ,  1.5])"],
  ];
  for (const [what, a, want] of cases) {
    test(what, () => {
      assert.equal(inspect(a), want);
      assert.equal(a.toString(), want, "toString matches inspect");
      assert.equal(`${a}`, want, "a template literal gives it");
      assert.equal(String(a), want);
    });
  }

  test("a 1000×1000 array: 3 rows and 3 columns at each end", () => {
    const a = w.reshape(w.arange(1e6), [1000, 1000]);
    const want = [
      "array([[     0,      1,      2, ...,    997,    998,    999],",
      "       [  1000,   1001,   1002, ...,   1997,   1998,   1999],",
      "       [  2000,   2001,   2002, ...,   2997,   2998,   2999],",
      "       ...,",
      "       [997000, 997001, 997002, ..., 997997, 997998, 997999],",
      "       [998000, 998001, 998002, ..., 998997, 998998, 998999],",
      "       [999000, 999001, 999002, ..., 999997, 999998, 999999]])",
    ].join("\n");
    assert.equal(inspect(a), want);
    const r = w.div(a, 1e6);
    assert.equal(inspect(r).split("\n").length, 13, "float rows wrap, still summarised");
    assert.match(inspect(r), /^array\(\[\[0\.00000e\+00, 1\.00000e-06/);
  });

  test("precision, threshold, edgeitems, linewidth and suppress are settable, globally or per call", () => {
    const a = array([1 / 3, 2 / 3]);
    assert.equal(a.toString({ precision: 3 }), "array([0.333, 0.667])");
    const before = w.setPrintOptions({ precision: 4 });
    assert.equal(before.precision, 8);
    assert.equal(inspect(a), "array([0.3333, 0.6667])");
    assert.equal(w.getPrintOptions().precision, 4);
    w.setPrintOptions(before);
    assert.equal(inspect(a), "array([0.33333333, 0.66666667])");
    assert.equal(w.arange(10).toString({ threshold: 5, edgeitems: 2 }), "array([0, 1, ..., 8, 9])");
    assert.equal(array([1e-5, 1]).toString({ suppress: true }), "array([0.00001, 1.     ])");
    assert.equal(w.arange(12).toString({ linewidth: 20 }), "array([ 0,  1,  2,\n        3,  4,  5,\n        6,  7,  8,\n        9, 10, 11])");
    w.setPrintOptions({ threshold: 3 });
    assert.equal(inspect(w.arange(10)), "array([0, 1, 2, ..., 7, 8, 9])");
  });

  test("bad print options are ArgumentErrors naming the option", () => {
    assert.throws(() => w.setPrintOptions({ precision: -1 }), (e) => e instanceof ArgumentError && /precision must be an integer/.test(e.message));
    assert.throws(() => w.setPrintOptions({ linewidth: 2.5 }), ArgumentError);
    assert.throws(() => w.setPrintOptions({ precison: 3 } as never), (e) => e instanceof ArgumentError && /unknown option "precison"/.test(e.message));
    assert.throws(() => array([1]).toString({ threshold: NaN }), ArgumentError);
    assert.equal(w.getPrintOptions().precision, 8, "a refused change changes nothing");
  });
});

describe("tracers print their kind, level, type and value, never the tape", () => {
  test("reverse, forward and compile tracers; numbers and arrays", () => {
    const seen: string[] = [];
    w.grad((x: NDArray) => {
      seen.push(inspect(x), String(w.mul(x, 2)));
      return w.sum(x);
    })(f32([[1, 2], [3, 4]]));
    w.jvp((x: number) => { seen.push(inspect(x)); return x; }, [1.5], [1]);
    w.compile((x: number) => { seen.push(inspect({ x })); return x; })(0.25);
    assert.equal(seen.length, 4);
    assert.match(seen[0]!, /^Tracer\(reverse, level \d+, float32\[2,2\]\)\narray\(\[\[1, 2\],\n {7}\[3, 4\]\], dtype=float32\)$/);
    assert.match(seen[1]!, /^Tracer\(reverse, level \d+, float32\[2,2\]\)\narray\(\[\[2, 4\],\n {7}\[6, 8\]\], dtype=float32\)$/);
    assert.match(seen[2]!, /^Tracer\(forward, level \d+, number\) 1\.5$/);
    assert.match(seen[3]!, /^\{ x: Tracer\(compile, level \d+, number\) 0\.25 \}$/);
  });

  test("a tracer deep in a long tape prints in one short line (no interpreter internals)", () => {
    let text = "";
    w.grad((x: number) => {
      let s = x;
      for (let i = 0; i < 10_000; i++) s = w.add(s, w.mul(x, 1e-4));
      text = inspect(s);
      return s;
    })(1);
    assert.match(text, /^Tracer\(reverse, level \d+, number\) 1\.99999999999\d*$/);
  });

  test("JSON.stringify of a tracer is a TracerError naming the fix, not a circular-structure TypeError", () => {
    assert.throws(() => w.grad((x: number) => { JSON.stringify({ x }); return x; })(1), (e) => e instanceof TracerError && /JSON\.stringify of a traced value/.test(e.message) && /value\(x\)/.test(e.message));
    assert.throws(() => w.jvp((x: NDArray) => { JSON.stringify(x); return x; }, [array([1])], [array([1])]), TracerError);
  });

  test("JS operators on a traced value raise the TracerError", () => {
    assert.throws(() => w.grad((x: number) => x * 2)(1), (e) => e instanceof TracerError && /JS operator/.test(e.message));
  });
});

describe("JS operators on NDArrays outside transforms raise the same error", () => {
  const a = array([1, 2]);
  const cases: [string, () => unknown][] = [
    ["a + a (string concatenation)", () => (a as unknown as number) + (a as unknown as number)],
    ["a * 2 (NaN)", () => (a as unknown as number) * 2],
    ["a > 0", () => (a as unknown as number) > 0],
    ["+a", () => +(a as unknown as number)],
    ["Math.sin(a)", () => Math.sin(a as unknown as number)],
    ["a + '' (the default hint)", () => (a as unknown as string) + ""],
  ];
  for (const [what, run] of cases) {
    test(what, () => {
      assert.throws(run, (e) => e instanceof TracerError && /an NDArray was used with a JS operator/.test(e.message) && /a\.item\(\)/.test(e.message));
    });
  }
});

describe("toJSON round trips through array()", () => {
  const cases: [string, NDArray][] = [
    ["float64 2-d", array([[1.5, -2], [3, 4e-300]])],
    ["float32 with NaN and ±Infinity", f32([NaN, Infinity, -Infinity, 0.1])],
    ["int32", array([1, -2, 3], { dtype: "int32" })],
    ["bool", array([true, false])],
    ["0-d", array(7)],
    ["empty", w.zeros([0, 2])],
  ];
  for (const [what, a] of cases) {
    test(what, () => {
      for (const back of [array(a.toJSON()), array(JSON.parse(JSON.stringify(a)) as w.ArrayJSON)]) {
        assert.equal(back.dtype, a.dtype);
        assert.deepEqual([...back.shape], [...a.shape]);
        assert.deepEqual(Array.from(back.data), Array.from(a.data));
      }
    });
  }

  test("the JSON form is plain data; non-finite elements are strings JSON can hold", () => {
    assert.equal(JSON.stringify(f32([[1, NaN]])), '{"dtype":"float32","shape":[1,2],"data":[[1,"NaN"]]}');
    assert.deepEqual(array({ dtype: "float64", shape: [2], data: [1, null] } as unknown as w.ArrayJSON).toArray(), [1, NaN], "null (as other tools write NaN) reads as NaN");
    assert.equal(array(array([1, 2]).toJSON(), { dtype: "float32" }).dtype, "float32", "options override the stored dtype");
  });
});
