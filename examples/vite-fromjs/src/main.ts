import { grad, hessian, jvp } from "wengert";
import { pendulum, rosenbrock, survey } from "./physics.js";

const x = Float64Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
const result = {
  surveyValue: survey(2, 5),
  surveyGrad: grad(survey, { argnums: [0, 1] })(2, 5),
  surveyJvp: jvp(survey, [2, 5], [1, 0]),
  rosenbrockGrad: Array.from(grad(rosenbrock)(x)),
  rosenbrockGradIsFloat64Array: grad(rosenbrock)(x) instanceof Float64Array,
  rosenbrockHessianDiag: [0, 1, 2].map((i) => (hessian(rosenbrock)(x) as unknown as { data: Float64Array }).data[i * 6 + i]),
  pendulumSensitivity: grad(pendulum)(0.5, 200),
  rewrittenSource: (rosenbrock as unknown as { source: string }).source,
};

document.getElementById("out")!.textContent = JSON.stringify(result, null, 2);
// For the project's browser test (test/plugin.test.ts): one console line with the result.
const page = globalThis as unknown as { __csp?: string[] };
console.log("@@wengert-done", JSON.stringify({ result, csp: page.__csp ?? [] }));
