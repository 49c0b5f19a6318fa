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

/** One array per coordinate: cameras as 11 arrays, points as 3, each entry one camera (point, observation). */
type Rows = NDArray[];

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

export interface Residuals { readonly r0: NDArray; readonly r1: NDArray; readonly werr: NDArray }

/** The residuals of every observation from its gathered camera C, point X and weight (one entry per observation). */
export function residuals(C: Rows, X: Rows, wt: NDArray, feats: Rows): Residuals {
  const Xo = X.map((x, i) => w.sub(x, C[3 + i]!));
  const Xcam = rodrigues([C[0]!, C[1]!, C[2]!], Xo);
  let p0 = w.div(Xcam[0]!, Xcam[2]!), p1 = w.div(Xcam[1]!, Xcam[2]!);
  const rsq = w.add(w.square(p0), w.square(p1));
  const L = w.add(w.add(1, w.mul(C[9]!, rsq)), w.mul(w.mul(C[10]!, rsq), rsq));
  p0 = w.add(w.mul(w.mul(p0, L), C[6]!), C[7]!);
  p1 = w.add(w.mul(w.mul(p1, L), C[6]!), C[8]!);
  return {
    r0: w.mul(wt, w.sub(p0, feats[0]!)),
    r1: w.mul(wt, w.sub(p1, feats[1]!)),
    werr: w.sub(1, w.square(wt)),
  };
}

export interface Problem {
  readonly n: number; readonly m: number; readonly p: number;
  /** camera parameter j of every camera (11 arrays of n), point coordinate j of every point (3 of m), weights (p) */
  readonly cams: Rows; readonly X: Rows; readonly w: NDArray;
  readonly obsCam: NDArray; readonly obsPt: NDArray;
  /** feature coordinate j of every observation (2 arrays of p) */
  readonly feats: Rows;
}

/** Replicates the one camera, point, weight and feature of the input into the full problem. */
function read(input: unknown): Problem {
  const o = object(input);
  const n = int(o, "n"), m = int(o, "m"), p = int(o, "p");
  if (n < 1 || m < 1 || p < 1) throw new InputError(`n, m and p must be ≥ 1, got ${n}, ${m}, ${p}`);
  const cam = vector(o.cam, "input.cam", NCAM), x = vector(o.x, "input.x", 3), feat = vector(o.feat, "input.feat", 2);
  const obsCam = new Int32Array(p), obsPt = new Int32Array(p);
  for (let i = 0; i < p; i++) { obsCam[i] = i % n; obsPt[i] = i % m; }
  return {
    n, m, p,
    cams: cam.map((v) => w.full([n], v)), X: x.map((v) => w.full([m], v)), w: w.full([p], num(o, "w")),
    obsCam: w.array(obsCam, { dtype: "int32" }), obsPt: w.array(obsPt, { dtype: "int32" }), feats: feat.map((v) => w.full([p], v)),
  };
}

/** Each observation's camera and point, gathered from the cameras and points it uses. */
const gather = (pr: Problem, cams: Rows, X: Rows): [Rows, Rows] => [cams.map((c) => w.take(c, pr.obsCam)), X.map((x) => w.take(x, pr.obsPt))];

export function objectiveOf(pr: Problem): (cams: Rows, X: Rows, wt: NDArray) => Residuals {
  return (cams, X, wt) => residuals(...gather(pr, cams, X), wt, pr.feats);
}

/** The derivatives of each observation's residuals with respect to its own camera, point and weight. */
function blocksOf(pr: Problem) {
  const ones = w.ones([pr.p]), zeros = w.zeros([pr.p]);
  return (cams: Rows, X: Rows, wt: NDArray) => {
    const [C, P] = gather(pr, cams, X);
    const [, pull] = w.vjp((c: Rows, x: Rows, ww: NDArray) => residuals(c, x, ww, pr.feats), C, P, wt);
    return [pull({ r0: ones, r1: zeros, werr: zeros }), pull({ r0: zeros, r1: ones, werr: zeros }), pull({ r0: zeros, r1: zeros, werr: ones })[2]] as const;
  };
}

export interface SparseJacobian { readonly rows: Int32Array; readonly cols: Int32Array; readonly vals: Float64Array }

/** The compressed-row Jacobian, rows as GradBench's reference orders them: 2p reprojection rows, then p weight rows. */
function assemble(pr: Problem, blocks: ReturnType<ReturnType<typeof blocksOf>>, obsCam: Int32Array, obsPt: Int32Array): SparseJacobian {
  const { n, m, p } = pr;
  const per = NCAM + 3 + 1;
  const rows = new Int32Array(3 * p + 1), cols = new Int32Array(2 * p * per + p), vals = new Float64Array(2 * p * per + p);
  const wCol = NCAM * n + 3 * m;
  // The 2·15 derivative arrays, in the order of a block's entries: row r, then camera, point, weight.
  const src: Float64Array[] = [];
  for (const r of [0, 1] as const) {
    const [dcam, dpt, dw] = blocks[r];
    for (const a of [...dcam, ...dpt, dw]) src.push(a.data as Float64Array);
  }
  // Written in order (observation i's two rows, then the next observation's).
  for (let i = 0, k = 0; i < p; i++) {
    const camCol = NCAM * obsCam[i]!, ptCol = NCAM * n + 3 * obsPt[i]!;
    for (let r = 0; r < 2; r++) {
      const base = r * per;
      for (let j = 0; j < NCAM; j++, k++) { cols[k] = camCol + j; vals[k] = src[base + j]![i]!; }
      for (let j = 0; j < 3; j++, k++) { cols[k] = ptCol + j; vals[k] = src[base + NCAM + j]![i]!; }
      cols[k] = wCol + i; vals[k++] = src[base + NCAM + 3]![i]!;
    }
  }
  for (let k = 1; k <= 2 * p; k++) rows[k] = k * per;
  const dwerr = blocks[2].data;
  for (let i = 0, k = 2 * p * per; i < p; i++, k++) { cols[k] = wCol + i; vals[k] = dwerr[i]!; rows[2 * p + i + 1] = k + 1; }
  return { rows, cols, vals };
}

/** The first 30 entries and the last, as the reference tool writes the Jacobian. */
const cut = (a: Int32Array | Float64Array): number[] => [...Array.from(a.subarray(0, 30)), a[a.length - 1]!];

function objective(input: unknown): Prepared {
  const pr = read(input);
  const f = w.compile(objectiveOf(pr));
  return {
    run: () => f(pr.cams, pr.X, pr.w),
    output: (r) => {
      const { r0, r1, werr } = r as Residuals;
      return { reproj_error: { elements: [r0.data[0]!, r1.data[0]!], repeated: pr.p }, w_err: { element: werr.data[0]!, repeated: pr.p } };
    },
  };
}

/** The sparse Jacobian of the problem at its parameters, compiled once: call it to compute. */
export function sparseJacobian(pr: Problem): () => SparseJacobian {
  const f = w.compile(blocksOf(pr));
  const obsCam = pr.obsCam.data as Int32Array, obsPt = pr.obsPt.data as Int32Array;
  return () => assemble(pr, f(pr.cams, pr.X, pr.w), obsCam, obsPt);
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
