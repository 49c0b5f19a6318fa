// The computational graph of a Wengert list (the survey's Figure 1) as Graphviz DOT: inputs on
// the left, one node per line output labelled with its operation, outputs on the right. A line
// that holds nested programs (a loop, a fused loop) is drawn as a cluster around its bodies,
// its operands feeding the bodies' inputs and the bodies' outputs feeding its own outputs.

import { ArgumentError } from "../base/errors.js";
import { varName } from "../base/text.js";
import { bodiesOf, WengertList, type Atom } from "./ir.js";
import { letterAt, lineText, operandText, printDigits, type PrintOptions } from "./print.js";

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function listDot(list: WengertList, opts: PrintOptions = {}): string {
  const digits = printDigits("toDot", opts);
  const out: string[] = ["digraph wengert {", "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  let constants = 0, clusters = 0;
  /**
   * Draws `l` with node ids prefixed by `prefix`; `inputIds`/`outputIds` are the outer nodes
   * its inputs read from and its outputs feed (none at the top level).
   */
  const draw = (l: WengertList, prefix: string, depth: number, indent: string, inputIds: readonly (string | null)[] | null, outputIds: readonly string[] | null): void => {
    const letter = letterAt(depth);
    const id = (v: number): string => quote(prefix + varName(l.indexOf(v), "", letter));
    const edgeFrom = (a: Atom, to: string): void => {
      if (a >= 0) out.push(`${indent}${id(a)} -> ${to};`);
      else {
        const c = quote(`${prefix}c${constants++}`);
        out.push(`${indent}${c} [shape=plaintext, label=${quote(operandText(l, a, digits, depth))}];`, `${indent}${c} -> ${to};`);
      }
    };
    l.inputs.forEach((x, i) => {
      const v = varName(x.index, "", letter);
      out.push(`${indent}${id(i)} [shape=box, label=${quote(inputIds === null ? `${x.name}\n${v}` : v)}];`);
      const from = inputIds?.[i];
      if (from !== undefined && from !== null) out.push(`${indent}${from} -> ${id(i)} [style=dashed];`);
    });
    for (const s of l.stmts) {
      if (s.kind !== "eqn") {
        const g = quote(`${prefix}g${constants++}`);
        out.push(`${indent}${g} [shape=diamond, label=${quote(lineText(l, s, digits, depth))}];`);
        for (const a of s.ins) edgeFrom(a, g);
        continue;
      }
      const bodies = bodiesOf(s);
      const outIds = Array.from({ length: s.nOut }, (_, j) => id(s.out + j));
      const text = lineText(l, s, digits, depth);
      if (bodies.length === 0) {
        out.push(`${indent}${outIds[0]} [shape=ellipse, label=${quote(`${varName(l.indexOf(s.out), "", letter)}\n${text}`)}];`);
        for (const a of s.ins) edgeFrom(a, outIds[0]!);
        continue;
      }
      for (let j = 0; j < s.nOut; j++) out.push(`${indent}${outIds[j]} [shape=ellipse, label=${quote(varName(l.indexOf(s.out + j), "", letter))}];`);
      // The operands reach the cluster through the bodies' inputs (constants get a node of their own).
      const operandIds = s.ins.map((a) => {
        if (a >= 0) return id(a);
        const c = quote(`${prefix}c${constants++}`);
        out.push(`${indent}${c} [shape=plaintext, label=${quote(operandText(l, a, digits, depth))}];`);
        return c;
      });
      bodies.forEach((b) => {
        const k = clusters++;
        out.push(`${indent}subgraph cluster_${k} {`, `${indent}  label=${quote(`${b.label}: ${text}`)};`, `${indent}  style=rounded;`);
        draw(b.list, `${prefix}b${k}:`, depth + 1, indent + "  ", operandIds, outIds);
        out.push(`${indent}}`);
      });
    }
    l.outputs.forEach((o, i) => {
      // A body may have more outputs than its line (a fused loop adds several into one): the rest feed the last.
      const target = outputIds === null ? undefined : outputIds[Math.min(i, outputIds.length - 1)];
      if (target === undefined) {
        out.push(`${indent}${quote(prefix + o.name)} [shape=box, style=bold];`);
        edgeFrom(l.outs[i]!, quote(prefix + o.name));
      } else edgeFrom(l.outs[i]!, `${target} [style=dashed]`);
    });
  };
  draw(list, "", 0, "  ", null, null);
  out.push("}");
  return out.join("\n");
}

/** The computational graph of a list (`trace(f, …)`, `compiled.lastCompiled.trace`) as Graphviz DOT. */
export function toDot(list: WengertList, opts: PrintOptions = {}): string {
  if (!(list instanceof WengertList)) throw new ArgumentError("toDot", "expected a Wengert list, e.g. toDot(trace(f, 2, 5)) or toDot(compiled.lastCompiled.trace)");
  return list.toDot(opts);
}
