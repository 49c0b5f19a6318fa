// The checkpointed reverse sweep (revolve-prim.ts) under compile: the schedule is revolve.ts's
// reverseSweep, driving two generated functions — `advance` runs steps of the body forward from
// a held state, `adjoint` runs one step of the body's VJP — each the bodies' inlined code, as a
// compiled scan's steps are. States the schedule holds live in a pool of buffers the sweep
// recycles (reverseSweep's `release`), the cotangent carry in double buffers, the slices'
// cotangents in their stacked outputs: no step allocates an array.

import type { Aval } from "../../array/aval.js";
import { allocate, NDArray, sizeOf } from "../../array/ndarray.js";
import type { Eqn } from "../../core/ir.js";
import type { EmitContext } from "../../core/lowering.js";
import { bufferOf, carryBuffers, next, sliceLines, sliceStaysInStep, storage, untracedStep, variants, writeRow } from "./lower.js";
import { reverseSweep, type SweepStats } from "./revolve.js";
import { StatePool } from "./state-pool.js";
import type { ReverseParams } from "./revolve-prim.js";

/** Thrown inside the sweep's functions when no variant of a body holds: the line misses. */
const MISSED = new Error("a step of the checkpointed sweep took a branch no variant of its body has");

/** Row `r` of each stacked kept carry: the states the first sweep kept. */
function keptRows(snaps: readonly NDArray[], avals: readonly Aval[]): unknown[][] {
  const rows = snaps.length === 0 ? 0 : snaps[0]!.shape[0]!;
  return Array.from({ length: rows }, (_, r) => snaps.map((s, j) => {
    const a = avals[j]!;
    if (a.js) return a.dtype === "bool" ? s.data[r] !== 0 : s.data[r]!;
    const n = sizeOf(a.shape);
    return new NDArray(s.data.subarray(r * n, (r + 1) * n), a.shape);
  }));
}

/**
 * One run's values, read by the line's sweep functions: the consts, the cotangent carry (which
 * adjoint updates), the scanned arrays, the per-step outputs' cotangents, the slices' cotangents'
 * stacks and the pool of states.
 */
interface SweepEnv { readonly k: unknown[]; g: unknown[]; readonly X: unknown[]; readonly Y: unknown[]; readonly D: unknown[]; readonly pool: StatePool }

/**
 * The line's two generated functions. They are made once per line, not per run of the program:
 * closures made anew each run were optimized anew each run (V8 specializes optimized code to a
 * closure's context), so every run stepped its first thousands of steps in the interpreter,
 * allocating a heap number per arithmetic result (W7: ~10 MB of garbage per gradient).
 */
interface SweepFns {
  advance(e: SweepEnv, s: unknown[], from: number, to: number): unknown[];
  adjoint(e: SweepEnv, s: unknown[], k: number): void;
}

/** Helpers the generated sweep calls. */
const SWEEP = {
  keptRows,
  /** Runs the schedule over the line's functions (made once: SweepFns), on this run's values `e`. */
  sweep: (T: number, p: ReverseParams, first: unknown[][], fns: SweepFns, e: SweepEnv): boolean => {
    const stats: SweepStats = { forwardSteps: 0, adjointSteps: 0, peakSnapshots: 0 };
    const ops = {
      advance: (s: unknown[], from: number, to: number): unknown[] => fns.advance(e, s, from, to),
      adjoint: (s: unknown[], k: number): number => { fns.adjoint(e, s, k); return 0; },
      release: (s: unknown[]): void => e.pool.release(s),
    };
    try {
      reverseSweep<unknown[], number>(T, p.plan, first, 0, ops, stats);
    } catch (e) {
      if (e === MISSED) return false;
      throw e;
    }
    Object.assign(p.stats, stats);
    return true;
  },
};

export function emitReverse(line: Eqn, ctx: EmitContext): string[] {
  const p = line.params as ReverseParams;
  const { nConsts: nc, nCarry: nk, nAcc: kc, nX: nx, nCtX: kx, length: T } = p;
  const body0 = p.body.variants[0]!;
  const ins = line.ins.map((a) => ctx.atom(a));
  const q = ctx.fresh(), H = ctx.constant(SWEEP), P = ctx.constant(p), alloc = ctx.constant(allocate), ND = ctx.constant(NDArray);
  let i = 0;
  const take = (n: number): string[] => ins.slice(i, (i += n));
  const kIn = take(nc), gIn = take(nk + kc), sIn = take(nk), xIn = take(nx), yIn = ins.slice(i);
  const kAval = (j: number): Aval => body0.avals[nc + j]!;
  const xAval = (j: number): Aval => body0.avals[nc + nk + j]!;
  const stepOf = (k: string): string => (p.reverse ? `${T - 1} - ${k}` : k);
  const kAvals = Array.from({ length: nk }, (_, j) => kAval(j));
  const first = `${q}first`;
  const code = [`const ${first} = ${H}.keptRows([${sIn.join(", ")}], ${ctx.constant(kAvals)});`];
  if (p.vjp.variants.length === 0) {
    // Its first adjoint step, at the last kept state, traces one (see untracedStep).
    const last = Array.from({ length: nk }, (_, j) => `${first}[${first}.length - 1][${j}]`);
    return [...code, untracedStep(ctx, p.vjp, [...kIn, ...gIn, ...last], [...xIn, ...yIn], p.reverse ? 0 : T - 1)];
  }
  const miss = `throw ${ctx.constant(MISSED)};`;
  // The functions read the run's values from its env E, bound to locals named as the bodies' code reads them.
  const E = `${q}e`;
  const names = (tag: string, n: number): string[] => Array.from({ length: n }, (_, j) => `${q}${tag}${j}`);
  const consts = names("k", nc), g = names("g", nk + kc), xs = names("X", nx), cy = names("Y", yIn.length), ctX = names("D", kx);
  const bindEnv = (vars: readonly string[], field: string, kind = "const"): string[] => vars.map((v, j) => `${kind} ${v} = ${E}.${field}[${j}];`);

  // advance(E, state, from, to): the body's steps from a held state; the result copied into a pooled state.
  const c = names("c", nk);
  const fk = `${q}i`, ft = `${q}t`;
  const fbuf = carryBuffers(ctx, `${q}f`, c, kAvals);
  const fstep: string[] = [`const ${ft} = ${stepOf(fk)};`];
  const fx = xs.map((x, j) => { fstep.push(...sliceLines(ctx, `${q}x${j}`, x, ft, xAval(j), sliceStaysInStep(p.body.variants, nc + nk + j))); return `${q}x${j}`; });
  const fwd = variants(ctx, p.body, fk, [...consts, ...c, ...fx], (outs) => next(`${q}f`, c, outs), fbuf.offered, nk, miss);
  const fns: string[] = [`function advance(${E}, s, from, to) {`, ...[...bindEnv(consts, "k"), ...bindEnv(xs, "X")].map((l) => `  ${l}`)];
  c.forEach((v, j) => fns.push(`  let ${v} = s[${j}];`));
  fns.push(`  for (let ${fk} = from; ${fk} < to; ${fk}++) {`);
  if (fwd.buffered) for (const l of fbuf.choose) fns.push(`    ${l}`);
  for (const l of [...fstep, ...fwd.code]) fns.push(`    ${l}`);
  fns.push(`  }`, `  const ${q}s = ${E}.pool.next();`, ...c.map((v, j) => `  ${E}.pool.set(${q}s, ${j}, ${v});`), `  return ${q}s;`, `}`);

  // adjoint(E, state, k): the VJP body's step k at that state, updating the cotangent carry E.g.
  const ak = `${q}k`, at = `${q}u`;
  const vjp0 = p.vjp.variants[0]!;
  const gAvals = Array.from({ length: nk + kc }, (_, j) => vjp0.avals[nc + j]!);
  const ctXAval = (j: number): Aval => vjp0.avalOf(vjp0.outs[nk + kc + j]!);
  const gbuf = carryBuffers(ctx, `${q}a`, g, gAvals);
  const astep: string[] = [`const ${at} = ${stepOf(ak)};`];
  const vIn = nc + nk + kc + nk;
  const ax = xs.map((x, j) => { astep.push(...sliceLines(ctx, `${q}ax${j}`, x, at, xAval(j), sliceStaysInStep(p.vjp.variants, vIn + j))); return `${q}ax${j}`; });
  const ay = cy.map((y, j) => { const a = vjp0.avals[vIn + nx + j]!; astep.push(...sliceLines(ctx, `${q}ay${j}`, y, at, a, sliceStaysInStep(p.vjp.variants, vIn + nx + j))); return `${q}ay${j}`; });
  const xOffer = ctX.map((_, j) => (ctXAval(j).js ? null : bufferOf(ctx, ctXAval(j))));
  const assign = (outs: readonly string[]): string[] => [...ctX.map((d, j) => writeRow(d, at, ctXAval(j), outs[nk + kc + j]!)), ...next(`${q}a`, g, outs)];
  const state = Array.from({ length: nk }, (_, j) => `s[${j}]`);
  const adj = variants(ctx, p.vjp, ak, [...consts, ...g, ...state, ...ax, ...ay], assign, [...gbuf.offered, ...xOffer], nk + kc, miss);
  fns.push(`function adjoint(${E}, s, ${ak}) {`, ...[...bindEnv(consts, "k"), ...bindEnv(g, "g", "let"), ...bindEnv(xs, "X"), ...bindEnv(cy, "Y"), ...bindEnv(ctX, "D")].map((l) => `  ${l}`));
  if (adj.buffered) for (const l of gbuf.choose) fns.push(`  ${l}`);
  for (const l of [...astep, ...adj.code]) fns.push(`  ${l}`);
  fns.push(...g.map((v, j) => `  ${E}.g[${j}] = ${v};`), `}`);

  // Made on the line's first run and kept (SweepFns): they close over nothing of a run.
  const made = ctx.constant({ fns: null });
  code.push(`const ${q}fns = ${made}.fns ??= (() => {`, ...fns.map((l) => `  ${l}`), `  return { advance, adjoint };`, `})();`);
  const D = ctX.map((_, j) => `${alloc}("${storage(ctXAval(j))}", ${T * sizeOf(ctXAval(j).shape)})`);
  code.push(`const ${E} = { k: [${kIn.join(", ")}], g: [${gIn.join(", ")}], X: [${xIn.join(", ")}], Y: [${yIn.join(", ")}], D: [${D.join(", ")}], pool: ${ctx.constant(new StatePool(kAvals))} };`);
  code.push(`if (!${H}.sweep(${T}, ${P}, ${first}, ${q}fns, ${E})) ${ctx.miss}`);
  code.push(...bindEnv(g, "g"));
  gbuf.final(adj.buffered).forEach((v, j) => code.push(`const ${ctx.local(line.out + j)} = ${v};`));
  ctX.forEach((_, j) => code.push(`const ${ctx.local(line.out + nk + kc + j)} = new ${ND}(${E}.D[${j}], ${ctx.constant([T, ...ctXAval(j).shape])});`));
  return code;
}
