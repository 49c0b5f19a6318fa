// random: the threefry-2x32 hash against Random123's known-answer vectors, keys and splitting
// laid out as jax.random lays them, pinned values (the same numbers on every platform),
// distributions checked statistically, compile with the key as an input, and typed errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { erfinv, threefry2x32 } from "../src/array/threefry.js";
import { assertClose, assertThrowsWith } from "./helpers/check.js";

const R = w.random;
const u32 = (k: NDArray) => [...k.data].map((v) => v >>> 0);

describe("threefry-2x32", () => {
  test("Random123's known-answer vectors (threefry2x32_20)", () => {
    const out = new Uint32Array(2);
    const kat: [number[], number[], number[]][] = [
      // [key, counter, expected]
      [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
      [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
      [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
    ];
    for (const [k, x, e] of kat) {
      threefry2x32(k[0]!, k[1]!, x[0]!, x[1]!, out, 0);
      assert.deepEqual([...out], e);
    }
  });
  test("counters are laid out as JAX lays them", () => {
    // JAX's original (pre-0.5) split hashed the counters 0..2n−1 split in halves: the docs'
    // split(PRNGKey(0)) = [[4146024105, 967050713], [2718843009, 1272950319]] checks the hash
    // on other counters; today's split hashes the 64-bit counter i for key i.
    const a = new Uint32Array(2), b = new Uint32Array(2);
    threefry2x32(0, 0, 0, 2, a, 0);
    threefry2x32(0, 0, 1, 3, b, 0);
    assert.deepEqual([a[0], b[0], a[1], b[1]], [4146024105, 967050713, 2718843009, 1272950319]);
    assert.deepEqual(R.split(R.key(0)).map(u32), [[0x6b200159, 0x99ba4efe], [928981903, 3453687069]]);
    // fold_in(key, i) hashes the seed key of i: fold_in(key(0), 1) is split(key(0))[1].
    assert.deepEqual(u32(R.foldIn(R.key(0), 1)), [928981903, 3453687069]);
  });
});

describe("keys", () => {
  test("key(seed) holds the seed's high and low words", () => {
    assert.deepEqual(u32(R.key(0)), [0, 0]);
    assert.deepEqual(u32(R.key(42)), [0, 42]);
    assert.deepEqual(u32(R.key(2 ** 40 + 5)), [256, 5]);
    assert.deepEqual(u32(R.key(-1)), [0xffffffff, 0xffffffff]);
    assert.equal(R.key(3).dtype, "int32");
  });
  test("split gives n distinct keys, the same every time", () => {
    const ks = R.split(R.key(1), 5);
    assert.equal(ks.length, 5);
    assert.equal(new Set(ks.map((k) => u32(k).join(","))).size, 5);
    assert.deepEqual(R.split(R.key(1), 5).map(u32), ks.map(u32));
    assert.deepEqual(u32(R.split(R.key(1), 5)[2]!), u32(R.split(R.key(1), 3)[2]!), "key i does not depend on n");
  });
});

describe("pinned values: the same numbers on every platform", () => {
  const k = R.key(0);
  test("uniform, normal, randint, permutation", () => {
    assert.deepEqual([...R.uniform(k, [3]).data], [0.41845711171638644, 0.21629545460551136, 0.9653214611189975]);
    assert.deepEqual([...R.uniform(k, [3], { dtype: "float32" }).data], [0.9476670026779175, 0.9785798788070679, 0.33229148387908936]);
    assertClose(R.normal(k, [3]), [-0.20584213947964336, -0.7847657764467411, 1.816086672667984], { rtol: 1e-15 });
    assertClose(R.normal(k, [3], { dtype: "float32" }), [1.622642159461975, 2.0252647399902344, -0.43359437584877014], { rtol: 1e-7 });
    assert.deepEqual([...R.randint(k, [5], 0, 10).data], [9, 0, 2, 3, 1]);
    assert.deepEqual([...R.permutation(k, 8).data], [0, 1, 5, 6, 4, 3, 2, 7]);
  });
  test("a draw of shape s is the first prod(s) numbers of a longer draw, reshaped", () => {
    const long = R.uniform(k, [12]), short = R.uniform(k, [3, 2]);
    assert.deepEqual([...short.data], [...long.data.slice(0, 6)]);
    assert.deepEqual([...short.shape], [3, 2]);
  });
});

// ---------------------------------------------------------------- distributions

const N = 200_000;
const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};
/** z-score of a sample mean against the true mean and standard deviation. */
const z = (m: number, mu: number, sd: number, n: number) => Math.abs(m - mu) / (sd / Math.sqrt(n));

describe("distributions", () => {
  const k = R.key(2024);
  test("uniform: in [0, 1), mean 1/2, variance 1/12; bounds and float32", () => {
    const u = R.uniform(k, [N]).data;
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const m = mean(u);
    assert.ok(z(m, 0.5, Math.sqrt(1 / 12), N) < 5, `mean ${m}`);
    assert.ok(Math.abs(mean(u.map((v) => (v - m) ** 2)) - 1 / 12) < 2e-3);
    const f = R.uniform(k, [1000], { dtype: "float32" });
    assert.equal(f.dtype, "float32");
    assert.ok(f.data.every((v) => v >= 0 && v < 1 && Number.isInteger(v * 2 ** 23)));
    const b = R.uniform(k, [1000], { minval: -3, maxval: 2 }).data;
    assert.ok(b.every((v) => v >= -3 && v < 2));
  });
  test("normal: mean 0, variance 1, quantiles of Φ (Kolmogorov–Smirnov)", () => {
    const x = R.normal(k, [N]).data;
    assert.ok(z(mean(x), 0, 1, N) < 5);
    assert.ok(Math.abs(mean(x.map((v) => v * v)) - 1) < 0.01);
    const s = Float64Array.from(x).sort();
    let d = 0;
    for (let i = 0; i < s.length; i += 97) d = Math.max(d, Math.abs((i + 0.5) / s.length - 0.5 * w.erfc(-s[i]! / Math.SQRT2)));
    assert.ok(d < 1.63 / Math.sqrt(N) + 1e-4, `KS distance ${d}`);
    assert.equal(R.normal(k, [2], { dtype: "float32" }).dtype, "float32");
  });
  test("erfinv inverts erf to float64 accuracy", () => {
    for (const u of [-0.999999, -0.9, -0.5, -1e-10, 1e-300, 0.1, 0.5, 0.75, 0.99, 0.999999999, 1 - 2 ** -52]) {
      const x = erfinv(u);
      const back = u > 0.5 ? 1 - w.erfc(x) : w.erf(x);
      assert.ok(Math.abs(back - u) <= 4e-16 * Math.max(1, Math.abs(u)), `erf(erfinv(${u})) = ${back}`);
    }
    assert.equal(erfinv(1), Infinity);
    assert.ok(Number.isNaN(erfinv(2)));
  });
  test("bernoulli, categorical, randint, permutation", () => {
    const [k1, k2, k3, k4] = R.split(k, 4);
    const bits = R.bernoulli(k1!, 0.3, [N]);
    assert.equal(bits.dtype, "bool");
    assert.ok(z(mean(bits.data), 0.3, Math.sqrt(0.21), N) < 5);
    assert.deepEqual([...R.bernoulli(k1!, w.array([0, 1])).data], [0, 1]);

    const logits = w.log(w.array([0.1, 0.2, 0.7]));
    const draws = R.categorical(k2!, logits, { shape: [30_000] });
    assert.equal(draws.dtype, "int32");
    const counts = [0, 0, 0];
    for (const c of draws.data) counts[c]!++;
    let chi2 = 0;
    [0.1, 0.2, 0.7].forEach((p, i) => (chi2 += (counts[i]! - p * 30_000) ** 2 / (p * 30_000)));
    assert.ok(chi2 < 13.8, `χ² = ${chi2} (2 degrees of freedom, p = 0.001)`);
    const batched = R.categorical(k2!, w.array([[0, -Infinity], [-Infinity, 0]]));
    assert.deepEqual([...batched.data], [0, 1], "one draw per row; impossible classes never drawn");

    const ints = R.randint(k3!, [50_000], -3, 4).data;
    assert.ok(ints.every((v) => v >= -3 && v < 4));
    const freq = new Array<number>(7).fill(0);
    for (const v of ints) freq[v + 3]!++;
    const chi = freq.reduce((s, f) => s + (f - 50_000 / 7) ** 2 / (50_000 / 7), 0);
    assert.ok(chi < 22.5, `randint χ² = ${chi} (6 degrees of freedom, p = 0.001)`);

    const p = R.permutation(k4!, 100).data;
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    // Position of element 0 over many keys: uniform over 5 places.
    const place = new Array<number>(5).fill(0);
    for (const kk of R.split(k4!, 2000)) place[[...R.permutation(kk, 5).data].indexOf(0)]!++;
    const chiP = place.reduce((s, f) => s + (f - 400) ** 2 / 400, 0);
    assert.ok(chiP < 18.5, `permutation χ² = ${chiP} (4 degrees of freedom, p = 0.001)`);
    const rows = R.permutation(k4!, w.array([[1, 2], [3, 4], [5, 6]]));
    assert.deepEqual(new Set((rows.toArray() as number[][]).map((r) => r.join())), new Set(["1,2", "3,4", "5,6"]));
  });
});

describe("random under transforms", () => {
  test("compile takes the key as an input: each key gives its own numbers, one trace", () => {
    const f = (k: NDArray, x: NDArray) => w.mul(x, R.normal(R.split(k)[1]!, [3]));
    const cf = w.compile(f);
    const x = w.array([1, 2, 3]);
    for (const seed of [0, 1, 2, 3]) {
      const kk = R.key(seed);
      assert.deepEqual([...cf(kk, x).data], [...f(kk, x).data]);
    }
    assert.equal(cf.counts.traces, 1);
    assert.notDeepEqual([...cf(R.key(0), x).data], [...cf(R.key(1), x).data]);
  });
  test("gradients flow through what is built on the numbers (reparameterization), not into them", () => {
    const eps = R.normal(R.key(5), [4]);
    const g = w.grad((p: { mu: NDArray; logSigma: number }) => w.sum(w.add(p.mu, w.mul(w.exp(p.logSigma), R.normal(R.key(5), [4])))))({ mu: w.zeros([4]), logSigma: 0 });
    assert.deepEqual(g.mu.toArray(), [1, 1, 1, 1]);
    assertClose(g.logSigma, mean(eps.data) * 4, { rtol: 1e-14 });
  });
});

describe("bad input gets a typed error", () => {
  test("errors", () => {
    assertThrowsWith(() => R.uniform(w.array([0, 1]), [2]), w.DTypeError, ["randomUniform", "int32 array of shape [2]", "random.key"]);
    assertThrowsWith(() => R.normal(w.array([0, 1, 2], { dtype: "int32" })), w.ShapeError, ["randomNormal", "shape [3]"]);
    assertThrowsWith(() => R.split(3 as unknown as NDArray), w.ShapeError, ["randomSplit", "plain number"]);
    assertThrowsWith(() => R.key(0.5), w.ArgumentError, ["random.key", "safe integer"]);
    assertThrowsWith(() => R.uniform(R.key(0), [2.5]), w.ArgumentError, ["random.uniform", "shape"]);
    assertThrowsWith(() => R.normal(R.key(0), [2], { dtype: "int32" as "float32" }), w.DTypeError, ["random.normal", "dtype"]);
    assertThrowsWith(() => R.split(R.key(0), 0), w.ArgumentError, ["random.split"]);
    assertThrowsWith(() => R.randint(R.key(0), [2], 0, 2 ** 40), w.ArgumentError, ["random.randint", "int32"]);
    assertThrowsWith(() => R.categorical(R.key(0), 1), w.ArgumentError, ["random.categorical"]);
    assertThrowsWith(() => R.permutation(R.key(0), -1), w.ArgumentError, ["random.permutation"]);
  });
});
