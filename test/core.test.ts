import { test } from "node:test";
import assert from "node:assert/strict";
import * as w from "../src/index.js";

const f = (x1: number, x2: number) => w.sub(w.add(w.log(x1), w.mul(x1, x2)), w.sin(x2));

test("the survey's example: value and gradient at (2, 5)", () => {
  assert.equal(f(2, 5), 11.652071455223084);
  const [y, g] = w.valueAndGrad(f, { argnums: [0, 1] })(2, 5);
  assert.equal(y, 11.652071455223084);
  assert.equal(g[0], 5.5);
  assert.equal(g[1], 1.7163378145367738);
});

test("numbers stay numbers with no transform active", () => {
  assert.equal(w.sin(2), Math.sin(2));
  assert.equal(typeof w.mul(2, 3), "number");
});
