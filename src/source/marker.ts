// The mark of a function already rewritten (by fromJS at run time, or by the bundler plugin at
// build time): fromJS returns such a function as it is. A registered symbol, so that two copies
// of the library in one page agree on it.

export const REWRITTEN: unique symbol = Symbol.for("wengert.fromJS") as never;

/** What a rewritten function carries besides itself. */
export interface RewrittenInfo<F> {
  /** The rewritten JavaScript that runs in place of the function as written. */
  readonly source: string;
  /** The function as written (for a build-time rewrite: the rewritten one itself). */
  readonly original: F;
}

export function isRewritten(f: unknown): boolean {
  return typeof f === "function" && (f as unknown as Record<symbol, unknown>)[REWRITTEN] === true;
}

/** Marks `fn` as rewritten, with its rewritten source. */
export function markRewritten<F extends object>(fn: F, source: string, original: unknown): F {
  Object.defineProperties(fn, {
    [REWRITTEN]: { value: true },
    source: { value: source, enumerable: true },
    original: { value: original, enumerable: true },
  });
  return fn;
}

/**
 * What the bundler plugin's output calls on each function it rewrote: marks it (so fromJS and
 * `.source` work on it as on a run-time rewrite) and returns it.
 */
export function built<F extends object>(fn: F): F {
  if (isRewritten(fn)) return fn;
  return markRewritten(fn, Function.prototype.toString.call(fn), fn);
}
