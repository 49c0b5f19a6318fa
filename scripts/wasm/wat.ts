// Small helpers for writing WebAssembly text: the kernels are generated as WAT source (loops
// unrolled, registers named) and assembled by wabt at build time.

/** Element type of a kernel: the scalar and SIMD instruction prefixes and sizes. */
export interface ElemType {
  readonly name: "f32" | "f64";
  /** Bytes per element. */
  readonly size: number;
  /** Elements per v128. */
  readonly lanes: number;
  /** SIMD prefix, e.g. "f32x4". */
  readonly v: string;
  /** log2(size), for shifts. */
  readonly shift: number;
}

export const F32: ElemType = { name: "f32", size: 4, lanes: 4, v: "f32x4", shift: 2 };
export const F64: ElemType = { name: "f64", size: 8, lanes: 2, v: "f64x2", shift: 3 };

/** `(local.get $x)` */
export const get = (x: string): string => `(local.get $${x})`;
/** `(local.set $x v)` */
export const set = (x: string, v: string): string => `(local.set $${x} ${v})`;
export const i32 = (n: number): string => `(i32.const ${n})`;
export const add = (a: string, b: string): string => `(i32.add ${a} ${b})`;
export const mul = (a: string, b: string): string => `(i32.mul ${a} ${b})`;
/** `x += n` on an i32 local. */
export const inc = (x: string, n: string | number): string => set(x, add(get(x), typeof n === "number" ? i32(n) : n));

/** Declares locals: `locals("i32", ["i", "j"])`. */
export function locals(type: string, names: readonly string[]): string {
  return names.map((n) => `(local $${n} ${type})`).join(" ");
}

/** Declares params: `params("i32", ["a", "b"])`. */
export function params(type: string, names: readonly string[]): string {
  return names.map((n) => `(param $${n} ${type})`).join(" ");
}

/** `for (x = from; x < to; x += step) body`, with unique labels derived from the variable. */
export function forLoop(x: string, from: string, to: string, step: string | number, body: string): string {
  return `${set(x, from)}
(block $${x}_end (loop $${x}_top
  (br_if $${x}_end (i32.ge_s ${get(x)} ${to}))
  ${body}
  ${inc(x, step)}
  (br $${x}_top)))`;
}

/** `while (n >= step) { body; n -= step }` with a unique label. */
export function whileAtLeast(n: string, step: number, body: string, label: string): string {
  return `(block $${label}_end (loop $${label}_top
    (br_if $${label}_end (i32.lt_s ${get(n)} ${i32(step)}))
    ${body}
    ${inc(n, -step)}
    (br $${label}_top)))`;
}

/** min(a, b) of two i32 values (evaluated twice: pass locals or constants). */
export const min = (a: string, b: string): string => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
