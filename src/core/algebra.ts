// One statement of each elementary function's partial derivatives, read three ways.
//
// A partial is written once in its primitive's table entry (src/ops/prims.ts) as a function
// over an Algebra: the operations a derivative formula is made of. The same statement is then
// instantiated on traced values (the AD rule: src/ops/partials.ts), on strings (the trace
// tables' survey notation: the same file) and on the expression AST (symbolic
// differentiation: src/symbolic/diff.ts), so AD, the tables and symbolic differentiation agree
// by construction, the subgradient conventions at kinks included (as ChainRules.jl's
// `@scalar_rule sin(x) cos(x)` states one partial for both directions).

/** The operations partials are written with. */
export interface Algebra<T> {
  num(c: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  square(a: T): T;
  sqrt(a: T): T;
  exp(a: T): T;
  log(a: T): T;
  sin(a: T): T;
  cos(a: T): T;
  sinh(a: T): T;
  cosh(a: T): T;
  pow(a: T, b: T): T;
  /** sign(a): −1, 0 or 1 (0 at 0: the subgradient abs takes at its kink). */
  sign(a: T): T;
  /**
   * ∂max(a, b)/∂a (`largest`) or ∂min(a, b)/∂a: 1 where a is the one selected, ½ at a tie, 0
   * where b is, a NaN counting as the extreme. Under AD the 0 is a structural zero (the
   * unselected side of a select); symbolically it is (1 ± sign(a − b))/2. A final result: not
   * an operand of other operations.
   */
  pick(a: T, b: T, largest: boolean): T;
  /**
   * f(x) where x ≠ 0, and a structural zero where x = 0 (pow's convention: x⁰ is the constant
   * 1). f is given x made safe at its zeros (1 there), so that the unselected side stays finite.
   * A final result, like pick.
   */
  unlessZero(x: T, f: (safe: T) => T): T;
}

/** ∂out/∂args[i] of an elementary function, over any algebra; `out` is the function's value. */
export type Partial = <T>(A: Algebra<T>, args: readonly T[], out: T) => T;

/** An elementary function's derivative facts: one partial per argument, and its names in the expression language. */
export interface Elementary {
  readonly partials: readonly Partial[];
  /** The names src/expr calls it by (`ln` and `log`, `max` for maximum); none for operators only. */
  readonly names: readonly string[];
}
