// Numerical differentiation: differences, Richardson extrapolation, gradient checking, and the error-versus-step sweep.

export {
  EPS, SCHEMES, METHODS, defaultStep, exactStep, differenceQuotient, richardson,
  numericDerivative, numericGradient, numericJvp, numericJacobian,
} from "./differences.js";
export type { Scheme, Method, DifferenceOptions, Estimate, RichardsonOptions } from "./differences.js";
export { checkGrad, GradCheck, roundingError } from "./check.js";
export type { CheckGradOptions, GradCheckRow } from "./check.js";
export { errorSweep, ErrorSweep } from "./sweep.js";
export type { SweepOptions, SweepRow, SweepModel } from "./sweep.js";
