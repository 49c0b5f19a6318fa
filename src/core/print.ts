// The one printer of Wengert lists: the survey's notation as rows (v2 = v-1 × v0 = 10), as
// aligned text, Markdown and JSON. A line's right-hand side comes from its primitive's
// display entry; a line holding nested programs (loops, fused loops) is printed with its
// bodies indented below it, their variables lettered u, t, … by depth.

import { NDArray, shapeStr } from "../array/ndarray.js";
import { ArgumentError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import { fmtNumber, markdownTable, textTable, varName } from "../base/text.js";
import type { Atom, Line, TraceOperand, WengertList } from "./ir.js";
import { bodiesOf } from "./ir.js";
import type { Tensor } from "./tracer.js";

/** How a Wengert list prints: significant digits, values shown or not. */
export interface PrintOptions {
  /** Decimals shown (default 3, as in the survey's tables). */
  readonly digits?: number;
}

/** The digits a list prints with: `opts` checked (keys and digits) for the printing op `op`. */
export function printDigits(op: string, opts: PrintOptions | undefined): number {
  const o = checkOptions(op, opts, optionKeys<PrintOptions>({ digits: true }));
  const d = o.digits ?? 3;
  if (!Number.isInteger(d) || d < 0 || d > 20) throw new ArgumentError(op, `digits must be an integer in [0, 20], got ${String(d)}`);
  return d;
}

/** One row of a printed list: the variable, its defining expression and its value. */
export interface PrimalRow {
  /** v2, y, "v5, v6", or "guard"; indented by nesting depth. */
  readonly lhs: string;
  readonly expr: string;
  /** The recorded value (absent for a compiled program, a guard, or a body's row). */
  readonly value: Tensor | undefined;
  /** 0 for the list itself, 1 inside a body, … */
  readonly depth: number;
}

export function fmtTensor(v: Tensor, digits: number): string {
  if (typeof v === "number") return fmtNumber(v, digits);
  if (typeof v === "boolean") return String(v);
  if (v.size === 1 && v.ndim === 0) return fmtNumber(v.data[0]!, digits);
  const shown = Array.from(v.data.subarray(0, 6), (x) => fmtNumber(x, digits));
  return `${v.dtype}${shapeStr(v.shape)} [${shown.join(", ")}${v.size > 6 ? ", …" : ""}]`;
}

/** A JSON-friendly copy of a concrete value (numbers stay numbers; arrays become {dtype, shape, data}). */
export function jsonTensor(v: Tensor): unknown {
  if (v instanceof NDArray) return v.toJSON();
  return v;
}

/** u, t, s, … for nested bodies (v at the top). */
export function letterAt(depth: number): string {
  return depth === 0 ? "v" : String.fromCharCode("u".charCodeAt(0) - (depth - 1));
}

/** The operand as text: v-1, v3, or a constant's value. */
export function operandText(list: WengertList, o: TraceOperand | Atom, digits: number, depth = 0): string {
  if (typeof o === "number") return o >= 0 ? varName(list.indexOf(o), "", letterAt(depth)) : fmtTensor(list.consts.value(o), digits);
  return o.kind === "var" ? varName(o.index, "", letterAt(depth)) : fmtTensor(o.value, digits);
}

/** A line's right-hand side: "ln v-1", "v-1 × v0"; a guard as the condition it checks. */
export function lineText(list: WengertList, line: Line, digits: number, depth = 0): string {
  const args = line.ins.map((a) => operandText(list, a, digits, depth));
  if (line.kind === "value") return `${args[0]} ≡ ${fmtTensor(line.value, digits)}`;
  const text = line.prim.display ? line.prim.display.primal(args, line.params) : `${line.prim.name}(${args.join(", ")})`;
  return line.kind === "guard" ? (line.expect ? text : `¬(${text})`) : text;
}

function lhsOf(list: WengertList, line: Line, depth: number): string {
  if (line.kind !== "eqn") return "assert";
  const names: string[] = [];
  for (let j = 0; j < line.nOut; j++) names.push(varName(list.indexOf(line.out + j), "", letterAt(depth)));
  return names.join(", ");
}

/** The primal trace, one row per input, line and output (bodies of nested lines below their line). */
export function listRows(list: WengertList, digits: number, depth = 0, inputTexts?: readonly string[], outputNames?: readonly string[]): PrimalRow[] {
  const pad = "  ".repeat(depth);
  const letter = letterAt(depth);
  const rows: PrimalRow[] = [];
  for (let i = 0; i < list.nIn; i++) {
    rows.push({ lhs: pad + varName(list.indexOf(i), "", letter), expr: inputTexts?.[i] ?? list.names[i] ?? `x${i + 1}`, value: list.values?.[i], depth });
  }
  for (const s of list.stmts) {
    const value = s.kind === "eqn" && s.nOut === 1 ? list.values?.[s.out] : undefined;
    const bodies = s.kind === "eqn" ? bodiesOf(s) : [];
    const text = lineText(list, s, digits, depth);
    rows.push({ lhs: pad + lhsOf(list, s, depth), expr: bodies.length > 0 ? `${text} {` : text, value, depth });
    if (s.kind !== "eqn" || bodies.length === 0) continue;
    const args = s.ins.map((a) => operandText(list, a, digits, depth));
    const outs = Array.from({ length: s.nOut }, (_, j) => varName(list.indexOf(s.out + j), "", letter));
    for (const b of bodies) {
      if (bodies.length > 1) rows.push({ lhs: `${pad}  ${b.label}:`, expr: "", value: undefined, depth: depth + 1 });
      rows.push(...listRows(b.list, digits, depth + 1, b.inputs?.(args) ?? args, b.outputs?.(outs) ?? outs));
    }
    rows.push({ lhs: `${pad}}`, expr: "", value: undefined, depth });
  }
  list.outputs.forEach((o, i) => {
    const name = outputNames?.[i] ?? o.name;
    rows.push({ lhs: pad + name, expr: operandText(list, o.operand, digits, depth), value: depth === 0 ? list.outputValue(o) : undefined, depth });
  });
  return rows;
}

function cells(rows: readonly PrimalRow[], digits: number, withValues: boolean): string[][] {
  return rows.map((r) => {
    if (r.expr === "") return [r.lhs];
    // A compound assignment (a fused loop's `v9[1 + i] +=`) is written out: v9[1 + i] = v9[1 + i] + u7.
    const compound = /^(\s*)(.*) (\S+)=$/.exec(r.lhs);
    const c = compound ? [compound[1]! + compound[2]!, "=", `${compound[2]} ${compound[3]} ${r.expr}`] : [r.lhs, "=", r.expr];
    if (withValues && r.value !== undefined) c.push("=", fmtTensor(r.value, digits));
    return c;
  });
}

export function listText(list: WengertList, opts: PrintOptions): string {
  const d = printDigits("toString", opts);
  return textTable(cells(listRows(list, d), d, true), " ");
}

export function listMarkdown(list: WengertList, opts: PrintOptions): string {
  const d = printDigits("toMarkdown", opts);
  const rows = listRows(list, d);
  const values = list.values !== null;
  const head = values ? ["var", "operation", "value"] : ["var", "operation"];
  // Markdown collapses leading spaces: show nesting with a non-breaking indent.
  const lhs = (r: PrimalRow): string => "\u00a0\u00a0".repeat(r.depth) + r.lhs.trimStart();
  return markdownTable(head, rows.map((r) => (values ? [lhs(r), r.expr, r.value === undefined ? "" : fmtTensor(r.value, d)] : [lhs(r), r.expr])));
}

export function listJSON(list: WengertList, depth = 0, inputTexts?: readonly string[]): unknown {
  const letter = letterAt(depth);
  const name = (v: number): string => varName(list.indexOf(v), "", letter);
  const jsonOperand = (a: Atom): unknown => (a >= 0 ? { var: name(a) } : { const: jsonTensor(list.consts.value(a)) });
  const value = (v: number): { value?: unknown } => (list.values === null ? {} : { value: jsonTensor(list.values[v]!) });
  return {
    inputs: list.inputs.map((x, i) => ({ var: name(i), index: x.index, name: inputTexts?.[i] ?? x.name, ...value(i) })),
    lines: list.stmts.map((s) => {
      const args = s.ins.map(jsonOperand);
      const text = lineText(list, s, 3, depth);
      if (s.kind === "value") return { kind: "value", args, text, value: jsonTensor(s.value) };
      if (s.kind === "guard") return { kind: "guard", op: s.prim.name, args, ...(s.params === undefined ? {} : { params: s.params }), text, expect: s.expect };
      const outs = Array.from({ length: s.nOut }, (_, j) => name(s.out + j));
      const bodies = bodiesOf(s);
      const argTexts = s.ins.map((a) => operandText(list, a, 3, depth));
      return {
        var: outs.join(", "),
        index: list.indexOf(s.out),
        op: s.prim.name,
        args,
        ...(s.params === undefined || bodies.length > 0 ? {} : { params: s.params }),
        text,
        ...(s.nOut === 1 ? value(s.out) : { outputs: outs }),
        ...(bodies.length > 0 ? { bodies: bodies.map((b) => ({ label: b.label, list: listJSON(b.list, depth + 1, b.inputs?.(argTexts) ?? argTexts) })) } : {}),
      };
    }),
    outputs: list.outputs.map((o) => {
      const v = list.outputValue(o);
      return { name: o.name, ...(o.operand.kind === "var" ? { var: varName(o.operand.index, "", letter) } : { const: jsonTensor(o.operand.value) }), ...(v === undefined ? {} : { value: jsonTensor(v) }) };
    }),
  };
}
