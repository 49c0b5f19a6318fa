// The one table printer: formatting of times, ratios and checksums, and the markdown table.

export function fmtTime(s) {
  if (s === undefined) return "";
  if (s < 1e-6) return `${(s * 1e9).toPrecision(3)} ns`;
  if (s < 1e-3) return `${(s * 1e6).toPrecision(3)} µs`;
  if (s < 1) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${s.toPrecision(3)} s`;
}

export function fmtRatio(r) {
  if (r === undefined || !Number.isFinite(r)) return "";
  return r >= 100 ? `${Math.round(r)}×` : `${r.toPrecision(3)}×`;
}

export const fmtNum = (v) => String(+Number(v).toPrecision(10));

/** Largest relative error of values against expected (undefined when nothing to compare). */
export function relErr(values, expected) {
  if (!values || !expected) return undefined;
  let e = 0;
  expected.forEach((x, i) => {
    e = Math.max(e, Math.abs(values[i] - x) / Math.max(Math.abs(x), 1e-300));
  });
  return e;
}

/** ✓ to 1e-8 relative, ≈ with the error when looser (float32, or float32-accurate kernels), ✗ past 1e-3. */
export function checkMark(err) {
  if (err === undefined) return "";
  if (err <= 1e-8) return "✓";
  if (err <= 1e-3) return `≈ (${err.toExponential(0)})`;
  return `✗ (${err.toExponential(1)})`;
}

/** A markdown table from a header and rows of strings, columns padded for reading as text. */
export function markdownTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c ?? "").replace(/\|/g, "\\|")));
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => [...r[i]].length)));
  const line = (r) => `| ${r.map((c, i) => c + " ".repeat(width[i] - [...c].length)).join(" | ")} |`;
  return [line(all[0]), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...all.slice(1).map(line)].join("\n");
}
