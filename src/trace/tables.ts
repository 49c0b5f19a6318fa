// The survey's Tables 2 and 3: the primal trace beside its tangent trace (forward mode) or
// its adjoint trace (reverse mode). The sweeps run over the recorded Wengert list with the
// same chain-rule functions as the engine, so the tables show what grad and jvp compute.

import { NonScalarOutputError, ShapeError } from "../base/errors.js";
import { checkOptions, optionKeys } from "../base/options.js";
import type { Primitive } from "../core/primitive.js";
import { flatten } from "../core/pytree.js";
import { concrete, shapeOf, ZERO, type Tensor, type Value } from "../core/tracer.js";
import { onesLike, zerosLike } from "../transforms/args.js";
import { denseOrZero } from "../transforms/chain.js";
import type { TapeNode } from "../transforms/reverse.js";
import { mark, markdownTable, textTable, varName } from "../base/text.js";
import type { WengertList } from "../core/ir.js";
import { fmtTensor, jsonTensor, type PrintOptions } from "../core/print.js";
import { recordTrace, type TraceOptions } from "./record.js";

/** One row of a derivative table: the primal line, its value and its tangent or adjoint. */
export interface TraceRow {
  /** Left-hand side: v2, v̇2, v̄0, ẏ, x̄1. */
  readonly lhs: string;
  /** The rule in symbols: "v̇-1 × v0 + v̇0 × v-1", "v̄0 + v̄2 ∂v2/∂v0". */
  readonly expr: string;
  /** The rule with the partial derivative written out: "v̄0 + v̄2 × v-1" (reverse), or numbers substituted (forward). */
  readonly formula?: string;
  readonly value: Tensor;
  /** Reverse sweep only: true when this step adds to an adjoint already set (v̄ = v̄ + …). */
  readonly accumulate?: boolean;
}

/** Options of `forwardTrace` and `reverseTrace`: input names and printing. */
export interface TableOptions extends TraceOptions, PrintOptions {}

/** A primal trace beside a tangent or adjoint trace; printable as text, Markdown and JSON. */
export class DerivativeTable {
  constructor(
    readonly mode: "forward" | "reverse",
    readonly list: WengertList,
    readonly primal: readonly TraceRow[],
    readonly derivative: readonly TraceRow[],
    /** ẏ (forward) or x̄ (reverse), in the structure of the outputs or arguments. */
    readonly result: readonly Tensor[],
    private readonly digits: number,
  ) {}

  get title(): string {
    return this.mode === "forward" ? "Forward primal trace / forward tangent trace" : "Forward primal trace / reverse adjoint trace";
  }

  private cells(r: TraceRow): string[] {
    const c = [r.lhs, `= ${r.expr}`];
    if (r.formula !== undefined && r.formula !== r.expr) c.push(`= ${r.formula}`);
    c.push(`= ${fmtTensor(r.value, this.digits)}`);
    return c;
  }

  /** Text; `{ primal: false }` leaves out the primal trace (reverse mode) when it is printed elsewhere. */
  toString(opts: { primal?: boolean } = {}): string {
    const p = this.primal.map((r) => this.cells(r));
    const d = this.derivative.map((r) => this.cells(r));
    const adjoint = `Reverse adjoint trace (executed top to bottom; the survey prints it bottom-up)\n${textTable(d, " ")}`;
    if (this.mode === "reverse" && opts.primal === false) return adjoint;
    const pad = (rows: string[][], n: number): string[][] => rows.map((r) => [...r, ...Array<string>(Math.max(0, n - r.length)).fill("")]);
    if (this.mode === "forward") {
      // Side by side, row for row, as in the survey's Table 2.
      const pw = Math.max(...p.map((r) => r.length));
      const rows = p.map((r, i) => [...pad([r], pw)[0]!, "│", ...(d[i] ?? [])]);
      return `${this.title}\n${textTable(rows, " ")}`;
    }
    return `Forward primal trace\n${textTable(p, " ")}\n\n${adjoint}`;
  }

  /** The table as Markdown. */
  toMarkdown(): string {
    const fmt = (r: TraceRow): string => `${r.lhs} = ${r.expr}${r.formula !== undefined && r.formula !== r.expr ? ` = ${r.formula}` : ""} = ${fmtTensor(r.value, this.digits)}`;
    if (this.mode === "forward") {
      return markdownTable(["Forward primal trace", "Forward tangent trace"], this.primal.map((r, i) => [fmt(r), this.derivative[i] ? fmt(this.derivative[i]!) : ""]));
    }
    return `${markdownTable(["Forward primal trace"], this.primal.map((r) => [fmt(r)]))}\n\n${markdownTable(["Reverse adjoint trace"], this.derivative.map((r) => [fmt(r)]))}`;
  }

  /** The table as plain data. */
  toJSON(): unknown {
    const row = (r: TraceRow): unknown => ({ lhs: r.lhs, expr: r.expr, ...(r.formula === undefined ? {} : { formula: r.formula }), value: jsonTensor(r.value), ...(r.accumulate === undefined ? {} : { accumulate: r.accumulate }) });
    return {
      mode: this.mode,
      trace: this.list.toJSON(),
      primal: this.primal.map(row),
      [this.mode === "forward" ? "tangent" : "adjoint"]: this.derivative.map(row),
      result: this.result.map(jsonTensor),
    };
  }
}

/** ∂out/∂arg_i in the survey's notation, from the primitive's display entry. */
function partialText(prim: Primitive<unknown>, i: number, args: readonly string[], out: string, params: unknown): string | undefined {
  return prim.display?.partials?.[i]?.(args, out, params);
}

/** seed · ∂ written as the survey writes it: v̇, −v̇, v̇/x, v̇ × cos x. */
function applyText(seed: string, partial: string): string {
  if (partial === "1") return seed;
  if (partial === "−1") return `−${seed}`;
  if (partial.startsWith("1/")) return `${seed}/${partial.slice(2)}`;
  return `${seed} × ${partial}`;
}

function joinTerms(terms: readonly string[]): string {
  if (terms.length === 0) return "0";
  return terms.reduce((acc, t) => (t.startsWith("−") ? `${acc} − ${t.slice(1)}` : `${acc} + ${t}`));
}

function argNames(list: WengertList, node: TapeNode, digits: number): string[] {
  const parents = node.parents;
  return node.args.map((a, i) => (parents[i] ? varName(list.indexOf(parents[i]!.index)) : fmtTensor(concrete(a), digits)));
}

/** The list's primal rows (a recorded trace has every value). */
function primalRows(list: WengertList, digits: number): TraceRow[] {
  return list.rows(digits).map((r) => ({ lhs: r.lhs, expr: r.expr, value: r.value! }));
}

function leavesOf(op: string, what: string, tree: unknown, expected: number): Value[] {
  const { leaves } = flatten(tree);
  if (leaves.length !== expected) throw new ShapeError(op, `${what} has ${leaves.length} leaves but ${expected} are needed; give one per ${what === "tangents" ? "input" : "output"}`);
  return leaves;
}

const TABLE_KEYS = optionKeys<TableOptions>({ names: true, outputName: true, digits: true });

/**
 * The survey's Table 2 for `f` at `args` with input tangents `tangents` (same structure as
 * args): every primal line beside its tangent line, ẏ = J·ẋ at the bottom.
 */
export function forwardTrace<A extends unknown[]>(f: (...args: A) => unknown, args: A, tangents: A, opts: TableOptions = {}): DerivativeTable {
  checkOptions("forwardTrace", opts, TABLE_KEYS);
  const digits = opts.digits ?? 3;
  const { list, tape, outputLeaves } = recordTrace("forwardTrace", f as (...a: never[]) => unknown, args, opts);
  const nodes = tape.nodes;
  const seeds = leavesOf("forwardTrace", "tangents", tangents, list.inputs.length);
  const tan = tape.forward(list.inputs.map((_, i) => [nodes[i]!, seeds[i]!] as const)).map(denseOrZero);
  const rows: TraceRow[] = list.inputs.map((x, i) => ({ lhs: varName(x.index, "dot"), expr: mark(x.name, "dot"), value: concrete(seeds[i]!) }));
  for (let k = list.inputs.length; k < nodes.length; k++) {
    const node = nodes[k]!;
    const prim = node.prim!;
    const names = argNames(list, node, digits);
    const outName = varName(list.indexOf(node.index));
    // The same rule with numbers substituted (scalars only): v̇-1 × v0 + v̇0 × v-1 = 1 × 5 + 0 × 2.
    const primals = node.primals;
    const scalar = primals.every((a) => typeof concrete(a) === "number");
    const values = scalar ? primals.map((a) => fmtTensor(concrete(a), digits)) : [];
    const outValue = scalar ? fmtTensor(concrete(node.primal), digits) : "";
    const terms: string[] = [], nums: string[] = [];
    const t = tan[k]!;
    node.parents.forEach((p, i) => {
      if (!p) return;
      const ti = tan[p.index]!;
      const seedName = varName(list.indexOf(p.index), "dot");
      const pt = partialText(prim, i, names, outName, node.params);
      if (pt === undefined) {
        const withSeed = names.slice();
        withSeed[i] = seedName;
        terms.push(prim.display ? prim.display.primal(withSeed, node.params) : `J${prim.name}(${seedName})`);
      } else terms.push(applyText(seedName, pt));
      const pv = scalar ? partialText(prim, i, values, outValue, node.params) : undefined;
      if (pv !== undefined) nums.push(applyText(fmtTensor(ti === ZERO ? 0 : concrete(ti), digits), pv));
    });
    rows.push({ lhs: varName(list.indexOf(node.index), "dot"), expr: joinTerms(terms), ...(nums.length === terms.length && nums.length > 0 ? { formula: joinTerms(nums) } : {}), value: t === ZERO ? concrete(zerosLike(node.primal)) : concrete(t) });
  }
  const result = outputLeaves.map((l) => (tape.own(l) && tan[l.index] !== ZERO ? concrete(tan[l.index] as Value) : concrete(zerosLike(l))));
  list.outputs.forEach((o, i) => {
    rows.push({ lhs: mark(o.name, "dot"), expr: o.operand.kind === "var" ? varName(o.operand.index, "dot") : "0", value: result[i]! });
  });
  return new DerivativeTable("forward", list, primalRows(list, digits), rows, result, digits);
}

/**
 * The survey's Table 3 for `f` at `args`: the primal trace, then the adjoint trace in the
 * order it executes, accumulation steps (v̄ = v̄ + …) included, x̄ = Jᵀ·ȳ at the end.
 * The cotangent ȳ defaults to 1 for a scalar output.
 */
export function reverseTrace<A extends unknown[]>(f: (...args: A) => unknown, args: A, cotangent?: unknown, opts: TableOptions = {}): DerivativeTable {
  checkOptions("reverseTrace", opts, TABLE_KEYS);
  const digits = opts.digits ?? 3;
  const { list, tape, outputLeaves: outs } = recordTrace("reverseTrace", f as (...a: never[]) => unknown, args, opts);
  let cts: Value[];
  if (cotangent === undefined) {
    if (outs.length !== 1 || shapeOf(outs[0]!).some((d) => d !== 1)) {
      throw new NonScalarOutputError("reverseTrace", `the function has ${outs.length} output leaves of shapes ${outs.map((o) => `[${shapeOf(o).join(",")}]`).join(", ")}; pass a cotangent ȳ with the output's structure`);
    }
    cts = [onesLike(outs[0]!)];
  } else cts = leavesOf("reverseTrace", "cotangent", cotangent, outs.length);
  const rows: TraceRow[] = [];
  const seeds: [TapeNode, Value][] = [];
  outs.forEach((l, i) => {
    if (!tape.own(l)) return;
    seeds.push([l, cts[i]!]);
    rows.push({ lhs: varName(list.indexOf(l.index), "bar"), expr: mark(list.outputs[i]!.name, "bar"), value: concrete(cts[i]!) });
  });
  const adj = tape.backward(seeds, (s) => {
    const prim = s.from.prim!;
    const from = varName(list.indexOf(s.from.index));
    const to = varName(list.indexOf(s.to.index));
    const fromBar = varName(list.indexOf(s.from.index), "bar");
    const toBar = varName(list.indexOf(s.to.index), "bar");
    const pt = partialText(prim, s.arg, argNames(list, s.from, digits), from, s.from.params);
    const term = `${fromBar} ∂${from}/∂${to}`;
    const written = pt === undefined ? `(∂${from}/∂${to})ᵀ ${fromBar}` : applyText(fromBar, pt);
    rows.push({
      lhs: toBar,
      expr: s.accumulate ? `${toBar} + ${term}` : term,
      formula: s.accumulate ? (written.startsWith("−") ? `${toBar} − ${written.slice(1)}` : `${toBar} + ${written}`) : written,
      value: concrete(s.adjoint),
      accumulate: s.accumulate,
    });
  });
  const result = list.inputs.map((x, i) => {
    const a = adj(i);
    const v = a === ZERO ? concrete(zerosLike(tape.nodes[i]!.primal)) : concrete(a);
    rows.push({ lhs: mark(x.name, "bar"), expr: varName(x.index, "bar"), value: v });
    return v;
  });
  return new DerivativeTable("reverse", list, primalRows(list, digits), rows, result, digits);
}
