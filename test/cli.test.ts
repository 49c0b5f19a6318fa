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

// ---------------------------------------------------------------- diff, compare, sweep, swell

const SURVEY = "ln(x1) + x1*x2 - sin(x2)";

/** An in-memory file system for --svg. */
function memoryIo(): { files: Map<string, string>; writeFile(path: string, data: string): void } {
  const files = new Map<string, string>();
  return { files, writeFile: (path, data) => void files.set(path, data) };
}

test("diff: the survey's example, plain, simplified, LaTeX, CSE and JSON", () => {
  assert.equal(main(["diff", SURVEY, "--wrt", "x1"]).stdout, "1/x1 + x2\n");
  assert.equal(main(["diff", SURVEY, "--wrt", "x2"]).stdout, "x1 - cos(x2)\n");
  assert.equal(main(["diff", SURVEY, "--wrt", "x1,x2"]).stdout, "∂f/∂x1 = 1/x1 + x2\n∂f/∂x2 = x1 - cos(x2)\n");
  assert.equal(main(["diff", SURVEY, "--wrt", "x1", "--latex"]).stdout, "\\frac{1}{x_{1}} + x_{2}\n");
  assert.equal(main(["diff", "4*x*(1-x)"]).stdout, "4*(1 - x) - 4*x\n");
  assert.equal(main(["diff", "4*x*(1-x)", "--simplify"]).stdout, "4 - 8*x\n");
  assert.equal(main(["diff", "4*x*(1-x)", "--raw"]).stdout, "(0*x + 4*1)*(1 - x) + 4*x*(0 - 1)\n");
  assert.equal(main(["diff", "sin(x^2)*sin(x^2)", "--cse"]).stdout, "t1 = x^2\nt2 = cos(t1)*(2*x)\nt3 = sin(t1)\nt2*t3 + t3*t2\n");
  const j = JSON.parse(main(["diff", SURVEY, "--wrt", "x1,x2", "--json"]).stdout) as { derivatives: { wrt: string; derivative: string; latex: string; size: { nodes: number } }[] };
  assert.deepEqual(j.derivatives.map((d) => [d.wrt, d.derivative]), [["x1", "1/x1 + x2"], ["x2", "x1 - cos(x2)"]]);
  assert.equal(j.derivatives[0]!.size.nodes, 5);
});

test("compare: the survey's example, five methods with errors, costs and times", () => {
  const r = main(["compare", SURVEY, "--at", "x1=2,x2=5", "--time", "2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^f\(x1, x2\) = ln\(x1\) \+ x1\*x2 - sin\(x2\)   at x1 = 2, x2 = 5\nf = 11\.652071455223084\n/);
  assert.match(r.stdout, /forward AD +5\.5 +1\.7163378145367738 +0 +2 forward passes \(one jvp per input\) +[\d.]+ [nµm]?s/);
  assert.match(r.stdout, /reverse AD +5\.5 +1\.7163378145367738 +\(reference\) +1 forward \+ 1 reverse pass/);
  assert.match(r.stdout, /symbolic +5\.5 +1\.7163378145367738 +0 +2 derivative expressions evaluated/);
  assert.match(r.stdout, /central differences +5\.5000000000\d* +1\.71633781\d* +[\d.]+e-1[01] +4 evaluations of f/);
  assert.match(r.stdout, /Richardson extrapolation +5\.5\d* +1\.71633781453\d* +[\d.]+e-1[3-6] +\d+ evaluations of f/);
  assert.match(r.stdout, /∂f\/∂x1 = 1\/x1 \+ x2\n  ∂f\/∂x2 = x1 - cos\(x2\)\n$/);
  // No arguments: the survey's example; --json; --markdown.
  const j = JSON.parse(main(["compare", "--time", "0", "--json"]).stdout) as { methods: { method: string; gradient: Record<string, number>; evaluations: number; maxRelError: number; secondsPerGradient: number | null }[] };
  assert.deepEqual(j.methods.map((m) => m.method), ["forward AD", "reverse AD", "symbolic", "central differences", "Richardson extrapolation"]);
  assert.deepEqual(j.methods[1]!.gradient, { x1: 5.5, x2: 1.7163378145367738 });
  assert.deepEqual(j.methods.map((m) => m.evaluations).slice(0, 4), [2, 1, 2, 4]);
  assert.ok(j.methods[3]!.maxRelError < 1e-9 && j.methods[3]!.maxRelError > 0);
  assert.equal(j.methods[0]!.secondsPerGradient, null);
  assert.match(main(["compare", "--time", "0", "--markdown"]).stdout, /^\| method \| ∂f\/∂x1 \| ∂f\/∂x2 \|/);
});

test("sweep: the survey's example, table, Markdown, JSON and SVG", () => {
  const io = memoryIo();
  const r = main(["sweep", SURVEY, "--at", "x1=2,x2=5", "--svg", "out.svg"], io);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^f\(x1, x2\) = ln\(x1\) \+ x1\*x2 - sin\(x2\)   \(x2 = 5 held fixed\)\nError of difference quotients for d\/dx1 at x1 = 2 \(exact 5\.5, by AD\)/);
  assert.equal(r.stdout.match(/^\d\.0e-\d+ /gm)?.length, 15);
  assert.match(r.stdout, /f'' = -0\.25, f''' = 0\.25 by AD/);
  assert.match(r.stdout, /plot written to out\.svg\n$/);
  assert.match(io.files.get("out.svg")!, /^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  const j = JSON.parse(main(["sweep", SURVEY, "--at", "x1=2,x2=5", "--wrt", "x2", "--schemes", "central,backward", "--json"]).stdout) as { wrt: string; exact: number; schemes: string[]; rows: unknown[] };
  assert.equal(j.wrt, "x2");
  assert.equal(j.exact, 1.7163378145367738);
  assert.deepEqual(j.schemes, ["central", "backward"]);
  assert.equal(j.rows.length, 15);
  assert.match(main(["sweep", "exp(x)", "--at", "x=0", "--markdown"]).stdout, /^\| h \| forward error \|/);
});

test("swell: Table 1, as text, Markdown, JSON and SVG", () => {
  const io = memoryIo();
  const r = main(["swell", "--n", "4", "--svg", "swell.svg"], io);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Table 1 \(Baydin et al\. 2018\), reproduced and extended/);
  assert.match(r.stdout, /\n2 +4\*x\*\(1 - x\) +4\*\(1 - x\) - 4\*x +4 - 8\*x\n/);
  assert.match(r.stdout, /16\*\(1 - 10\*x \+ 24\*x\^2 - 16\*x\^3\)/);
  assert.match(r.stdout, /\n4 +1\.3090816 +1\.3090816 /);
  assert.match(io.files.get("swell.svg")!, /^<svg /);
  const j = JSON.parse(main(["swell", "--n", "3", "--json"]).stdout) as { rows: { n: number; derivative: { text: string }; traceLines: number }[] };
  assert.deepEqual(j.rows.map((row) => row.traceLines), [0, 3, 6]);
  assert.equal(j.rows[1]!.derivative.text, "4*(1 - x) - 4*x");
  assert.match(main(["swell", "--n", "2", "--markdown"]).stdout, /^### Table 1 reproduced/);
});

test("--svg writes a real file", async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "wengert-cli-"));
  try {
    const path = join(dir, "sweep.svg");
    assert.equal(main(["sweep", "sin(x)", "--at", "x=1", "--svg", path]).code, 0);
    assert.match(readFileSync(path, "utf8"), /^<svg /);
    const bad = main(["sweep", "sin(x)", "--at", "x=1", "--svg", join(dir, "missing", "a.svg")]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^wengert: sweep: cannot write .*a\.svg: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--help on every command, --json on every command", () => {
  for (const cmd of ["trace", "diff", "compare", "sweep", "swell"]) {
    const r = main([cmd, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^wengert ${cmd} — [\\s\\S]*Usage:[\\s\\S]*--json`));
  }
  assert.match(main(["--help"]).stdout, /wengert diff[\s\S]*wengert compare[\s\S]*wengert sweep[\s\S]*wengert swell/);
  for (const argv of [["--json"], ["trace", "x^2", "--at", "x=3", "--json"], ["diff", "x^2", "--json"], ["compare", "x^2", "--at", "x=3", "--time", "0", "--json"], ["sweep", "x^2", "--at", "x=3", "--json"], ["swell", "--n", "2", "--json"]]) {
    const r = main(argv);
    assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
    assert.doesNotThrow(() => JSON.parse(r.stdout), argv.join(" "));
  }
});

test("bad input to every command: exit 2 and a one-line message", () => {
  const cases: [string[], RegExp][] = [
    [["diff"], /give an expression/],
    [["diff", "x + y"], /say which variable with --wrt/],
    [["diff", "x", "--wrt", "2x"], /--wrt takes variable names/],
    [["diff", "x", "--raw", "--simplify"], /contradict/],
    [["diff", "sin(x"], /column 6/],
    [["compare", "x + y", "--at", "x=1"], /no value for 'y'/],
    [["compare", "x"], /give the point with --at/],
    [["compare", "3"], /no variables/],
    [["compare", "x", "--at", "x=1", "--time", "soon"], /--time must be an integer/],
    [["compare", "--at", "x=1"], /--at without an expression/],
    [["sweep", "x", "--at", "x=1", "--wrt", "y"], /not a variable/],
    [["sweep", "x", "--at", "x=1", "--schemes", "sideways"], /--schemes takes/],
    [["sweep", "x", "--at", "x=1", "--svg", ""], /--svg needs a file name/],
    [["swell", "--n", "0"], /--n must be an integer in \[1, 13\]/],
    [["swell", "--n", "14"], /--n must be an integer in \[1, 13\]/],
    [["swell", "--x", "abc"], /--x must be a finite number/],
    [["swell", "x^2"], /takes no expression/],
    [["swell", "--bogus"], /Unknown option '--bogus'/],
    [["trace", "x", "--at", "x=1", "--digits", "99"], /--digits must be an integer/],
    [["x", "--at", "x=abc"], /expected a number/],
  ];
  for (const [argv, message] of cases) {
    const r = main(argv);
    assert.equal(r.code, 2, `${argv.join(" ")} exited ${r.code}: ${r.stdout}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^wengert: [^\n]+\n$/, `${argv.join(" ")}: not one line: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, message, argv.join(" "));
  }
});
