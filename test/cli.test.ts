import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../src/cli/main.js";

test("no arguments: the survey's example with all three traces and the gradient", () => {
  const r = main([]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /f\(x1, x2\) = ln\(x1\) \+ x1\*x2 - sin\(x2\)/);
  assert.match(r.stdout, /v3\s+= sin v0\s+= -0\.959/);
  assert.match(r.stdout, /v̇5\s+= v̇4 − v̇3 .*= 5\.5/);
  assert.match(r.stdout, /v̄0\s+= v̄0 \+ v̄2 ∂v2\/∂v0\s+= v̄0 \+ v̄2 × v-1 = 1\.716/);
  assert.match(r.stdout, /∂y\/∂x1 = 5\.5\n∂y\/∂x2 = 1\.7163378145367738/);
});

test("an expression with --at, and --json", () => {
  const r = main(["x1*sin(x2)^2 + exp(x1)", "--at", "x1=1.5,x2=0.3", "--json"]);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.stdout) as { value: number; gradient: Record<string, number> };
  const [x1, x2] = [1.5, 0.3];
  assert.equal(j.value, x1 * Math.sin(x2) ** 2 + Math.exp(x1));
  assert.ok(Math.abs(j.gradient.x1! - (Math.sin(x2) ** 2 + Math.exp(x1))) < 1e-14);
  assert.ok(Math.abs(j.gradient.x2! - 2 * x1 * Math.sin(x2) * Math.cos(x2)) < 1e-14);
  assert.equal(main(["trace", "x^2", "--at", "x=3"]).code, 0);
});

test("bad input exits 2 with a message naming the problem", () => {
  const parse = main(["x1*sin(x2", "--at", "x1=1"]);
  assert.equal(parse.code, 2);
  assert.match(parse.stderr, /column 10/);
  const missing = main(["x + y", "--at", "x=1"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no value for 'y'/);
  assert.equal(main(["x + y"]).code, 2);
  assert.equal(main(["x", "--at", "x=1", "--bogus"]).code, 2);
  assert.equal(main(["x", "--at", "z=1"]).code, 2);
  assert.match(main(["--help"]).stdout, /Usage/);
});
