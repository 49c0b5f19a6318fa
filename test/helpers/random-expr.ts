// Random expressions of the expression language (as source text), for the symbolic and
// numeric differentiation properties: every operator and function, nested a few levels.

import fc from "fast-check";

const UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "ln", "log1p", "expm1", "sqrt", "abs"] as const;
const BINARY_FN = ["pow", "atan2", "min", "max"] as const;

/** Expressions in x and y (either may be absent), at most `depth` operations deep. */
export function exprArb(depth = 4): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("x", "y") },
    { weight: 1, arbitrary: fc.constantFrom("2", "3", "0.5", "1.5", "4") },
  );
  const { e } = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", maxDepth: depth },
      { weight: 3, arbitrary: leaf },
      { weight: 4, arbitrary: fc.tuple(tie("e"), fc.constantFrom("+", "-", "*", "/"), tie("e")).map(([a, op, b]) => `(${a}) ${op} (${b})`) },
      { weight: 1, arbitrary: fc.tuple(tie("e"), fc.constantFrom("2", "3", "-1", "0.5")).map(([a, k]) => `(${a})^${k}`) },
      { weight: 1, arbitrary: fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a})^(${b})`) },
      { weight: 1, arbitrary: tie("e").map((a) => `-(${a})`) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...UNARY), tie("e")).map(([f, a]) => `${f}(${a})`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...BINARY_FN), tie("e"), tie("e")).map(([f, a, b]) => `${f}(${a}, ${b})`) },
    ),
  }));
  return e;
}

/** A point in [lo, hi]² on a grid of 1/64 (exactly representable), away from 0. */
export function pointArb(lo = 0.25, hi = 2): fc.Arbitrary<[number, number]> {
  const coord = fc.integer({ min: Math.round(lo * 64), max: Math.round(hi * 64) }).map((k) => k / 64);
  return fc.tuple(coord, coord);
}
