// Compiled code for a line with several outputs that runs as a kernel (checkpoint, whileSnapshots,
// whileReverse): a call of the primitive's impl, its outputs the kernel's array of results. The
// count comes from the params (a line lowered alone, compile/loop-eval.ts, has nOut 0).

import type { Eqn } from "../../core/ir.js";
import type { EmitContext } from "../../core/lowering.js";

export function kernelLine<P>(count: (p: P) => number): (line: Eqn, ctx: EmitContext) => string[] {
  return (line, ctx) => {
    const r = ctx.fresh();
    const out = [`const ${r} = ${ctx.constant(line.prim.impl)}([${line.ins.map((a) => ctx.atom(a)).join(", ")}], ${ctx.constant(line.params)}, undefined);`];
    const n = count(line.params as P);
    for (let j = 0; j < n; j++) out.push(`const ${ctx.local(line.out + j)} = ${r}[${j}];`);
    return out;
  };
}
