// Fusion of elementwise array lines (planned here, emitted by codegen). Stub: no fusion yet.
import type { Program } from "./optimize.js";
import type { Atom } from "./stage.js";

export interface FusedGroup {
  /** Index (in the program's statements) of the group's last line: where its loop is emitted. */
  readonly last: number;
  /** Operands read from outside the group. */
  readonly ins: Atom[];
  /** Variables the group defines that are read after it. */
  readonly outs: number[];
  emit(atom: (a: Atom) => string, local: (v: number) => string, fns: Map<string, string>, kconst: (v: unknown) => string): string[];
}

export interface FusionPlan {
  readonly groups: FusedGroup[];
  readonly groupAt: Map<number, FusedGroup>;
  readonly lines: number;
}

export function planFusion(_p: Program): FusionPlan {
  return { groups: [], groupAt: new Map(), lines: 0 };
}
