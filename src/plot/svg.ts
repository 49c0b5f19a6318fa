// A small hand-written SVG line plot: linear or log10 axes, several series, a legend.
// No dependency: the error-versus-step sweep and the expression-swell plot draw with it.

import { ArgumentError } from "../base/errors.js";

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

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Tick label for a log axis: 10^k as 1e-5, 0.01, 1, 100, 1e6. */
function logTickLabel(k: number): string {
  return k >= -2 && k <= 3 ? String(10 ** k) : `1e${k}`;
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
  const label = (v: number, log: boolean | undefined): string => (log ? logTickLabel(Math.round(Math.log10(v))) : String(v));
  for (const t of xTicks) {
    const x = r(X(t));
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${escapeXml(label(t, opts.xLog))}</text>`);
  }
  for (const t of yTicks) {
    const y = r(Y(t));
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(label(t, opts.yLog))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  if (opts.xLabel) out.push(`<text x="${r(m.left + pw / 2)}" y="${H - 14}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) out.push(`<text transform="translate(18 ${r(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  // Series.
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (ok(x, y)) segments[segments.length - 1]!.push(`${r(X(x))},${r(Y(y))}`);
      else if (segments[segments.length - 1]!.length) segments.push([]);
    }
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
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
