// The tier-up policy (src/compile/tiering.ts) on a simulated clock: a bytecode variant moves to
// JavaScript only when JavaScript is measured faster, and trying costs a bounded share of the
// time in every window of calls (#7 item 12). No timing of real code here: each simulated call
// advances the clock by a cost the test chooses.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as w from "../src/index.js";
import { generate, generateSteps, type Generated, type LeafSig } from "../src/compile/codegen.js";
import { CAP_CALLS, CONFIRM, PATIENCE, REF_CALLS, tierClock, tiered, TierPolicy, SHARE } from "../src/compile/tiering.js";
import { buildVariant } from "../src/compile/variant.js";
import { flatten } from "../src/core/pytree.js";
import type { Tensor } from "../src/core/tracer.js";

interface Sim {
  /** Cost in ms of the bytecode's call k (0-based over all calls). */
  readonly bc: (k: number) => number;
  /** Cost in ms of the JavaScript's j-th call (0-based over its own calls: V8 warms up per call). */
  readonly js: (j: number) => number;
  /** Cost in ms of each step of the JavaScript's build. */
  readonly build: readonly number[];
  readonly tierUpCalls: number;
  readonly calls: number;
  /**
   * What a build step or trial of `ms` leaves for later calls, as a multiple of ms spread over
   * the next 20 calls (garbage the build made, V8 compiling the JavaScript on its threads).
   */
  readonly after?: number;
}

/** Runs the policy through `calls` calls; returns each call's cost and form, and the build's call. */
function simulate(s: Sim): { cost: number[]; form: string[]; builtAt: number; policy: TierPolicy } {
  const p = new TierPolicy(s.tierUpCalls);
  const cost: number[] = [], form: string[] = [];
  let jsCalls = 0, builtAt = -1, step = 0;
  const later = new Float64Array(s.calls + 20);
  const leave = (k: number, ms: number): void => {
    for (let j = 1; j <= 20; j++) later[k + j]! += ((s.after ?? 0) * ms) / 20;
  };
  for (let k = 0; k < s.calls; k++) {
    let c = 0;
    if (p.needsBuild) {
      const ms = s.build[step++]!, done = step === s.build.length;
      p.built(ms, done);
      c += ms;
      leave(k, ms);
      if (done) builtAt = k;
    }
    const f = p.next();
    let dt = f === "javascript" ? s.js(jsCalls++) : s.bc(k);
    if (f === "javascript") leave(k, dt);
    dt += later[k]!;
    p.ran(f, dt);
    cost.push(c + dt);
    form.push(f);
  }
  return { cost, form, builtAt, policy: p };
}

/** A build of `ms` in all: one planning step and `chunks` equal steps (codegen's generateSteps). */
const steps = (ms: number, chunks: number): number[] => [ms * 0.05, ...Array<number>(chunks).fill((ms * 0.95) / chunks)];

/** Mean cost per call in windows of 500, relative to calls 500–1,000. */
function windows(cost: readonly number[]): number[] {
  const mean = (a: number, b: number) => cost.slice(a, b).reduce((s, x) => s + x, 0) / (b - a);
  const base = mean(500, 1000);
  const out: number[] = [];
  for (let a = 500; a < cost.length; a += 500) out.push(mean(a, Math.min(a + 500, cost.length)) / base);
  return out;
}

/** Most cost per call in any window of 500 from call 1,000 on, relative to the bytecode's own in that window. */
function slowdown(cost: readonly number[], bc: (k: number) => number): number {
  let worst = 0;
  for (let a = 1000; a < cost.length; a += 500) {
    let c = 0, b = 0;
    for (let k = a; k < Math.min(a + 500, cost.length); k++) (c += cost[k]!), (b += bc(k));
    worst = Math.max(worst, c / b);
  }
  return worst;
}

describe("tier-up policy (simulated clock)", () => {
  test("JavaScript that stays slower is never switched to, and trying it costs ≤ 1.5× in every window", () => {
    const r = simulate({ bc: () => 0.3, js: () => 5, build: steps(40, 8), tierUpCalls: 1000, calls: 20_000 });
    assert.equal(r.policy.settled, "bytecode", "gave up on the JavaScript");
    assert.ok(r.form.slice(-5000).every((f) => f === "bytecode"), "runs bytecode once settled");
    const worst = Math.max(...windows(r.cost));
    assert.ok(worst <= 1.5, `worst window ${worst.toFixed(2)}× calls 500–1,000`);
    assert.ok(r.policy.trials >= PATIENCE, "tried the JavaScript before giving up");
  });

  test("JavaScript measured faster is switched to after CONFIRM wins in a row", () => {
    const r = simulate({ bc: () => 0.3, js: () => 0.1, build: steps(5, 1), tierUpCalls: 1000, calls: 3000 });
    assert.equal(r.policy.settled, "javascript");
    assert.equal(r.policy.trials, CONFIRM);
    const first = r.form.indexOf("javascript");
    assert.ok(first > 1000 && r.builtAt >= 1000 && r.builtAt < first, "builds at tierUpCalls, tries after the build's debt is repaid");
    assert.ok(r.form.slice(first + 200).every((f) => f === "javascript"));
  });

  test("JavaScript that V8 optimizes after many of its calls (the Lotka–Volterra case) keeps every window ≤ 1.5×", () => {
    // A 200 ms build in 35 chunks; 5 ms per call for its first 100 calls, then 0.1 ms: worth
    // switching once it gets there, which the trials' share of the time reaches after ~20,000 calls.
    const r = simulate({ bc: () => 0.3, js: (j) => (j < 100 ? 5 - 0.04 * j : 0.1), build: steps(200, 35), tierUpCalls: 1000, calls: 40_000 });
    const worst = Math.max(...windows(r.cost));
    assert.ok(worst <= 1.5, `worst window ${worst.toFixed(2)}×`);
    assert.equal(r.policy.settled, "javascript", "switched once the JavaScript became faster");
  });

  test("a JavaScript that is no faster by a margin never wins; noise in the bytecode's timings does not switch it", () => {
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.1;
    const r = simulate({ bc: () => 0.3 + noise(), js: () => 0.27, build: steps(5, 1), tierUpCalls: 100, calls: 20_000 });
    assert.equal(r.policy.settled, "bytecode");
  });

  test("trial time stays within SHARE of the bytecode time (plus one trial)", () => {
    const r = simulate({ bc: () => 0.3, js: () => 3, build: [0], tierUpCalls: 1, calls: 5000 });
    let bc = 0, js = 0;
    r.form.forEach((f, k) => (f === "bytecode" ? (bc += r.cost[k]!) : (js += r.cost[k]!)));
    assert.ok(js <= SHARE * bc + 3, `trials ${js} ms against bytecode ${bc} ms`);
  });

  test("what a build leaves for later calls (GC, V8's compiler threads) is charged too: no window > 1.5× the bytecode's", () => {
    // Measured on the Lotka–Volterra gradient: calls between build steps were 1–2.5× the
    // steps' own time slower in all; a policy that charges only the steps spends that on top.
    // The second case's bytecode gets 3× faster at call 1,500 (V8 speeds W2's interpreter up):
    // the share must follow it down.
    for (const bc of [() => 0.17, (k: number) => (k < 1500 ? 0.18 : 0.06)]) {
      const r = simulate({ bc, js: () => 0.6, build: Array<number>(300).fill(0.4), after: 2, tierUpCalls: 1000, calls: 10_000 });
      const worst = slowdown(r.cost, bc);
      assert.ok(worst <= 1.5, `worst window ${worst.toFixed(2)}× the bytecode's`);
    }
  });

  test("a first trial that costs 100 bytecode calls (V8 compiling it) buys no burst of trials after it", () => {
    // The credit is capped at CAP_CALLS calls' worth, whatever the last trial cost: trials stay
    // spread out, at most one per call and only while the credit is not negative.
    const r = simulate({ bc: () => 0.06, js: (j) => (j === 0 ? 6 : 0.3), build: Array<number>(20).fill(0.1), tierUpCalls: 1000, calls: 10_000 });
    let run = 0, longest = 0;
    for (const f of r.form) (run = f === "javascript" ? run + 1 : 0), (longest = Math.max(longest, run));
    assert.ok(longest <= Math.ceil(CAP_CALLS * 0.06 / 0.3) + 1, `${longest} trials in a row`);
    const worst = Math.max(...windows(r.cost));
    assert.ok(worst <= 1.5, `worst window ${worst.toFixed(2)}×`);
  });

  test("nothing is built before REF_CALLS calls have set the reference", () => {
    const r = simulate({ bc: () => 0.3, js: () => 0.1, build: [1, 1], tierUpCalls: 100, calls: 100 + REF_CALLS + 200 });
    // Calls 99 … 98 + REF_CALLS (0-based) are the first timed ones.
    assert.ok(r.builtAt >= 99 + REF_CALLS, `built at ${r.builtAt}`);
  });

  test("tierUpCalls Infinity (or below 1) never measures or builds", () => {
    for (const n of [Infinity, 0]) {
      const p = new TierPolicy(n);
      for (let k = 0; k < 10; k++) {
        assert.equal(p.needsBuild, false);
        assert.equal(p.next(), "bytecode");
        p.ran("bytecode", 1);
      }
    }
  });
});

describe("generateSteps: the JavaScript built step by step", () => {
  test("yields every stepLines lines and compiles each chunk on its own, to the same source and results as one build", () => {
    const rosen = (x: w.Value[]) => {
      let s: w.Value = 0;
      for (let i = 0; i < x.length - 1; i++) s = w.add(s, w.add(w.mul(100, w.square(w.sub(x[i + 1]!, w.square(x[i]!)))), w.square(w.sub(1, x[i]!))));
      return s;
    };
    const x = Array.from({ length: 60 }, (_, i) => Math.sin(i + 1));
    const { def, leaves } = flatten([x]);
    const o = { chunkSize: 150, bytecodeMin: Infinity, tierUpCalls: Infinity, optimize: true, fuse: true, codegen: true };
    const v = buildVariant(w.grad(rosen), def, leaves as Tensor[], "k", o)!.variant;
    const sigs: LeafSig[] = leaves.map(() => ({ kind: "number" }));
    const whole = generate(v.trace, def, sigs, v.outDef, o);
    const steps = generateSteps(v.trace, def, sigs, v.outDef, { ...o, stepLines: 20 });
    let n = 0, r = steps.next();
    for (; r.done !== true; r = steps.next()) n++;
    const stepped = r.value;
    assert.ok(whole.chunks > 2 && stepped.chunks === whole.chunks, `${whole.chunks} chunks`);
    assert.ok(n >= 2 * (v.trace.stmts.length / 20), `${n} steps for ${v.trace.stmts.length} lines`);
    assert.equal(stepped.source, whole.source);
    assert.deepEqual(stepped.run([x]), whole.run([x]));
    assert.deepEqual(stepped.run([x]), w.grad(rosen)(x));
  });
});

describe("tiered(): a variant on the policy", () => {
  const gen = (run: (a: readonly unknown[]) => unknown, source: string): Generated =>
    ({ source, run, chunks: 1, bytecodeLines: source === "bc" ? 10 : 0, workspaceBytes: 0, freshBytes: 0 }) as Generated;

  test("runs bytecode until the JavaScript is measured faster, then only JavaScript, and reports the switch", () => {
    let t = 0;
    const saved = tierClock.now;
    tierClock.now = () => t;
    try {
      const ran: string[] = [];
      let switched: Generated | null = null, builds = 0;
      const bc = gen(() => ((t += 0.3), ran.push("bc"), 1), "bc");
      const js = gen(() => ((t += 0.05), ran.push("js"), 1), "js");
      const run = tiered(bc, () => (builds++, { next: () => ({ done: true as const, value: js }) }), { tierUpCalls: 10 }, (g) => (switched = g));
      for (let k = 0; k < 200; k++) assert.equal(run([]), 1);
      assert.equal(builds, 1);
      assert.equal(switched, js);
      assert.ok(ran.slice(0, 10).every((x) => x === "bc"));
      assert.ok(ran.slice(-50).every((x) => x === "js"));
    } finally {
      tierClock.now = saved;
    }
  });

  test("compile: a tiered variant gives the same results whichever form runs", () => {
    let t = 0;
    const saved = tierClock.now;
    // Every call costs the same on this clock: JavaScript is never faster, so it stays bytecode.
    tierClock.now = () => (t += 1);
    try {
      const f = (x: w.Value, y: w.Value) => w.add(w.mul(w.sin(x), y), w.atan2(x, w.exp(y)));
      const g = w.compile(w.valueAndGrad(f, { argnums: [0, 1] }), { bytecodeMin: 1, tierUpCalls: 3 });
      const want = w.valueAndGrad(f, { argnums: [0, 1] })(0.7, -1.3);
      for (let k = 0; k < 300; k++) assert.deepEqual(g(0.7, -1.3), want);
      assert.ok(g.lastCompiled!.stats.bytecodeLines > 0, "stayed bytecode");
    } finally {
      tierClock.now = saved;
    }
  });
});
