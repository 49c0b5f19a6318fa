// Every primitive of the table under vmap against the examples one by one: random inputs, float64
// and float32, each batched argument's batch axis first, last or in the middle, an argument
// shared (inAxes null), and the output's batch axis first or last. The sweep fails for a
// primitive added to the table without a case here.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { bind } from "../src/core/primitive.js";
import { PRIM_TABLE } from "../src/ops/prims.js";
import { indexOp } from "../src/ops/element.js";
import { addAt, dynamicIndex } from "../src/ops/dynamic-index.js";
import { BatchInterpreter } from "../src/transforms/batch.js";
import { assertClose, randArray, Rng } from "./helpers/check.js";
import { perExample } from "./helpers/vmap-loop.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type F = (...args: any[]) => any;

/** An argument: its example shape and what values it holds. */
interface Arg {
  readonly shape: number[];
  /** float (−1..1), pos (0.2..2), unit (−0.9..0.9), spd (symmetric positive definite), tri (lower triangular, well conditioned), key, idx (int32 in [0, n)). */
  readonly kind?: "float" | "pos" | "unit" | "spd" | "tri" | "key" | "idx";
  readonly n?: number;
  /** A float argument cast to the sweep's dtype (false: stays float64, as a bool condition's source). */
  readonly typed?: boolean;
}

interface Case { readonly name: string; readonly f: F; readonly args: readonly Arg[]; readonly exact?: boolean }

const A = (...shape: number[]): Arg => ({ shape });
const P = (...shape: number[]): Arg => ({ shape, kind: "pos" });
const U = (...shape: number[]): Arg => ({ shape, kind: "unit" });
const I = (n: number, ...shape: number[]): Arg => ({ shape, kind: "idx", n });
const KEY: Arg = { shape: [2], kind: "key" };
const SPD: Arg = { shape: [3, 3], kind: "spd" };
const prim = (name: keyof typeof PRIM_TABLE, params: unknown): F => (...xs: any[]) => bind(PRIM_TABLE[name] as never, xs, params as never);

const unary = ["neg", "square", "exp", "sin", "cos", "atan", "sinh", "cosh", "tanh", "abs", "sign", "erf", "erfc", "floor", "ceil", "round", "trunc", "isnan", "isfinite", "stopGradient"] as const;
const binary = ["add", "sub", "mul", "maximum", "minimum", "atan2", "greater", "greaterEqual", "less", "lessEqual", "equal", "notEqual"] as const;

const CASES: Case[] = [
  ...unary.map((n): Case => ({ name: n, f: (x) => (w as any)[n](x), args: [A(3, 2)] })),
  ...binary.map((n): Case => ({ name: n, f: (x, y) => (w as any)[n](x, y), args: [A(3, 2), A(2)] })),
  { name: "log", f: (x) => w.log(x), args: [P(4)] },
  { name: "log1p", f: (x) => w.log1p(x), args: [P(4)] },
  { name: "expm1", f: (x) => w.expm1(x), args: [A(4)] },
  { name: "sqrt", f: (x) => w.sqrt(x), args: [P(2, 2)] },
  { name: "tan asin acos", f: (x) => w.add(w.tan(x), w.add(w.asin(x), w.acos(x))), args: [U(3)] },
  { name: "div", f: (x, y) => w.div(x, y), args: [A(2, 3), P(3)] },
  { name: "pow", f: (x, y) => w.pow(x, y), args: [P(3), A(2, 3)] },
  { name: "remainder", f: (x, y) => w.remainder(x, y), args: [A(3), P(3)] },
  { name: "where", f: (c, a, b) => w.where(w.greater(c, 0), a, b), args: [A(2, 3), A(3), A(2, 3)] },
  { name: "astype", f: (x) => w.add(w.astype(x, "float32"), w.astype(w.astype(w.mul(x, 5), "int32"), "float32")), args: [A(3)] },
  { name: "toScalar", f: (x) => w.toScalar(w.sum(x)), args: [A(3)] },
  { name: "index", f: (x) => indexOp(x, 1), args: [A(3, 2)] },
  { name: "dynamicIndex", f: (x, i) => dynamicIndex(x, i), args: [A(4), I(4)] },
  { name: "addAt", f: (a, i, v) => addAt(a, i, v), args: [A(4), I(4), A()] },
  { name: "sum", f: (x) => w.sum(x, 1), args: [A(2, 3, 2)] },
  { name: "max keepdims", f: (x) => w.max(x, 0, true), args: [A(3, 2)] },
  { name: "min", f: (x) => w.min(x), args: [A(3, 2)] },
  { name: "argmax", f: (x) => w.astype(w.argmax(x, 1), "float64"), args: [A(2, 4)] },
  { name: "argmin", f: (x) => w.astype(w.argmin(x, 0), "float64"), args: [A(4, 2)] },
  { name: "cumsum", f: (x) => w.cumsum(x, 1), args: [A(2, 4)] },
  { name: "argsort", f: (x) => w.astype(w.argsort(x, 0), "float64"), args: [A(5, 2)] },
  { name: "takeAlongAxis", f: (x, i) => w.takeAlongAxis(x, i, 1), args: [A(3, 4), I(4, 3, 2)] },
  { name: "scatterAlongAxis", f: (v, i) => w.scatterAlongAxis(v, i, 0, [3, 2]), args: [A(4, 2), I(3, 4, 2)] },
  { name: "take axis 1", f: (x, i) => w.take(x, i, 1), args: [A(2, 4, 3), I(4, 2, 2)] },
  { name: "scatterAdd", f: prim("scatterAdd", { axis: 1, shape: [2, 4] }), args: [A(2, 3), I(4, 3)] },
  { name: "reshape", f: (x) => w.reshape(x, [6]), args: [A(2, 3)] },
  { name: "transpose", f: (x) => w.transpose(x, [2, 0, 1]), args: [A(2, 3, 2)] },
  { name: "broadcastTo", f: (x) => w.broadcastTo(x, [2, 3]), args: [A(3)] },
  { name: "slice", f: (x) => w.slice(x, [1, 0], [5, 2], [2, 1]), args: [A(5, 2)] },
  { name: "unslice", f: prim("unslice", { starts: [1], steps: [2], full: [6] }), args: [A(2)] },
  { name: "concat", f: (x, y) => w.concat([x, y], 1), args: [A(2, 1), A(2, 3)] },
  { name: "pad", f: (x) => w.pad(x, [[1, 0], [0, 2]]), args: [A(2, 2)] },
  { name: "matmul", f: (a, b) => w.matmul(a, b), args: [A(2, 3), A(3, 4)] },
  { name: "matmul vector", f: (a, v) => w.matmul(a, v), args: [A(2, 3), A(3)] },
  { name: "solve", f: (a, b) => w.linalg.solve(a, b), args: [SPD, A(3, 2)] },
  { name: "triangularSolve", f: (a, b) => w.linalg.triangularSolve(a, b, { lower: true }), args: [{ shape: [3, 3], kind: "tri" }, A(3)] },
  { name: "cholesky", f: (a) => w.linalg.cholesky(a), args: [SPD] },
  { name: "qr", f: (a) => { const [q, r] = w.linalg.qr(a); return w.add(w.sum(q, 0), w.sum(r, 0)); }, args: [A(4, 3)] },
  { name: "eigh", f: (a) => { const [v, u] = w.linalg.eigh(a); return w.add(v, w.sum(w.abs(u), 0)); }, args: [SPD] },
  { name: "det", f: (a) => w.linalg.det(a), args: [SPD] },
  { name: "slogdet", f: (a) => { const [s, l] = w.linalg.slogdet(a); return w.mul(s, l); }, args: [SPD] },
  { name: "randomSplit", f: (k) => w.astype(w.stack(w.random.split(k, 3), 0), "int32"), args: [KEY], exact: true },
  { name: "randomFoldIn", f: (k) => w.random.foldIn(k, 5), args: [KEY], exact: true },
  { name: "randomUniform", f: (k) => w.random.uniform(k, [3]), args: [KEY], exact: true },
  { name: "randomNormal", f: (k) => w.random.normal(k, [2, 2]), args: [KEY], exact: true },
  { name: "randomInt", f: (k) => w.random.randint(k, [4], 0, 9), args: [KEY], exact: true },
  { name: "randomPermutation", f: (k) => w.random.permutation(k, 5), args: [KEY], exact: true },
];

/** B examples of `a`, stacked along a new axis 0. */
function batchOf(r: Rng, a: Arg, B: number, dtype: w.DType): NDArray {
  const float = (lo: number, hi: number) => randArray([B, ...a.shape], () => r.uniform(lo, hi), a.typed === false ? "float64" : dtype);
  switch (a.kind) {
    case "pos": return float(0.2, 2);
    case "unit": return float(-0.9, 0.9);
    case "idx": return randArray([B, ...a.shape], () => r.int(0, a.n! - 1), "int32");
    case "key": return w.astype(w.stack(w.random.split(w.random.key(r.int(0, 1000)), B), 0), "int32");
    case "spd": case "tri": {
      const m = randArray([B, 3, 3], () => r.uniform(-1, 1), dtype), eye = w.astype(w.mul(3, w.eye(3)), dtype);
      if (a.kind === "tri") return w.add(w.mul(m, w.astype(w.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]]), dtype)), eye);
      return w.add(w.matmul(m, w.transpose(m, [0, 2, 1])), eye);
    }
    default: return float(-1, 1);
  }
}

/** `x` with its axis 0 moved to `to`. */
function moveTo(x: NDArray, to: number): NDArray {
  if (to === 0) return x;
  const perm = Array.from({ length: x.ndim - 1 }, (_, i) => i + 1);
  perm.splice(to, 0, 0);
  return w.transpose(x, perm);
}

test("every primitive under vmap equals the examples one by one (float64 and float32, any in and out axes)", (t) => {
  const r = new Rng(51);
  // The primitives whose batching rules the sweep ran.
  const seen = new Set<string>();
  const process = BatchInterpreter.prototype.process;
  t.mock.method(BatchInterpreter.prototype, "process", function (this: BatchInterpreter, p: { name: string }, ...rest: unknown[]) {
    seen.add(p.name);
    return (process as F).call(this, p, ...rest);
  });
  let runs = 0;
  for (const c of CASES) {
    for (const dtype of ["float64", "float32"] as const) {
      if (c.exact && dtype === "float32") continue;
      for (let config = 0; config < 4; config++) {
        const B = r.int(1, 4);
        const batches = c.args.map((a) => batchOf(r, a, B, dtype));
        // Config 0: every batch axis first; 1: last; 2: a middle one; 3: the first argument shared (when there are others).
        const axes = c.args.map((a, i): number | null => {
          if (config === 3 && i === 0 && c.args.length > 1) return null;
          const nd = a.shape.length;
          return config === 1 ? nd : config === 2 ? Math.min(1, nd) : 0;
        });
        const args = batches.map((x, i) => (axes[i] === null ? w.reshape(w.take(x, [0], 0), c.args[i]!.shape) : moveTo(x, axes[i]!)));
        const outAxis = config % 2 === 0 ? 0 : -1;
        const what = `${c.name}, ${dtype}, inAxes ${JSON.stringify(axes)}, outAxes ${outAxis}, B ${B}`;
        let want: NDArray, got: NDArray;
        try {
          want = perExample(c.f, args, axes, B);
          got = w.vmap(c.f, { inAxes: axes, outAxes: outAxis })(...args) as NDArray;
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
        }
        // The batch axis back in front.
        if (outAxis === -1) got = w.transpose(got, [got.ndim - 1, ...Array.from({ length: got.ndim - 1 }, (_, i) => i)]);
        assert.equal(got.dtype, want.dtype, `${what}: dtype`);
        assert.deepEqual(got.shape, want.shape, `${what}: shape`);
        if (c.exact || got.dtype === "int32" || got.dtype === "bool") assert.deepEqual(Array.from(got.data), Array.from(want.data), what);
        else assertClose(got, want, { rtol: dtype === "float32" ? 1e-5 : 1e-12, atol: dtype === "float32" ? 1e-6 : 1e-13 }, what);
        runs++;
      }
    }
  }
  const missing = Object.keys(PRIM_TABLE).filter((n) => !seen.has(n));
  assert.deepEqual(missing, [], `primitives without a case in the vmap sweep: ${missing.join(", ")}`);
  assert.ok(runs > 300, `${runs} runs`);
});
