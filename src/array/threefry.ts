// Threefry-2x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
// counter-based generator JAX uses, and the ways JAX turns it into keys and numbers. A key is
// two uint32 words (stored as an int32 array of shape [2]); the hash of a counter under a key
// is a pure function, so the same key gives the same numbers on every platform and in every
// order of evaluation. Every operation here follows jax.random with jax_threefry_partitionable
// on (JAX's default since 0.5): the n-th number of a draw hashes the 64-bit counter n.

import { NDArray, sizeOf, type Shape } from "./ndarray.js";
import { erfScalar, erfcScalar } from "./special.js";

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/** Threefry-2x32 with 20 rounds of (k0, k1) applied to the counter (x0, x1): writes the two words to out[o], out[o + 1]. */
export function threefry2x32(k0: number, k1: number, x0: number, x1: number, out: Uint32Array | Int32Array, o: number): void {
  const k2 = (k0 ^ k1 ^ 0x1bd11bda) >>> 0;
  const ks = [k0 >>> 0, k1 >>> 0, k2];
  let a = (x0 + ks[0]!) >>> 0, b = (x1 + ks[1]!) >>> 0;
  for (let group = 0; group < 5; group++) {
    const rot = group % 2 === 0 ? 0 : 4;
    for (let r = 0; r < 4; r++) {
      a = (a + b) >>> 0;
      const s = ROTATIONS[rot + r]!;
      b = ((b << s) | (b >>> (32 - s))) ^ a;
      b >>>= 0;
    }
    // Key injection after every four rounds: words i+1, i+2 of the schedule and the group count.
    a = (a + ks[(group + 1) % 3]!) >>> 0;
    b = (b + ks[(group + 2) % 3]! + group + 1) >>> 0;
  }
  out[o] = a;
  out[o + 1] = b;
}

/** The key words of an int32 key array (its bits read as uint32). */
function words(key: NDArray): [number, number] {
  return [key.data[0]! >>> 0, key.data[1]! >>> 0];
}

/** Hashes the counters 0 … n−1 (as 64-bit numbers: high word, low word) under `key`: 2n words, pairs in order. */
export function counterBits(key: NDArray, n: number): Uint32Array {
  const [k0, k1] = words(key);
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) threefry2x32(k0, k1, Math.floor(i / 4294967296), i >>> 0, out, 2 * i);
  return out;
}

/** A key from a seed: its high and low 32 bits (jax.random.key for integer seeds). */
export function seedKey(seed: number): NDArray {
  const lo = Number(BigInt.asUintN(32, BigInt(seed))), hi = Number(BigInt.asUintN(32, BigInt(seed) >> 32n));
  return new NDArray(Int32Array.of(hi | 0, lo | 0), [2]);
}

/** `n` new keys from `key`, as rows of an [n, 2] int32 array (jax.random.split). */
export function split(key: NDArray, n: number): NDArray {
  return new NDArray(new Int32Array(counterBits(key, n).buffer), [n, 2]);
}

/** A key derived from `key` and the integer `data` (jax.random.fold_in): the hash of seedKey(data) under key. */
export function foldIn(key: NDArray, data: number): NDArray {
  const [k0, k1] = words(key);
  const s = seedKey(data);
  const out = new Int32Array(2);
  threefry2x32(k0, k1, s.data[0]! >>> 0, s.data[1]! >>> 0, out, 0);
  return new NDArray(out, [2]);
}

/** 32 random bits per element (bits1 ⊕ bits2 of each counter's hash), as uint32 values. */
export function bits32(key: NDArray, n: number): Uint32Array {
  const w = counterBits(key, n), out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = (w[2 * i]! ^ w[2 * i + 1]!) >>> 0;
  return out;
}

/**
 * Uniform numbers in [0, 1) as jax.random.uniform makes them before scaling: the top mantissa
 * bits of the random bits under the exponent of 1, minus 1. float64 takes 52 bits of the
 * 64-bit hash (high word, then low), float32 23 of the 32-bit one: every value is a multiple
 * of 2⁻⁵² (2⁻²³), each equally likely.
 */
export function uniform01(key: NDArray, shape: Shape, dtype: "float32" | "float64"): NDArray {
  const n = sizeOf(shape);
  if (dtype === "float32") {
    const b = bits32(key, n), out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (b[i]! >>> 9) / 8388608;
    return new NDArray(out, shape);
  }
  const w = counterBits(key, n), out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (w[2 * i]! * 1048576 + (w[2 * i + 1]! >>> 12)) / 4503599627370496;
  return new NDArray(out, shape);
}

/**
 * erf⁻¹(u) for u in (−1, 1): Winitzki's closed form (relative error ≈ 2e-3) refined by Halley
 * steps on erf (on erfc near ±1, where 1 − |u| is exact), to float64 accuracy.
 */
export function erfinv(u: number): number {
  if (!(u > -1 && u < 1)) return u === 1 ? Infinity : u === -1 ? -Infinity : NaN;
  if (u === 0) return u;
  const t = Math.abs(u), l = Math.log((1 - t) * (1 + t)), a = 0.147, c = 2 / (Math.PI * a) + l / 2;
  let x = Math.sqrt(Math.sqrt(c * c - l / a) - c);
  const tail = t > 0.5, target = tail ? 1 - t : t;
  for (let k = 0; k < 3; k++) {
    const f = tail ? target - erfcScalar(x) : erfScalar(x) - target;
    const d = 1.1283791670955126 * Math.exp(-x * x);
    if (d === 0) break;
    const step = f / d;
    x -= step / (1 + x * step);
  }
  return u < 0 ? -x : x;
}

/**
 * Standard normal numbers as jax.random.normal makes them: √2·erf⁻¹(u) for u uniform on
 * [nextafter(−1, 0), 1), computed in the dtype's arithmetic up to the inverse error function.
 */
export function normal(key: NDArray, shape: Shape, dtype: "float32" | "float64"): NDArray {
  const u = uniform01(key, shape, dtype).data, n = u.length;
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  const r = dtype === "float32" ? Math.fround : (v: number) => v;
  const lo = dtype === "float32" ? -0.9999999403953552 : -0.9999999999999999;
  const span = r(1 - lo);
  for (let i = 0; i < n; i++) {
    const v = Math.max(lo, r(r(u[i]! * span) + lo));
    out[i] = Math.SQRT2 * erfinv(v);
  }
  return new NDArray(out, shape);
}

/**
 * Integers in [lo, hi) as jax.random.randint makes them: two independent 32-bit draws (from
 * the two keys of split(key)) combined modulo the span in wrapping uint32 arithmetic.
 */
export function randint(key: NDArray, shape: Shape, lo: number, hi: number): NDArray {
  const n = sizeOf(shape), ks = split(key, 2);
  const k1 = new NDArray(ks.data.subarray(0, 2), [2]), k2 = new NDArray(ks.data.subarray(2, 4), [2]);
  const higher = bits32(k1, n), lower = bits32(k2, n);
  const span = hi <= lo ? 1 : (hi - lo) >>> 0;
  let mult = 65536 % span;
  mult = Math.imul(mult, mult) >>> 0;
  mult %= span;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const off = ((Math.imul(higher[i]! % span, mult) >>> 0) + (lower[i]! % span)) >>> 0;
    out[i] = lo + (off % span);
  }
  return new NDArray(out, shape);
}

/**
 * A uniformly random permutation of 0 … n−1 as jax.random.permutation makes it: ⌈3·ln n / ln(2³²−1)⌉
 * rounds of a stable sort by fresh 32-bit keys (one round below n ≈ 1600).
 */
export function permutation(key: NDArray, n: number): NDArray {
  let perm = Array.from({ length: n }, (_, i) => i);
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(4294967295));
  let k = key;
  for (let r = 0; r < rounds; r++) {
    const ks = split(k, 2);
    k = new NDArray(ks.data.slice(0, 2), [2]);
    const sortKeys = bits32(new NDArray(ks.data.slice(2, 4), [2]), n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sortKeys[a]! - sortKeys[b]! || a - b);
    perm = order.map((i) => perm[i]!);
  }
  return new NDArray(Int32Array.from(perm), [n]);
}
