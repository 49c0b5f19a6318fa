// LaTeX for an expression: \frac for division, juxtaposition or \cdot for products,
// superscripts, \sin, \ln, \sqrt{…}, |…|, and subscripts for trailing digits (x1 → x_{1}).

import type { Expr, FunctionName } from "../expr/index.js";
import { overExpr, printable } from "../expr/ast.js";

/** LaTeX for each function name (one the table adds later reads \operatorname{name}). */
const FN: Readonly<Record<FunctionName, string>> = {
  sin: "\\sin", cos: "\\cos", tan: "\\tan", asin: "\\arcsin", acos: "\\arccos", atan: "\\arctan",
  sinh: "\\sinh", cosh: "\\cosh", tanh: "\\tanh", exp: "\\exp", log: "\\log", ln: "\\ln",
  log1p: "\\operatorname{log1p}", expm1: "\\operatorname{expm1}", sqrt: "\\sqrt", abs: "\\operatorname{abs}",
  pow: "\\operatorname{pow}", atan2: "\\operatorname{atan2}", min: "\\min", max: "\\max", sign: "\\operatorname{sign}",
};

const GREEK = new Set([
  "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
  "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
  "Sigma", "Upsilon", "Phi", "Psi", "Omega",
]);

function name(n: string): string {
  const m = /^(.*?)(\d+)$/.exec(n);
  const [base, sub] = m && m[1] ? [m[1], m[2]] : [n, undefined];
  const b = GREEK.has(base) ? `\\${base}` : base.length === 1 ? base : `\\mathit{${base.replace(/_/g, "\\_")}}`;
  return sub === undefined ? b : `${b}_{${sub}}`;
}

function number(v: number): string {
  const s = String(v);
  const m = /^(.*)e([+-])(\d+)$/.exec(s);
  if (!m) return s;
  return `${m[1]} \\times 10^{${m[2] === "-" ? "-" : ""}${m[3]}}`;
}

const paren = (s: string): string => `\\left(${s}\\right)`;
const isSum = (e: Expr): boolean => e.kind === "binary" && (e.op === "+" || e.op === "-");
/** Safe as the base of a superscript: a non-negative number, a variable, or a call written with parentheses. */
const isAtomic = (e: Expr): boolean => e.kind === "num" || e.kind === "var" || (e.kind === "call" && e.name !== "pow" && e.name !== "exp" && e.name !== "sqrt");

/** The expression as LaTeX. */
export function toLatex(e: Expr): string {
  return overExpr("toLatex", printable("toLatex", e), latexImpl);
}

function latexImpl(e: Expr): string {
  switch (e.kind) {
    case "num":
      return number(e.value);
    case "var":
      return name(e.name);
    case "neg":
      return "-" + (isSum(e.arg) || e.arg.kind === "neg" ? paren(latexImpl(e.arg)) : latexImpl(e.arg));
    case "call": {
      const args = e.args.map(toLatex);
      if (e.name === "sqrt") return `\\sqrt{${args[0]}}`;
      if (e.name === "abs") return `\\left|${args[0]}\\right|`;
      if (e.name === "exp") return `e^{${args[0]}}`;
      if (e.name === "pow") return `${isAtomic(e.args[0]!) ? args[0] : paren(args[0]!)}^{${args[1]}}`;
      return `${FN[e.name] ?? `\\operatorname{${e.name}}`}${paren(args.join(", "))}`;
    }
    case "binary": {
      const l = latexImpl(e.left), r = latexImpl(e.right);
      switch (e.op) {
        case "+":
          return `${l} + ${e.right.kind === "neg" ? paren(r) : r}`;
        case "-":
          return `${l} - ${isSum(e.right) || e.right.kind === "neg" ? paren(r) : r}`;
        case "*": {
          const left = isSum(e.left) ? paren(l) : l;
          const right = isSum(e.right) || e.right.kind === "neg" ? paren(r) : r;
          // Juxtapose (16 x^{2}, 4 \left(1 - x\right)) unless a digit would run into the one before.
          return /^[0-9.]/.test(right) ? `${left} \\cdot ${right}` : `${left} ${right}`;
        }
        case "/":
          return `\\frac{${l}}{${r}}`;
        case "^":
          return `${isAtomic(e.left) ? l : paren(l)}^{${r}}`;
      }
    }
  }
}
