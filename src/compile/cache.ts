// The variant cache of one compiled function: variants keyed by the arguments' signature,
// bounded (least recently used variants are dropped past `capacity`), holding static
// arguments weakly, and counting retraces.
//
// A signature is the arguments' pytree structure, each leaf's kind (a JS number, or an array's
// dtype and shape) and every static leaf: primitives by value, objects and functions by
// identity. Objects are keyed by an id from a WeakMap, so a key never keeps its object alive,
// and when such an object is collected the variants keyed on it (which no call can reach any
// more) are dropped. The generated code checks static objects through a WeakRef (codegen.ts).

import { NDArray } from "../array/ndarray.js";
import type { TreeDef } from "../core/pytree.js";
import type { Tensor } from "../core/tracer.js";

/** What the cache needs of a variant. */
export interface Cached {
  readonly key: string;
}

interface Entry<V> {
  readonly variants: V[];
  /** Staging aborted (f closes over a tracer of an enclosing transform): always run f eagerly. */
  eager: boolean;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function isObjectLike(v: unknown): v is object {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}

function staticKey(v: unknown): string {
  if (isObjectLike(v)) {
    let id = objectIds.get(v);
    if (id === undefined) { id = nextObjectId++; objectIds.set(v, id); }
    return `#${id}`;
  }
  return `${typeof v}:${String(v)}`;
}

/** The cache key of a call: structure, leaf kinds and shapes, static leaves. */
export function keyOf(def: TreeDef, leaves: readonly Tensor[]): string {
  let i = 0;
  const walk = (d: TreeDef): string => {
    switch (d.kind) {
      case "leaf": { const l = leaves[i++]!; return l instanceof NDArray ? `${l.dtype}[${l.shape.join(",")}]` : "n"; }
      case "typed": i++; return `${d.dtype}Array(${d.length})`;
      case "array": return `[${d.children.map(walk).join(",")}]`;
      case "object": return `{${d.keys.map((k, j) => `${JSON.stringify(k)}:${walk(d.children[j]!)}`).join(",")}}`;
      case "static": return staticKey(d.value);
    }
  };
  return walk(def);
}

/** The static objects and functions of a tree (the leaves keyed by identity). */
export function staticObjects(def: TreeDef, out: object[] = []): object[] {
  if (def.kind === "static") { if (isObjectLike(def.value)) out.push(def.value); }
  else if (def.kind === "array" || def.kind === "object") for (const c of def.children) staticObjects(c, out);
  return out;
}

/** Why a call traced a new variant: a signature never seen, one whose static objects are new, or a branch not yet traced. */
export type TraceReason = "signature" | "static" | "branch";

export interface CacheStats {
  /** Calls that traced a new variant. */
  traces: number;
  /** Traces after the first (a new signature, a new static object, a new branch). */
  retraces: number;
  /** Variants dropped to keep the cache within its capacity (least recently used first). */
  evictions: number;
  /** Calls run eagerly (the variant limit of a signature reached, or f not stageable). */
  eager: number;
  /** Calls under an enclosing transform, replayed through the ops. */
  replays: number;
  /** Calls whose arguments took a branch no cached variant had. */
  guardMisses: number;
}

export class VariantCache<V extends Cached> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Every variant held, least recently used first. */
  private readonly recency = new Set<V>();
  readonly stats: CacheStats = { traces: 0, retraces: 0, evictions: 0, eager: 0, replays: 0, guardMisses: 0 };
  /** Drops the entries of keys whose static objects were collected. */
  private readonly collected = new FinalizationRegistry<string>((key) => this.dropKey(key));

  constructor(readonly capacity: number) {}

  /** The variants held, least recently used first. */
  held(): V[] {
    return [...this.recency];
  }

  entry(key: string): Entry<V> | undefined {
    return this.entries.get(key);
  }

  /** The entry for `key`, created empty on first use (its static objects are watched). */
  entryFor(key: string, statics: readonly object[]): Entry<V> {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { variants: [], eager: false };
      this.entries.set(key, e);
      for (const o of statics) this.collected.register(o, key);
    }
    return e;
  }

  /** Why tracing `key` now is a retrace (or null for the function's first trace). */
  reason(key: string, entry: Entry<V>): TraceReason | null {
    if (this.stats.traces === 0) return null;
    if (entry.variants.length > 0) return "branch";
    // The same signature up to the identity of its static objects: a fresh object or closure.
    const shape = key.replace(/#\d+/g, "#");
    if (shape !== key) for (const k of this.entries.keys()) if (k !== key && k.replace(/#\d+/g, "#") === shape) return "static";
    return "signature";
  }

  /** Marks `v` as just used. */
  touch(v: V): void {
    this.recency.delete(v);
    this.recency.add(v);
  }

  /** Adds a traced variant, then drops the least recently used others beyond the capacity. */
  add(entry: Entry<V>, v: V): void {
    this.stats.traces++;
    if (this.stats.traces > 1) this.stats.retraces++;
    entry.variants.push(v);
    this.recency.add(v);
    for (const old of this.recency) {
      if (this.recency.size <= this.capacity) break;
      if (old === v) continue;
      this.remove(old);
      this.stats.evictions++;
    }
  }

  private remove(v: V): void {
    this.recency.delete(v);
    const e = this.entries.get(v.key);
    if (e === undefined) return;
    const i = e.variants.indexOf(v);
    if (i >= 0) e.variants.splice(i, 1);
    if (e.variants.length === 0 && !e.eager) this.entries.delete(v.key);
  }

  private dropKey(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    for (const v of e.variants.slice()) this.remove(v);
    this.entries.delete(key);
  }
}

/**
 * The tree with its static objects held through WeakRefs (for what a variant keeps: the argument
 * tree it regenerates code from, the output tree when it returns an argument's static object).
 * `only`: weaken just these objects (the others stay as they are).
 */
export function weaken(def: TreeDef, only?: ReadonlySet<object>): TreeDef {
  switch (def.kind) {
    case "static":
      return isObjectLike(def.value) && !(def.value instanceof WeakRef) && (only === undefined || only.has(def.value)) ? { kind: "static", value: new WeakRef(def.value) } : def;
    case "array": return { kind: "array", children: def.children.map((c) => weaken(c, only)) };
    case "object": return { kind: "object", keys: def.keys, children: def.children.map((c) => weaken(c, only)) };
    default: return def;
  }
}

/** A static value as held by a weakened tree: the object itself (undefined once it was collected). */
export function staticValue(v: unknown): unknown {
  return v instanceof WeakRef ? (v.deref() as unknown) : v;
}

/** The tree with weakly held static objects read back (they are alive while a call passes them). */
export function strengthen(def: TreeDef): TreeDef {
  switch (def.kind) {
    case "static": return def.value instanceof WeakRef ? { kind: "static", value: staticValue(def.value) } : def;
    case "array": return { kind: "array", children: def.children.map(strengthen) };
    case "object": return { kind: "object", keys: def.keys, children: def.children.map(strengthen) };
    default: return def;
  }
}
