// The worked examples of examples/, each run in its short mode (the same code, fewer steps):
// they print progress and reach their stated results.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { EXAMPLES } from "../examples/run.js";
import type { CurveFitResult } from "../examples/curve-fitting.js";
import type { IrisResult } from "../examples/iris.js";
import type { LotkaVolterraResult } from "../examples/lotka-volterra.js";
import type { MlpResult } from "../examples/mlp.js";
import type { NewtonResult } from "../examples/newton.js";

function runShort<R>(name: string): { result: R; lines: string[] } {
  const e = EXAMPLES.find((x) => x.name === name);
  assert.ok(e, `no example ${name}`);
  const lines: string[] = [];
  const result = e.run({ short: true, log: (l) => lines.push(l) }) as R;
  assert.ok(lines.length >= 4, `${name} printed ${lines.length} lines`);
  return { result, lines };
}

describe("examples (short mode)", () => {
  test("curve-fitting: L-BFGS and Levenberg–Marquardt agree on the optimum, Adam comes close", () => {
    const { result: r } = runShort<CurveFitResult>("curve-fitting");
    for (const k of ["a", "b", "c"] as const) {
      assert.ok(Math.abs(r.lbfgs[k] - r.lm[k]) < 1e-9, `${k}: lbfgs ${r.lbfgs[k]} vs lm ${r.lm[k]}`);
      assert.ok(Math.abs(r.adam[k] - r.lm[k]) < 0.05, `${k}: adam ${r.adam[k]} vs lm ${r.lm[k]}`);
    }
    assert.ok(Math.abs(r.lm.a - 2.5) < 0.1 && Math.abs(r.lm.b - 1.3) < 0.1 && Math.abs(r.lm.c - 0.5) < 0.05, "near the generating parameters");
    assert.ok(r.lm.iterations < 20 && r.lbfgs.iterations < 60);
  });
  test("iris: logistic regression classifies the held-out flowers", () => {
    const { result: r } = runShort<IrisResult>("iris");
    assert.ok(r.trainAccuracy >= 0.95, `train accuracy ${r.trainAccuracy}`);
    assert.ok(r.testAccuracy >= 0.9, `test accuracy ${r.testAccuracy}`);
  });
  test("mlp: compile(valueAndGrad) traces once and the spirals are learned", () => {
    const { result: r } = runShort<MlpResult>("mlp");
    assert.equal(r.traces, 1);
    assert.ok(r.lastLoss < r.firstLoss / 5, `loss ${r.firstLoss} → ${r.lastLoss}`);
    assert.ok(r.accuracy >= 0.9, `accuracy ${r.accuracy}`);
  });
  test("lotka-volterra: the rates are recovered through RK4", () => {
    const { result: r } = runShort<LotkaVolterraResult>("lotka-volterra");
    assert.ok(r.relativeError < 0.1, `relative error ${r.relativeError}`);
  });
  test("newton: quadratic convergence to a gradient at rounding level", () => {
    const { result: r } = runShort<NewtonResult>("newton");
    const g = r.gradNorms;
    assert.ok(g[g.length - 1]! < 1e-12, `final gradient ${g[g.length - 1]}`);
    const i = g.findIndex((v) => v < 1e-2);
    assert.ok(i > 0 && g[i + 1]! < 10 * g[i]! ** 2 + 1e-15, `‖∇f‖ ${g[i]} → ${g[i + 1]}: not quadratic`);
  });
  test("the runner lists the examples and refuses an unknown name", () => {
    const list = spawnSync(process.execPath, ["--import", "tsx", "examples/run.ts"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(list.status, 0, list.stderr);
    for (const e of EXAMPLES) assert.ok(list.stdout.includes(e.name), `the listing lacks ${e.name}`);
    const bad = spawnSync(process.execPath, ["--import", "tsx", "examples/run.ts", "nope"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no example named "nope"/);
  });
});
