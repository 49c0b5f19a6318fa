// What every example shares: how it is run (full or short, printing where), and a timer.

export interface ExampleOptions {
  /** A few-second version for CI: fewer steps, the same code. */
  readonly short: boolean;
  /** Where progress and results go (console.log by default). */
  readonly log: (line: string) => void;
}

export interface Example<R> {
  readonly name: string;
  readonly description: string;
  run(opts: ExampleOptions): R;
}

/** Milliseconds since `start`, as "123 ms". */
export function elapsed(start: number): string {
  return `${(performance.now() - start).toFixed(0)} ms`;
}

/** A number to `digits` significant digits. */
export function fmt(x: number, digits = 6): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(digits);
}
