// Steps from the variable's scale. A difference step is a fraction of the scale over which f
// varies in that variable, which a number alone does not tell: a rate of 0.12 or a harvest
// coefficient of 2e-6 varies f on its own scale (max(|x|, 1) moved the coefficient past zero
// and the ODE blew up), a weight near 0 on the unit scale (its own scale is all round-off).
// So a variable of magnitude below 1 is tried on its own scale |x| first and, when that
// estimate's error is above GOOD relative, on the unit scale too; the one with the smaller
// error estimate is kept. When the two disagree by more than both estimates allow, neither
// estimate can be trusted, and the error reported is their distance.

/** A relative error estimate at which the first scale's estimate is kept without a second. */
const GOOD = 1e-9;

/** An estimate of a number, or of a vector (with the error of each component). */
export interface Scaled {
  readonly value: number | readonly number[];
  readonly error: number;
  readonly evaluations: number;
  readonly errors?: readonly number[];
}

/** The scales to try for x, in order: |x| (x ≠ 0), then 1 when |x| < 1. */
export function scalesOf(x: number): number[] {
  const a = Math.abs(x);
  return a === 0 ? [1] : a >= 1 ? [a] : [a, 1];
}

const components = (v: number | readonly number[]): readonly number[] => (typeof v === "number" ? [v] : v);

/** `run` on x's scales (see the file comment): the better estimate, all evaluations counted. */
export function onScales<E extends Scaled>(x: number, run: (scale: number) => E): E {
  const [s0, s1] = scalesOf(x);
  const a = run(s0!);
  if (s1 === undefined || a.error <= GOOD * Math.max(0, ...components(a.value).map(Math.abs))) return a;
  const b = run(s1);
  const ea = Number.isNaN(a.error) ? Infinity : a.error, eb = Number.isNaN(b.error) ? Infinity : b.error;
  const kept = eb < ea ? b : a;
  const av = components(a.value), bv = components(b.value);
  const gaps = av.map((ai, i) => Math.abs(ai - bv[i]!));
  const apart = Math.max(0, ...gaps);
  const evaluations = a.evaluations + b.evaluations;
  if (!(apart > ea + eb)) return { ...kept, evaluations };
  // They disagree beyond both estimates: their distance is the error, component by component.
  const errors = kept.errors?.map((e, i) => Math.max(e, gaps[i]!));
  return { ...kept, evaluations, error: Math.max(kept.error, apart), ...(errors === undefined ? {} : { errors }) };
}
