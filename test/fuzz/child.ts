// The junk-argument fuzz (test/fuzz.test.ts runs this in a child process, so that a hang or a
// process abort is caught and named): every export of the package, and of its random, tree
// and linalg namespaces, called with arguments drawn from a pool of junk by a seeded
// generator; a function that comes back (a transform's result) is called with junk too.
// Before each call its label goes to stdout (synchronously), so the parent knows which call
// hung or crashed; at the end one JSON line lists every throw that is not a WengertError.
//
//   node --import tsx test/fuzz/child.ts [calls per export] [seed] [skip: run only calls after this index]

import { writeSync } from "node:fs";
import * as w from "../../src/index.js";

const perExport = Number(process.argv[2] ?? 40);
let seed = Number(process.argv[3] ?? 7) >>> 0;
const skip = Number(process.argv[4] ?? -1);
const rand = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

let deep: unknown = 1;
for (let i = 0; i < 10_000; i++) deep = [deep];

/** Junk: wrong types, wrong shapes, huge and negative sizes, odd objects, real values in the wrong place. */
const POOL: readonly (readonly [string, () => unknown])[] = [
  ["undefined", () => undefined], ["null", () => null], ["NaN", () => NaN], ["Infinity", () => Infinity], ["-1", () => -1],
  ["0", () => 0], ["0.5", () => 0.5], ["3", () => 3], ["2**33", () => 2 ** 33], ["-0", () => -0], ["2**53", () => 2 ** 53],
  ['"abc"', () => "abc"], ['"1"', () => "1"], ['""', () => ""], ['"float16"', () => "float16"], ['"float32"', () => "float32"],
  ["true", () => true], ["{}", () => ({})], ["[]", () => []], ["[-1]", () => [-1]], ["[2]", () => [2]], ["[2**33]", () => [2 ** 33]],
  ["[2,3]", () => [2, 3]], ["[[1,2],[3]]", () => [[1, 2], [3]]], ["[NaN]", () => [NaN]], ["{a:1}", () => ({ a: 1 })],
  ["{n:1e9}", () => ({ n: 1e9 })], ["{axis:5}", () => ({ axis: 5 })], ["{dtype:'int8'}", () => ({ dtype: "int8" })],
  ["()=>1", () => () => 1], ["x=>x", () => (x: unknown) => x], ["x=>sin(x)", () => (x: number) => w.sin(x)], ["()=>undefined", () => () => undefined],
  ["Symbol", () => Symbol("s")], ["10n", () => 10n], ["array([1,2,3])", () => w.array([1, 2, 3])],
  ["array([[1,2],[3,4]])", () => w.array([[1, 2], [3, 4]])], ["float32 array", () => w.array([1, 2], { dtype: "float32" })],
  ["bool array", () => w.greater(w.array([1, 2]), 1)], ["Float64Array", () => Float64Array.of(1, 2)], ["Int8Array", () => Int8Array.of(1)],
  ["Map", () => new Map([[1, 2]])], ["expr x+1", () => w.parseExpr("x+1")], ["{kind:'bogus'}", () => ({ kind: "bogus" })],
  ["{kind:'num'}", () => ({ kind: "num" })], ["key", () => w.random.key(0)], ["Object.create(null)", () => Object.create(null)],
  ["deep pytree", () => deep], ["array(0-d)", () => w.array(2)], ["[1,'a']", () => [1, "a"]], ["{x:[1,2]}", () => ({ x: [1, 2] })],
];

const DEFAULTS_ARE_WORK = new Set(["swellTable"]);

const isClass = (f: unknown): boolean => typeof f === "function" && /^class\b/.test(Function.prototype.toString.call(f));

const targets: [string, (...a: unknown[]) => unknown][] = [];
const add = (prefix: string, ns: Record<string, unknown>): void => {
  for (const [k, v] of Object.entries(ns)) {
    if (typeof v === "function" && !isClass(v)) targets.push([prefix + k, v as (...a: unknown[]) => unknown]);
  }
};
add("", w as unknown as Record<string, unknown>);
add("random.", w.random as unknown as Record<string, unknown>);
add("tree.", w.tree as unknown as Record<string, unknown>);
add("linalg.", w.linalg as unknown as Record<string, unknown>);

/** A line to the parent, synchronously (so it is out before a call that hangs); the pipe may be full (EAGAIN). */
function say(s: string): void {
  const b = Buffer.from(s + "\n");
  for (let off = 0; off < b.length;) {
    try { off += writeSync(1, b, off); } catch (e) { if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e; }
  }
}
let calls = 0;

function draw(n: number): { labels: string[]; args: unknown[] } {
  const labels: string[] = [], args: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const [l, make] = pick(POOL);
    labels.push(l);
    args.push(make());
  }
  return { labels, args };
}

/** Call number `index` (each export's k-th draw has two: the call and the call of what it returned). */
function attempt(index: number, label: string, f: () => unknown): unknown {
  if (index <= skip) return undefined;
  calls++;
  say(`call ${index} ${label}`);
  try {
    const r = f();
    if (r !== null && typeof r === "object" && typeof (r as { then?: unknown }).then === "function") (r as Promise<unknown>).then(undefined, () => undefined);
    return r;
  } catch (e) {
    if (!(e instanceof w.WengertError)) {
      let error: string;
      try { error = `${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 200)}`; } catch { error = "an unprintable throw"; }
      say("leak " + JSON.stringify({ call: label, error }));
    }
    return undefined;
  }
}

let index = 0;
for (const [name, fn] of targets) {
  for (let k = 0; k < perExport; k++) {
    const { labels, args } = draw(Math.floor(rand() * 4));
    // swellTable() with no options builds Table 1 to n = 12 (seconds of real work): junk only.
    if (DEFAULTS_ARE_WORK.has(name) && (args.length === 0 || args[0] === undefined || args[0] === null || (typeof args[0] === "object" && Object.keys(args[0] as object).length === 0 && !ArrayBuffer.isView(args[0])))) args[0] = { n: "junk" };
    const inner = draw(Math.floor(rand() * 3));
    const label = `${name}(${labels.join(", ")})`;
    const r = attempt(index++, label, () => fn(...args));
    const i = index++;
    // A transform's result (or any function returned) meets junk too.
    if (typeof r === "function" && !isClass(r)) attempt(i, `${label}(${inner.labels.join(", ")})`, () => (r as (...a: unknown[]) => unknown)(...inner.args));
  }
}
say("result " + JSON.stringify({ exports: targets.length, calls: index }));
process.exit(0);
