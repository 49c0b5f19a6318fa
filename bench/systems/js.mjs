// Plain JS by hand: the function and its hand-written derivatives (the floor for any AD tool).
import { eachSize, syncCase as sync } from "../lib/cases.mjs";
import {
  data,
  diffusionJac,
  mlpForward,
  mlpStep,
  rosen,
  rosenGrad,
  rosenHess,
  rosenHvp,
  sumOf,
  TM,
  tmDerivatives,
  TMX,
  w1f,
  w1grad,
  W1X,
  W5X,
  w5fa,
  w5faGrad,
  w5fb,
  w5fbJac,
  w7grad,
} from "../lib/workloads.mjs";

export async function create() {
  return {
    name: "js",
    dtype: "float64",
    cases: {
      "W1.f": () =>
        sync(
          () => w1f(W1X[0], W1X[1]),
          (y) => [y],
        ),
      "W1.grad": () =>
        sync(
          () => w1grad(W1X[0], W1X[1]),
          (g) => g,
        ),
      ...eachSize("W2.array.{n}.grad", (n) =>
        sync(
          () => rosenGrad(data(`W2.${n}`)),
          (g) => [sumOf(g)],
        ),
      ),
      "W2.array.1e5.f": () =>
        sync(
          () => rosen(data("W2.1e5")),
          (y) => [y],
        ),
      "W3.forward": () =>
        sync(
          () => mlpForward(data("W3")),
          (r) => [r.loss],
        ),
      "W3.step": () =>
        sync(
          () => mlpStep(data("W3")),
          (r) => [r.loss],
          "hand-written backprop",
        ),
      "W5.fa.jacrev": () =>
        sync(
          () => w5faGrad(data("W5.x")),
          (g) => [sumOf(g)],
          "analytic gradient",
        ),
      "W5.fb.jacfwd": () =>
        sync(
          () => w5fbJac(W5X),
          (g) => [sumOf(g)],
          "analytic derivative",
        ),
      "W7.grad.native": () =>
        sync(
          () => w7grad(data("W7")),
          (g) => [sumOf(g)],
          "the diagonal product, accumulated forward (no storage)",
        ),
      "SP.tridiag.jacobian": () => sync(() => diffusionJac(data("SP.u")), (v) => [sumOf(v)], "the tridiagonal entries by hand"),
      "SP.rosen.hessian": () => sync(() => rosenHess(data("W2.1e5")), (v) => [sumOf(v)], "the tridiagonal entries by hand"),
      "TM.derivatives8": () => sync(() => tmDerivatives(TMX[0], TM.order), (d) => [sumOf(d)], "Taylor arithmetic by hand"),
      "W6.hvp": () => {
        const x = data("W2.1e5"),
          v = new Float64Array(x.length).fill(1);
        return sync(
          () => rosenHvp(x, v),
          (h) => [sumOf(h), h[0], h[1]],
        );
      },
    },
  };
}
