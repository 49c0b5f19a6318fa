// The expression language: parse, print, compile to wengert ops.

export { NO_SPAN, FUNCTIONS, MAX_DEPTH, isFunctionName, equalExpr } from "./ast.js";
export type { Expr, Num, Var, Neg, Binary, Call, BinaryOp, FunctionName, Span } from "./ast.js";
export { functionPrimitive } from "./functions.js";
export { parse } from "./parse.js";
export { print } from "./print.js";
export { variables, compileExpr, compileExprRecord } from "./to-function.js";
export type { CompiledExpr, CompiledRecordExpr } from "./to-function.js";
export { parseAssignments } from "./assignments.js";
