// The computational graph of a trace (the survey's Figure 1) as Graphviz DOT.

import { varName } from "./format.js";
import type { WengertList } from "./wengert.js";

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Inputs on the left, outputs on the right, one node per line of the trace labelled with its operation. */
export function toDot(list: WengertList, opts: { digits?: number } = {}): string {
  const digits = opts.digits ?? 3;
  const out: string[] = ["digraph wengert {", "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  for (const x of list.inputs) out.push(`  ${quote(varName(x.index))} [shape=box, label=${quote(`${x.name}\n${varName(x.index)}`)}];`);
  let constants = 0;
  for (const l of list.lines) {
    const v = varName(l.index);
    out.push(`  ${quote(v)} [shape=ellipse, label=${quote(`${v}\n${list.lineText(l, digits)}`)}];`);
    for (const a of l.args) {
      if (a.kind === "var") out.push(`  ${quote(varName(a.index))} -> ${quote(v)};`);
      else {
        const c = `c${constants++}`;
        out.push(`  ${quote(c)} [shape=plaintext, label=${quote(list.operandText(a, digits))}];`, `  ${quote(c)} -> ${quote(v)};`);
      }
    }
  }
  for (const o of list.outputs) {
    out.push(`  ${quote(o.name)} [shape=box, style=bold];`);
    if (o.operand.kind === "var") out.push(`  ${quote(varName(o.operand.index))} -> ${quote(o.name)};`);
  }
  out.push("}");
  return out.join("\n");
}
