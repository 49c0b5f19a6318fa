// The acceptance rule of GradBench's evals, as cases/README.md states it.
//
// "relative" (every eval but hello): numbers e (expected) and a (actual) match when
// |a − e| / max(1, |a| + |e|) ≤ tolerance; two integers must be equal (the eval is Python: an
// integer is a number written without fraction or exponent, so the expected values are read
// with parseJson, which keeps that distinction as Int); arrays match by length
// and element; objects by key set and key; other values must be equal; different JSON types
// never match. "isclose" (hello): |a − e| ≤ atol + rtol·|e|.

/** An integer as the JSON text wrote it (no fraction, no exponent): Python's int. */
export class Int {
  constructor(readonly value: number) {}
}

export type Tolerance =
  | { readonly kind: "relative"; readonly tolerance: number }
  | { readonly kind: "isclose"; readonly rtol: number; readonly atol: number };

/** null when `actual` matches `expected`, else where and how it differs. */
export function mismatch(expected: unknown, actual: unknown, tol: Tolerance, path = "output"): string | null {
  if (expected instanceof Int) {
    if (typeof actual !== "number") return `${path}: expected an integer, got ${describe(actual)}`;
    // Two integers must be equal; an integer and a float compare as floats.
    if (Number.isInteger(actual)) return actual === expected.value ? null : `${path}: expected the integer ${expected.value}, got ${actual}`;
    return numbers(expected.value, actual, tol, path);
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number") return `${path}: expected a number, got ${describe(actual)}`;
    return numbers(expected, actual, tol, path);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array of ${expected.length}, got ${describe(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} elements, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], tol, `${path}[${i}]`);
      if (m !== null) return m;
    }
    return null;
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return `${path}: expected an object, got ${describe(actual)}`;
    const ek = Object.keys(expected).sort(), ak = Object.keys(actual).sort();
    if (ek.join("\u0000") !== ak.join("\u0000")) return `${path}: expected the keys ${ek.join(", ")}, got ${ak.join(", ")}`;
    for (const k of ek) {
      const m = mismatch((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], tol, `${path}.${k}`);
      if (m !== null) return m;
    }
    return null;
  }
  return expected === actual ? null : `${path}: expected ${JSON.stringify(expected)}, got ${describe(actual)}`;
}

function numbers(e: number, a: number, tol: Tolerance, path: string): string | null {
  if (tol.kind === "isclose") {
    return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e) ? null : `${path}: ${a} is not close to ${e} (atol ${tol.atol}, rtol ${tol.rtol})`;
  }
  const err = Math.abs(a - e) / Math.max(1, Math.abs(a) + Math.abs(e));
  return err <= tol.tolerance ? null : `${path}: ${a} vs expected ${e} (relative error ${err.toExponential(2)} > ${tol.tolerance})`;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * JSON.parse that returns the numbers written as integers (no '.', 'e' or 'E') as Int, so that
 * the comparison can tell 2 from 2.0 as the eval's Python does.
 */
export function parseJson(text: string): unknown {
  let i = 0;
  const ws = (): void => { while (i < text.length && " \t\n\r".includes(text[i]!)) i++; };
  const fail = (what: string): never => { throw new SyntaxError(`JSON: ${what} at ${i}`); };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") { i++; return o; }
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== "string") fail("object key");
        ws();
        if (text[i++] !== ":") fail("':'");
        o[k as string] = value();
        ws();
        const d = text[i++];
        if (d === "}") return o;
        if (d !== ",") fail("',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === "]") { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        const d = text[i++];
        if (d === "]") return a;
        if (d !== ",") fail("',' or ']'");
      }
    }
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 40));
    if (m !== null) {
      i += m[0].length;
      const x = Number(m[0]);
      return m[1] === undefined && m[2] === undefined ? new Int(x) : x;
    }
    for (const [word, v] of [["true", true], ["false", false], ["null", null], ["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    return fail("a value");
  };
  const v = value();
  ws();
  if (i !== text.length) fail("end of input");
  return v;
}
