// Linear-algebra primitives (spread into the table through prims-extra.ts). Their derivative
// rules are the matrix-calculus results, written with the library's ops — never the
// factorisation loops differentiated — so they hold to every order and cost a few solves:
//
//   solve      X = A⁻¹B          dX = A⁻¹(dB − dA·X)                 B̄ = A⁻ᵀX̄, Ā = −B̄Xᵀ
//   triangular X = op(T)⁻¹B      the same, with dT masked to T's triangle
//   cholesky   A = LLᵀ           dL = L·Φ(L⁻¹ sym(dA) L⁻ᵀ)            Ā = sym(L⁻ᵀ Φ(LᵀL̄) L⁻¹)
//   qr         A = QR (m ≥ n)    C = Qᵀ dA R⁻¹, Ω = tril(C,−1) − tril(C,−1)ᵀ:
//                                dQ = Q(Ω − C) + dA R⁻¹, dR = (C − Ω)R;  Ā = (Q̄ + Q·copyltu(RR̄ᵀ − Q̄ᵀQ))R⁻ᵀ
//   eigh       A = V diag(w) Vᵀ  B = Vᵀ sym(dA) V: dw = diag B, dV = V(F∘B), F_ij = 1/(w_j − w_i)
//                                Ā = sym(V(diag w̄ + F∘(VᵀV̄))Vᵀ)
//   det        d = det A         dd = d·tr(A⁻¹dA),                    Ā = d̄·d·A⁻ᵀ
//   slogdet    (s, log|d|)       d log|d| = tr(A⁻¹dA),                Ā = ℓ̄·A⁻ᵀ
//
// with Φ(S) = the lower triangle of S with its diagonal halved (Murray 2016; Walter & Lehmann
// 2018; Giles 2008). cholesky and eigh read the symmetric part (A + Aᵀ)/2 of their argument,
// so their derivatives are those of that function of any A, as in JAX. Every primitive works
// on the last two axes and maps over the leading ones.

import { arithmeticDType } from "../array/broadcast.js";
import * as L from "../array/linalg-kernels.js";
import { NDArray, shapeStr, type DType, type Shape } from "../array/ndarray.js";
import { LinAlgError, ShapeError } from "../base/errors.js";
import { KERNEL } from "../core/lowering.js";
import type { Aval, Primitive } from "../core/primitive.js";
import { shapeOf, type Value } from "../core/tracer.js";
import * as o from "./api.js";
import { floatAval } from "./builders.js";
import {
  diagEmbed, diagonal, identityLike, invOf, lowerSolve, mT, pack, pairwiseGaps, solveBind, sym, trace, triangularBind, tril, triu, unpack, upperSolve,
} from "./linalg-ops.js";

export interface TriangularParams {
  /** The lower triangle holds the matrix (otherwise the upper). */
  readonly lower: boolean;
  /** Solve with the transposed matrix. */
  readonly trans: boolean;
  /** The diagonal is taken as ones (and not read). */
  readonly unit: boolean;
}

function dtypeOut(a: Aval): DType {
  return a.dtype === "number" ? "float64" : (a.dtype as DType);
}

/** A stack of square matrices [..., n, n], or a ShapeError naming the op. */
function squareAval(op: string, a: Aval): number {
  floatAval(op, a);
  const s = a.shape, nd = s.length;
  if (nd < 2 || s[nd - 1] !== s[nd - 2]) throw new ShapeError(op, `needs square matrices in the last two axes, got shape ${shapeStr(s)}`);
  return s[nd - 1]!;
}

/** The right-hand side of a solve: [..., n, k] with the matrix's batch axes. */
function rhsAval(op: string, a: Aval, b: Aval): Aval {
  const n = squareAval(op, a), sb = b.shape;
  if (sb.length !== a.shape.length || sb[sb.length - 2] !== n || sb.slice(0, -2).some((d, i) => d !== a.shape[i])) {
    throw new ShapeError(op, `right-hand side of shape ${shapeStr(sb)} does not fit matrices of shape ${shapeStr(a.shape)}: it needs shape [..., ${n}, k] with the same batch axes`);
  }
  const dtype = arithmeticDType(op, [a, b]);
  return { shape: sb, dtype: dtype === "number" ? "float64" : dtype, js: false };
}

const batchOf = (s: Shape): Shape => s.slice(0, -2);

function fail(op: string, why: string, index: number, shape: Shape): never {
  const where = shape.length > 2 ? ` (matrix ${index} of the batch of shape ${shapeStr(shape)})` : "";
  throw new LinAlgError(op, `the matrix is ${why}${where}; ${why === "singular" ? "a solve needs an invertible matrix" : "cholesky needs a symmetric positive definite matrix"}`);
}

/** The unpacked [Q, R] of qr's output, [w, V] of eigh's. */
export const qrParts = (a: Value, out: Value): Value[] => {
  const s = shapeOf(a), m = s[s.length - 2]!, n = s[s.length - 1]!;
  return unpack(out, batchOf(s), [[m, n], [n, n]]);
};
export const eighParts = (a: Value, out: Value): Value[] => {
  const s = shapeOf(a), n = s[s.length - 1]!;
  return unpack(out, batchOf(s), [[n], [n, n]]);
};

/** F_ij = 1/(w_j − w_i) off the diagonal, 0 on it. */
export function gapInverse(w: Value): Value {
  const n = shapeOf(w)[shapeOf(w).length - 1]!;
  const off = o.notEqual(identityLike(w, n), 1);
  return o.where(off, o.div(1, o.where(off, pairwiseGaps(w), 1)), 0);
}

/** Φ(S): the lower triangle of S with its diagonal halved. */
const phi = (s: Value): Value => o.sub(tril(s), o.mul(0.5, diagEmbed(diagonal(s))));

/** dT as the triangular solve reads it: masked to T's triangle (less the diagonal when it is unit). */
export function triangleOf(m: Value, p: TriangularParams): Value {
  return p.lower ? tril(m, p.unit ? -1 : 0) : triu(m, p.unit ? 1 : 0);
}

/** ∂ log|det A| applied to dA, or its transpose: tr(A⁻¹dA) and A⁻ᵀ. */
const logdetJvp = (a: Value, t: Value): Value => trace(solveBind(a, t));
const scaleByInvT = (g: Value, a: Value): Value => o.mul(o.reshape(g, [...shapeOf(g), 1, 1]), mT(invOf(a)));

export const LINALG = {
  solve: {
    name: "solve",
    broadcasts: false,
    infer: ([a, b]) => rhsAval("linalg.solve", a!, b!),
    impl: ([a, b], _p, out) => {
      const A = a as NDArray, B = b as NDArray, n = A.shape[A.ndim - 1]!, k = B.shape[B.ndim - 1]!;
      return L.eachMatrix([A, B], out.shape, n * k, dtypeOut(out), ([ma, mb], x, i) => {
        const f = L.luFactor(ma!, n);
        if (f.sign === 0) fail("linalg.solve", "singular", i, A.shape);
        L.luSolve(f, n, mb!, k, x);
      });
    },
    rule: {
      kind: "linear",
      jvp: [(t, [a], x) => solveBind(a!, o.neg(o.matmul(t, x))), (t, [a]) => solveBind(a!, t)],
      vjp: [(g, [a], x) => o.neg(o.matmul(solveBind(mT(a!), g), mT(x))), (g, [a]) => solveBind(mT(a!), g)],
    },
    display: { primal: ([a, b]) => `solve(${a}, ${b})` },
    lower: KERNEL,
  } satisfies Primitive<undefined>,

  triangularSolve: {
    name: "triangularSolve",
    broadcasts: false,
    infer: ([a, b]) => rhsAval("linalg.triangularSolve", a!, b!),
    impl: ([a, b], p, out) => {
      const A = a as NDArray, B = b as NDArray, n = A.shape[A.ndim - 1]!, k = B.shape[B.ndim - 1]!;
      return L.eachMatrix([A, B], out.shape, n * k, dtypeOut(out), ([ma, mb], x) => L.triSolve(ma!, n, mb!, k, x, p.lower, p.trans, p.unit));
    },
    rule: {
      kind: "linear",
      jvp: [
        (t, [a], x, p) => {
          const dt = triangleOf(t, p);
          return triangularBind(a!, o.neg(o.matmul(p.trans ? mT(dt) : dt, x)), p);
        },
        (t, [a], _x, p) => triangularBind(a!, t, p),
      ],
      vjp: [
        (g, [a], x, p) => {
          const gb = triangularBind(a!, g, { ...p, trans: !p.trans });
          return o.neg(triangleOf(p.trans ? o.matmul(x, mT(gb)) : o.matmul(gb, mT(x)), p));
        },
        (g, [a], _x, p) => triangularBind(a!, g, { ...p, trans: !p.trans }),
      ],
    },
    display: { primal: ([a, b], p) => `triangularSolve(${a}, ${b}${p.lower ? ", lower" : ", upper"}${p.trans ? ", transposed" : ""}${p.unit ? ", unit" : ""})` },
    lower: KERNEL,
  } satisfies Primitive<TriangularParams>,

  cholesky: {
    name: "cholesky",
    broadcasts: false,
    infer: ([a]) => {
      squareAval("linalg.cholesky", a!);
      return { shape: a!.shape, dtype: dtypeOut(a!), js: false };
    },
    impl: ([a], _p, out) => {
      const A = a as NDArray, n = A.shape[A.ndim - 1]!;
      return L.eachMatrix([A], out.shape, n * n, dtypeOut(out), ([m], l, i) => {
        if (!L.cholesky(m!, n, l)) fail("linalg.cholesky", "not positive definite", i, A.shape);
      });
    },
    rule: {
      kind: "linear",
      jvp: [(t, _a, l) => o.matmul(l, phi(lowerSolve(l, mT(lowerSolve(l, sym(t))))))],
      vjp: [(g, _a, l) => {
        const y = lowerSolve(l, phi(o.matmul(mT(l), g)), true);
        return sym(mT(lowerSolve(l, mT(y), true)));
      }],
    },
    display: { primal: ([a]) => `cholesky(${a})` },
    lower: KERNEL,
  } satisfies Primitive<undefined>,

  qr: {
    name: "qr",
    broadcasts: false,
    infer: ([a]) => {
      floatAval("linalg.qr", a!);
      const s = a!.shape, nd = s.length;
      if (nd < 2 || s[nd - 2]! < s[nd - 1]!) throw new ShapeError("linalg.qr", `the primitive needs m ≥ n in the last two axes, got ${shapeStr(s)}`);
      const m = s[nd - 2]!, n = s[nd - 1]!;
      return { shape: [...s.slice(0, -2), m * n + n * n], dtype: dtypeOut(a!), js: false };
    },
    impl: ([a], _p, out) => {
      const A = a as NDArray, m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
      return L.eachMatrix([A], out.shape, m * n + n * n, dtypeOut(out), ([ma], res) => L.qr(ma!, m, n, res.subarray(0, m * n), res.subarray(m * n)));
    },
    rule: {
      kind: "linear",
      jvp: [(t, [a], out) => {
        const [q, r] = qrParts(a!, out);
        const y = mT(upperSolve(r!, mT(t), true));
        const c = o.matmul(mT(q!), y), low = tril(c, -1), omega = o.sub(low, mT(low));
        return pack([o.add(o.matmul(q!, o.sub(omega, c)), y), o.matmul(o.sub(c, omega), r!)], batchOf(shapeOf(a!)));
      }],
      vjp: [(g, [a], out) => {
        const [q, r] = qrParts(a!, out);
        const [gq, gr] = qrParts(a!, g);
        const m = o.sub(o.matmul(r!, mT(gr!)), o.matmul(mT(gq!), q!));
        const copyltu = o.add(tril(m), mT(tril(m, -1)));
        return mT(upperSolve(r!, mT(o.add(gq!, o.matmul(q!, copyltu)))));
      }],
    },
    display: { primal: ([a]) => `qr(${a})` },
    lower: KERNEL,
  } satisfies Primitive<undefined>,

  eigh: {
    name: "eigh",
    broadcasts: false,
    infer: ([a]) => {
      const n = squareAval("linalg.eigh", a!);
      return { shape: [...a!.shape.slice(0, -2), n + n * n], dtype: dtypeOut(a!), js: false };
    },
    impl: ([a], _p, out) => {
      const A = a as NDArray, n = A.shape[A.ndim - 1]!;
      return L.eachMatrix([A], out.shape, n + n * n, dtypeOut(out), ([m], res) => L.eigh(m!, n, res.subarray(0, n), res.subarray(n)));
    },
    rule: {
      kind: "linear",
      jvp: [(t, [a], out) => {
        const [w, v] = eighParts(a!, out);
        const b = o.matmul(mT(v!), o.matmul(sym(t), v!));
        return pack([diagonal(b), o.matmul(v!, o.mul(gapInverse(w!), b))], batchOf(shapeOf(a!)));
      }],
      vjp: [(g, [a], out) => {
        const [w, v] = eighParts(a!, out);
        const [gw, gv] = eighParts(a!, g);
        const inner = o.add(diagEmbed(gw!), o.mul(gapInverse(w!), o.matmul(mT(v!), gv!)));
        return sym(o.matmul(v!, o.matmul(inner, mT(v!))));
      }],
    },
    display: { primal: ([a]) => `eigh(${a})` },
    lower: KERNEL,
  } satisfies Primitive<undefined>,

  det: {
    name: "det",
    broadcasts: false,
    infer: ([a]) => {
      squareAval("linalg.det", a!);
      return { shape: a!.shape.slice(0, -2), dtype: dtypeOut(a!), js: false };
    },
    impl: ([a], _p, out) => {
      const A = a as NDArray, n = A.shape[A.ndim - 1]!;
      return L.eachMatrix([A], out.shape, 1, dtypeOut(out), ([m], d) => { d[0] = L.luDet(L.luFactor(m!, n), n); });
    },
    rule: {
      kind: "linear",
      jvp: [(t, [a], d) => o.mul(d, logdetJvp(a!, t))],
      vjp: [(g, [a], d) => scaleByInvT(o.mul(g, d), a!)],
    },
    display: { primal: ([a]) => `det(${a})` },
    lower: KERNEL,
  } satisfies Primitive<undefined>,

  slogdet: {
    name: "slogdet",
    broadcasts: false,
    infer: ([a]) => {
      squareAval("linalg.slogdet", a!);
      return { shape: [...a!.shape.slice(0, -2), 2], dtype: dtypeOut(a!), js: false };
    },
    impl: ([a], _p, out) => {
      const A = a as NDArray, n = A.shape[A.ndim - 1]!;
      return L.eachMatrix([A], out.shape, 2, dtypeOut(out), ([m], r) => {
        const f = L.luFactor(m!, n);
        r[0] = L.luDetSign(f, n);
        r[1] = L.luLogAbsDet(f, n);
      });
    },
    rule: {
      kind: "linear",
      // The sign is locally constant: its tangent is 0, and its cotangent is ignored.
      jvp: [(t, [a]) => {
        const l = logdetJvp(a!, t);
        return o.stack([o.mul(l, 0), l], -1);
      }],
      vjp: [(g, [a]) => {
        const s = shapeOf(g);
        return scaleByInvT(o.reshape(o.slice(g, [...s.slice(0, -1).map(() => 0), 1]), s.slice(0, -1)), a!);
      }],
    },
    display: { primal: ([a]) => `slogdet(${a})` },
    lower: KERNEL,
  } satisfies Primitive<undefined>,
};
