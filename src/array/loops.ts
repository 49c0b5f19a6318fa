// The loops of an elementwise kernel, and the generic form of them.
//
// Each elementwise primitive needs its OWN loop functions: V8 keeps call-site feedback per
// function literal, so one shared loop calling `f` through a parameter sees every primitive's
// scalar function, goes megamorphic and stops inlining (5–10 × slower on cheap ops). The
// per-primitive loops are therefore literal source, written out by scripts/gen-loops.ts into
// loops.generated.ts; none is made at run time, so the library needs no `new Function` or
// `eval` (a page whose Content-Security-Policy forbids 'unsafe-eval' can load it). The generic
// loops below serve a primitive that loops.generated.ts does not know yet (correct, slower;
// test/kernel-loops.test.ts fails until it is regenerated).

import type { TypedData } from "./ndarray.js";

export type UnaryScalar = (a: number) => number | boolean;
export type BinaryScalar = (a: number, b: number) => number | boolean;

/** O[i] = f(A[i]) for i < n. */
export type UnaryLoop = (A: TypedData, O: TypedData, n: number) => void;

/** Binary loops over n elements from offsets a, b, o: array–array, array–scalar, scalar–array. */
export interface BinaryLoops {
  vv(A: TypedData, a: number, B: TypedData, b: number, O: TypedData, o: number, n: number): void;
  vs(A: TypedData, a: number, y: number, O: TypedData, o: number, n: number): void;
  sv(x: number, B: TypedData, b: number, O: TypedData, o: number, n: number): void;
}

export function genericUnary(f: UnaryScalar): UnaryLoop {
  return (A, O, n) => {
    for (let i = 0; i < n; i++) O[i] = f(A[i]!) as number;
  };
}

export function genericBinary(f: BinaryScalar): BinaryLoops {
  return {
    vv(A, a, B, b, O, o, n) { for (let i = 0; i < n; i++) O[o + i] = f(A[a + i]!, B[b + i]!) as number; },
    vs(A, a, y, O, o, n) { for (let i = 0; i < n; i++) O[o + i] = f(A[a + i]!, y) as number; },
    sv(x, B, b, O, o, n) { for (let i = 0; i < n; i++) O[o + i] = f(x, B[b + i]!) as number; },
  };
}
