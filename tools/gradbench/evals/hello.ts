// hello: square(x) = x·x and its derivative, double(x) = d/dx square(x) = 2x, by reverse mode.

import * as w from "../../../src/index.js";
import type { Module, Prepared } from "../protocol.js";
import { InputError } from "./input.js";

const square = (x: number): number => w.mul(x, x);
const cSquare = w.compile(square);
const cDouble = w.compile(w.grad(square));

function scalar(input: unknown): number {
  if (typeof input !== "number" || !Number.isFinite(input)) throw new InputError(`hello's input must be a number, got ${JSON.stringify(input)}`);
  return input;
}

function prepare(f: (x: number) => number) {
  return (input: unknown): Prepared<number> => {
    const x = scalar(input);
    return { run: () => f(x), output: (y) => y };
  };
}

export const functions: Module = { square: prepare(cSquare), double: prepare(cDouble) };
