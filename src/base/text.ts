// Text shared by every printer (the Wengert list, the survey's tables, the numeric and swell
// reports, the CLI): numbers as the survey prints them, survey variable names, and aligned
// text and Markdown tables that measure width without combining marks (v̇, v̄). Imports
// nothing of the project.

/** A number rounded to `digits` decimals without trailing zeros (0.693, 10, −0.959, 5.5). */
export function fmtNumber(v: number, digits: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  if (Object.is(v, -0) || v === 0) return "0";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e9) return String(Number(v.toFixed(digits)));
  return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, "e");
}

/** Display width: combining marks (U+0300–U+036F) take no column. */
export function width(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x300 || c > 0x36f) n++;
  }
  return n;
}

function padEnd(s: string, w: number): string {
  return s + " ".repeat(Math.max(0, w - width(s)));
}

/** Rows of cells as aligned text columns separated by `sep`. */
export function textTable(rows: readonly (readonly string[])[], sep = "  "): string {
  const ncol = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: ncol }, (_, c) => Math.max(0, ...rows.map((r) => width(r[c] ?? ""))));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : padEnd(cell, widths[c]!))).join(sep).trimEnd()).join("\n");
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/**
 * Subscript-free survey names: v-1, v0, v1 … with a dot (tangent) or bar (adjoint) over the v.
 * Nested programs (loop bodies) letter their variables u, t, … by depth.
 */
export function varName(index: number, mark: "" | "dot" | "bar" = "", letter = "v"): string {
  const v = mark === "dot" ? `${letter}\u0307` : mark === "bar" ? `${letter}\u0304` : letter;
  return `${v}${index}`;
}

export function mark(name: string, m: "dot" | "bar"): string {
  // NFC: ẋ and ẏ have precomposed forms, and text compares equal only when normalized alike.
  return (name.charAt(0) + (m === "dot" ? "\u0307" : "\u0304") + name.slice(1)).normalize("NFC");
}

/** The candidate nearest `name` by edit distance, when near enough to be a misspelling ("did you mean"). */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= (name.length <= 4 ? 1 : 2) ? best : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length]!;
}
