// Loop bodies kept from one call of a fromJS function to the next. A structured loop's body is
// traced into a list at its first step; without a cache every call traces it again (at n = 1e3
// about a quarter of an eager gradient's time). A kept list is only valid while the body computes
// the same function of its inputs, so each loop of the source keeps its lists under a key made of
// everything the body reads besides its inputs:
//
//   - the carries' types (numbers, or arrays of a dtype and shape: they are inputs of the list);
//   - each variable from outside the loop that the body reads (the rewriter passes their values):
//     a tracer by the type of its value and by which other variable holds the same tracer (the
//     list's consts are found among them by identity); a number, string, boolean, undefined or
//     null by its value (the trace baked it in as a constant); a function only when its results
//     depend on its arguments alone (the library's, and fromJS functions whose scope holds only
//     such values). Anything else — arrays, objects, typed arrays and NDArrays, whose contents may
//     change between calls, or a closure made by this call — and the loop is traced afresh.
//
// A body that called Math.random while being traced is not kept. Branches keep working as
// everywhere: a step whose values fail the kept list's guards traces a new variant from this call.

import { NDArray } from "../array/ndarray.js";
import type { TreeDef } from "../core/pytree.js";
import { concrete, Tracer } from "../core/tracer.js";
import { MAX_VARIANTS, type LoopBody } from "../transforms/loops/body.js";
import { leafType, typeText } from "../transforms/loops/carry.js";
import type { BodyKeeper } from "../transforms/loops/scan.js";

interface Kept {
  readonly body: LoopBody;
  readonly yDef: TreeDef;
  /** For each const of the body: the index of the outer variable that held it. */
  readonly slots: readonly number[];
}

/** One rewritten function's loops: per loop of its source (by index), its kept bodies by key. */
export type LoopSites = Map<string, Kept>[];

/** Keys kept per loop: a loop met with ever new constants would otherwise keep every list. */
const KEYS_PER_LOOP = 8;

/** How often a loop reused a kept body, and kept a fresh one (read by the tests). */
export const loopCacheStats = { reused: 0, kept: 0 };

/** A fresh set of loop sites, one per rewritten function (its generated prologue makes it). */
export function loopSites(): LoopSites {
  return [];
}

const constantFunctions = new WeakSet<object>();
const ids = new WeakMap<object, number>();
let nextId = 1;

/** Marks `f` as a function whose results depend on its arguments alone: a kept body may call it. */
export function trustFunction(f: object): void {
  constantFunctions.add(f);
}

/** Whether `v` may be read by a kept body as it is: a primitive, or a trusted function. */
export function isConstant(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol") || (typeof v === "function" && constantFunctions.has(v));
}

let generation = 0;
/** Drops every kept body (useStructuredLoops changes how the loops inside a body are traced). */
export function forgetLoops(): void {
  generation++;
}

let randomCalls = 0;
/** Told by Math.random inside a fromJS function: a body traced meanwhile is not kept. */
export function noteRandom(): void {
  randomCalls++;
}

/** A carry's or a traced value's type as the list sees it, or null. */
function typeKey(v: unknown): string | null {
  const c = v instanceof Tracer ? concrete(v) : v;
  return typeof c === "number" || typeof c === "boolean" || c instanceof NDArray ? typeText(leafType(c)) : null;
}

/** What an outer variable's value adds to the key (see the top of the file), or null. */
function outerKey(vals: readonly unknown[], j: number): string | null {
  const v = vals[j];
  if (v instanceof Tracer) {
    const t = typeKey(v);
    return t === null ? null : `t${vals.indexOf(v)}:${t}`;
  }
  switch (typeof v) {
    case "number": return Object.is(v, -0) ? "#-0" : `#${v}`;
    case "string": return JSON.stringify(v);
    case "boolean": case "undefined": return String(v);
    case "bigint": return `${v}n`;
    case "function": {
      if (!constantFunctions.has(v)) return null;
      let id = ids.get(v);
      if (id === undefined) ids.set(v, (id = nextId++));
      return `f${id}`;
    }
    default: return v === null ? "null" : null;
  }
}

/**
 * The keeper for one run of loop `site` (`mode`: how the runtime runs it, e.g. a scan over
 * slices), or undefined when the body reads something a key cannot describe. `outer` gives the
 * values of the variables from outside the loop that the body reads.
 */
export function keeperFor(sites: LoopSites | undefined, site: number, mode: string, carry: readonly unknown[], outer: (() => unknown[]) | undefined): BodyKeeper | undefined {
  if (sites === undefined || outer === undefined) return undefined;
  let vals: unknown[];
  try {
    vals = outer();
  } catch {
    return undefined; // a variable not yet initialised here (the body would not read it on this path)
  }
  const parts = [mode, String(generation)];
  for (const c of carry) {
    const k = typeKey(c);
    if (k === null) return undefined;
    parts.push(k);
  }
  parts.push("|");
  for (let j = 0; j < vals.length; j++) {
    const k = outerKey(vals, j);
    if (k === null) return undefined;
    parts.push(k);
  }
  const key = parts.join(" ");
  const map = (sites[site] ??= new Map());
  const e = map.get(key);
  // A list with many variants is dropped: its variants would only grow, call after call.
  const kept = e !== undefined && e.body.variants.length < MAX_VARIANTS ? { body: e.body, yDef: e.yDef, consts: e.slots.map((s) => vals[s] as Tracer) } : undefined;
  if (kept !== undefined) loopCacheStats.reused++;
  const random = randomCalls;
  return {
    kept,
    keep(body, yDef, captured) {
      const slots = captured.map((t) => vals.indexOf(t));
      if (slots.some((s) => s < 0) || randomCalls !== random) return; // a tracer reached otherwise (not kept), or randomness
      if (map.size >= KEYS_PER_LOOP) map.clear();
      map.set(key, { body, yDef, slots });
      loopCacheStats.kept++;
    },
  };
}
