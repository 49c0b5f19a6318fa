// Measures the matrix-product kernels for several register tiles and block sizes, to choose
// CONFIG in module.ts: `node --import tsx scripts/wasm/tune.ts [mr,nrv,kc,mc,unroll ...]`.
// Reports GFLOP per CPU-second of this process (robust to other load on a shared machine) and
// per wall-clock second, one thread, float32 and float64, square sizes and the W3 MLP's shapes.

import { assemble, moduleText, type ModuleConfig } from "./module.js";
import { nrOf, normalize, type GemmShape } from "./gemm.js";
import { F32, F64, type ElemType } from "./wat.js";

type Exports = Record<string, (...a: number[]) => void>;

function measure(E: Exports, mem: ArrayBuffer, t: ElemType, g: GemmShape, m: number, n: number, k: number, ms: number): { wall: number; cpu: number; err: number } {
  const S = t.size, T = t.name, NR = nrOf(t, g), np = Math.ceil(n / NR);
  const at = (x: number) => Math.ceil(x / 64) * 64;
  const A = 1 << 22, B = at(A + m * k * S), BP = at(B + k * n * S), C = at(BP + k * np * NR * S), WS = 4096;
  const h = t === F32 ? new Float32Array(mem) : new Float64Array(mem);
  const a = Float64Array.from({ length: m * k }, () => Math.random() - 0.5), b = Float64Array.from({ length: k * n }, () => Math.random() - 0.5);
  h.set(a, A / S);
  h.set(b, B / S);
  const run = () => { E[`pack_b_${T}`]!(B, n, 1, k, n, BP); E[`gemm_${T}`]!(A, k, 1, BP, np, 0, C, n, m, n, k, WS); };
  for (let i = 0; i < 3; i++) run();
  let err = 0;
  for (let i = 0; i < m; i += 7) for (let j = 0; j < n; j += 5) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    err = Math.max(err, Math.abs(s - h[C / S + i * n + j]!));
  }
  let reps = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  while (performance.now() - t0 < ms) { run(); reps++; }
  const wall = performance.now() - t0, cu = process.cpuUsage(c0), cpu = (cu.user + cu.system) / 1000;
  const fl = 2 * m * n * k * reps;
  return { wall: fl / wall / 1e6, cpu: fl / cpu / 1e6, err };
}

const parse = (s: string): GemmShape => { const [mr, nrv, kc, mc, unroll] = s.split(",").map(Number); return normalize({ mr: mr!, nrv: nrv!, kc: kc!, mc: mc!, unroll: unroll! }); };
const shapes = process.argv.slice(2).filter((a) => a.includes(","));
const list = shapes.length ? shapes : ["4,2,256,64,2", "4,3,256,64,2", "6,2,256,66,2", "3,4,256,63,2", "8,1,256,64,2", "4,2,256,64,4", "4,2,128,64,2", "4,2,512,64,2"];
const sizes: [number, number, number][] = [[256, 256, 256], [128, 256, 784], [784, 256, 128], [1024, 1024, 1024]];
for (const s of list) {
  const g = parse(s);
  const cfg: ModuleConfig = { f32: g, f64: g };
  const bytes = await assemble(moduleText(false, cfg));
  const W = globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer }; Instance: new (m: object, i: object) => { exports: Exports }; Module: new (b: Uint8Array) => object } };
  const mem = new W.WebAssembly.Memory({ initial: 2048, maximum: 2048 });
  const E = new W.WebAssembly.Instance(new W.WebAssembly.Module(bytes), { env: { memory: mem } }).exports;
  for (const t of [F32, F64]) {
    const row = sizes.map(([m, n, k]) => { const r = measure(E, mem.buffer, t, g, m, n, k, m * n * k > 1e8 ? 600 : 300); return `${m}x${n}x${k} ${r.cpu.toFixed(1)}/${r.wall.toFixed(1)}${r.err > (t === F32 ? 1e-3 : 1e-10) ? " WRONG" : ""}`; });
    console.log(`${s.padEnd(14)} ${t.name}  ${row.join("  ")}`);
  }
}
console.log("GFLOP per CPU-second / per wall-second, one thread");
