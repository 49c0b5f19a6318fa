// ht: hand tracking (ADBench's, as GradBench's C++ reference computes it). The 26 pose
// parameters θ pose a skinned hand mesh: Euler rotations of the finger bones, the bone chain
// from each bone's parent, linear blend skinning of every vertex over all 22 bones, then a
// global rotation and translation. The residuals are the observed points minus their
// corresponding model vertices (simple), or minus points inside model triangles given by
// barycentric coordinates us (complicated).
//
// `jacobian` is ∂residuals/∂θ by forward mode, one tangent per θ component (jacfwd), each
// staged by compile: a finger parameter moves only the bones below it, so the tangents of the
// other bones' transforms are structural zeros and their skinning is never computed. In the
// complicated variant the two columns for each point's own us come first, by two more JVPs
// seeded with ones on one coordinate of every point (point i's residuals depend only on its
// own us: compressed seeding of a block-diagonal Jacobian).
//
// The bone transforms are 4×4 matrices of scalars (22 bones: a few thousand scalar lines);
// skinning works on one array of all V vertices per coordinate: each bone's rows of
// transform × base positions are sums of scalar × array, so compile fuses the whole skinning
// (and, in the Jacobian, each tangent's) into loops over the vertices. (As 3×4 by 4×V matmuls
// of stacked scalars, the Jacobian spent its time on ~1,400 small stack, reshape and unslice
// lines of the tangents' matrices: 70 ms against 0.8 ms now, at load 23.)

import * as w from "../../../src/index.js";
import type { NDArray, Value } from "../../../src/index.js";
import type { Module, Prepared } from "../protocol.js";
import { InputError, matrix, matrixArray, object, vector } from "./input.js";

/** A small dense matrix of scalars, row-major. Entries that are the number 0 are structural zeros. */
interface Mat { readonly rows: number; readonly cols: number; readonly a: Value[] }

const mat = (rows: number, cols: number, a: Value[]): Mat => ({ rows, cols, a });
const at = (m: Mat, i: number, j: number): Value => m.a[i * m.cols + j]!;

/** Σ of products, skipping the products with a structural zero (the number 0). */
function dot(pairs: [Value, Value][]): Value {
  let s: Value | undefined;
  for (const [x, y] of pairs) {
    if (x === 0 || y === 0) continue;
    const t = x === 1 ? y : y === 1 ? x : w.mul(x as number, y as number);
    s = s === undefined ? t : w.add(s as number, t as number);
  }
  return s ?? 0;
}

function matmul(A: Mat, B: Mat): Mat {
  const out: Value[] = [];
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.cols; j++) out.push(dot(Array.from({ length: A.cols }, (_, k) => [at(A, i, k), at(B, k, j)] as [Value, Value])));
  }
  return mat(A.rows, B.cols, out);
}

const identity = (n: number): Mat => mat(n, n, Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0)));

/** Rotation from Euler angles given in x, z, y order: R = Rz·Ry·Rx. */
function eulerToRotation(xzy: readonly Value[]): Mat {
  const tx = xzy[0]!, ty = xzy[2]!, tz = xzy[1]!;
  const cx = w.cos(tx as number), sx = w.sin(tx as number), cy = w.cos(ty as number), sy = w.sin(ty as number), cz = w.cos(tz as number), sz = w.sin(tz as number);
  const Rx = mat(3, 3, [1, 0, 0, 0, cx, w.neg(sx), 0, sx, cx]);
  const Ry = mat(3, 3, [cy, 0, sy, 0, 1, 0, w.neg(sy), 0, cy]);
  const Rz = mat(3, 3, [cz, w.neg(sz), 0, sz, cz, 0, 0, 0, 1]);
  return matmul(matmul(Rz, Ry), Rx);
}

/** Rotation from an angle-axis vector (identity below norm 1e-4, as the reference). */
function angleAxisToRotation(aa: readonly Value[]): Mat {
  const norm = w.sqrt(dot(aa.map((v) => [v, v] as [Value, Value])) as number);
  if (w.less(norm, 0.0001)) return identity(3);
  const x = w.div(aa[0]! as number, norm), y = w.div(aa[1]! as number, norm), z = w.div(aa[2]! as number, norm);
  const s = w.sin(norm), c = w.cos(norm), omc = w.sub(1, c);
  return mat(3, 3, [
    w.add(w.mul(x, x), w.mul(w.sub(1, w.mul(x, x)), c)), w.sub(w.mul(w.mul(x, y), omc), w.mul(z, s)), w.add(w.mul(w.mul(x, z), omc), w.mul(y, s)),
    w.add(w.mul(w.mul(x, y), omc), w.mul(z, s)), w.add(w.mul(y, y), w.mul(w.sub(1, w.mul(y, y)), c)), w.sub(w.mul(w.mul(y, z), omc), w.mul(x, s)),
    w.sub(w.mul(w.mul(x, z), omc), w.mul(y, s)), w.add(w.mul(w.mul(z, y), omc), w.mul(x, s)), w.add(w.mul(z, z), w.mul(w.sub(1, w.mul(z, z)), c)),
  ]);
}

/**
 * Σ_k m[r, k]·rows[k]: row r of the product of a matrix of scalars with a matrix stored as one
 * array per row (the products and sums of mat_mult's loop, in its order, structural zeros
 * skipped). Every operation is elementwise over the rows, so compile fuses them into one loop.
 */
function combine(m: Mat, r: number, rows: readonly NDArray[]): NDArray {
  let s: NDArray | undefined;
  for (let k = 0; k < m.cols; k++) {
    const c = at(m, r, k);
    if (c === 0) continue;
    const t = c === 1 ? rows[k]! : w.mul(c as number, rows[k]!);
    s = s === undefined ? t : w.add(s, t);
  }
  return s ?? w.zeros(rows[0]!.shape);
}

export interface HandModel {
  readonly parents: readonly number[];
  readonly baseRelatives: readonly Mat[];
  readonly inverseBaseAbsolutes: readonly Mat[];
  /** Homogeneous vertex positions, one array of V per coordinate (4). */
  readonly basePositions: readonly NDArray[];
  /** Skinning weights, one array of V per bone. */
  readonly weights: readonly NDArray[];
  readonly triangles: readonly (readonly number[])[];
  readonly isMirrored: boolean;
}

export interface HandData {
  readonly model: HandModel;
  readonly correspondences: readonly number[];
  /** Observed points, one array of c per coordinate (3). */
  readonly points: readonly NDArray[];
}

/**
 * The pose parameters (3×(bones + 3), as columns): global rotation, scale (ones), global
 * translation, then per bone its Euler angles; each finger's three moving joints take θ's
 * parameters, two for the first and one for the others.
 */
function poseParams(theta: readonly Value[], bones: number): Value[][] {
  const cols: Value[][] = Array.from({ length: bones + 3 }, () => [0, 0, 0]);
  cols[0] = [theta[0]!, theta[1]!, theta[2]!];
  cols[1] = [1, 1, 1];
  cols[2] = [theta[3]!, theta[4]!, theta[5]!];
  let iTheta = 6, iPose = 5;
  for (let finger = 0; finger < 5; finger++) {
    for (let i = 2; i <= 4; i++) {
      cols[iPose]![0] = theta[iTheta++]!;
      if (i === 2) cols[iPose]![1] = theta[iTheta++]!;
      iPose++;
    }
    iPose++;
  }
  return cols;
}

/**
 * The posed, skinned, globally transformed vertex positions, one array of V per coordinate:
 * each bone's transform times the base positions (the rows the reference's mat_mult computes
 * and reads), weighted by the bone's skinning weights and summed over the bones in order.
 */
function skinnedVertices(theta: readonly Value[], model: HandModel): NDArray[] {
  const bones = model.parents.length;
  const pose = poseParams(theta, bones);
  const absolutes: Mat[] = [];
  let positions: NDArray[] | undefined;
  for (let i = 0; i < bones; i++) {
    const R = eulerToRotation(pose[i + 3]!);
    const tr = mat(4, 4, [at(R, 0, 0), at(R, 0, 1), at(R, 0, 2), 0, at(R, 1, 0), at(R, 1, 1), at(R, 1, 2), 0, at(R, 2, 0), at(R, 2, 1), at(R, 2, 2), 0, 0, 0, 0, 1]);
    const relative = matmul(model.baseRelatives[i]!, tr);
    const parent = model.parents[i]!;
    absolutes.push(parent === -1 ? relative : matmul(absolutes[parent]!, relative));
    const transform = matmul(absolutes[i]!, model.inverseBaseAbsolutes[i]!);
    const skin = [0, 1, 2].map((r) => w.mul(combine(transform, r, model.basePositions), model.weights[i]!));
    positions = positions === undefined ? skin : positions.map((p, r) => w.add(p, skin[r]!));
  }
  let p = positions!;
  if (model.isMirrored) p = [w.neg(p[0]!), p[1]!, p[2]!];
  const R = angleAxisToRotation(pose[0]!);
  const scaled = mat(3, 3, R.a.map((v, k) => w.mul(v as number, pose[1]![k % 3]! as number)));
  return [0, 1, 2].map((r) => w.add(combine(scaled, r, p), pose[2]![r]! as number));
}

/** The residuals e_j[i] (coordinate j of point i) interleaved as the reference writes them: 3i + j. */
const interleave = (e: readonly NDArray[]): NDArray => w.reshape(w.stack(e as NDArray[], 1), [-1]);

/** Residuals 3c, point after point: observed − model vertex. */
export function simpleObjective(data: HandData, corr: NDArray): (theta: Value[]) => NDArray {
  return (theta) => {
    const V = skinnedVertices(theta, data.model);
    return interleave(V.map((v, j) => w.sub(data.points[j]!, w.take(v, corr))));
  };
}

/** Residuals 3c: observed − the point with barycentric coordinates us in the corresponding triangle. */
export function complicatedObjective(data: HandData, verts: readonly [NDArray, NDArray, NDArray]): (theta: Value[], us: NDArray) => NDArray {
  return (theta, us) => {
    const V = skinnedVertices(theta, data.model);
    const c = us.shape[0]!;
    const u0 = w.reshape(w.slice(us, [0, 0], [c, 1]), [c]), u1 = w.reshape(w.slice(us, [0, 1], [c, 2]), [c]);
    const u2 = w.sub(w.sub(1, u0), u1);
    return interleave(V.map((v, j) => {
      const hand = w.add(w.add(w.mul(u0, w.take(v, verts[0])), w.mul(u1, w.take(v, verts[1]))), w.mul(u2, w.take(v, verts[2])));
      return w.sub(data.points[j]!, hand);
    }));
  };
}

function mat4(v: unknown, what: string): Mat {
  return mat(4, 4, matrix(v, what, 4, 4).flat());
}

interface Problem { readonly theta: number[]; readonly data: HandData; readonly us: NDArray | null; readonly corr: NDArray }

function read(input: unknown): Problem {
  const o = object(input);
  const d = object(o.data, "input.data");
  const m = object(d.model, "input.data.model");
  const parents = vector(m.parents, "input.data.model.parents");
  const bones = parents.length;
  if (!parents.every((p, i) => Number.isInteger(p) && p >= -1 && p < i)) throw new InputError("input.data.model.parents must list each bone's parent (an earlier bone) or −1");
  const rel = m.base_relatives, inv = m.inverse_base_absolutes;
  if (!Array.isArray(rel) || rel.length !== bones || !Array.isArray(inv) || inv.length !== bones) throw new InputError(`base_relatives and inverse_base_absolutes must hold ${bones} 4×4 matrices`);
  const bp = matrixArray(m.base_positions, "input.data.model.base_positions", undefined, 4);
  const nv = bp.shape[0]!;
  const weights = matrixArray(m.weights, "input.data.model.weights", nv, bones);
  const rowsOf = (a: NDArray): NDArray[] => Array.from({ length: a.shape[0]! }, (_, i) => w.reshape(w.slice(a, [i, 0], [i + 1, undefined]), [a.shape[1]!]));
  const corr = vector(d.correspondences, "input.data.correspondences");
  const c = corr.length;
  const points = matrixArray(d.points, "input.data.points", c, 3);
  const us = Array.isArray(o.us) && o.us.length > 0 ? matrixArray(o.us, "input.us", c, 2) : null;
  const triangles = matrix(m.triangles, "input.data.model.triangles", undefined, 3);
  if (typeof m.is_mirrored !== "boolean") throw new InputError("input.data.model.is_mirrored must be a boolean");
  const limit = us === null ? nv : triangles.length;
  if (!corr.every((k) => Number.isInteger(k) && k >= 0 && k < limit)) throw new InputError(`input.data.correspondences must index ${us === null ? "vertices" : "triangles"} (0 … ${limit - 1})`);
  const model: HandModel = {
    parents,
    baseRelatives: rel.map((r, i) => mat4(r, `base_relatives[${i}]`)),
    inverseBaseAbsolutes: inv.map((r, i) => mat4(r, `inverse_base_absolutes[${i}]`)),
    basePositions: rowsOf(w.transpose(bp)),
    weights: rowsOf(w.transpose(weights)),
    triangles, isMirrored: m.is_mirrored,
  };
  return { theta: vector(o.theta, "input.theta", 26), data: { model, correspondences: corr, points: rowsOf(w.transpose(points)) }, us, corr: w.array(corr, { dtype: "int32" }) };
}

function triangleVertices(pr: Problem): [NDArray, NDArray, NDArray] {
  return [0, 1, 2].map((k) => w.array(pr.data.correspondences.map((t) => pr.data.model.triangles[t]![k]!), { dtype: "int32" })) as [NDArray, NDArray, NDArray];
}

const ready = <R>(run: () => R, output: (r: R) => unknown): Prepared<R> => ({ run, output });

const flat = (a: NDArray): number[] => Array.from(a.data as Float64Array);

function objective(input: unknown): Prepared {
  const pr = read(input);
  if (pr.us === null) {
    const f = w.compile(simpleObjective(pr.data, pr.corr));
    return ready(() => f(pr.theta), flat);
  }
  const f = w.compile(complicatedObjective(pr.data, triangleVertices(pr)));
  const us = pr.us;
  return ready(() => f(pr.theta, us), flat);
}

/** Columns (each 3c long) as the rows of the Jacobian the eval expects. */
function rowsOf(columns: readonly NDArray[]): number[][] {
  const n = columns[0]!.size;
  return Array.from({ length: n }, (_, r) => columns.map((c) => c.data[r]!));
}

function jacobian(input: unknown): Prepared {
  const pr = read(input);
  if (pr.us === null) {
    const F = simpleObjective(pr.data, pr.corr);
    const J = w.compile(w.jacfwd(F));
    (globalThis as any).__last = J;
    return ready(() => J(pr.theta), (cols) => rowsOf(cols as NDArray[]));
  }
  const F = complicatedObjective(pr.data, triangleVertices(pr));
  const c = pr.us.shape[0]!;
  const e0 = w.array(Array.from({ length: 2 * c }, (_, k) => (k % 2 === 0 ? 1 : 0)), { shape: [c, 2] });
  const e1 = w.array(Array.from({ length: 2 * c }, (_, k) => (k % 2 === 1 ? 1 : 0)), { shape: [c, 2] });
  const J = w.compile((theta: number[], us: NDArray) => {
    const dTheta = w.jacfwd((th: number[]) => F(th, us))(theta) as NDArray[];
    const dU0 = w.jvp((u: NDArray) => F(theta, u), [us], [e0])[1];
    const dU1 = w.jvp((u: NDArray) => F(theta, u), [us], [e1])[1];
    return [dU0, dU1, ...dTheta];
  });
  const us = pr.us;
  return ready(() => J(pr.theta, us), (cols) => rowsOf(cols as NDArray[]));
}

export const functions: Module = { objective, jacobian };
