// ba: bundle adjustment (ADBench's, as GradBench's C++ reference computes it). n cameras, m
// points, p observations; observation i sees point i mod m from camera i mod n. Its residuals
// are w_i·(project(camera, point) − feature) (two numbers) and 1 − w_i². All inputs are
// replicated in full, as the reference does, and every observation is computed.
//
// `jacobian` is the sparse Jacobian (3p rows; 11n + 3m + p columns) in compressed-row form.
// Each reprojection row depends on its camera's 11 parameters, its point's 3 and its weight:
// the derivatives with respect to the observation's own gathered copies of them are those
// entries. Reverse mode gives them for every observation at once: one pullback per residual
// component (seeded with ones on that component of every observation), since observation i's
// residuals depend only on its own copies (the compressed row seeding of sparse Jacobians).

import * as w from "../../../src/index.js";
import type { NDArray } from "../../../src/index.js";
import type { Module, Prepared } from "../protocol.js";
import { InputError, int, num, object, vector } from "./input.js";

const NCAM = 11;

type Rows = NDArray[]; // arrays of shape [p], one per coordinate

const row = (a: NDArray, i: number): NDArray => w.reshape(w.slice(a, [i, 0], [i + 1, undefined]), [-1]);
const cross = (a: Rows, b: Rows): Rows => [
  w.sub(w.mul(a[1]!, b[2]!), w.mul(a[2]!, b[1]!)),
  w.sub(w.mul(a[2]!, b[0]!), w.mul(a[0]!, b[2]!)),
  w.sub(w.mul(a[0]!, b[1]!), w.mul(a[1]!, b[0]!)),
];

/** Rotates pt by the angle-axis vector rot (Rodrigues, as Ceres does; rot + rot × pt near zero). */
function rodrigues(rot: Rows, pt: Rows): Rows {
  const sqtheta = w.add(w.add(w.square(rot[0]!), w.square(rot[1]!)), w.square(rot[2]!));
  const nonzero = w.notEqual(sqtheta, 0);
  const theta = w.sqrt(sqtheta);
  const c = w.cos(theta), s = w.sin(theta), inv = w.div(1, theta);
  const wv = rot.map((r) => w.mul(r, inv));
  const wxp = cross(wv, pt);
  const tmp = w.mul(w.add(w.add(w.mul(wv[0]!, pt[0]!), w.mul(wv[1]!, pt[1]!)), w.mul(wv[2]!, pt[2]!)), w.sub(1, c));
  const rxp = cross(rot, pt);
  return pt.map((x, i) => w.where(nonzero, w.add(w.add(w.mul(x, c), w.mul(wxp[i]!, s)), w.mul(wv[i]!, tmp)), w.add(x, rxp[i]!)));
}

/** The residuals of every observation from its gathered camera (11×p), point (3×p) and weight (p). */
export function residuals(cam: NDArray, X: NDArray, wt: NDArray, feats: NDArray): { r0: NDArray; r1: NDArray; werr: NDArray } {
  const C = Array.from({ length: NCAM }, (_, i) => row(cam, i));
  const P = [0, 1, 2].map((i) => row(X, i));
  const Xo = P.map((x, i) => w.sub(x, C[3 + i]!));
  const Xcam = rodrigues([C[0]!, C[1]!, C[2]!], Xo);
  let p0 = w.div(Xcam[0]!, Xcam[2]!), p1 = w.div(Xcam[1]!, Xcam[2]!);
  const rsq = w.add(w.square(p0), w.square(p1));
  const L = w.add(w.add(1, w.mul(C[9]!, rsq)), w.mul(w.mul(C[10]!, rsq), rsq));
  p0 = w.add(w.mul(w.mul(p0, L), C[6]!), C[7]!);
  p1 = w.add(w.mul(w.mul(p1, L), C[6]!), C[8]!);
  return {
    r0: w.mul(wt, w.sub(p0, row(feats, 0))),
    r1: w.mul(wt, w.sub(p1, row(feats, 1))),
    werr: w.sub(1, w.square(wt)),
  };
}

export interface Problem {
  readonly n: number; readonly m: number; readonly p: number;
  /** cameras as columns (11×n), points as columns (3×m), weights (p) */
  readonly camsT: NDArray; readonly XT: NDArray; readonly w: NDArray;
  readonly obsCam: NDArray; readonly obsPt: NDArray; readonly feats: NDArray;
}

/** Replicates the one camera, point, weight and feature of the input into the full problem. */
function read(input: unknown): Problem {
  const o = object(input);
  const n = int(o, "n"), m = int(o, "m"), p = int(o, "p");
  if (n < 1 || m < 1 || p < 1) throw new InputError(`n, m and p must be ≥ 1, got ${n}, ${m}, ${p}`);
  const cam = vector(o.cam, "input.cam", NCAM), x = vector(o.x, "input.x", 3), feat = vector(o.feat, "input.feat", 2);
  const wt = num(o, "w");
  const camsT = new Float64Array(NCAM * n), XT = new Float64Array(3 * m), feats = new Float64Array(2 * p);
  for (let j = 0; j < NCAM; j++) camsT.fill(cam[j]!, j * n, (j + 1) * n);
  for (let j = 0; j < 3; j++) XT.fill(x[j]!, j * m, (j + 1) * m);
  for (let j = 0; j < 2; j++) feats.fill(feat[j]!, j * p, (j + 1) * p);
  const obsCam = new Int32Array(p), obsPt = new Int32Array(p);
  for (let i = 0; i < p; i++) { obsCam[i] = i % n; obsPt[i] = i % m; }
  return {
    n, m, p,
    camsT: w.array(camsT, { shape: [NCAM, n] }), XT: w.array(XT, { shape: [3, m] }), w: w.full([p], wt),
    obsCam: w.array(obsCam, { dtype: "int32" }), obsPt: w.array(obsPt, { dtype: "int32" }), feats: w.array(feats, { shape: [2, p] }),
  };
}

export function objectiveOf(pr: Problem) {
  return (camsT: NDArray, XT: NDArray, wt: NDArray) => residuals(w.take(camsT, pr.obsCam, 1), w.take(XT, pr.obsPt, 1), wt, pr.feats);
}

/** The derivatives of each observation's residuals with respect to its own camera, point and weight. */
function blocksOf(pr: Problem) {
  const ones = w.ones([pr.p]), zeros = w.zeros([pr.p]);
  return (camsT: NDArray, XT: NDArray, wt: NDArray) => {
    const [, pull] = w.vjp((cam: NDArray, X: NDArray, ww: NDArray) => residuals(cam, X, ww, pr.feats), w.take(camsT, pr.obsCam, 1), w.take(XT, pr.obsPt, 1), wt);
    return [pull({ r0: ones, r1: zeros, werr: zeros }), pull({ r0: zeros, r1: ones, werr: zeros }), pull({ r0: zeros, r1: zeros, werr: ones })[2]] as const;
  };
}

export interface SparseJacobian { readonly rows: Int32Array; readonly cols: Int32Array; readonly vals: Float64Array }

/** The compressed-row Jacobian, rows as GradBench's reference orders them: 2p reprojection rows, then p weight rows. */
function assemble(pr: Problem, blocks: ReturnType<ReturnType<typeof blocksOf>>, obsCam: Int32Array, obsPt: Int32Array): SparseJacobian {
  const { n, m, p } = pr;
  const per = NCAM + 3 + 1;
  const rows = new Int32Array(3 * p + 1), cols = new Int32Array(2 * p * per + p), vals = new Float64Array(2 * p * per + p);
  let k = 0;
  const [b0, b1] = [blocks[0], blocks[1]];
  const dcam = [b0[0].data, b1[0].data], dpt = [b0[1].data, b1[1].data], dw = [b0[2].data, b1[2].data];
  for (let i = 0; i < p; i++) {
    const ci = obsCam[i]!, pi = obsPt[i]!;
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < NCAM; j++) { cols[k] = NCAM * ci + j; vals[k++] = dcam[r]![j * p + i]!; }
      for (let j = 0; j < 3; j++) { cols[k] = NCAM * n + 3 * pi + j; vals[k++] = dpt[r]![j * p + i]!; }
      cols[k] = NCAM * n + 3 * m + i; vals[k++] = dw[r]![i]!;
      rows[2 * i + r + 1] = k;
    }
  }
  const dwerr = blocks[2].data;
  for (let i = 0; i < p; i++) {
    cols[k] = NCAM * n + 3 * m + i; vals[k++] = dwerr[i]!;
    rows[2 * p + i + 1] = k;
  }
  return { rows, cols, vals };
}

/** The first 30 entries and the last, as the reference tool writes the Jacobian. */
const cut = (a: Int32Array | Float64Array): number[] => [...Array.from(a.subarray(0, 30)), a[a.length - 1]!];

function objective(input: unknown): Prepared {
  const pr = read(input);
  const f = w.compile(objectiveOf(pr));
  return {
    run: () => f(pr.camsT, pr.XT, pr.w),
    output: (r) => {
      const { r0, r1, werr } = r as ReturnType<typeof residuals>;
      return { reproj_error: { elements: [r0.data[0]!, r1.data[0]!], repeated: pr.p }, w_err: { element: werr.data[0]!, repeated: pr.p } };
    },
  };
}

/** The sparse Jacobian of the problem at its parameters, compiled once: call it to compute. */
export function sparseJacobian(pr: Problem): () => SparseJacobian {
  const f = w.compile(blocksOf(pr));
  const obsCam = pr.obsCam.data as Int32Array, obsPt = pr.obsPt.data as Int32Array;
  return () => assemble(pr, f(pr.camsT, pr.XT, pr.w), obsCam, obsPt);
}

function jacobian(input: unknown): Prepared {
  const pr = read(input);
  const run = sparseJacobian(pr);
  return {
    run,
    output: (r) => {
      const J = r as SparseJacobian;
      return { rows: cut(J.rows), cols: cut(J.cols), vals: cut(J.vals) };
    },
  };
}

export const functions: Module = { objective, jacobian };
