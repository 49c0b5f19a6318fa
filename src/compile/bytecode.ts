// A bytecode backend for large programs on plain numbers. Straight-line JavaScript is the
// fastest form of a small program, but a program of 10^5–10^6 lines costs seconds to emit and
// parse and runs each of its many functions too rarely for V8 to optimize them. As bytecode
// (an opcode and three register indices per line, in Int32Arrays) the same program is built in
// milliseconds and runs in ONE small interpreter loop over a Float64Array register file, which
// V8 optimizes after a few calls.
//
// The opcodes come from the primitive table: every primitive that runs on plain numbers (it
// has a js lowering or a scalar function) gets three — its value, and its use as a guard that
// must hold or must fail — and the interpreter's cases are its js lowering (core/lowering.ts),
// generated once. Where code generation is disallowed (interpret.ts), the same opcodes run in a
// portable loop that calls each primitive's scalar function.

import type { Atom, WengertList } from "../core/ir.js";
import type { Primitive } from "../core/primitive.js";
import { PRIM_TABLE } from "../ops/prims.js";

export interface Bytecode {
  /** Registers: variables first, then the constants (preloaded by `init`). */
  readonly registers: number;
  readonly lines: number;
  /** Fills the constant registers. */
  init(R: Float64Array): void;
  /** Runs lines from … to − 1 (default: all) on R; returns `miss` when a guard fails. */
  run(R: Float64Array, from?: number, to?: number): unknown;
}

type Scalar = (a: number, b: number) => number | boolean;
type Loop = (op: Int32Array, A: Int32Array, B: Int32Array, D: Int32Array, F: readonly Scalar[], miss: unknown) => (R: Float64Array, from: number, to: number) => unknown;

/** Opcode 3k + VALUE computes primitive k; 3k + HOLDS / FAILS are guards on its (boolean) result. */
const VALUE = 0, HOLDS = 1, FAILS = 2;

interface OpTable {
  readonly prims: readonly Primitive<unknown>[];
  readonly index: ReadonlyMap<Primitive<unknown>, number>;
  /** Each primitive's function on numbers (null for a js lowering that is not its first operand and has no scalar). */
  readonly scalars: readonly (Scalar | null)[];
  /** `x === y` for a value guard. */
  readonly same: number;
  generated: Loop | null;
}

let table: OpTable | null = null;

/** The opcodes: the table's primitives that run on numbers, in table order. */
function opTable(): OpTable {
  if (table !== null) return table;
  const prims = (Object.values(PRIM_TABLE) as Primitive<unknown>[]).filter((p) => p.lower.js !== undefined || p.scalar !== undefined);
  const scalars = prims.map((p): Scalar | null => {
    if (p.scalar !== undefined) return p.scalar;
    // A js lowering that is its operand (toScalar, stopGradient on a number) is a move.
    return p.lower.js!(["x", "y"], undefined) === "x" ? (x) => x : null;
  });
  table = { prims, index: new Map(prims.map((p, k) => [p, k])), scalars, same: 3 * prims.length, generated: null };
  return table;
}

/** The interpreter loop with one case per opcode, written from the js lowerings (needs new Function). */
function generatedLoop(t: OpTable): Loop {
  if (t.generated !== null) return t.generated;
  const cases: string[] = [];
  t.prims.forEach((p, k) => {
    const js = p.lower.js?.(["x", "y"], undefined) ?? `F[${k}](x, y)`;
    cases.push(`      case ${3 * k + VALUE}: R[D[k]] = ${js}; break;`);
    cases.push(`      case ${3 * k + HOLDS}: if (!(${js})) return miss; break;`);
    cases.push(`      case ${3 * k + FAILS}: if (${js}) return miss; break;`);
  });
  const src = [
    `"use strict";`,
    `return (R, from, to) => {`,
    `  for (let k = from; k < to; k++) {`,
    `    const x = R[A[k]], y = R[B[k]];`,
    `    switch (op[k]) {`,
    ...cases,
    `      case ${t.same}: if (!Object.is(x, y)) return miss; break;`,
    `    }`,
    `  }`,
    `  return undefined;`,
    `};`,
  ].join("\n");
  t.generated = new Function("op", "A", "B", "D", "F", "miss", src) as Loop;
  return t.generated;
}

/** The same opcodes without generated code: each line calls its primitive's scalar function. */
const portableLoop: Loop = (op, A, B, D, F, miss) => {
  const same = 3 * F.length;
  return (R, from, to) => {
    for (let k = from; k < to; k++) {
      const o = op[k]!, x = R[A[k]!]!, y = R[B[k]!]!;
      if (o === same) { if (!Object.is(x, y)) return miss; continue; }
      const r = F[(o / 3) | 0]!(x, y), mode = o % 3;
      if (mode === VALUE) R[D[k]!] = +r;
      else if ((mode === HOLDS) !== !!r) return miss;
    }
    return undefined;
  };
};

/**
 * The program as bytecode, or null when a line is not a line on numbers this backend runs.
 * `portable`: run without generated code (where code generation from strings is disallowed).
 */
export function toBytecode(p: WengertList, miss: unknown, portable = false): Bytecode | null {
  const t = opTable();
  const nv = p.avals.length;
  const constSlot = new Map<number, number>();
  const constVals: number[] = [];
  const reg = (a: Atom): number | null => {
    if (a >= 0) return p.avals[a]!.js && p.avals[a]!.dtype === "number" ? a : null;
    const c = p.consts.value(a);
    if (typeof c !== "number") return null;
    let r = constSlot.get(a);
    if (r === undefined) { r = nv + constVals.length; constVals.push(c); constSlot.set(a, r); }
    return r;
  };
  const n = p.stmts.length;
  const op = new Int32Array(n), A = new Int32Array(n), B = new Int32Array(n), D = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const s = p.stmts[k]!;
    if (s.ins.length > 2) return null;
    const a = s.ins.length > 0 ? reg(s.ins[0]!) : 0, b = s.ins.length > 1 ? reg(s.ins[1]!) : 0;
    if (a === null || b === null) return null;
    A[k] = a;
    B[k] = b;
    if (s.kind === "value") {
      if (typeof s.value !== "number") return null;
      op[k] = t.same;
      B[k] = nv + constVals.length;
      constVals.push(s.value);
      continue;
    }
    const i = t.index.get(s.prim);
    if (i === undefined || (portable && t.scalars[i] === null)) return null;
    if (s.kind === "guard") { op[k] = 3 * i + (s.expect ? HOLDS : FAILS); continue; }
    const aval = p.avals[s.out]!;
    if (s.nOut !== 1 || !aval.js || aval.dtype !== "number") return null;
    D[k] = s.out;
    op[k] = 3 * i + VALUE;
  }
  const consts = Float64Array.from(constVals);
  const loop = (portable ? portableLoop : generatedLoop(t))(op, A, B, D, t.scalars as Scalar[], miss);
  return {
    registers: nv + consts.length,
    lines: n,
    init: (R) => R.set(consts, nv),
    run: (R, from = 0, to = n) => loop(R, from, to),
  };
}
