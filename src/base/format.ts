// Values shown in error messages, shortly and without ever throwing. This layer imports
// nothing of the project, so every other layer can use it.

/** What a value is, for "argument 1 is …" messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a plain JS array (wrap it with array(...))";
  return typeof v === "object" ? `an object (${Object.prototype.toString.call(v)})` : `a ${typeof v} (${String(v)})`;
}

/**
 * Any value, shortly, for an error message. Never throws: JSON.stringify does on BigInts,
 * and template literals do on Symbols, which turned a user's mistake into a TypeError.
 */
export function showValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "symbol" || typeof v === "function") return String(v).slice(0, 60);
  try {
    const s = JSON.stringify(v);
    if (s !== undefined) return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    // fall through: a BigInt or a cycle inside
  }
  return Object.prototype.toString.call(v);
}
