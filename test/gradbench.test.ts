// The GradBench tool (tools/gradbench) and its replay runner (bench/gradbench): the protocol
// as GradBench's evals speak it, the acceptance rule, derivatives the eval's check cannot see
// (ba's sparse entries beyond the first 30, ht's complicated variant, det's level-order
// expansion against the recursion), and the replay of the smallest case of every eval.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as w from "../src/index.js";
import type { NDArray } from "../src/index.js";
import { Int, mismatch, parseJson } from "../bench/gradbench/check.js";
import { loadCases, readInput, smallest } from "../bench/gradbench/cases.js";
import { ToolSession } from "../bench/gradbench/client.js";
import { objectiveOf, sparseJacobian, type Problem } from "../tools/gradbench/evals/ba.js";
import { detByMinors } from "../tools/gradbench/evals/det.js";
import { functions as ht } from "../tools/gradbench/evals/ht.js";
import { Rng } from "./helpers/check.js";

const ROOT = join(import.meta.dirname, "..");
const TOOL = "node --import tsx tools/gradbench/run.ts";

describe("the protocol", () => {
  test("start (with and without config), define, evaluate with runs, analysis and unknown kinds", async () => {
    const t = new ToolSession(TOOL, ROOT);
    try {
      assert.deepEqual(await t.request({ kind: "start", eval: "lse" }, 60_000), { id: 0, tool: "wengert" });
      assert.deepEqual(await t.request({ kind: "start", eval: "gmm", config: { n: 1000 } }, 60_000), { id: 1, tool: "wengert" });
      assert.deepEqual(await t.request({ kind: "define", module: "lse" }, 60_000), { id: 2, success: true });
      const r = await t.request({ kind: "evaluate", module: "lse", function: "gradient", input: { x: [0, Math.log(3)], min_runs: 3, min_seconds: 0 }, description: "tiny" }, 60_000);
      assert.equal(r.success, true);
      assert.deepEqual((r.output as number[]).map((v) => Math.round(v * 1e12) / 1e12), [0.25, 0.75]);
      const names = r.timings!.map((x) => x.name);
      assert.deepEqual(names, ["prepare", "evaluate", "evaluate", "evaluate"], "one prepare, then one evaluate timing per run");
      assert.ok(r.timings!.every((x) => Number.isInteger(x.nanoseconds) && x.nanoseconds > 0));
      assert.deepEqual(await t.request({ kind: "analysis", of: 3, valid: true }, 60_000), { id: 4 });
      assert.deepEqual(await t.request({ kind: "something-new", payload: [1] }, 60_000), { id: 5 });
    } finally {
      await t.close();
    }
  });

  test("min_seconds: runs repeat until the time is spent", async () => {
    const t = new ToolSession(TOOL, ROOT);
    try {
      const r = await t.request({ kind: "evaluate", module: "hello", function: "square", input: 3 }, 60_000);
      assert.equal(r.output, 9);
      assert.equal(r.timings!.filter((x) => x.name === "evaluate").length, 1, "hello's bare input: one run");
      const s = await t.request({ kind: "evaluate", module: "det", function: "primal", input: { A: [1, 2, 3, 4], ell: 2, min_runs: 1, min_seconds: 0.05 } }, 60_000);
      assert.equal(s.output, -2);
      const evals = s.timings!.filter((x) => x.name === "evaluate");
      assert.ok(evals.reduce((a, x) => a + x.nanoseconds, 0) >= 0.05e9, "at least min_seconds of runs");
    } finally {
      await t.close();
    }
  });

  test("define of an unknown module, unknown functions and bad inputs answer success: false, and the tool goes on", async () => {
    const t = new ToolSession(TOOL, ROOT);
    try {
      const d = await t.request({ kind: "define", module: "not-an-eval" }, 60_000);
      assert.equal(d.success, false);
      assert.match(d.error!, /does not implement the module "not-an-eval"/);
      const f = await t.request({ kind: "evaluate", module: "lse", function: "hessian", input: { x: [1] } }, 60_000);
      assert.equal(f.success, false);
      assert.match(f.error!, /no function "hessian"/);
      const bad = await t.request({ kind: "evaluate", module: "llsq", function: "primal", input: { x: [1, "two"], n: 4 } }, 60_000);
      assert.equal(bad.success, false);
      assert.match(bad.error!, /input\.x must be an array of finite numbers/);
      const ok = await t.request({ kind: "evaluate", module: "llsq", function: "primal", input: { x: [0], n: 3 } }, 60_000);
      assert.equal(ok.success, true);
      assert.equal(ok.output, 1); // s = (−1, 0, 1): ½(1 + 0 + 1)
    } finally {
      await t.close();
    }
  });
});

describe("the acceptance rule", () => {
  const rel = { kind: "relative", tolerance: 1e-4 } as const;
  test("relative: an absolute bound near zero, a relative one for large values", () => {
    assert.equal(mismatch(0, 9e-5, rel), null);
    assert.notEqual(mismatch(0, 2e-4, rel), null);
    assert.equal(mismatch(1e6, 1e6 * (1 + 1.5e-4), rel), null); // |Δ|/(|a|+|e|) ≈ 0.75e-4
    assert.notEqual(mismatch(1e6, 1e6 * (1 + 3e-4), rel), null);
  });
  test("integers written as integers must be equal; an integer and a float compare as floats", () => {
    const e = parseJson('{"rows":[0,15],"vals":[2.0]}');
    assert.deepEqual(e, { rows: [new Int(0), new Int(15)], vals: [2] });
    assert.equal(mismatch(e, { rows: [0, 15], vals: [2] }, rel), null);
    assert.match(mismatch(e, { rows: [0, 16], vals: [2] }, rel)!, /rows\[1\]: expected the integer 15, got 16/);
    assert.equal(mismatch(new Int(15), 15.0001, rel), null);
  });
  test("structure: lengths, key sets and JSON types must agree", () => {
    assert.match(mismatch([1, 2], [1], rel)!, /expected 2 elements/);
    assert.match(mismatch({ a: 1 }, { b: 1 }, rel)!, /keys/);
    assert.match(mismatch([1], 1, rel)!, /expected an array/);
    assert.match(mismatch(1, [1], rel)!, /expected a number/);
    assert.match(mismatch(1, null, rel)!, /expected a number/); // a NaN written by JSON.stringify
  });
  test("isclose (hello)", () => {
    const tol = { kind: "isclose", rtol: 1e-5, atol: 1e-8 } as const;
    assert.equal(mismatch(16384, 16384.1, tol), null);
    assert.notEqual(mismatch(16384, 16384.2, tol), null);
  });
  test("the smallest case of each eval covers every function of the eval", () => {
    for (const e of ["hello", "lse", "gmm", "ht", "particle"]) {
      const all = loadCases(e);
      const s = smallest(all);
      assert.deepEqual(new Set(s.map((c) => c.function)), new Set(all.map((c) => c.function)), e);
    }
  });
});

/** Central differences of a vector function, in plain JS arithmetic on the inputs. */
function fdJacobian(f: (x: number[]) => number[], x: readonly number[], h = 1e-6): number[][] {
  const cols = x.map((_, j) => {
    const xp = x.slice(), xm = x.slice();
    xp[j] = x[j]! + h;
    xm[j] = x[j]! - h;
    const fp = f(xp), fm = f(xm);
    return fp.map((v, i) => (v - fm[i]!) / (2 * h));
  });
  return cols[0]!.map((_, i) => cols.map((c) => c[i]!));
}

const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a) + Math.abs(b));

describe("derivatives the eval's check does not see", () => {
  test("ba: every entry of the sparse Jacobian matches central differences (distinct cameras, points and weights)", () => {
    const rng = new Rng(7);
    const n = 3, m = 4, p = 7;
    const cams = Array.from({ length: n }, () => [rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-5, -3), rng.uniform(300, 500), rng.uniform(-5, 5), rng.uniform(-5, 5), rng.uniform(-0.1, 0.1), rng.uniform(-0.01, 0.01)]);
    const X = Array.from({ length: m }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(2, 4)]);
    const wts = Array.from({ length: p }, () => rng.uniform(0.5, 1.5));
    const feats = Array.from({ length: 2 * p }, () => rng.uniform(-50, 50));
    const obsCam = Array.from({ length: p }, (_, i) => (i * 2) % n), obsPt = Array.from({ length: p }, (_, i) => (i * 3) % m);
    const problem = (flat: readonly number[]): Problem => ({
      n, m, p,
      cams: Array.from({ length: 11 }, (_, j) => w.array(Array.from({ length: n }, (_, c) => flat[11 * c + j]!))),
      X: Array.from({ length: 3 }, (_, j) => w.array(Array.from({ length: m }, (_, q) => flat[11 * n + 3 * q + j]!))),
      w: w.array(flat.slice(11 * n + 3 * m)),
      obsCam: w.array(obsCam, { dtype: "int32" }), obsPt: w.array(obsPt, { dtype: "int32" }),
      feats: [0, 1].map((j) => w.array(Array.from({ length: p }, (_, i) => feats[2 * i + j]!))),
    });
    const x0 = [...cams.flat(), ...X.flat(), ...wts];
    const residuals = (flat: number[]): number[] => {
      const pr = problem(flat);
      const r = objectiveOf(pr)(pr.cams, pr.X, pr.w);
      return [...Array.from({ length: p }, (_, i) => [r.r0.data[i]!, r.r1.data[i]!]).flat(), ...Array.from(r.werr.data)];
    };
    const want = fdJacobian(residuals, x0, 1e-5);
    const J = sparseJacobian(problem(x0))();
    assert.equal(J.rows.length, 3 * p + 1);
    const dense = want.map((r) => r.map(() => 0));
    for (let r = 0; r < 3 * p; r++) for (let k = J.rows[r]!; k < J.rows[r + 1]!; k++) dense[r]![J.cols[k]!] = J.vals[k]!;
    want.forEach((row, r) => row.forEach((v, c) => assert.ok(close(dense[r]![c]!, v, 1e-6), `J[${r}][${c}] = ${dense[r]![c]} vs ${v}`)));
  });

  test("ht, complicated variant: the us columns and the θ columns match central differences", () => {
    const c = loadCases("ht").find((x) => x.id === "ht/jacobian/complicated_small/hand1_t26_c100")!;
    const input = readInput(c) as { theta: number[]; us: number[][]; data: { correspondences: number[]; points: number[][] } };
    const k = 4; // four points keep the differences cheap
    const small = { ...input, us: input.us.slice(0, k), data: { ...input.data, correspondences: input.data.correspondences.slice(0, k), points: input.data.points.slice(0, k) }, min_runs: 1, min_seconds: 0 };
    const J = ht.jacobian!(small);
    const rows = J.output(J.run()) as number[][];
    assert.equal(rows.length, 3 * k);
    assert.equal(rows[0]!.length, 28);
    const objective = (theta: number[], us: number[][]): number[] => {
      const F = ht.objective!({ ...small, theta, us });
      return F.output(F.run()) as number[];
    };
    const dTheta = fdJacobian((th) => objective(th, small.us), small.theta, 1e-6);
    const dUs = fdJacobian((u) => objective(small.theta, Array.from({ length: k }, (_, i) => [u[2 * i]!, u[2 * i + 1]!])), small.us.flat(), 1e-6);
    for (let r = 0; r < 3 * k; r++) {
      const point = Math.floor(r / 3);
      for (let j = 0; j < 26; j++) assert.ok(close(rows[r]![2 + j]!, dTheta[r]![j]!, 1e-6), `θ column ${j}, row ${r}: ${rows[r]![2 + j]} vs ${dTheta[r]![j]}`);
      for (let q = 0; q < 2; q++) assert.ok(close(rows[r]![q]!, dUs[r]![2 * point + q]!, 1e-6), `us column ${q}, row ${r}`);
      // A row depends on its own point's us only.
      for (let i = 0; i < k; i++) if (i !== point) assert.ok(Math.abs(dUs[r]![2 * i]!) < 1e-9 && Math.abs(dUs[r]![2 * i + 1]!) < 1e-9);
    }
  });

  test("det: the level-order expansion is the recursion's, value and gradient", () => {
    const rng = new Rng(3);
    const recursive = (A: number[], rows: number[], cols: number[]): number => {
      if (rows.length === 1) return A[rows[0]! * 6 + cols[0]!]!;
      let s = 0;
      cols.forEach((cj, j) => {
        const term = A[rows[0]! * 6 + cj]! * recursive(A, rows.slice(1), cols.filter((_, k) => k !== j));
        s = j % 2 === 0 ? s + term : s - term;
      });
      return s;
    };
    const A = Array.from({ length: 36 }, () => rng.uniform(0, 1));
    const det = detByMinors(6);
    const want = recursive(A, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]);
    assert.ok(Math.abs((det(w.array(A)).data[0]!) - want) <= 1e-14 * Math.abs(want) + 1e-16);
    const g = w.compile(w.grad(det));
    g(w.array(A));
    const grad = (g(w.array(A)) as NDArray).data;
    const fd = fdJacobian((a) => [recursive(a, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5])], A, 1e-6)[0]!;
    fd.forEach((v, i) => assert.ok(close(grad[i]!, v, 1e-7), `∂det/∂A[${i}]: ${grad[i]} vs ${v}`));
  });
});

describe("the replay", () => {
  test("the smallest case of every eval is valid, and the table ends with the summary line", () => {
    const out = join(mkdtempSync(join(tmpdir(), "gradbench-")), "GRADBENCH.md");
    const r = spawnSync("npm", ["run", "--silent", "gradbench", "--", "--smallest", "--min-seconds", "0.02", "--out", out], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    assert.equal(r.status, 0, `replay failed:\n${r.stderr.slice(-3000)}`);
    const md = readFileSync(out, "utf8").trimEnd().split("\n");
    assert.match(md[md.length - 1]!, /^28 valid, 0 invalid, 0 failed$/);
    assert.ok(md.some((l) => l.startsWith("| gmm | ≤ 4 |")), "the J/F table has the gmm row");
  });
});
