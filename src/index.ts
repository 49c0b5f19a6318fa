// wengert: automatic differentiation for TypeScript.
// Forward and reverse mode on numbers and n-d arrays, to any order, with the evaluation
// trace (the Wengert list) made visible.

export { NDArray, array, zeros, ones, full, arange, linspace } from "./array/ndarray.js";
export { setPrintOptions, getPrintOptions, formatArray } from "./array/print.js";
export type { ArrayPrintOptions } from "./array/print.js";
export type { DType, FloatDType, Shape, NestedNumbers, ArrayJSON, NestedJSON, JSONElement } from "./array/ndarray.js";
export * from "./base/errors.js";
export { setKernelOptions, kernelInfo, kernelsReady } from "./array/wasm/info.js";
export type { KernelOptions, KernelInfo } from "./array/wasm/info.js";
export { ZERO, Tracer } from "./core/tracer.js";
export type { Value, Tensor } from "./core/tracer.js";
export {
  add, sub, mul, div, pow, atan2, maximum, minimum,
  neg, exp, log, ln, log1p, expm1, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, sqrt, abs, sign, square,
  greater, greaterEqual, less, lessEqual, equal, notEqual, where, stopGradient, value, toScalar, astype,
  sum, mean, max, min, reshape, transpose, broadcastTo, slice, concat, stack, pad, take, gather, matmul, dot,
} from "./ops/api.js";
export type { Operand } from "./ops/api.js";
export { remainder, floor, ceil, round, trunc } from "./ops/rounding.js";
export { erf, erfc, isnan, isfinite, argmax, argmin, cumsum, argsort, takeAlongAxis, scatterAlongAxis } from "./ops/extra.js";
export { clip, prod, cumprod, variance, variance as var, std, eye, expandDims, squeeze, flatten, split, tile, repeat, sort, gelu, logaddexp, oneHot } from "./lib/array-ops.js";
export type { VarOptions } from "./lib/array-ops.js";
export * as tree from "./lib/tree.js";
export * as random from "./lib/random.js";
export * as linalg from "./lib/linalg.js";
export {
  chain, applyUpdates, scale, scaleBySchedule, scaleByLearningRate, scaleByAdam, scaleByRms, scaleByRss, traceMomentum, addDecayedWeights, clipByGlobalNorm,
  sgd, momentum, adam, adamw, rmsprop, adagrad,
  constantSchedule, linearSchedule, exponentialDecay, cosineDecay, warmupCosineDecay, warmupExponentialDecay,
} from "./lib/optim/index.js";
export type {
  GradientTransformation, OptState, Schedule, LearningRate, AdamOptions, RmsOptions, RssOptions, DecayMask, SgdOptions, AdamWOptions, RmspropOptions, ExponentialDecayOptions,
} from "./lib/optim/index.js";
export { minimize, leastSquares } from "./lib/minimize/index.js";
export type { MinimizeMethod, MinimizeStatus, IterationInfo, MinimizeOptions, MinimizeResult, LeastSquaresOptions, LeastSquaresResult } from "./lib/minimize/index.js";
export { sigmoid, relu, softplus, softmax, logSoftmax, logsumexp, norm, hypot } from "./lib/functions.js";
export { grad, valueAndGrad, vjp, linearize } from "./transforms/grad.js";
export { jvp } from "./transforms/jvp.js";
export { jet, derivatives } from "./transforms/taylor/jet.js";
export type { SeriesOf } from "./transforms/taylor/jet.js";
export { jacobianSparsity, hessianSparsity, SparsityPattern } from "./sparse/detect.js";
export { sparseJacobian, sparseHessian } from "./sparse/sparse-ad.js";
export type { SparseOptions } from "./sparse/sparse-ad.js";
export { SparseMatrix } from "./sparse/sparse-matrix.js";
export type { SparseMode } from "./sparse/sparse-matrix.js";
export type { Coloring } from "./sparse/coloring.js";
export { jacfwd, jacrev, jacobian, hessian, hvp } from "./transforms/jacobian.js";
export { vmap } from "./transforms/vmap.js";
export type { VmapOptions, AxisSpec, Batched, BatchedArgs } from "./transforms/vmap.js";
export type { JacobianFn, BatchOptions, JacobianOptions } from "./transforms/jacobian.js";
export type { JacobianOf, ScalarOut, ArgnumsOption } from "./transforms/args.js";
export { customJvp, customVjp } from "./transforms/custom.js";
export { scan, foriLoop, whileLoop } from "./transforms/loops/scan.js";
export type { ScanOptions, WhileOptions, SliceOf, Stacked, CarryOut } from "./transforms/loops/scan.js";
export type { CheckpointOption } from "./transforms/loops/revolve.js";
export { checkpoint } from "./transforms/checkpoint.js";
export type { CheckpointPolicy, CheckpointOptions } from "./transforms/checkpoint.js";
export { gradMemory } from "./transforms/memory.js";
export type { MemoryReport, LoopMemory } from "./transforms/memory.js";
export { WengertList } from "./core/ir.js";
export type { TraceInput, TraceLine, TraceOutput, TraceOperand, Body } from "./core/ir.js";
export type { PrintOptions, PrimalRow } from "./core/print.js";
export { toDot } from "./core/dot.js";
export { trace } from "./trace/record.js";
export type { TraceOptions } from "./trace/record.js";
export { forwardTrace, reverseTrace, DerivativeTable } from "./trace/tables.js";
export type { TraceRow, TableOptions } from "./trace/tables.js";
export {
  parse as parseExpr, print as printExpr, variables as exprVariables, compileExpr, compileExprRecord, parseAssignments, equalExpr, FUNCTIONS as EXPR_FUNCTIONS,
} from "./expr/index.js";
export type { Expr, Span, BinaryOp, FunctionName, CompiledExpr, CompiledRecordExpr } from "./expr/index.js";
export { compile } from "./compile/compile.js";
export type { Compiled, CompiledInfo, CompiledVariant, CompileOptions, CompileStats } from "./compile/compile.js";
export {
  defaultStep, richardson, numericDerivative, numericGradient, numericJvp, numericJacobian, checkGrad, GradCheck, roundingError, errorSweep, ErrorSweep,
} from "./numeric/index.js";
export type {
  Scheme as DifferenceScheme, Method as DifferenceMethod, DifferenceOptions, Estimate as NumericEstimate, RichardsonOptions, CheckGradOptions, GradCheckRow, SweepOptions, SweepRow,
} from "./numeric/index.js";
export {
  differentiate, gradientExprs, simplify, expand as expandPolynomial, Polynomial, Rational, cse, exprSize, toLatex,
} from "./symbolic/index.js";
export type { DiffOptions, SimplifyOptions, ExprSize, CseResult, Binding as CseBinding } from "./symbolic/index.js";
export { swellTable, SwellTable, logisticExpr, logisticMap, logisticExact } from "./swell/logistic.js";
export type { SwellOptions, SwellRow } from "./swell/logistic.js";
export { linePlot } from "./plot/svg.js";
export type { Series as PlotSeries, PlotOptions } from "./plot/svg.js";
export { fromJS } from "./source/fromjs.js";
export type { FromJS, FromJSOptions, FromJSInfo } from "./source/fromjs.js";
export { SourceError, FreeVariableError, UnsupportedSyntaxError, SourceUnavailableError, CodegenUnavailableError } from "./source/errors.js";
export type { SourceSite } from "./source/errors.js";

// fromJS leaves wengert's own functions as they are: it learns them from this namespace.
import * as everything from "./index.js";
import { registerLibrary } from "./source/fromjs.js";
registerLibrary(everything);
