// The evaluation trace (Wengert list) as user-visible data: inputs v[1−n] … v[0], one line
// per elementary operation v[i] = op(v[j], v[k]), then the outputs. It is read straight off
// the reverse-mode tape, so the list printed is the list differentiated.

import { ArgumentError } from "../base/errors.js";
import { flatten, unflatten } from "../core/pytree.js";
import { concrete, runWith, type Tensor, type Value } from "../core/tracer.js";
import { Tape, type TapeNode } from "../transforms/reverse.js";
import { fmtTensor, jsonTensor, markdownTable, textTable, varName } from "./format.js";

/** An operand: a variable of the trace, or a constant (a literal in the program, or a value from outside). */
export type Operand = { readonly kind: "var"; readonly index: number } | { readonly kind: "const"; readonly value: Tensor };

export interface TraceInput {
  readonly index: number;
  readonly name: string;
  readonly value: Tensor;
}

export interface TraceLine {
  readonly index: number;
  /** Primitive name, e.g. "log", "mul". */
  readonly op: string;
  readonly args: readonly Operand[];
  readonly params: unknown;
  readonly value: Tensor;
}

export interface TraceOutput {
  readonly name: string;
  readonly operand: Operand;
}

export interface PrimalRow {
  readonly lhs: string;
  readonly expr: string;
  readonly value: Tensor;
}

export interface PrintOptions {
  /** Decimals shown (default 3, as in the survey's tables). */
  readonly digits?: number;
}

export interface TraceOptions {
  /** Names of the inputs in flattened order (default x1, x2, …). */
  readonly names?: readonly string[];
}

export class WengertList {
  readonly inputs: readonly TraceInput[];
  readonly lines: readonly TraceLine[];
  readonly outputs: readonly TraceOutput[];
  /** The tape the list was read from (for the tangent and adjoint sweeps). */
  readonly tape: Tape;
  /** Maps a tape node to its survey index (inputs 1−n … 0, lines 1 …). */
  readonly indexOf: (node: TapeNode) => number;
  /** Output leaves as recorded (tape nodes or constants). */
  readonly outputLeaves: readonly Value[];

  constructor(tape: Tape, nInputs: number, names: readonly string[], outputLeaves: readonly Value[]) {
    this.tape = tape;
    this.outputLeaves = outputLeaves;
    const indexOf = (node: TapeNode): number => node.index - nInputs + 1;
    this.indexOf = indexOf;
    const operand = (v: Value): Operand => (tape.own(v) ? { kind: "var", index: indexOf(v) } : { kind: "const", value: concrete(v) });
    this.inputs = tape.nodes.slice(0, nInputs).map((n, i) => ({ index: indexOf(n), name: names[i] ?? `x${i + 1}`, value: concrete(n.primal) }));
    this.lines = tape.nodes.slice(nInputs).map((n) => ({
      index: indexOf(n),
      op: n.prim!.name,
      args: n.args.map((a) => operand(a)),
      params: n.params,
      value: concrete(n.primal),
    }));
    this.outputs = outputLeaves.map((l, i) => ({ name: outputLeaves.length === 1 ? "y" : `y${i + 1}`, operand: operand(l) }));
  }

  /** The operand as text: v-1, v3, or a constant's value. */
  operandText(o: Operand, digits = 3): string {
    return o.kind === "var" ? varName(o.index) : fmtTensor(o.value, digits);
  }

  /** One line's right-hand side in survey notation, e.g. "ln v-1" or "v-1 × v0". */
  lineText(line: TraceLine, digits = 3): string {
    const node = this.nodeOf(line.index);
    const args = line.args.map((a) => this.operandText(a, digits));
    return node.prim!.display ? node.prim!.display.primal(args, node.params) : `${line.op}(${args.join(", ")})`;
  }

  nodeOf(index: number): TapeNode {
    return this.tape.nodes[index - this.indexOf(this.tape.nodes[0]!)]!;
  }

  /** The primal trace, one row per input, line and output: v2 = v-1 × v0 = 10. */
  rows(digits = 3): PrimalRow[] {
    const rows: PrimalRow[] = this.inputs.map((x) => ({ lhs: varName(x.index), expr: x.name, value: x.value }));
    for (const l of this.lines) rows.push({ lhs: varName(l.index), expr: this.lineText(l, digits), value: l.value });
    for (const o of this.outputs) rows.push({ lhs: o.name, expr: this.operandText(o.operand, digits), value: this.outputValue(o) });
    return rows;
  }

  outputValue(o: TraceOutput): Tensor {
    return o.operand.kind === "var" ? concrete(this.nodeOf(o.operand.index).primal) : o.operand.value;
  }

  toString(opts: PrintOptions = {}): string {
    const d = opts.digits ?? 3;
    return textTable(this.rows(d).map((r) => [r.lhs, "=", r.expr, "=", fmtTensor(r.value, d)]), " ");
  }

  toMarkdown(opts: PrintOptions = {}): string {
    const d = opts.digits ?? 3;
    return markdownTable(["var", "operation", "value"], this.rows(d).map((r) => [r.lhs, r.expr, fmtTensor(r.value, d)]));
  }

  toJSON(): unknown {
    return {
      inputs: this.inputs.map((x) => ({ var: varName(x.index), index: x.index, name: x.name, value: jsonTensor(x.value) })),
      lines: this.lines.map((l) => ({
        var: varName(l.index),
        index: l.index,
        op: l.op,
        args: l.args.map((a) => (a.kind === "var" ? { var: varName(a.index) } : { const: jsonTensor(a.value) })),
        ...(l.params === undefined ? {} : { params: l.params }),
        text: this.lineText(l),
        value: jsonTensor(l.value),
      })),
      outputs: this.outputs.map((o) => ({ name: o.name, ...(o.operand.kind === "var" ? { var: varName(o.operand.index) } : { const: jsonTensor(o.operand.value) }), value: jsonTensor(this.outputValue(o)) })),
    };
  }
}

/** Records f on the given arguments; every number or NDArray leaf of the arguments is an input. */
export function recordTrace(op: string, f: (...args: never[]) => unknown, args: readonly unknown[], opts: TraceOptions = {}): WengertList {
  const tape = new Tape();
  const callArgs = args.map((a, k) => {
    const { def, leaves } = flatten(a);
    if (def.kind === "static") throw new ArgumentError(op, `argument ${k} is ${typeof a}; trace numbers, NDArrays, or arrays/objects of them`);
    const nodes = leaves.map((l) => tape.input(l));
    return def.kind === "leaf" ? nodes[0] : unflatten(def, nodes);
  });
  const nInputs = tape.nodes.length;
  const out = runWith(tape, () => (f as (...a: unknown[]) => unknown)(...callArgs));
  const { leaves } = flatten(out);
  if (leaves.length === 0) throw new ArgumentError(op, "the function returned no number or NDArray; return the value to trace");
  return new WengertList(tape, nInputs, opts.names ?? [], leaves);
}

/**
 * The evaluation trace of `f` at `args`: the survey's Wengert list, as data (`inputs`,
 * `lines`, `outputs`, `toJSON()`) and as text (`toString()`, `toMarkdown()`).
 */
export function trace<A extends unknown[]>(f: (...args: A) => unknown, ...args: A): WengertList {
  return recordTrace("trace", f as (...args: never[]) => unknown, args);
}
