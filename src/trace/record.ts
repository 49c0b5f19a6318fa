// trace(f, ...args): the evaluation trace as a Wengert list (core/ir.ts), read off the
// reverse-mode tape, so the list printed is the list differentiated. Inputs v[1−n] … v[0],
// one line per elementary operation, then the outputs; the recorded values are kept.

import { ArgumentError } from "../base/errors.js";
import { WengertList } from "../core/ir.js";
import { avalOf } from "../core/primitive.js";
import { flatten, unflatten } from "../core/pytree.js";
import { concrete, runWith, type Value } from "../core/tracer.js";
import { Tape } from "../transforms/reverse.js";
import { outputTree } from "../transforms/args.js";
import { describe } from "../base/format.js";
import { checkOptions } from "../base/options.js";
import { fnArg } from "../base/validate.js";

/** Options of `trace`: the input names. */
export interface TraceOptions {
  /** Names of the inputs in flattened order (default x1, x2, …). */
  readonly names?: readonly string[];
  /** The output's name (default y). */
  readonly outputName?: string;
}

/** A recording: the list, and the tape it was read from (whose sweeps the survey's tables show). */
export interface Recording {
  readonly list: WengertList;
  readonly tape: Tape;
  /** Output leaves as recorded (tape nodes or constants). */
  readonly outputLeaves: readonly Value[];
}

/** The tape's nodes as a list: a node's index is its variable id (inputs first, then one line per node). */
export function tapeList(tape: Tape, nInputs: number, names: readonly string[], outputLeaves: readonly Value[]): WengertList {
  const list = new WengertList(names, true);
  const atom = (v: Value): number => (tape.own(v) ? v.index : list.constAtom(concrete(v)));
  const nodes = tape.nodes;
  for (let i = 0; i < nInputs; i++) {
    const value = concrete(nodes[i]!.primal);
    list.addInput(avalOf(value), value);
  }
  for (let k = nInputs; k < nodes.length; k++) {
    const n = nodes[k]!;
    if (n.group !== null) {
      // A line with several outputs (a loop): one line, its outputs the group's nodes.
      const outs = nodes.slice(k, k + n.group.n).map((m) => concrete(m.primal));
      const first = list.addEqnN(n.prim!, n.params, n.args.map(atom), outs.map(avalOf));
      outs.forEach((v, j) => (list.values![first + j] = v));
      k += n.group.n - 1;
      continue;
    }
    const value = concrete(n.primal);
    list.addEqn(n.prim!, n.params, n.args.map(atom), avalOf(value), value);
  }
  list.outs = outputLeaves.map(atom);
  return list;
}

/** Records f on the given arguments; every number or NDArray leaf of the arguments is an input. */
export function recordTrace(op: string, f: (...args: never[]) => unknown, args: readonly unknown[], opts: TraceOptions = {}): Recording {
  fnArg(op, f);
  if (!Array.isArray(args)) throw new ArgumentError(op, `the arguments must be an array, one entry per argument of f (e.g. [2, 5]), got ${describe(args)}`);
  opts = checkOptions(op, opts);
  const tape = new Tape();
  const callArgs = args.map((a, k) => {
    const { def, leaves } = flatten(a);
    if (def.kind === "static") throw new ArgumentError(op, `argument ${k} is ${describe(a)}; trace numbers, NDArrays, or arrays/objects of them`);
    const nodes = leaves.map((l) => tape.input(l));
    return def.kind === "leaf" ? nodes[0] : unflatten(def, nodes);
  });
  const nInputs = tape.nodes.length;
  const out = runWith(tape, () => (f as (...a: unknown[]) => unknown)(...callArgs));
  const { leaves } = outputTree(op, out, true);
  const list = tapeList(tape, nInputs, opts.names ?? [], leaves);
  if (opts.outputName !== undefined) list.outputName = opts.outputName;
  return { list, tape, outputLeaves: leaves };
}

/**
 * The evaluation trace of `f` at `args`: the survey's Wengert list, as data (`inputs`,
 * `lines`, `outputs`, `toJSON()`) and as text (`toString()`, `toMarkdown()`, `toDot()`).
 */
export function trace<A extends unknown[]>(f: (...args: A) => unknown, ...args: A): WengertList {
  return recordTrace("trace", f as (...args: never[]) => unknown, args).list;
}
