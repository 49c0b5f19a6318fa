// The rounding error assumed in one evaluation of f, in ulps of |f|: differences cannot see
// it, and a long computation (an RK4 loss of 200 steps) rounds by several ulps, not one half.
// checkGrad measures it from the adjoints instead (roundingError) and takes at least 4 ulps.
export const NOISE_ULPS = 4;
