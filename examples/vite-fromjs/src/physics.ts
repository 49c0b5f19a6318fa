// Ordinary TypeScript: operators, Math, loops, closures over module constants. The directive
// "use wengert" asks the build (vite.config.ts) to make each function differentiable.

const DAMPING = 0.1;

/** The survey's example, f(x1, x2) = ln x1 + x1·x2 − sin x2. */
export function survey(x1: number, x2: number): number {
  "use wengert";
  return Math.log(x1) + x1 * x2 - Math.sin(x2);
}

/** Rosenbrock's function as a loop over a Float64Array. */
export function rosenbrock(x: Float64Array): number {
  "use wengert";
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!, b = 1 - x[i]!;
    s += 100 * a * a + b * b;
  }
  return s;
}

/** A damped pendulum, integrated with semi-implicit Euler; the final angle as a function of the initial one. */
export const pendulum = (theta0: number, steps: number): number => {
  "use wengert";
  let theta = theta0, omega = 0;
  const dt = 0.01;
  for (let k = 0; k < steps; k++) {
    omega += dt * (-Math.sin(theta) - DAMPING * omega);
    theta += dt * omega;
  }
  return theta;
};
