// kmeans: cost(P, C) = Σ_i min_j ‖C_j − P_i‖² over points P (n×d) and centroids C (k×d), and
// dir = J·H⁻¹, the Newton direction for that cost with respect to C: the gradient J divided
// elementwise by the Hessian's diagonal (H is diagonal: each centroid coordinate appears
// only in its own squared distances). Both come from one forward-over-reverse pass: the JVP
// of the gradient along ones gives the gradient and H·1 = diag(H) at once.

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module } from "../protocol.js";
import { InputError, matrixArray, object } from "./input.js";
import { compiled } from "./prepared.js";

export function cost(points: NDArray, centroids: NDArray): NDArray {
  const [n, d] = points.shape as [number, number];
  const k = centroids.shape[0]!;
  const diff = w.sub(w.reshape(points, [n, 1, d]), w.reshape(centroids, [1, k, d]));
  return w.sum(w.min(w.sum(w.square(diff), 2), 1));
}

export function dir(points: NDArray, centroids: NDArray): NDArray {
  const g = (c: NDArray): NDArray => w.grad((cc: NDArray) => cost(points, cc))(c);
  const [J, Hdiag] = w.jvp(g, [centroids], [w.ones(centroids.shape)]);
  return w.div(J, Hdiag);
}

function read(input: unknown): [NDArray, NDArray] {
  const o = object(input);
  const points = matrixArray(o.points, "input.points");
  const centroids = matrixArray(o.centroids, "input.centroids");
  if (points.shape[1] !== centroids.shape[1]) throw new InputError(`points have ${points.shape[1]} coordinates, centroids ${centroids.shape[1]}`);
  return [points, centroids];
}

export const functions: Module = { cost: compiled(cost, read), dir: compiled(dir, read) };
