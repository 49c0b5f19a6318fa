// Running a compiled program without generating code, for environments that forbid it: a
// page whose Content-Security-Policy lacks 'unsafe-eval' (as many production sites and every
// browser extension have), `node --disallow-code-generation-from-strings`, some edge runtimes.
// There `new Function` throws an EvalError, so compile runs the same optimized program here:
// programs on numbers as bytecode in one interpreter loop (bytecode.ts), others line by line
// by the one interpreter of Wengert lists (core/evaluate.ts), each array line calling its
// primitive's kernel, as the generated code would.

import { evaluate, MISS } from "../core/evaluate.js";
import type { Atom, WengertList } from "../core/ir.js";
import { unflatten, type TreeDef } from "../core/pytree.js";
import type { Tensor } from "../core/tracer.js";
import { toBytecode } from "./bytecode.js";
import { strengthen } from "./cache.js";

let allowed: boolean | undefined;

/**
 * Whether `new Function` works here. Asked once: under a CSP the attempt itself is reported as
 * a violation, so outside Node eager code never asks (loop-eval.ts reads codeGenerationKnown).
 */
export function codeGenerationAllowed(): boolean {
  if (allowed === undefined) {
    try {
      allowed = (new Function("return 1") as () => number)() === 1;
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      allowed = false;
    }
  }
  return allowed;
}

/** What codeGenerationAllowed found, or undefined before anyone asked (asking nothing). */
export function codeGenerationKnown(): boolean | undefined {
  return allowed;
}

export const NO_CODEGEN = "code generation from strings is disallowed here (a Content-Security-Policy without 'unsafe-eval', or node --disallow-code-generation-from-strings)";

export interface Interpreted {
  /** "bytecode" for programs on numbers, "interpreter" for the list evaluated line by line. */
  readonly backend: "bytecode" | "interpreter";
  readonly bytecodeLines: number;
  /** Runs the program on the leaves of arguments whose signature was already checked; MISS when a guard fails. */
  readonly run: (leaves: readonly Tensor[]) => unknown;
}

/**
 * The program as a function of its input leaves: bytecode where it can, else core/evaluate.ts.
 * `outDef` may hold static objects weakly (cache.ts's weaken).
 */
export function interpret(p: WengertList, outDef: TreeDef): Interpreted {
  const numbers = p.avals.slice(0, p.nIn).every((a) => a.js && a.dtype === "number");
  const bc = numbers ? toBytecode(p, MISS, true) : null;
  if (bc !== null) {
    const R = new Float64Array(bc.registers);
    bc.init(R);
    const out = (a: Atom): number => (a >= 0 ? R[a]! : (p.consts.value(a) as number));
    return {
      backend: "bytecode",
      bytecodeLines: bc.lines,
      run: (leaves) => {
        for (let i = 0; i < p.nIn; i++) R[i] = leaves[i] as number;
        if (bc.run(R) === MISS) return MISS;
        return unflatten(strengthen(outDef), p.outs.map(out));
      },
    };
  }
  return {
    backend: "interpreter",
    bytecodeLines: 0,
    run: (leaves) => {
      const outs = evaluate(p, leaves);
      return outs === MISS ? MISS : unflatten(strengthen(outDef), outs);
    },
  };
}
