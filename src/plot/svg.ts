// A small hand-written SVG line plot: linear or log10 axes, several series, a legend.
// No dependency: the error-versus-step sweep and the expression-swell plot draw with it.

import { ArgumentError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { listArg } from "../base/validate.js";
import { showValue } from "../base/format.js";

/** One curve of a plot: its name and points. */
export interface Series {
  readonly name: string;
  /** [x, y] pairs; a point that cannot be drawn (non-finite, or ≤ 0 on a log axis) breaks the line. */
  readonly points: readonly (readonly [number, number])[];
  /** Dashed line (for a model beside measurements). */
  readonly dashed?: boolean;
  /** Draw a marker at each point (default true). */
  readonly markers?: boolean;
}

/** A plot's title, axis labels, size and scales. */
export interface PlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const DASHES = ["6 4", "2 3", "8 3 2 3"];
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * An axis's tick labels, all in one notation: powers of ten as 0.01 … 1000 when every tick
 * is in that range, else all as 1e-5 … 1e0 … 1e6; linear ticks all plain, or all exponential
 * when any would need an exponent.
 */
export function tickLabels(ticks: readonly number[], log: boolean): string[] {
  if (log) {
    const ks = ticks.map((t) => Math.round(Math.log10(t)));
    return ks.every((k) => k >= -2 && k <= 3) ? ks.map((k) => String(10 ** k)) : ks.map((k) => `1e${k}`);
  }
  const plain = ticks.map((t) => String(t));
  if (!plain.some((l) => l.includes("e"))) return plain;
  const digits = Math.max(...ticks.map((t) => (t === 0 ? 0 : t.toExponential().split("e")[0]!.replace(/^-?\d\.?/, "").length)));
  return ticks.map((t) => (t === 0 ? "0" : t.toExponential(Math.min(digits, 6))));
}

/** Two series whose drawn points fall within a pixel of each other, point for point. */
function coincide(a: readonly (readonly [number, number] | null)[], b: readonly (readonly [number, number] | null)[]): boolean {
  if (a.length !== b.length || a.every((p) => p === null)) return false;
  return a.every((p, i) => {
    const q = b[i]!;
    return p === null ? q === null : q !== null && Math.abs(p[0] - q[0]) < 1 && Math.abs(p[1] - q[1]) < 1;
  });
}

function niceLinearTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** An SVG document plotting the series. */
export function linePlot(series: readonly Series[], opts: PlotOptions = {}): string {
  opts = checkOptions("linePlot", opts, optionKeys<PlotOptions>({ title: true, xLabel: true, yLabel: true, xLog: true, yLog: true, width: true, height: true }));
  const list = listArg<Series>("linePlot", "the series", series);
  list.forEach((s, i) => {
    if (typeof s !== "object" || s === null || !Array.isArray(s.points) || !s.points.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "number" && typeof p[1] === "number")) {
      throw new ArgumentError("linePlot", `series ${i} must be { name, points: [[x, y], …] } with numbers for x and y, got ${showValue(s)}`);
    }
  });
  const W = opts.width ?? 720, H = opts.height ?? 440;
  if (!(W >= 200 && H >= 150)) throw new ArgumentError("linePlot", `width and height must be at least 200 × 150, got ${W} × ${H}`);
  const m = { left: 78, right: 190, top: opts.title ? 40 : 16, bottom: 56 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const fx = opts.xLog ? Math.log10 : (v: number) => v;
  const fy = opts.yLog ? Math.log10 : (v: number) => v;
  const ok = (x: number, y: number): boolean => Number.isFinite(x) && Number.isFinite(y) && (!opts.xLog || x > 0) && (!opts.yLog || y > 0);
  const all = series.flatMap((s) => s.points.filter(([x, y]) => ok(x, y)));
  if (all.length === 0) throw new ArgumentError("linePlot", "no drawable points (every value is non-finite, or not positive on a log axis)");
  let [x0, x1] = [Math.min(...all.map(([x]) => fx(x))), Math.max(...all.map(([x]) => fx(x)))];
  let [y0, y1] = [Math.min(...all.map(([, y]) => fy(y))), Math.max(...all.map(([, y]) => fy(y)))];
  if (opts.xLog) [x0, x1] = [Math.floor(x0), Math.ceil(x1)];
  if (opts.yLog) [y0, y1] = [Math.floor(y0), Math.ceil(y1)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (v: number): number => m.left + ((fx(v) - x0) / (x1 - x0)) * pw;
  const Y = (v: number): number => m.top + ph - ((fy(v) - y0) / (y1 - y0)) * ph;
  const r = (v: number): string => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${r(m.left + pw / 2)}" y="24" text-anchor="middle" font-size="14">${escapeXml(opts.title)}</text>`);
  // Grid and ticks.
  const xTicks = opts.xLog ? range(x0, x1, Math.max(1, Math.ceil((x1 - x0) / 10))).map((k) => 10 ** k) : niceLinearTicks(x0, x1);
  const yTicks = opts.yLog ? range(y0, y1, Math.max(1, Math.ceil((y1 - y0) / 10))).map((k) => 10 ** k) : niceLinearTicks(y0, y1);
  const xLabels = tickLabels(xTicks, opts.xLog === true), yLabels = tickLabels(yTicks, opts.yLog === true);
  xTicks.forEach((t, i) => {
    const x = r(X(t));
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${escapeXml(xLabels[i]!)}</text>`);
  });
  yTicks.forEach((t, i) => {
    const y = r(Y(t));
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(yLabels[i]!)}</text>`);
  });
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  if (opts.xLabel) out.push(`<text x="${r(m.left + pw / 2)}" y="${H - 14}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) out.push(`<text transform="translate(18 ${r(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  // Series. One drawn over an earlier one (the same pixels) gets a dash of its own, so that
  // both stay visible: solid under "6 4" under "2 3".
  const pixels = series.map((s) => s.points.map(([x, y]) => (ok(x, y) ? ([X(x), Y(y)] as const) : null)));
  const dashes: number[] = series.map((s) => (s.dashed ? 1 : 0));
  pixels.forEach((p, i) => {
    for (let j = 0; j < i; j++) if (coincide(p, pixels[j]!) && dashes[i]! <= dashes[j]!) dashes[i] = dashes[j]! + 1;
  });
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (ok(x, y)) segments[segments.length - 1]!.push(`${r(X(x))},${r(Y(y))}`);
      else if (segments[segments.length - 1]!.length) segments.push([]);
    }
    const dash = dashes[i] === 0 ? "" : ` stroke-dasharray="${DASHES[Math.min(dashes[i]!, DASHES.length) - 1]}"`;
    for (const seg of segments.filter((g) => g.length > 1)) out.push(`<polyline points="${seg.join(" ")}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (s.markers ?? true) for (const seg of segments) for (const p of seg) out.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${color}"/>`);
    const ly = m.top + 10 + i * 20;
    out.push(`<line x1="${m.left + pw + 14}" y1="${ly}" x2="${m.left + pw + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${m.left + pw + 46}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function range(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let k = lo; k <= hi; k += step) out.push(k);
  return out;
}
