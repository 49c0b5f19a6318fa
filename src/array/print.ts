// How an NDArray prints: NumPy's repr (numpy/core/arrayprint.py), in JavaScript's words.
//
//   array([[0.1       , 0.33333333],
//          [1.5       , 2.        ]], dtype=float32)
//
// As NumPy: at most `precision` fractional digits (fewer when the value is exact with fewer),
// decimal points aligned, scientific notation when the magnitudes call for it, rows wrapped at
// `linewidth`, and arrays of more than `threshold` elements summarised with "..." after
// `edgeitems` entries per axis. Float32 values print with the shortest digits that identify
// the float32 (0.1, not 0.10000000149011612). Unlike NumPy: an array whose elements are all
// integers (below 1e8) prints them as integers, without a trailing "." and never in scientific
// notation (array([0, 1, 2, ..., 997, 998, 999])), and NaN, Infinity, true and false are
// written as JavaScript writes them. float64 (the default) and bool print no dtype.

import { checkOptions, optionKeys } from "../base/options.js";
import { ArgumentError } from "../base/errors.js";
import { describe } from "../base/format.js";
import type { DType, NDArray, Shape } from "./ndarray.js";

/** How arrays print (`setPrintOptions`, `formatArray`), after NumPy's print options. */
export interface ArrayPrintOptions {
  /** Fractional digits at most (default 8). */
  readonly precision: number;
  /** Arrays with more elements than this are summarised (default 1000). */
  readonly threshold: number;
  /** Entries shown at each end of a summarised axis (default 3). */
  readonly edgeitems: number;
  /** Characters per line (default 75). */
  readonly linewidth: number;
  /** Never switch to scientific notation for small values (default false). */
  readonly suppress: boolean;
}

const DEFAULTS: ArrayPrintOptions = { precision: 8, threshold: 1000, edgeitems: 3, linewidth: 75, suppress: false };
let current: ArrayPrintOptions = DEFAULTS;

/** The options every NDArray prints with (as numpy.get_printoptions). */
export function getPrintOptions(): ArrayPrintOptions {
  return current;
}

/**
 * Sets how NDArrays print (as numpy.set_printoptions), e.g. setPrintOptions({ precision: 3 }).
 * Options not given keep their value; `setPrintOptions(null)` restores the defaults. Returns
 * the previous options, so that `setPrintOptions(previous)` undoes the change.
 */
export function setPrintOptions(opts: Partial<ArrayPrintOptions> | null): ArrayPrintOptions {
  const before = current;
  if (opts !== null && (typeof opts !== "object" || Array.isArray(opts))) throw new ArgumentError("setPrintOptions", `expected an object such as { precision: 3 }, or null for the defaults; got ${Array.isArray(opts) ? "an array" : typeof opts}`);
  current = opts === null ? DEFAULTS : checked({ ...current, ...opts });
  return before;
}

function checked(o: ArrayPrintOptions): ArrayPrintOptions {
  const count = (name: keyof ArrayPrintOptions, min: number): void => {
    const v = o[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new ArgumentError("setPrintOptions", `${name} must be an integer ≥ ${min}, got ${typeof v === "number" ? v : typeof v}`);
    }
  };
  count("precision", 0);
  count("threshold", 0);
  count("edgeitems", 1);
  count("linewidth", 10);
  for (const k of Object.keys(o)) if (!(k in DEFAULTS)) throw new ArgumentError("setPrintOptions", `unknown option ${JSON.stringify(k)}; the options are ${Object.keys(DEFAULTS).join(", ")}`);
  if (typeof o.suppress !== "boolean") throw new ArgumentError("setPrintOptions", `suppress must be a boolean, got ${typeof o.suppress}`);
  if (o.precision > 17) throw new ArgumentError("setPrintOptions", `precision ${o.precision} is more digits than a float64 holds; use at most 17`);
  return o;
}

// ---------------------------------------------------------------- numbers

/** Shortest decimal digits and exponent that identify x (x finite, > 0) as a float64 or float32. */
function shortest(x: number, f32: boolean): { digits: string; exp: number } {
  let s = x.toExponential();
  if (f32) {
    for (let k = 0; k < 9; k++) {
      const t = x.toExponential(k);
      if (Math.fround(Number(t)) === x) { s = t; break; }
    }
  }
  const [mant, e] = s.split("e") as [string, string];
  return { digits: mant.replace(".", ""), exp: Number(e) };
}

/** Positional text of |x| with at most `precision` fractional digits (fewer when exact). */
function positional(ax: number, f32: boolean, precision: number): string {
  if (ax === 0) return "0.";
  const { digits, exp } = shortest(ax, f32);
  const fracLen = Math.max(0, digits.length - 1 - exp);
  if (fracLen > precision) {
    const t = ax.toFixed(precision);
    return t.includes(".") ? t.replace(/0+$/, "") : `${t}.`;
  }
  if (exp >= digits.length - 1) return `${digits}${"0".repeat(exp - digits.length + 1)}.`;
  if (exp >= 0) return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return `0.${"0".repeat(-exp - 1)}${digits}`;
}

/** Scientific text of |x| as [mantissa, exponent]: "1.5", "+08"; at most `precision` fractional digits. */
function scientific(ax: number, f32: boolean, precision: number): [string, string] {
  if (ax === 0) return ["0.", "+00"];
  let { digits, exp } = shortest(ax, f32);
  if (digits.length - 1 > precision) {
    const [m, e] = ax.toExponential(precision).split("e") as [string, string];
    digits = m.replace(".", "").replace(/0+$/, "") || "0";
    exp = Number(e);
  }
  const e = Math.abs(exp);
  return [`${digits[0]}.${digits.slice(1)}`, `${exp < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`];
}

/** The formatter of one array's displayed elements, every element padded to one width. */
function formatter(values: readonly number[], dtype: DType, o: ArrayPrintOptions): (x: number) => string {
  if (dtype === "bool") return (x) => (x ? " true" : "false");
  if (dtype === "int32") {
    const width = Math.max(1, ...values.map((v) => String(v).length));
    return (x) => String(x).padStart(width);
  }
  const f32 = dtype === "float32";
  const finite = values.filter((v) => Number.isFinite(v));
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  const max = nonZero.length > 0 ? Math.max(...nonZero) : 0, min = nonZero.length > 0 ? Math.min(...nonZero) : 0;
  // Integers print as integers (no sci notation for their range, unlike NumPy) below 1e8.
  const integral = max < 1e8 && finite.every((v) => Number.isInteger(v));
  const sci = !integral && nonZero.length > 0 && (max >= 1e8 || (!o.suppress && (min < 1e-4 || max / min > 1e3)));
  const token = (x: number): string => (Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
  const tokenLen = Math.max(0, ...values.filter((v) => !Number.isFinite(v)).map((v) => token(v).length));
  const nonFinite = (x: number, width: number): string => token(x).padStart(width);
  if (finite.length === 0) return (x) => nonFinite(x, tokenLen);
  const sign = (x: number): string => (x < 0 || Object.is(x, -0) ? "-" : "");
  if (integral) {
    const width = Math.max(tokenLen, ...finite.map((v) => (sign(v) + String(Math.abs(v))).length));
    return (x) => (Number.isFinite(x) ? (sign(x) + String(Math.abs(x))).padStart(width) : nonFinite(x, width));
  }
  if (sci) {
    const parts = finite.map((v) => scientific(Math.abs(v), f32, o.precision));
    const frac = Math.max(...parts.map(([m]) => m.length - 2));
    const expLen = Math.max(...parts.map(([, e]) => e.length));
    // Non-finite tokens widen the integer column (the decimal points stay aligned).
    const intLen = Math.max(...finite.map((v) => sign(v).length + 1), tokenLen - (frac + 2 + expLen));
    const width = intLen + 1 + frac + 1 + expLen;
    return (x) => {
      if (!Number.isFinite(x)) return nonFinite(x, width);
      const [m, e] = scientific(Math.abs(x), f32, o.precision);
      return `${(sign(x) + m[0]).padStart(intLen)}.${m.slice(2).padEnd(frac, "0")}e${e[0]}${e.slice(1).padStart(expLen - 1, "0")}`;
    };
  }
  const split = (v: number): [string, string] => {
    const [i, f] = positional(Math.abs(v), f32, o.precision).split(".") as [string, string];
    return [sign(v) + i, f];
  };
  const parts = finite.map(split);
  const fracLen = Math.max(...parts.map(([, f]) => f.length));
  const intLen = Math.max(...parts.map(([i]) => i.length), tokenLen - (fracLen + 1));
  const width = intLen + 1 + fracLen;
  return (x) => {
    if (!Number.isFinite(x)) return nonFinite(x, width);
    const [i, f] = split(x);
    return `${i.padStart(intLen)}.${f.padEnd(fracLen)}`;
  };
}

// ---------------------------------------------------------------- layout

const SUMMARY = "...";

/** Indices shown along an axis of length n: all, or the first and last `edge` with a gap (-1). */
function shown(n: number, summarise: boolean, edge: number): number[] {
  if (!summarise || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: edge }, (_, i) => i), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)];
}

/** The displayed elements in row-major order (what the formatter's widths are computed from). */
function displayed(data: ArrayLike<number>, shape: Shape, summarise: boolean, edge: number): number[] {
  const out: number[] = [];
  const walk = (axis: number, base: number, stride: number): void => {
    if (axis === shape.length) { out.push(data[base]!); return; }
    const inner = stride / shape[axis]!;
    for (const i of shown(shape[axis]!, summarise, edge)) if (i >= 0) walk(axis + 1, base + i * inner, inner);
  };
  walk(0, 0, data.length);
  return out;
}

/** numpy's _formatArray: nested brackets, rows wrapped at `width` with a hanging indent. */
function layout(data: ArrayLike<number>, shape: Shape, fmt: (x: number) => string, o: ArrayPrintOptions, summarise: boolean, indent: string, width: number): string {
  const rec = (axis: number, base: number, stride: number, hang: string, curr: number): string => {
    if (axis === shape.length) return fmt(data[base]!);
    const n = shape[axis]!, inner = stride / n, left = shape.length - axis;
    const idx = shown(n, summarise, o.edgeitems);
    const nextHang = hang + " ", nextWidth = curr - 1;
    let s = "";
    if (left === 1) {
      let line = hang;
      idx.forEach((i, k) => {
        const word = i < 0 ? SUMMARY : rec(axis + 1, base + i * inner, inner, nextHang, nextWidth);
        const last = k === idx.length - 1;
        const limit = last ? curr : curr - 1;
        if (line.length + word.length > limit && line.length > hang.length) {
          s += line.trimEnd() + "\n";
          line = hang;
        }
        line += word + (last ? "" : ", ");
      });
      s += line;
    } else {
      const sep = "," + "\n".repeat(left - 1);
      idx.forEach((i, k) => {
        const nested = i < 0 ? SUMMARY : rec(axis + 1, base + i * inner, inner, nextHang, nextWidth);
        s += hang + nested + (k === idx.length - 1 ? "" : sep);
      });
    }
    return "[" + s.slice(hang.length) + "]";
  };
  return rec(0, 0, data.length, indent, width);
}

function shapeText(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** NumPy's repr of an array, e.g. "array([1, 2, 3])" or "array([0.5, 1.5], dtype=float32)". */
export function formatArray(a: NDArray, opts: Partial<ArrayPrintOptions> = {}): string {
  if (typeof a !== "object" || a === null || !ArrayBuffer.isView((a as { data?: unknown }).data) || !Array.isArray((a as { shape?: unknown }).shape)) {
    throw new ArgumentError("formatArray", `expected an NDArray, got ${describe(a)}`);
  }
  opts = checkOptions("formatArray", opts, optionKeys<ArrayPrintOptions>({ precision: true, threshold: true, edgeitems: true, linewidth: true, suppress: true }));
  const o = opts === current || Object.keys(opts).length === 0 ? current : checked({ ...current, ...opts });
  const prefix = "array(";
  const extras: string[] = [];
  if (a.dtype !== "float64" && a.dtype !== "bool") extras.push(`dtype=${a.dtype}`);
  let body: string;
  if (a.size === 0) {
    body = "[]";
    if (a.ndim !== 1) extras.unshift(`shape=${shapeText(a.shape)}`);
    if (a.dtype === "float64" || a.dtype === "bool") extras.push(`dtype=${a.dtype}`);
  } else {
    const summarise = a.size > o.threshold;
    const fmt = formatter(displayed(a.data, a.shape, summarise, o.edgeitems), a.dtype, o);
    // Width less one: the ")" or "," that follows the last line.
    body = layout(a.data, a.shape, fmt, o, summarise, " ".repeat(prefix.length + 1), o.linewidth - 1);
  }
  if (extras.length === 0) return `${prefix}${body})`;
  const text = `${prefix}${body},`;
  const lastLine = text.length - (text.lastIndexOf("\n") + 1);
  const tail = extras.join(", ");
  const spacer = lastLine + tail.length + 2 > o.linewidth ? "\n" + " ".repeat(prefix.length) : " ";
  return `${text}${spacer}${tail})`;
}
