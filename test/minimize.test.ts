// minimize and leastSquares: the issue's targets on Rosenbrock n = 100 from W2's point, the
// curve fit against SciPy's optimum (test/reference/curve_fit_scipy.py computed it once with
// Debian's python3-scipy), results in x0's structure, exact evaluation counts, every stop
// status, compile, and typed errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";
import { NDArray } from "../src/index.js";
import { assertClose, assertThrowsWith } from "./helpers/check.js";

const N = 100;
const W2 = w.array(Array.from({ length: N }, (_, i) => (i % 2 === 0 ? -1.2 : 1)));
/** Extended Rosenbrock (W2), array style. */
const rosen = (x: NDArray) => {
  const a = w.slice(x, [0], [N - 1]), b = w.slice(x, [1]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
const distToOnes = (x: NDArray) => Math.hypot(...Array.from(x.data, (v) => v - 1));

describe("Rosenbrock n = 100 from W2's point (−1.2 at even i, 1 at odd i)", () => {
  // scipy 1.10: L-BFGS-B needs 531 iterations, Newton-CG 225.
  const targets: [w.MinimizeMethod, number][] = [["lbfgs", 600], ["newton", 300], ["bfgs", 600], ["cg", 1500]];
  for (const [method, maxIterations] of targets) {
    test(`${method}: ‖x − 1‖ ≤ 1e-8 in ≤ ${maxIterations} iterations`, () => {
      const r = w.minimize(rosen, W2, { method, gtol: 1e-10, memory: 10 });
      assert.equal(r.status, "gtol", r.message);
      assert.ok(r.success);
      assert.ok(distToOnes(r.x) <= 1e-8, `${method}: ‖x − 1‖ = ${distToOnes(r.x)}`);
      assert.ok(r.iterations <= maxIterations, `${method}: ${r.iterations} iterations`);
      assert.ok(r.gradNorm <= 1e-10 && r.fun < 1e-18);
      assert.ok(r.x instanceof NDArray && r.x.shape[0] === N);
      if (method === "newton") assert.ok(r.hvpEvals > r.iterations, "Newton–CG used Hessian-vector products");
      else assert.equal(r.hvpEvals, 0);
    });
  }
});

describe("results", () => {
  const quad = (x: number[]) => w.add(w.square(w.sub(x[0]!, 3)), w.mul(10, w.square(w.add(x[1]!, 1))));
  test("x comes back in x0's structure: number, number[], object of arrays, Float64Array", () => {
    const a = w.minimize((x: number) => w.square(w.sub(x, 2)), 0);
    assert.equal(typeof a.x, "number");
    assertClose(a.x, 2, { rtol: 1e-9 });
    const b = w.minimize(quad, [0, 0]);
    assert.ok(Array.isArray(b.x) && typeof b.x[0] === "number");
    assertClose(b.x, [3, -1], { rtol: 1e-7 });
    const c = w.minimize((p: { s: number; v: NDArray }) => w.add(w.square(w.sub(p.s, 1)), w.sum(w.square(w.sub(p.v, w.array([[1, 2], [3, 4]]))))), { s: 0, v: w.zeros([2, 2]) }, { method: "bfgs" });
    assert.equal(typeof c.x.s, "number");
    assert.deepEqual([...c.x.v.shape], [2, 2]);
    assertClose(c.x.v, [[1, 2], [3, 4]], { rtol: 1e-7 });
    const d = w.minimize((x: Float64Array) => w.sum(w.square(w.sub(x as unknown as NDArray, 5))), new Float64Array(3), { method: "cg" });
    assert.ok(d.x instanceof Float64Array);
    assertClose(Array.from(d.x), [5, 5, 5], { rtol: 1e-8 });
    const e = w.minimize((x: NDArray) => w.sum(w.square(w.sub(x, 0.5))), w.zeros([3], "float32"));
    assert.equal(e.x.dtype, "float32");
  });
  test("fnEvals and gradEvals count the objective's evaluations exactly", () => {
    for (const method of ["lbfgs", "bfgs", "cg", "newton"] as const) {
      let calls = 0;
      const r = w.minimize((x: number[]) => { calls++; return quad(x); }, [0, 0], { method });
      if (method !== "newton") assert.equal(r.fnEvals, calls, method);
      else assert.equal(r.fnEvals + r.hvpEvals, calls, "each hvp traces f once too");
      assert.equal(r.gradEvals, r.fnEvals);
      assert.ok(r.iterations >= 1 && r.iterations <= r.fnEvals);
    }
  });
  test("stop statuses: maxIter, callback, ftol, xtol, lineSearchFailed", () => {
    const r1 = w.minimize(rosen, W2, { maxIter: 5 });
    assert.equal(r1.status, "maxIter");
    assert.equal(r1.iterations, 5);
    assert.equal(r1.success, false);
    const seen: number[] = [];
    const r2 = w.minimize(rosen, W2, { callback: ({ iteration, fun }) => { seen.push(fun); return iteration === 3; } });
    assert.equal(r2.status, "callback");
    assert.equal(seen.length, 3);
    assert.ok(seen[2]! < seen[0]!, "the callback sees f decrease");
    assert.equal(w.minimize(rosen, W2, { ftol: 1e-3, gtol: 0 }).status, "ftol");
    assert.equal(w.minimize(rosen, W2, { xtol: 1e-3, gtol: 0 }).status, "xtol");
    // A gradient that lies (a custom rule with the wrong sign): no step along −g decreases f.
    const liar = w.customVjp((x: number) => w.square(x), (x: number) => [w.square(x), x], (x: number, g: number) => [w.mul(-2, w.mul(x, g))]);
    const r5 = w.minimize((x: number) => liar(x), 1);
    assert.equal(r5.status, "lineSearchFailed");
    assert.equal(r5.x, 1, "x stays where no step was accepted");
    assert.match(r5.message, /Wolfe/);
  });
  test("compile: the same iterates, staged once", () => {
    const eager = w.minimize(rosen, W2, { maxIter: 50 });
    const staged = w.minimize(rosen, W2, { maxIter: 50, compile: true });
    assertClose(staged.x, eager.x, { rtol: 1e-12 });
    assert.equal(staged.fnEvals, eager.fnEvals);
    const nt = w.minimize(rosen, W2, { method: "newton", maxIter: 20, compile: true });
    assertClose(nt.x, w.minimize(rosen, W2, { method: "newton", maxIter: 20 }).x, { rtol: 1e-12 });
  });
  test("bad input gets a typed error", () => {
    assertThrowsWith(() => w.minimize(rosen, W2, { method: "nelder-mead" as "cg" }), w.ArgumentError, ["minimize", "unknown method"]);
    assertThrowsWith(() => w.minimize((x: number) => w.log(x), -1), w.ArgumentError, ["minimize", "not finite"]);
    assertThrowsWith(() => w.minimize(rosen, W2, { maxIter: 1.5 }), w.ArgumentError, ["maxIter"]);
    assertThrowsWith(() => w.minimize(rosen, "x" as unknown as NDArray), w.ArgumentError, ["minimize", "x0"]);
    assertThrowsWith(() => w.minimize(3 as unknown as (x: number) => number, 0), w.ArgumentError, ["minimize", "function"]);
  });
});

// ---------------------------------------------------------------- least squares

// y = 2.5·exp(−1.3x) + 0.5 + 0.05·normal(random.key(0), [50]) at x = linspace(0, 4, 50).
const X = w.linspace(0, 4, 50);
const Y = w.array([
  2.9897078930260177, 2.7090480141480313, 2.612720853683067, 2.327731087755562, 2.139301959671775,
  1.9520062342925493, 1.8820507096012737, 1.7063138106906746, 1.5738695228067456, 1.418341308244216,
  1.4178054005943452, 1.2000037476365657, 1.2180244693365605, 1.255020755237405, 1.0787797854049321,
  0.9946929743451934, 0.9309472633809528, 0.9299613193364459, 0.8603272132180998, 0.9080630071424349,
  0.8022975352069239, 0.7762844447257463, 0.7515260898237381, 0.720060788283519, 0.625128109266527,
  0.6663399921670408, 0.7140098691150054, 0.5310623034442301, 0.5999453669138033, 0.6302479476206595,
  0.545938777697517, 0.593805880612461, 0.6477701269495112, 0.4486867711796195, 0.5188506143915431,
  0.49052795592307386, 0.49623054444119846, 0.5991894553969062, 0.5231363593937127, 0.5591336482724099,
  0.510056596881192, 0.5310417633625613, 0.5489743135217721, 0.44445832611153224, 0.5182129375455905,
  0.4892783876682357, 0.5363835480472299, 0.5146424867793525, 0.5319754675158996, 0.45703372075893794,
]);
/** The optimum: scipy's least_squares(method="lm") polished by Gauss–Newton to the float64 fixed point (long double agrees to 3e-16). */
const OPTIMUM = [2.5252254785637547, 1.2564587176051596, 0.473525288754334];
const OPTIMUM_COST = 0.05458254930413063;
/** What scipy's lm itself returns (xtol = ftol = gtol = 1e-15, 29 evaluations): 2.3e-9 from the optimum. */
const SCIPY_LM = [2.5252254795204987, 1.2564587198874515, 0.47352528947133204];

const model = (p: number[]) => w.add(w.mul(p[0]!, w.exp(w.mul(w.neg(p[1]!), X))), p[2]!);
const residuals = (p: number[]) => w.sub(model(p), Y);
const relErr = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.abs(b[i]!)));

describe("leastSquares: y = a·exp(−b·x) + c on 50 noisy points, against SciPy", () => {
  for (const method of ["lm", "gauss-newton"] as const) {
    test(`${method} reaches SciPy's optimum`, () => {
      const r = w.leastSquares(residuals, [1, 1, 0], { method });
      assert.ok(r.success, `${method}: ${r.status} (${r.message})`);
      assert.ok(relErr(r.x, OPTIMUM) <= 1e-11, `${method}: relative distance to the optimum ${relErr(r.x, OPTIMUM)}`);
      assert.ok(relErr(r.x, SCIPY_LM) <= 5e-9, "and to scipy's own stopping point, within its tolerance");
      assertClose(r.fun, OPTIMUM_COST, { rtol: 1e-14 });
      assert.ok(r.iterations <= 20 && r.fnEvals <= 25, `${method}: ${r.iterations} iterations, ${r.fnEvals} evaluations`);
      assert.deepEqual([...r.jacobian.shape], [50, 3]);
      assert.equal(r.residuals.length, 50);
      assertClose(r.residuals, residuals(r.x), { rtol: 1e-15 });
    });
  }
  test("the Jacobian is AD's: exactly the analytic one at the solution", () => {
    const r = w.leastSquares(residuals, [1, 1, 0]);
    const [a, b] = r.x;
    const e = X.data.map((x) => Math.exp(-b! * x));
    const J = Array.from(X.data, (x, i) => [e[i]!, -a! * x * e[i]!, 1]);
    assertClose(r.jacobian, J, { rtol: 1e-14 });
  });
  test("x0 and residuals of any structure; a tree parameter and a number[] of residuals", () => {
    const r = w.leastSquares((p: { amp: number; rate: NDArray }) => [w.sub(p.amp, 2), w.sub(w.toScalar(p.rate), 0.5), w.mul(w.sub(p.amp, w.toScalar(p.rate)), 0.1)], { amp: 0, rate: w.zeros([1]) });
    assert.equal(typeof r.x.amp, "number");
    assert.ok(r.x.rate instanceof NDArray);
    assert.ok(r.success && r.residuals.length === 3);
  });
  test("zero-residual problems converge exactly; statuses and errors", () => {
    const r = w.leastSquares((p: number[]) => [w.sub(p[0]!, 1), w.mul(10, w.sub(p[1]!, w.square(p[0]!)))], [-1.2, 1]);
    assert.ok(r.success);
    assertClose(r.x, [1, 1], { rtol: 1e-12 });
    assert.equal(w.leastSquares(residuals, [1, 1, 0], { maxIter: 2 }).status, "maxIter");
    assert.equal(w.leastSquares(residuals, [1, 1, 0], { callback: () => true }).status, "callback");
    assertThrowsWith(() => w.leastSquares(residuals, [1, 1, 0], { method: "dogbox" as "lm" }), w.ArgumentError, ["leastSquares", "unknown method"]);
    assertThrowsWith(() => w.leastSquares((p: number[]) => w.log(p[0]!), [-1]), w.ArgumentError, ["leastSquares", "not finite"]);
  });
});
