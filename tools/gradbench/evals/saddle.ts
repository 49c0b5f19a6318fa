// saddle (Siskind & Pearlmutter): min over p of max over q of (‖p‖² − ‖q‖²) in ℝ², both by the
// descent of descent.ts from `start`: every evaluation of the outer cost runs an inner ascent
// over q, and the outer gradient differentiates through that inner optimisation (nested AD).
// Then q = argmax for the p found. The four functions name the modes (outer, inner).

import * as w from "../../../src/index.js";
import type { Value } from "../../../src/index.js";
import type { Module, Prepared } from "../protocol.js";
import { argmin, descent, negated, type Mode, type Vec } from "./descent.js";
import { object, vector } from "./input.js";

const f = (x1: Value, y1: Value, x2: Value, y2: Value): Value =>
  w.sub(w.add(w.square(x1 as number), w.square(y1 as number)), w.add(w.square(x2 as number), w.square(y2 as number)));

/** The inner cost of q for a fixed p. */
const r2Cost = (q: Vec, p: Vec): Value => f(p[0]!, p[1]!, q[0]!, q[1]!);

/** The two descents of one (outer, inner, start): the outer one compiled, kept across runs. */
function saddleFor(outer: Mode, inner: Mode, start: Vec): () => number[] {
  const ascent = descent(inner, negated(r2Cost)); // traced by the outer derivative: not compiled itself
  const r1Cost = (p: Vec): Value => r2Cost(argmin(ascent, start, p), p);
  const outerMin = descent(outer, r1Cost, true);
  const outerMax = descent(outer, negated(r2Cost), true);
  return () => {
    const r1 = argmin(outerMin, start);
    const r2 = argmin(outerMax, start, r1);
    return [...r1, ...r2] as number[];
  };
}

function prepare(outer: Mode, inner: Mode) {
  return (input: unknown): Prepared<number[]> => {
    const run = saddleFor(outer, inner, vector(object(input).start, "input.start", 2));
    return { run, output: (r) => r };
  };
}

export const functions: Module = { rr: prepare("r", "r"), ff: prepare("f", "f"), fr: prepare("f", "r"), rf: prepare("r", "f") };
