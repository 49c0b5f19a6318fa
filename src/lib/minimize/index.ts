// Minimizers in the style of scipy.optimize, with every derivative by AD.

export { minimize } from "./minimize.js";
export type { Method as MinimizeMethod, Status as MinimizeStatus, IterationInfo, MinimizeOptions, MinimizeResult } from "./minimize.js";
export { leastSquares } from "./least-squares.js";
export type { LeastSquaresOptions, LeastSquaresResult } from "./least-squares.js";
