// Typed errors. Every message names the op, the shapes or values involved, and the fix,
// so that no internal TypeError (or silent NaN) ever reaches a user.

/** Base class of every error wengert throws on purpose. */
export class WengertError extends Error {
  /** The op or transform that refused its input, e.g. "mul" or "grad". */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = new.target.name;
  }
}

/** Operand shapes that do not fit the op (broadcasting, matmul, reshape, axes). */
export class ShapeError extends WengertError {}

/** Operand dtypes that do not fit the op (bool in arithmetic, float32 mixed with float64). */
export class DTypeError extends WengertError {}

/** A value that is neither a number, an NDArray, nor a traced value of one. */
export class ArgumentError extends WengertError {}

/** `grad` of a function whose output is not a scalar, without a cotangent. */
export class NonScalarOutputError extends WengertError {}

/** A matrix the linear-algebra op cannot factor: singular (solve, inv, det's derivative) or not positive definite (cholesky). */
export class LinAlgError extends WengertError {}

/** A primitive reached a transform that has no rule for it. */
export class MissingRuleError extends WengertError {}

/** `argnums` that does not name the function's arguments. */
export class ArgnumsError extends WengertError {}

/**
 * A traced value was turned into a plain JS number (`x * 2`, `x > 0`, `Math.sin(x)`),
 * which would silently drop its derivative; or it was used after its transform ended.
 */
export class TracerError extends WengertError {}

/** A numerical derivative whose estimated error exceeds the tolerance asked for (numericGradient's `rtol`/`atol`). */
export class AccuracyError extends WengertError {}

/** A loop ran past its iteration limit (whileLoop's `maxIter`). */
export class IterationLimitError extends WengertError {}

/**
 * The error for a JS operator or Math function applied to an array or a traced value
 * (`a + b`, `a * 2`, `x > 0`, `Math.sin(x)`): JavaScript would concatenate strings, give NaN,
 * or silently drop a derivative. `subject` is "an NDArray" or "a traced value"; `name` its variable.
 */
export function operatorMisuse(subject: string, name: string): TracerError {
  if (typeof subject !== "string") subject = "a traced value";
  if (typeof name !== "string") name = "x";
  const consequence = subject === "an NDArray" ? "which JavaScript would turn into string concatenation or NaN" : "which would silently drop its derivative";
  return new TracerError(
    "valueOf",
    `${subject} was used with a JS operator or Math function (${name} * y, ${name} + 1, ${name} > 0, Math.sin(${name})), ${consequence}; ` +
      `use wengert's ops (add, mul, greater, sin …) or the fluent form (${name}.mul(2)), and value(${name}) for a constant copy${subject === "an NDArray" ? ` or ${name}.item() for the number in a size-1 array` : ""}`,
  );
}

/** An expression that does not parse; `column` is 1-based. */
export class ParseError extends WengertError {
  readonly column: number;
  readonly source: string;
  constructor(source: string, column: number, message: string) {
    super("parse", `${message} at column ${column}\n  ${source}\n  ${" ".repeat(Math.max(0, column - 1))}^`);
    this.column = column;
    this.source = source;
  }
}

/**
 * A batched value (inside vmap) reached something that needs one concrete answer for the whole
 * batch: a comparison that would return a JS boolean, value(x), a loop whose trip count it decides.
 */
export class BatchingError extends WengertError {}
