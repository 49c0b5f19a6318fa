// A bytecode backend for large programs on plain numbers. Straight-line JavaScript is the
// fastest form of a small program, but a program of 10^5–10^6 lines costs seconds to emit and
// parse and runs each of its many functions too rarely for V8 to optimize them. As bytecode
// (an opcode and three register indices per line, in Int32Arrays) the same program is built in
// milliseconds and runs in ONE small interpreter loop over a Float64Array register file, which
// V8 optimizes after a few calls.

import type { Atom, WengertList } from "../core/ir.js";
import type { Primitive } from "../core/primitive.js";

const ARITH = ["add", "sub", "mul", "div", "neg", "square", "exp", "log", "sin", "cos", "tan", "sqrt", "tanh", "abs", "mov"] as const;
const CMP = ["greater", "greaterEqual", "less", "lessEqual", "equal", "notEqual"] as const;
const MOV = ARITH.indexOf("mov");
/** Guards: GUARD + 2·comparison + (expected outcome ? 1 : 0). */
const GUARD = 32;
/** value(x) guard: the register must hold exactly the constant. */
const SAME = 48;
/** Other scalar primitives: CALL + index into the function table. */
const CALL = 64;

export interface Bytecode {
  /** Registers: variables first, then the constants (preloaded by `init`). */
  readonly registers: number;
  readonly lines: number;
  /** Fills the constant registers. */
  init(R: Float64Array): void;
  /** Runs the program on R; returns `miss` when a guard fails. */
  run(R: Float64Array): unknown;
}

/** The program as bytecode, or null when a line is not a scalar line this backend runs. */
export function toBytecode(p: WengertList, miss: unknown): Bytecode | null {
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
  const fns: ((a: number, b: number) => number | boolean)[] = [];
  const fnIndex = new Map<Primitive<unknown>, number>();
  for (let k = 0; k < n; k++) {
    const s = p.stmts[k]!;
    if (s.ins.length > 2) return null;
    const a = s.ins.length > 0 ? reg(s.ins[0]!) : 0, b = s.ins.length > 1 ? reg(s.ins[1]!) : 0;
    if (a === null || b === null) return null;
    A[k] = a;
    B[k] = b;
    if (s.kind === "guard") {
      const c = (CMP as readonly string[]).indexOf(s.prim.name);
      if (c < 0) return null;
      op[k] = GUARD + 2 * c + (s.expect ? 1 : 0);
      continue;
    }
    if (s.kind === "value") {
      if (typeof s.value !== "number") return null;
      op[k] = SAME;
      B[k] = nv + constVals.length;
      constVals.push(s.value);
      continue;
    }
    const aval = p.avals[s.out]!;
    if (s.nOut !== 1 || !aval.js || aval.dtype !== "number") return null;
    D[k] = s.out;
    const name = s.prim.name === "stopGradient" || s.prim.name === "toScalar" ? "mov" : s.prim.name;
    const i = (ARITH as readonly string[]).indexOf(name);
    if (i >= 0) { op[k] = i; continue; }
    const f = s.prim.scalar;
    if (f === undefined) return null;
    let fi = fnIndex.get(s.prim);
    if (fi === undefined) { fi = fns.length; fns.push(f); fnIndex.set(s.prim, fi); }
    op[k] = CALL + fi;
  }
  const consts = Float64Array.from(constVals);
  return {
    registers: nv + consts.length,
    lines: n,
    init: (R) => R.set(consts, nv),
    run: interpreter(op, A, B, D, fns, miss),
  };
}

function interpreter(op: Int32Array, A: Int32Array, B: Int32Array, D: Int32Array, fns: readonly ((a: number, b: number) => number | boolean)[], miss: unknown): (R: Float64Array) => unknown {
  const n = op.length;
  return (R) => {
    for (let k = 0; k < n; k++) {
      const x = R[A[k]!]!, y = R[B[k]!]!;
      const o = op[k]!;
      let r: number;
      switch (o) {
        case 0: r = x + y; break;
        case 1: r = x - y; break;
        case 2: r = x * y; break;
        case 3: r = x / y; break;
        case 4: r = -x; break;
        case 5: r = x * x; break;
        case 6: r = Math.exp(x); break;
        case 7: r = Math.log(x); break;
        case 8: r = Math.sin(x); break;
        case 9: r = Math.cos(x); break;
        case 10: r = Math.tan(x); break;
        case 11: r = Math.sqrt(x); break;
        case 12: r = Math.tanh(x); break;
        case 13: r = Math.abs(x); break;
        case MOV: r = x; break;
        case GUARD + 0: if (x > y) return miss; continue;
        case GUARD + 1: if (!(x > y)) return miss; continue;
        case GUARD + 2: if (x >= y) return miss; continue;
        case GUARD + 3: if (!(x >= y)) return miss; continue;
        case GUARD + 4: if (x < y) return miss; continue;
        case GUARD + 5: if (!(x < y)) return miss; continue;
        case GUARD + 6: if (x <= y) return miss; continue;
        case GUARD + 7: if (!(x <= y)) return miss; continue;
        case GUARD + 8: if (x === y) return miss; continue;
        case GUARD + 9: if (!(x === y)) return miss; continue;
        case GUARD + 10: if (x !== y) return miss; continue;
        case GUARD + 11: if (!(x !== y)) return miss; continue;
        case SAME: if (!Object.is(x, y)) return miss; continue;
        default: r = +fns[o - CALL]!(x, y);
      }
      R[D[k]!] = r;
    }
    return undefined;
  };
}
