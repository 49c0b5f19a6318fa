// The coordinates a difference moves: a pytree argument (a number, number[], NDArray, or
// nested arrays and plain objects of them) as one flat vector, named, and rebuilt with the
// argument's structure. And a function's output as the one number a difference needs.

import { NDArray, allocate } from "../array/ndarray.js";
import { ArgumentError } from "../base/errors.js";
import { describe, withArticle } from "../base/format.js";
import { flatten, unflatten } from "../core/pytree.js";

export interface Coords<X> {
  /** Every number in the argument, leaf by leaf, arrays in row-major order. */
  readonly values: readonly number[];
  /** One name per coordinate: x for a number, x1 … xn for a number[], else paths such as x.w[0,1]. */
  readonly names: readonly string[];
  /** Per coordinate: true when it lives in a float32 array (its moves must be float32 values). */
  readonly float32: readonly boolean[];
  /** The argument's structure holding `values` (arrays keep their dtype and shape). */
  rebuild(values: readonly number[]): X;
}

/** Names of the leaves in flatten order: paths from the root, as JS would write them. */
function leafPaths(x: unknown, root: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === "number" || v instanceof NDArray) { out.push(path); return; }
    if (Array.isArray(v)) { v.forEach((c, i) => walk(c, `${path}[${i}]`)); return; }
    if (typeof v === "object" && v !== null && !ArrayBuffer.isView(v)) {
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
    }
  };
  walk(x, root);
  return out;
}

/** The index of element k of an array of `shape`, as "[i,j]". */
function indexText(k: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(k % shape[d]!); k = Math.floor(k / shape[d]!); }
  return `[${idx.join(",")}]`;
}

export function coordsOf<X>(op: string, x: X): Coords<X> {
  if (typeof x === "number") {
    if (!Number.isFinite(x)) throw new ArgumentError(op, `x must be a finite number, got ${x}`);
    return { values: [x], names: ["x"], float32: [false], rebuild: (v) => v[0] as X };
  }
  const { def, leaves } = flatten(x);
  if (leaves.length === 0) {
    throw new ArgumentError(op, `x must hold numbers to move: a number, a number[], an NDArray, or arrays and plain objects of them; got ${describe(x)}`);
  }
  const flatNumbers = Array.isArray(x) && x.every((v) => typeof v === "number");
  const paths = flatNumbers ? [] : leafPaths(x, "x");
  const values: number[] = [], names: string[] = [], float32: boolean[] = [];
  leaves.forEach((l, i) => {
    if (typeof l === "number") {
      values.push(l);
      names.push(flatNumbers ? `x${i + 1}` : paths[i]!);
      float32.push(false);
    } else if (l instanceof NDArray && (l.dtype === "float64" || l.dtype === "float32")) {
      for (let k = 0; k < l.size; k++) {
        values.push(l.data[k]!);
        names.push(`${paths[i]!}${indexText(k, l.shape)}`);
        float32.push(l.dtype === "float32");
      }
    } else {
      throw new ArgumentError(op, `${paths[i] ?? "x"} is ${l instanceof NDArray ? withArticle(`${l.dtype} array`) : describe(l)}; only numbers and float64/float32 arrays can be moved (convert with astype)`);
    }
  });
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new ArgumentError(op, `${names[i]} must be finite, got ${v}`);
  });
  const rebuild = (v: readonly number[]): X => {
    let pos = 0;
    const out = leaves.map((l) => {
      if (typeof l === "number") return v[pos++]!;
      const a = l as NDArray, data = allocate(a.dtype, a.size);
      for (let k = 0; k < a.size; k++) data[k] = v[pos++]!;
      return new NDArray(data, a.shape);
    });
    return unflatten(def, out) as X;
  };
  return { values, names, float32, rebuild };
}

/** f's output as a number: a number, or the element of a size-1 NDArray (sum(x) gives a 0-d array). */
export function scalarValue(op: string, y: unknown): number {
  if (typeof y === "number") return y;
  if (y instanceof NDArray && y.size === 1 && y.dtype !== "bool") return y.data[0]!;
  const what = y instanceof NDArray ? `an array of shape [${y.shape.join(",")}]${y.size === 1 ? ` (${y.dtype})` : ""}` : describe(y);
  throw new ArgumentError(op, `the function must return a number (or a size-1 array such as sum(x)), got ${what}`);
}
