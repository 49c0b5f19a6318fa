// The Wengert list: the one program representation every interpreter reads. The tape's
// recording (trace(f)), compile's staged program, its optimized form and its fused form are
// all a WengertList; one printer shows it (toString, toMarkdown, toJSON, core/print.ts), one
// toDot draws it (core/dot.ts), one interpreter evaluates it (core/evaluate.ts).
//
// Variables are numbered 0 … avals.length − 1; inputs are 0 … nIn − 1. An operand (an Atom)
// is a variable id (≥ 0) or a constant, encoded as −(k + 1) for entry k of the list's constant
// table, where constants are interned (one entry per distinct value; −0 apart from 0). A line
// (`Line`) is an equation `out = prim(ins; params)`, a guard (a comparison of JS numbers the
// recording depended on: `prim(ins)` must equal `expect`), or a value guard (value(x) was read:
// ins[0] must equal `value`). Printing numbers the variables as the survey does: inputs
// v[1−n] … v[0], then one number per line output in order.
//
// NESTED BODIES — how a line holds a program (loops: scan, foriLoop, whileLoop; compile's
// fused elementwise loops; anything later that runs a sub-program):
//   - the line is an ordinary Eqn whose primitive's params hold the body (or bodies) as
//     WengertLists, and whose table entry has `bodies(params)` returning them with a label each
//     (e.g. [{ label: "body", list }] or [{ label: "cond", … }, { label: "body", … }]);
//   - the body's inputs are what the primitive says they are (for a fused loop: one element of
//     each operand; for a scan: the carry, then one slice of each scanned operand), and its
//     outputs correspond to the line's outputs; a body never refers to an outer variable
//     directly: everything it reads from outside is one of the line's operands;
//   - a line may have several outputs (nOut > 1): they are the consecutive variables
//     out … out + nOut − 1, and binding its primitive returns an array of nOut values;
//   - the printer shows such a line as `v5, v6 = prim(…) {`, its body indented below (body
//     variables are lettered u, then t, … by depth), then `}`; toDot draws each body as a
//     cluster; interpreters that walk lists reach bodies only through `bodies`, so a new
//     loop primitive needs no change in the printer, toDot or the optimizer's bookkeeping.

import type { Aval } from "../array/aval.js";
import type { Primitive } from "./primitive.js";
import type { Tensor } from "./tracer.js";
import { listDot } from "./dot.js";
import { lineText, listJSON, listMarkdown, listRows, listText, operandText, type PrimalRow, type PrintOptions } from "./print.js";

/** An operand: a variable id (≥ 0) or a constant, −(k + 1) for entry k of the constant table. */
export type Atom = number;


/**
 * The constant table of a list, interning its entries: one atom per distinct value, so equal
 * constants compare equal as atoms (which common-subexpression elimination relies on). Numbers
 * are interned by value (−0 kept apart from 0, NaN as one value), other values by identity.
 */
export class ConstTable {
  readonly values: Tensor[] = [];
  private readonly byValue = new Map<unknown, number>();
  private negZero = -1;

  atom(v: Tensor): Atom {
    if (Object.is(v, -0)) {
      if (this.negZero < 0) this.negZero = this.values.push(v) - 1;
      return -(this.negZero + 1);
    }
    let k = this.byValue.get(v);
    if (k === undefined) {
      k = this.values.push(v) - 1;
      this.byValue.set(v, k);
    }
    return -(k + 1);
  }

  value(a: Atom): Tensor {
    return this.values[-a - 1]!;
  }
}

/** `out = prim(ins; params)`; a line with nOut > 1 defines out … out + nOut − 1. */
export interface Eqn {
  readonly kind: "eqn";
  readonly prim: Primitive<unknown>;
  readonly params: unknown;
  ins: Atom[];
  out: number;
  readonly nOut: number;
}

/** A branch condition: `prim(ins)` (a comparison of JS numbers) must evaluate to `expect`. */
export interface Guard {
  readonly kind: "guard";
  readonly prim: Primitive<unknown>;
  readonly params: unknown;
  ins: Atom[];
  readonly expect: boolean;
}

/** value(x) was read while recording: the input must reproduce ins[0] = `value` exactly. */
export interface ValueGuard {
  readonly kind: "value";
  ins: Atom[];
  readonly value: Tensor;
}

export type Line = Eqn | Guard | ValueGuard;

/** A nested program of a line, with the label the printer shows (see the note above). */
export interface Body {
  readonly label: string;
  readonly list: WengertList;
  /** How the printer names the body's inputs, from the line's operand texts (default: those texts, one to one). */
  readonly inputs?: (args: readonly string[]) => readonly string[];
  /** How the printer names the body's outputs, from the line's output names (default: those names, one to one). */
  readonly outputs?: (outs: readonly string[]) => readonly string[];
}

/** An operand as users see it: a variable in survey numbering, or a constant's value. */
export type TraceOperand = { readonly kind: "var"; readonly index: number } | { readonly kind: "const"; readonly value: Tensor };

/** An input variable of a Wengert list, as users see it. */
export interface TraceInput {
  /** Survey index: 1 − n … 0. */
  readonly index: number;
  readonly name: string;
  /** The recorded value (absent for a compiled program, which keeps none). */
  readonly value: Tensor | undefined;
}

/** One line `v_i = op(v_j, …)` of a Wengert list, as users see it. */
export interface TraceLine {
  /** Survey index of the (first) output: 1, 2, … */
  readonly index: number;
  /** "eqn" for an operation, "guard" / "value" for a compiled program's branch and value checks. */
  readonly kind: Line["kind"];
  /** Primitive name, e.g. "log", "mul" ("value" for a value guard). */
  readonly op: string;
  readonly args: readonly TraceOperand[];
  readonly params: unknown;
  /** The recorded value (absent for a compiled program). */
  readonly value: Tensor | undefined;
  /** Survey indices of all outputs (one, unless the line has several). */
  readonly outputs: readonly number[];
  /** Nested programs (loops, fused loops). */
  readonly bodies: readonly Body[];
}

/** An output of a Wengert list: its name and the variable (or constant) it reads. */
export interface TraceOutput {
  readonly name: string;
  readonly operand: TraceOperand;
}

/**
 * The evaluation trace (the survey's Wengert list): inputs, one line per elementary operation,
 * outputs. The tape, compile's stager and `trace` all record this one type, and it prints
 * (`toString`, `toMarkdown`, `toJSON`) and draws (`toDot`) the same way wherever it came from.
 */
export class WengertList {
  /** Inputs are the variables 0 … nIn − 1. */
  nIn = 0;
  /** Abstract value (shape, dtype, JS number or not) of every variable. */
  readonly avals: Aval[] = [];
  readonly consts = new ConstTable();
  stmts: Line[] = [];
  outs: Atom[] = [];
  /** Input names, x1, x2, … unless given. */
  names: readonly string[];
  /** The output's name (y; y1, y2 … for several): another where an input is called y. */
  outputName = "y";
  /** The concrete value of every variable, when the recorder kept them (trace does; compile does not). */
  values: Tensor[] | null;
  private views: { inputs: TraceInput[]; lines: TraceLine[]; outputs: TraceOutput[]; lineOf: Map<TraceLine, Line> } | null = null;

  constructor(names: readonly string[] = [], keepValues = false) {
    this.names = names;
    this.values = keepValues ? [] : null;
  }

  // ------------------------------------------------------------ building

  /** A new input variable (inputs come before every line). */
  addInput(aval: Aval, value?: Tensor): number {
    const id = this.addVar(aval, value);
    this.nIn++;
    return id;
  }

  /** A new variable with no line yet (a line defines it next: see addEqnAt). */
  addVar(aval: Aval, value?: Tensor): number {
    const id = this.avals.push(aval) - 1;
    if (this.values !== null) this.values[id] = value as Tensor;
    return id;
  }

  /** Appends `prim(ins; params)` defining one variable of `aval`; returns its id. */
  addEqn(prim: Primitive<unknown>, params: unknown, ins: Atom[], aval: Aval, value?: Tensor): number {
    const out = this.addVar(aval, value);
    this.stmts.push({ kind: "eqn", prim, params, ins, out, nOut: 1 });
    return out;
  }

  /** Appends a line with several outputs (consecutive new variables); returns the first. */
  addEqnN(prim: Primitive<unknown>, params: unknown, ins: Atom[], avals: readonly Aval[]): number {
    const out = this.avals.length;
    for (const a of avals) this.addVar(a);
    this.stmts.push({ kind: "eqn", prim, params, ins, out, nOut: avals.length });
    return out;
  }

  /** Appends a branch guard: the comparison `prim(ins)` must come out `expect` for this program to hold. */
  addGuard(prim: Primitive<unknown>, params: unknown, ins: Atom[], expect: boolean): void {
    this.stmts.push({ kind: "guard", prim, params, ins, expect });
  }

  /** Appends a value guard: `ins` must equal `value` (a traced value read as a constant) for this program to hold. */
  addValueGuard(ins: Atom[], value: Tensor): void {
    this.stmts.push({ kind: "value", ins, value });
  }

  /** The operand for constant `v` (interned: one entry per distinct constant). */
  constAtom(v: Tensor): Atom {
    return this.consts.atom(v);
  }

  // ------------------------------------------------------------ reading

  /** The abstract value of an operand (constants: of their value). */
  avalOf(a: Atom): Aval {
    if (a >= 0) return this.avals[a]!;
    return avalOfConst(this.consts.value(a));
  }

  /** The inputs, in survey numbering. */
  get inputs(): readonly TraceInput[] {
    return this.view().inputs;
  }

  /** The lines as users read them: survey indices, primitive names, operands, values. */
  get lines(): readonly TraceLine[] {
    return this.view().lines;
  }

  get outputs(): readonly TraceOutput[] {
    return this.view().outputs;
  }

  /** The survey index of variable `v` (inputs 1 − n … 0, then line outputs 1, 2, … in order). */
  indexOf(v: number): number {
    return this.numbering()[v]!;
  }

  /** The operand as text: v-1, v3, or a constant's value. */
  operandText(o: TraceOperand | Atom, digits = 3): string {
    return operandText(this, o, digits);
  }

  /** One line's right-hand side in survey notation, e.g. "ln v-1" or "v-1 × v0". */
  lineText(line: TraceLine | Line, digits = 3): string {
    const l = "kind" in line && "ins" in line ? line : this.view().lineOf.get(line);
    if (l === undefined) throw new RangeError("lineText: the line is not one of this list's lines");
    return lineText(this, l, digits);
  }

  /** The primal trace, one row per input, line and output: v2 = v-1 × v0 = 10. */
  rows(digits = 3): PrimalRow[] {
    return listRows(this, digits);
  }

  /** The recorded value of output `o` (undefined for a program that kept no values). */
  outputValue(o: TraceOutput): Tensor | undefined {
    if (o.operand.kind === "const") return o.operand.value;
    const k = this.numbering().indexOf(o.operand.index);
    return this.values?.[k];
  }

  /** The list in survey notation, one line per operation (`v1 = ln v-1`). */
  toString(opts: PrintOptions = {}): string {
    return listText(this, opts);
  }

  /** The list as a Markdown table. */
  toMarkdown(opts: PrintOptions = {}): string {
    return listMarkdown(this, opts);
  }

  /** The list as plain data: inputs, lines (with nested bodies) and outputs. */
  toJSON(): unknown {
    return listJSON(this);
  }

  /** Graphviz DOT of the list (the survey's Figure 1); bodies of nested lines are clusters. */
  toDot(opts: PrintOptions = {}): string {
    return listDot(this, opts);
  }

  private numberingCache: Int32Array | null = null;
  private numberingFor = -1;

  /** Survey index per variable, recomputed when lines were added since. */
  private numbering(): Int32Array {
    if (this.numberingCache !== null && this.numberingFor === this.stmts.length) return this.numberingCache;
    const idx = new Int32Array(this.avals.length);
    for (let i = 0; i < this.nIn; i++) idx[i] = i - this.nIn + 1;
    let k = 1;
    for (const s of this.stmts) if (s.kind === "eqn") for (let j = 0; j < s.nOut; j++) idx[s.out + j] = k++;
    this.numberingCache = idx;
    this.numberingFor = this.stmts.length;
    return idx;
  }

  private view(): NonNullable<WengertList["views"]> {
    if (this.views !== null && this.numberingFor === this.stmts.length) return this.views;
    const idx = this.numbering();
    const operand = (a: Atom): TraceOperand => (a >= 0 ? { kind: "var", index: idx[a]! } : { kind: "const", value: this.consts.value(a) });
    const inputs: TraceInput[] = [];
    for (let i = 0; i < this.nIn; i++) inputs.push({ index: idx[i]!, name: this.names[i] ?? `x${i + 1}`, value: this.values?.[i] });
    const lines: TraceLine[] = [];
    const lineOf = new Map<TraceLine, Line>();
    for (const s of this.stmts) {
      const outs = s.kind === "eqn" ? Array.from({ length: s.nOut }, (_, j) => idx[s.out + j]!) : [];
      const view: TraceLine = {
        index: outs[0] ?? 0,
        kind: s.kind,
        op: s.kind === "value" ? "value" : s.prim.name,
        args: s.ins.map(operand),
        params: s.kind === "value" ? undefined : s.params,
        value: s.kind === "eqn" && s.nOut === 1 ? this.values?.[s.out] : s.kind === "guard" ? s.expect : s.kind === "value" ? s.value : undefined,
        outputs: outs,
        bodies: s.kind === "eqn" ? bodiesOf(s) : [],
      };
      lines.push(view);
      lineOf.set(view, s);
    }
    const outputs = this.outs.map((a, i) => ({ name: this.outs.length === 1 ? this.outputName : `${this.outputName}${i + 1}`, operand: operand(a) }));
    this.views = { inputs, lines, outputs, lineOf };
    return this.views;
  }
}

/** The nested programs of a line (none for an ordinary primitive). */
export function bodiesOf(e: Eqn): readonly Body[] {
  return e.prim.bodies?.(e.params) ?? NO_BODIES;
}
const NO_BODIES: readonly Body[] = [];

const NUMBER: Aval = Object.freeze({ shape: Object.freeze([]) as readonly number[], dtype: "number", js: true });
const BOOL: Aval = Object.freeze({ shape: Object.freeze([]) as readonly number[], dtype: "bool", js: true });

function avalOfConst(v: Tensor): Aval {
  if (typeof v === "number") return NUMBER;
  if (typeof v === "boolean") return BOOL;
  return { shape: v.shape, dtype: v.dtype, js: false };
}

/** A copy of `src` with its own statements (optimize rewrites operands in place). */
export function copyList(src: WengertList): WengertList {
  const dst = new WengertList(src.names);
  const map = new Int32Array(src.avals.length).fill(-1);
  for (let i = 0; i < src.nIn; i++) map[i] = dst.addInput(src.avals[i]!);
  const atom = (a: Atom): Atom => (a >= 0 ? map[a]! : dst.constAtom(src.consts.value(a)));
  for (const s of src.stmts) {
    const ins = s.ins.map(atom);
    if (s.kind !== "eqn") { dst.stmts.push({ ...s, ins } as Line); continue; }
    const out = dst.avals.length;
    for (let j = 0; j < s.nOut; j++) map[s.out + j] = dst.addVar(src.avals[s.out + j]!);
    dst.stmts.push({ ...s, ins, out });
  }
  dst.outs = src.outs.map(atom);
  return dst;
}
