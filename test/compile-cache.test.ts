// compile keeps IEEE semantics (the sign of zero) and bounds its cache: least recently used
// variants are dropped past cacheSize, static arguments are held weakly, retraces are counted
// and warned about once.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import * as w from "../src/index.js";
import { property } from "./helpers/check.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Runs f with console.warn captured; returns the warnings. */
function warnings(f: () => void): string[] {
  const seen: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => { seen.push(a.map(String).join(" ")); };
  try { f(); } finally { console.warn = orig; }
  return seen;
}

describe("compile keeps the sign of zero", () => {
  test("1/(x + 0) at x = −0 is +∞ on every call, as eagerly (x + 0 is +0 there, not x)", () => {
    const f = (x: number) => w.div(1, w.add(x, 0));
    const cf = w.compile(f);
    assert.equal(f(-0), Infinity);
    for (let i = 0; i < 3; i++) assert.equal(cf(-0), Infinity);
    const g = (x: number) => w.div(1, w.sub(x, -0));
    const cg = w.compile(g);
    for (let i = 0; i < 3; i++) assert.equal(cg(-0), Infinity);
  });

  test("arrays: x + zeros keeps IEEE semantics elementwise", () => {
    const f = (x: w.NDArray) => w.div(1, w.add(x, w.zeros([3])));
    const cf = w.compile(f);
    const x = w.array([-0, 0, 2]);
    for (let i = 0; i < 2; i++) assert.deepEqual([...(cf(x) as w.NDArray).data], [Infinity, Infinity, 0.5]);
  });

  test("exact identities still fold: x + (−0), x − 0, 1·x are x", () => {
    for (const f of [(x: number) => w.add(x, -0), (x: number) => w.sub(x, 0), (x: number) => w.mul(1, x)]) {
      const cf = w.compile(f);
      cf(-0);
      assert.ok(Object.is(cf(-0), -0));
      assert.equal(cf.lastCompiled!.stats.lines, 0, "folded away");
    }
  });

  test("random programs on ±0, ±1 constants agree with eager mode bit for bit, sign of zero included", () => {
    const consts = [0, -0, 1, -1];
    const ops = [w.add, w.sub, w.mul, w.div] as ((a: w.Value, b: w.Value) => w.Value)[];
    property((r) => {
      const steps = Array.from({ length: 4 }, () => ({ op: ops[r.int(0, ops.length - 1)]!, c: consts[r.int(0, 3)]!, left: r.int(0, 1) === 0 }));
      const f = (x: number) => {
        let v: w.Value = x;
        for (const s of steps) v = s.left ? s.op(v, s.c) : s.op(s.c, v);
        return w.div(1, v as number);
      };
      const cf = w.compile(f);
      for (const x of [-0, 0, 1, -1]) {
        cf(x);
        assert.ok(Object.is(cf(x), f(x)), `${steps.map((s) => `${s.op.name} ${s.left ? "x," : ""}${s.c}`).join(" | ")} at ${Object.is(x, -0) ? "-0" : x}: ${cf(x)} vs ${f(x)}`);
      }
    }, 60);
  });
});

describe("compile bounds its variant cache", () => {
  const f = (x: w.NDArray) => w.sum(w.sin(x));

  test("past cacheSize the least recently used variants are dropped; results stay right", () => {
    const cf = w.compile(f, { cacheSize: 8, warnRetraces: false });
    for (let n = 1; n <= 30; n++) assert.ok(Math.abs(w.toScalar(cf(w.ones([n]))) - n * Math.sin(1)) < 1e-13);
    assert.equal(cf.variants.length, 8);
    assert.equal(cf.stats.traces, 30);
    assert.equal(cf.stats.retraces, 29);
    assert.equal(cf.stats.evictions, 22);
    assert.deepEqual(cf.variants.map((v) => v.key), Array.from({ length: 8 }, (_, i) => `[float64[${23 + i}]]`));
    // An evicted signature traces again; a held one does not.
    cf(w.ones([30]));
    assert.equal(cf.stats.traces, 30);
    assert.ok(Math.abs(w.toScalar(cf(w.ones([1]))) - Math.sin(1)) < 1e-15);
    assert.equal(cf.stats.traces, 31);
    assert.equal(cf.variants.length, 8);
  });

  test("the default holds 64 variants", () => {
    const cf = w.compile(f, { warnRetraces: false });
    for (let n = 1; n <= 70; n++) cf(w.ones([n]));
    assert.equal(cf.variants.length, 64);
    assert.equal(cf.stats.capacity, 64);
    assert.equal(cf.stats.evictions, 6);
  });

  test("a recently used variant is kept over older ones", () => {
    const cf = w.compile(f, { cacheSize: 2, warnRetraces: false });
    const a = w.ones([1]), b = w.ones([2]), c = w.ones([3]);
    cf(a); cf(b); cf(a); cf(c);
    assert.deepEqual(cf.variants.map((v) => v.key).sort(), ["[float64[1]]", "[float64[3]]"]);
  });

  test("bad cacheSize and warnRetraces options are refused", () => {
    assert.throws(() => w.compile(f, { cacheSize: 0 }), w.ArgumentError);
    assert.throws(() => w.compile(f, { warnRetraces: -1 }), w.ArgumentError);
  });
});

describe("static arguments are held weakly", () => {
  // A class instance is a static leaf (plain objects are containers whose leaves are traced).
  class Opts { constructor(readonly k: number) {} }

  test("fresh static objects per call are collectable, and their variants go with them", async () => {
    const f = (x: number, o: Opts) => ({ y: w.mul(x, o.k), o });
    const cf = w.compile(f, { warnRetraces: false });
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 40; i++) {
      const o = new Opts(i);
      const r = cf(2, o) as { y: number; o: object };
      assert.equal(r.y, 2 * i);
      assert.equal(r.o, o, "the output hands back the argument's own object");
      refs.push(new WeakRef(o));
    }
    assert.equal(cf.stats.traces, 40);
    // The same object again runs its variant without tracing.
    const keep = new Opts(7);
    cf(1, keep);
    cf(3, keep);
    assert.equal(cf.stats.traces, 41);
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    assert.ok(alive <= 1, `${alive} of 40 static objects are still alive`);
    assert.ok(cf.variants.length <= 2, `${cf.variants.length} variants still held`);
    assert.equal((cf(5, keep) as { y: number }).y, 35);
  });
});

describe("retraces are counted and warned about once", () => {
  test("a fresh closure per call: one warning naming the cause, at the threshold", () => {
    const f = (x: number, g: (v: number) => number) => w.mul(x, g(2));
    const cf = w.compile(f);
    const seen = warnings(() => {
      for (let i = 0; i < 30; i++) cf(1, (v: number) => v + i);
    });
    assert.equal(cf.stats.retraces, 29);
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /retraced 10 times/);
    assert.match(seen[0]!, /static argument .* fresh object or closure/);
  });

  test("new shapes are named as the cause; the threshold is an option; false silences", () => {
    const f = (x: w.NDArray) => w.sum(x);
    const cf = w.compile(f, { warnRetraces: 3 });
    const seen = warnings(() => { for (let n = 1; n <= 6; n++) cf(w.ones([n])); });
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /retraced 3 times.*new structure, dtype or shape/);
    const quiet = w.compile(f, { warnRetraces: false });
    assert.deepEqual(warnings(() => { for (let n = 1; n <= 20; n++) quiet(w.ones([n])); }), []);
    assert.equal(quiet.stats.retraces, 19);
  });

  test("branches are retraces too; a cached signature replays without one", () => {
    const cf = w.compile((x: number) => (w.greater(x, 0) ? w.sin(x) : w.cos(x)));
    cf(1); cf(-1); cf(2); cf(-2);
    assert.equal(cf.stats.traces, 2);
    assert.equal(cf.stats.retraces, 1);
    assert.equal(cf.stats.guardMisses, 1);
    assert.equal(cf.counts.traces, 2, "counts is the same as stats");
  });
});
