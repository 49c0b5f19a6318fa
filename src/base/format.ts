// Values shown in error messages, shortly and without ever throwing. This layer imports
// nothing of the project, so every other layer can use it.

/** "a bool array", "an int32 array": a noun with its indefinite article. */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

/**
 * What a value is, for "argument 1 is …" messages: never "a object" or "a undefined", never a
 * function's source. Says what the value is (a Map, a Float64Array of 3, an instance of Foo, a
 * Promise) so that the message can say what is accepted instead.
 */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  switch (typeof v) {
    case "number": return `the number ${v}`;
    case "boolean": return `the boolean ${v}`;
    case "bigint": return `the bigint ${v}n`;
    case "string": return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
    case "symbol": return `a symbol (${String(v.description ?? "")})`;
    case "function": return `a function${v.name ? ` (${v.name})` : ""}`;
  }
  if (Array.isArray(v)) return "a plain JS array (wrap it with array(...))";
  if (ArrayBuffer.isView(v)) return `${withArticle(v.constructor.name)} of length ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength}`;
  if (v instanceof Promise || typeof (v as { then?: unknown }).then === "function") return "a Promise (a value not yet computed: await it first)";
  if (v instanceof Map) return `a Map of ${v.size} ${v.size === 1 ? "entry" : "entries"}`;
  if (v instanceof Set) return `a Set of ${v.size} ${v.size === 1 ? "value" : "values"}`;
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  if (proto === null || proto === Object.prototype) {
    const keys = Object.keys(v as object);
    return `a plain object ${keys.length === 0 ? "{}" : `{ ${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", …" : ""} }`}`;
  }
  const name = proto.constructor?.name;
  return name ? `an instance of ${name}` : "an object";
}

/**
 * Any value, shortly, for an error message. Never throws: JSON.stringify does on BigInts,
 * and template literals do on Symbols, which turned a user's mistake into a TypeError.
 */
export function showValue(v: unknown): string {
  if (v === undefined) return "undefined";
  // A function shows its name, never its source (which can be long, or private).
  if (typeof v === "function") return v.name ? `function ${v.name}` : "a function";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "symbol") return String(v).slice(0, 60);
  try {
    const s = JSON.stringify(v);
    if (s !== undefined) return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    // fall through: a BigInt or a cycle inside
  }
  return Object.prototype.toString.call(v);
}
