// Symbolic differentiation of the expression AST, simplification, polynomial expansion,
// common-subexpression elimination, size counters and LaTeX.

export { differentiate, gradientExprs, isVariableName } from "./diff.js";
export type { DiffOptions } from "./diff.js";
export { simplify } from "./simplify.js";
export type { SimplifyOptions } from "./simplify.js";
export { Polynomial, CoefficientRangeError, expand } from "./polynomial.js";
export type { Monomial, Term, ToExprOptions, ExpandOptions } from "./polynomial.js";
export { Rational } from "./rational.js";
export { cse, HashCons } from "./cse.js";
export type { Binding, CseResult, CseOptions } from "./cse.js";
export { exprSize, treeCounts } from "./size.js";
export type { ExprSize } from "./size.js";
export { toLatex } from "./latex.js";
export { LIGHT, RAW, constValue } from "./build.js";
export type { Builder } from "./build.js";
