// The matrix-product kernels (Goto/BLIS structure): B is packed once into k-blocks of
// NR-wide column panels, each thread packs MC×KC blocks of its rows of A into MR-high row
// panels, and a register-blocked micro-kernel keeps an MR×NR tile of C in v128 registers while
// the k loop streams both panels from L1/L2. Both packers read through (row, column) strides,
// so transposed operands cost nothing extra.

import { add, forLoop, get, i32, inc, locals, min, mul, params, set, type ElemType } from "./wat.js";

export interface GemmShape {
  /** Rows of the register tile. */
  readonly mr: number;
  /** Columns of the register tile, in v128 vectors. */
  readonly nrv: number;
  /** Depth of a packed block (elements of k). */
  readonly kc: number;
  /** Rows of A packed at a time by one thread. */
  readonly mc: number;
  /** Unrolling of the micro-kernel's k loop. */
  readonly unroll: number;
}

export const nrOf = (t: ElemType, g: GemmShape): number => g.nrv * t.lanes;

/** c{r}_{v}: the accumulator of row r, vector v. */
const acc = (r: number, v: number): string => `c${r}_${v}`;

/** The micro-kernel: C[mr×nr] (=|+=) Apanel[kc×MR]ᵀ · Bpanel[kc×NR]; partial tiles go through `tile`. */
function microKernel(t: ElemType, g: GemmShape): string {
  const { mr: MR, nrv: NRV, unroll: U } = g;
  const NR = NRV * t.lanes, S = t.size, v = t.v;
  const accs: string[] = [];
  for (let r = 0; r < MR; r++) for (let q = 0; q < NRV; q++) accs.push(acc(r, q));
  const bs = Array.from({ length: NRV }, (_, q) => `b${q}`);
  const step = (u: number): string => {
    const lines: string[] = [];
    for (let q = 0; q < NRV; q++) lines.push(set(`b${q}`, `(v128.load offset=${(u * NR + q * t.lanes) * S} ${get("b")})`));
    for (let r = 0; r < MR; r++) {
      lines.push(set("x", `(v128.load${S * 8}_splat offset=${(u * MR + r) * S} ${get("a")})`));
      for (let q = 0; q < NRV; q++) lines.push(set(acc(r, q), `(${v}.add ${get(acc(r, q))} (${v}.mul ${get("x")} ${get(`b${q}`)}))`));
    }
    return lines.join("\n");
  };
  const unrolled = Array.from({ length: U }, (_, u) => step(u)).join("\n");
  // Full tile: store (or accumulate into) C directly, row by row.
  const storeFull: string[] = [set("p", get("c"))];
  for (let r = 0; r < MR; r++) {
    for (let q = 0; q < NRV; q++) {
      const off = q * 16;
      storeFull.push(`(v128.store offset=${off} ${get("p")} (select ${get(acc(r, q))} (${v}.add ${get(acc(r, q))} (v128.load offset=${off} ${get("p")})) ${get("first")}))`);
    }
    if (r < MR - 1) storeFull.push(inc("p", get("ldcb")));
  }
  // Partial tile: spill to `tile` (MR×NR, row-major), then copy the valid part.
  const storeTile: string[] = [];
  for (let r = 0; r < MR; r++) for (let q = 0; q < NRV; q++) storeTile.push(`(v128.store offset=${(r * NR + q * t.lanes) * S} ${get("tile")} ${get(acc(r, q))})`);
  const T = t.name;
  const copyTile = forLoop("i", i32(0), get("mr"), 1, `
    ${set("p", add(get("c"), mul(get("i"), get("ldcb"))))}
    ${set("q", add(get("tile"), mul(get("i"), i32(NR * S))))}
    ${forLoop("j", i32(0), get("nr"), 1, `
      (${T}.store ${get("p")} (select (${T}.load ${get("q")}) (${T}.add (${T}.load ${get("q")}) (${T}.load ${get("p")})) ${get("first")}))
      ${inc("p", S)} ${inc("q", S)}`)}`);
  return `(func $kernel_${T} ${params("i32", ["a", "b", "kc", "c", "ldcb", "mr", "nr", "first", "tile"])}
  ${locals("v128", [...accs, ...bs, "x"])} ${locals("i32", ["p", "q", "i", "j"])}
  (block $k_end (loop $k_top
    (br_if $k_end (i32.lt_s ${get("kc")} ${i32(U)}))
    ${unrolled}
    ${inc("a", U * MR * S)} ${inc("b", U * NR * S)} ${inc("kc", -U)}
    (br $k_top)))
  (block $r_end (loop $r_top
    (br_if $r_end (i32.eqz ${get("kc")}))
    ${step(0)}
    ${inc("a", MR * S)} ${inc("b", NR * S)} ${inc("kc", -1)}
    (br $r_top)))
  (if (i32.and (i32.eq ${get("mr")} ${i32(MR)}) (i32.eq ${get("nr")} ${i32(NR)}))
    (then ${storeFull.join("\n")})
    (else ${storeTile.join("\n")} ${copyTile}))
)`;
}

/**
 * pack_b_T(b, rs, cs, k, n, dst): element (p, j) of B at b + (p·rs + j·cs)·S goes to k-block
 * ⌊p/KC⌋, panel ⌊j/NR⌋, row p mod KC, lane j mod NR; panels are zero-padded to NR columns.
 * Block pc starts at pc·NP·NR elements (NP = ⌈n/NR⌉), panel jp of it at jp·kcb·NR after that.
 */
function packB(t: ElemType, g: GemmShape): string {
  const NR = nrOf(t, g), S = t.size, T = t.name, KC = g.kc;
  const vecCopy: string[] = [];
  for (let q = 0; q < g.nrv; q++) vecCopy.push(`(v128.store offset=${q * 16} ${get("d")} (v128.load offset=${q * 16} ${get("s")}))`);
  return `(func (export "pack_b_${T}") ${params("i32", ["b", "rs", "cs", "k", "n", "dst"])}
  ${locals("i32", ["pc", "kcb", "jp", "j", "p", "jj", "s", "d", "np"])}
  ${set("np", `(i32.div_u ${add(get("n"), i32(NR - 1))} ${i32(NR)})`)}
  ${set("d", get("dst"))}
  ${forLoop("pc", i32(0), get("k"), KC, `
    ${set("kcb", min(i32(KC), `(i32.sub ${get("k")} ${get("pc")})`))}
    ${forLoop("jp", i32(0), get("np"), 1, `
      ${set("j", mul(get("jp"), i32(NR)))}
      (if (i32.and (i32.eq ${get("cs")} ${i32(1)}) (i32.le_s ${add(get("j"), i32(NR))} ${get("n")}))
        (then ${forLoop("p", i32(0), get("kcb"), 1, `
          ${set("s", add(get("b"), `(i32.shl ${add(mul(add(get("pc"), get("p")), get("rs")), get("j"))} ${i32(t.shift)})`))}
          ${vecCopy.join(" ")}
          ${inc("d", NR * S)}`)})
        (else ${forLoop("p", i32(0), get("kcb"), 1, `
          ${forLoop("jj", i32(0), i32(NR), 1, `
            (${T}.store ${get("d")} (if (result ${T}) (i32.lt_s ${add(get("j"), get("jj"))} ${get("n")})
              (then (${T}.load ${add(get("b"), `(i32.shl ${add(mul(add(get("pc"), get("p")), get("rs")), mul(add(get("j"), get("jj")), get("cs")))} ${i32(t.shift)})`)}))
              (else (${T}.const 0))))
            ${inc("d", S)}`)}`)}))`)}`)}
)`;
}

/**
 * Packs rows [0, mcb) × columns [0, kcb) of A (strides rs, cs) into MR-high panels at `dst`.
 * Full panels take vector paths: a column of the panel is contiguous when rs = 1 (a transposed
 * A), one v128 copy; when cs = 1 (float32, MR = 4) four rows' vectors are transposed 4×4 with
 * shuffles. Partial panels and other strides go element by element, zero-padded.
 */
function packA(t: ElemType, g: GemmShape): string {
  const MR = g.mr, S = t.size, T = t.name;
  const scalarP = (from: string, padded: boolean) => forLoop("p", from, get("kcb"), 1, `
      ${set("s", add(add(get("a"), mul(get("i"), get("rsb"))), mul(get("p"), get("csb"))))}
      ${forLoop("r", i32(0), i32(MR), 1, `
        (${T}.store ${get("d")} ${padded ? `(if (result ${T}) (i32.lt_s ${add(get("i"), get("r"))} ${get("mcb")})
          (then (${T}.load ${get("s")})) (else (${T}.const 0)))` : `(${T}.load ${get("s")})`})
        ${inc("d", S)} ${inc("s", get("rsb"))}`)}`);
  const full = `(i32.le_s ${add(get("i"), i32(MR))} ${get("mcb")})`;
  // rs = 1: the MR elements of a panel column lie side by side.
  const columnCopy = (MR * S) % 16 === 0 ? forLoop("p", i32(0), get("kcb"), 1, `
      ${set("s", add(add(get("a"), mul(get("i"), get("rsb"))), mul(get("p"), get("csb"))))}
      ${Array.from({ length: (MR * S) / 16 }, (_, q) => `(v128.store offset=${16 * q} ${get("d")} (v128.load offset=${16 * q} ${get("s")}))`).join(" ")}
      ${inc("d", MR * S)}`) : null;
  // cs = 1: four rows of four elements, transposed into four panel columns.
  const sh = (x: string, y: string, lanes: number[]) => `(i8x16.shuffle ${lanes.flatMap((l) => [0, 1, 2, 3].map((b) => 4 * l + b)).join(" ")} ${get(x)} ${get(y)})`;
  const transpose = T === "f32" && MR === 4 ? `${set("p", i32(0))}
      (block $tp_end (loop $tp_top
        (br_if $tp_end (i32.gt_s ${add(get("p"), i32(4))} ${get("kcb")}))
        ${set("s", add(add(get("a"), mul(get("i"), get("rsb"))), `(i32.shl ${get("p")} ${i32(2)})`))}
        ${set("x0", `(v128.load ${get("s")})`)} ${inc("s", get("rsb"))}
        ${set("x1", `(v128.load ${get("s")})`)} ${inc("s", get("rsb"))}
        ${set("x2", `(v128.load ${get("s")})`)} ${inc("s", get("rsb"))}
        ${set("x3", `(v128.load ${get("s")})`)}
        ${set("y0", sh("x0", "x1", [0, 4, 1, 5]))} ${set("y1", sh("x0", "x1", [2, 6, 3, 7]))}
        ${set("y2", sh("x2", "x3", [0, 4, 1, 5]))} ${set("y3", sh("x2", "x3", [2, 6, 3, 7]))}
        (v128.store offset=0 ${get("d")} ${sh("y0", "y2", [0, 1, 4, 5])})
        (v128.store offset=16 ${get("d")} ${sh("y0", "y2", [2, 3, 6, 7])})
        (v128.store offset=32 ${get("d")} ${sh("y1", "y3", [0, 1, 4, 5])})
        (v128.store offset=48 ${get("d")} ${sh("y1", "y3", [2, 3, 6, 7])})
        ${inc("d", 64)} ${inc("p", 4)}
        (br $tp_top)))
      ${scalarP(get("p"), false)}` : null;
  let body = scalarP(i32(0), true);
  if (transpose !== null) body = `(if (i32.and ${full} (i32.eq ${get("cs")} ${i32(1)})) (then ${transpose}) (else ${body}))`;
  if (columnCopy !== null) body = `(if (i32.and ${full} (i32.eq ${get("rs")} ${i32(1)})) (then ${columnCopy}) (else ${body}))`;
  return `(func $pack_a_${T} ${params("i32", ["a", "rs", "cs", "mcb", "kcb", "dst"])}
  ${locals("i32", ["i", "p", "r", "d", "s", "rsb", "csb"])} ${locals("v128", ["x0", "x1", "x2", "x3", "y0", "y1", "y2", "y3"])}
  ${set("d", get("dst"))} ${set("rsb", `(i32.shl ${get("rs")} ${i32(t.shift)})`)} ${set("csb", `(i32.shl ${get("cs")} ${i32(t.shift)})`)}
  ${forLoop("i", i32(0), get("mcb"), MR, body)}
)`;
}

/**
 * gemm_T(a, rs, cs, bp, np, jp0, c, ldc, m, n, k, ws): C[m×n] = A[m×k] · B[k×n] where A is
 * read at strides (rs, cs), B is packed by pack_b_T (np panels in all; this call covers panels
 * jp0 … jp0 + ⌈n/NR⌉ − 1), C is row-major with row stride ldc, and ws is this thread's
 * workspace (packed A, MC·KC elements, then an MR×NR tile).
 */
function gemm(t: ElemType, g: GemmShape): string {
  const { mr: MR, kc: KC, mc: MC } = g;
  const NR = nrOf(t, g), S = t.size, T = t.name;
  return `(func $gemm_${T} (export "gemm_${T}") ${params("i32", ["a", "rs", "cs", "bp", "np", "jp0", "c", "ldc", "m", "n", "k", "ws"])}
  ${locals("i32", ["ic", "mcb", "pc", "kcb", "jp", "j", "ip", "i", "tile", "bpanel", "ldcb", "npc"])}
  ${set("tile", add(get("ws"), i32(MC * KC * S)))}
  ${set("ldcb", `(i32.shl ${get("ldc")} ${i32(t.shift)})`)}
  ${set("npc", `(i32.div_u ${add(get("n"), i32(NR - 1))} ${i32(NR)})`)}
  ${forLoop("ic", i32(0), get("m"), MC, `
    ${set("mcb", min(i32(MC), `(i32.sub ${get("m")} ${get("ic")})`))}
    ${forLoop("pc", i32(0), get("k"), KC, `
      ${set("kcb", min(i32(KC), `(i32.sub ${get("k")} ${get("pc")})`))}
      (call $pack_a_${T} ${add(get("a"), `(i32.shl ${add(mul(get("ic"), get("rs")), mul(get("pc"), get("cs")))} ${i32(t.shift)})`)} ${get("rs")} ${get("cs")} ${get("mcb")} ${get("kcb")} ${get("ws")})
      ${forLoop("jp", i32(0), get("npc"), 1, `
        ${set("j", mul(get("jp"), i32(NR)))}
        ${set("bpanel", add(get("bp"), `(i32.shl ${add(mul(get("pc"), mul(get("np"), i32(NR))), mul(add(get("jp0"), get("jp")), mul(get("kcb"), i32(NR))))} ${i32(t.shift)})`))}
        ${forLoop("ip", i32(0), get("mcb"), MR, `
          (call $kernel_${T}
            ${add(get("ws"), `(i32.shl ${mul(get("ip"), get("kcb"))} ${i32(t.shift)})`)}
            ${get("bpanel")} ${get("kcb")}
            ${add(get("c"), `(i32.shl ${add(mul(add(get("ic"), get("ip")), get("ldc")), get("j"))} ${i32(t.shift)})`)}
            ${get("ldcb")}
            ${min(i32(MR), `(i32.sub ${get("mcb")} ${get("ip")})`)}
            ${min(i32(NR), `(i32.sub ${get("n")} ${get("j")})`)}
            (i32.eqz ${get("pc")}) ${get("tile")})`)}`)}`)}`)}
)`;
}

/** All matrix-product functions for one element type. */
export function gemmModule(t: ElemType, shape: GemmShape): string {
  const g = normalize(shape);
  return [microKernel(t, g), packA(t, g), packB(t, g), gemm(t, g)].join("\n");
}

/** Workspace bytes one thread needs for gemm_T. */
export function gemmWorkspace(t: ElemType, g: GemmShape): number {
  return g.mc * g.kc * t.size + g.mr * nrOf(t, g) * t.size;
}

/** The shape with MC rounded up to a whole number of MR-high panels (the workspace holds MC rows). */
export function normalize(g: GemmShape): GemmShape {
  return { ...g, mc: Math.ceil(g.mc / g.mr) * g.mr };
}
