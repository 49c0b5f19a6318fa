// Reading an eval's JSON input: typed accessors that name the field and what was expected,
// so that a malformed input gives a clear error (success: false) instead of a NaN.

import * as w from "../../../src/index.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Readonly<Record<string, unknown>>;

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export function object(v: unknown, what = "input"): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new InputError(`${what} must be a JSON object`);
  return v as Obj;
}

export function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`input.${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export function int(o: Obj, key: string): number {
  const v = num(o, key);
  if (!Number.isInteger(v)) throw new InputError(`input.${key} must be an integer, got ${v}`);
  return v;
}

/** A JSON array of numbers (any nesting depth is rejected). */
export function vector(v: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) throw new InputError(`${what} must be an array of finite numbers`);
  if (length !== undefined && v.length !== length) throw new InputError(`${what} must have ${length} numbers, got ${v.length}`);
  return v as number[];
}

/** A JSON array of equal-length rows of numbers. */
export function matrix(v: unknown, what: string, rows?: number, cols?: number): number[][] {
  if (!Array.isArray(v)) throw new InputError(`${what} must be an array of rows`);
  if (rows !== undefined && v.length !== rows) throw new InputError(`${what} must have ${rows} rows, got ${v.length}`);
  const out = v.map((r, i) => vector(r, `${what}[${i}]`, cols ?? (v.length > 0 ? (v[0] as unknown[]).length : 0)));
  return out;
}

/** Row-major float64 NDArray of a rows×cols matrix. */
export function matrixArray(v: unknown, what: string, rows?: number, cols?: number): w.NDArray {
  const m = matrix(v, what, rows, cols);
  const c = m.length > 0 ? m[0]!.length : (cols ?? 0);
  const data = new Float64Array(m.length * c);
  m.forEach((r, i) => data.set(r, i * c));
  return w.array(data, { shape: [m.length, c] });
}

/** The value a function returned, as JSON: numbers stay numbers, arrays become nested lists. */
export function toJson(v: unknown): Json {
  if (typeof v === "number") return v;
  if (v instanceof w.NDArray) {
    if (v.shape.length === 0) return v.data[0]!;
    const data = Array.from(v.data as Float64Array);
    const nest = (off: number, axis: number): Json[] => {
      const n = v.shape[axis]!;
      if (axis === v.shape.length - 1) return data.slice(off, off + n);
      const stride = v.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, i) => nest(off + i * stride, axis + 1));
    };
    return nest(0, 0);
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  throw new InputError(`cannot write ${typeof v} as JSON`);
}
