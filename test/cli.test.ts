import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../src/cli/main.js";
import { linePlot, tickLabels } from "../src/plot/svg.js";

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
  assert.equal(parse.stderr, "wengert: parse: expected ',' or ')' to close the 'sin(' at column 4\n");
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
    [["diff", "sin(x"], /^wengert: parse: expected ',' or '\)' to close the 'sin\(' at column 1\n$/],
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

// ---------------------------------------------------------------- wording (#8 item 7)

test("an unknown command says so and lists the commands, exit 2; an expression first is still traced", () => {
  for (const argv of [["foo", "x"], ["foo"], ["tarce", "x*y", "--at", "x=1,y=2"], ["plot", "sin(x)", "--at", "x=1"]]) {
    const r = main(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.match(r.stderr, new RegExp(`^wengert: unknown command '${argv[0]}'.*the commands are trace, diff, compare, sweep, swell`), argv.join(" "));
    assert.doesNotMatch(r.stderr, /give the point/, "not the old 'give the point with --at'");
  }
  assert.match(main(["tarce", "x"]).stderr, /did you mean 'trace'\?/);
  assert.match(main(["dif", "x"]).stderr, /did you mean 'diff'\?/);
  assert.equal(main(["theta", "--at", "theta=2"]).code, 0, "a one-variable expression named by --at is an expression");
  assert.equal(main(["x", "--at", "x=2"]).code, 0);
  assert.equal(main(["x^2+1", "--at", "x=2"]).code, 0);
});

test("diff --wrt a variable the expression lacks is an error, exit 2 (not a derivative of 0)", () => {
  const r = main(["diff", "x^y", "--wrt", "z"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "wengert: diff: --wrt names 'z', which is not a variable of the expression (its variables: x, y)\n");
  assert.equal(main(["diff", "x^y", "--wrt", "x,z"]).code, 2);
  assert.equal(main(["diff", "x^y", "--wrt", "y"]).code, 0);
});

test("trace names its inputs as written; the output's name never collides with a variable's", () => {
  const r = main(["trace", "x*y", "--at", "x=2,y=3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /x1|x2/, "the survey's x1, x2 only where the expression uses them");
  assert.match(r.stdout, /Evaluation trace[^\n]*\nv-1 = x +=  ?2\nv0  = y +=  ?3\n/);
  assert.doesNotMatch(r.stdout, /^y +=? v/m, "no output row named y");
  assert.match(r.stdout, /\nf   = v1 +=  ?6\n/, "the output is f, since y is an input");
  assert.match(r.stdout, /\nf = 6\n∂f\/∂x = 3\n∂f\/∂y = 2\n/);
  assert.match(r.stdout, /ȳ   = v̄0 +=  ?2/, "ȳ is the adjoint of the input y, and only that");
  assert.equal((r.stdout.match(/^ȳ/gm) ?? []).length, 1);
  const j = JSON.parse(main(["trace", "x*y", "--at", "x=2,y=3", "--json"]).stdout) as { output: string; trace: { inputs: { name: string }[]; outputs: { name: string }[] } };
  assert.deepEqual([j.output, j.trace.inputs.map((i) => i.name), j.trace.outputs.map((o) => o.name)], ["f", ["x", "y"], ["f"]]);
  // y and f both variables: the next name.
  const both = JSON.parse(main(["trace", "f*y", "--at", "f=2,y=3", "--json"]).stdout) as { output: string };
  assert.equal(both.output, "out");
  // The survey's own names where it uses them, and its y.
  assert.match(main([]).stdout, /\nv-1 = x1 += 2\nv0  = x2 += 5\n[\s\S]*\ny   = v5 += 11\.652\n/);
});

test("parse errors read naturally: the open bracket's column, once", () => {
  const cases: [string, string][] = [
    ["(x+1", "expected ')' to close the '(' at column 1"],
    ["x*(y+1", "expected ')' to close the '(' at column 3"],
    ["max(x, 1", "expected ',' or ')' to close the 'max(' at column 1"],
    ["(x+1 y", "missing operator before 'y' at column 6"],
  ];
  for (const [src, message] of cases) {
    const r = main(["trace", src, "--at", "x=1,y=1"]);
    assert.equal(r.code, 2, src);
    assert.equal(r.stderr, `wengert: parse: ${message}\n`, src);
    assert.equal((r.stderr.match(/column/g) ?? []).length, 1, `${src}: one column`);
  }
});

test("a negative number where an option wants one gets the option's own message", () => {
  const r = main(["trace", "x*y", "--at", "x=2,y=3", "--digits", "-2"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "wengert: trace: --digits must be an integer in [0, 17], got '-2'\n");
  assert.equal(main(["swell", "--n", "-3"]).stderr, "wengert: swell: --n must be an integer in [1, 13], got '-3'\n");
  assert.equal(main(["swell", "--n", "3", "--x", "-0.2"]).code, 0, "a negative value an option accepts");
});

// ---------------------------------------------------------------- plots

/** The tick labels of an SVG plot's x axis (under the frame) and y axis (left of it). */
function ticks(svg: string): { x: string[]; y: string[] } {
  const x = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]!).filter((l) => /^[-\d.e]+$/.test(l)); // not the axis title
  const y = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="end" dominant-baseline="middle">([^<]+)<\/text>/g)].map((m) => m[1]!);
  return { x, y };
}
const oneNotation = (labels: readonly string[]): boolean => labels.every((l) => /e/.test(l)) || labels.every((l) => !/e/.test(l));

test("plots: coinciding curves stay visible (each later one dashed differently)", () => {
  const pts = [[1, 1], [2, 4], [3, 9]] as const;
  const svg = linePlot([{ name: "a", points: pts }, { name: "b", points: pts }, { name: "c", points: pts }, { name: "d", points: [[1, 2], [2, 3], [3, 1]] }]);
  const lines = [...svg.matchAll(/<polyline [^>]*stroke="(#[0-9a-f]+)"[^>]*?(?: stroke-dasharray="([^"]+)")?\/>/g)].map((m) => [m[1], m[2] ?? null]);
  assert.equal(lines.length, 4);
  assert.equal(lines[0]![1], null, "the first is solid");
  assert.ok(lines[1]![1] !== null && lines[2]![1] !== null && lines[1]![1] !== lines[2]![1], `distinct dashes: ${JSON.stringify(lines)}`);
  assert.equal(lines[3]![1], null, "a curve that coincides with none stays solid");
  // A dashed model drawn over a dashed model: another dash.
  const models = linePlot([{ name: "m1", points: pts, dashed: true }, { name: "m2", points: pts, dashed: true }]);
  const dashes = [...models.matchAll(/<polyline [^>]*stroke-dasharray="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(dashes).size, 2, JSON.stringify(dashes));
});

test("plots: titles state the other variables' values; every axis's tick labels use one notation", () => {
  const io = memoryIo();
  assert.equal(main(["sweep", SURVEY, "--at", "x1=2,x2=5", "--svg", "s.svg"], io).code, 0);
  const sweep = io.files.get("s.svg")!;
  assert.match(sweep, /<text [^>]*font-size="14">Error of d\/dx1 by differences at x1 = 2, x2 = 5: truncation vs round-off<\/text>/);
  assert.equal(main(["swell", "--n", "5", "--x", "0.25", "--svg", "w.svg"], io).code, 0);
  assert.match(io.files.get("w.svg")!, /font-size="14">Expression swell: the logistic map's derivative at x = 0\.25/);
  for (const svg of [sweep, io.files.get("w.svg")!]) {
    const t = ticks(svg);
    assert.ok(t.x.length >= 3 && t.y.length >= 3);
    assert.ok(oneNotation(t.x), `x ticks: ${t.x.join(" ")}`);
    assert.ok(oneNotation(t.y), `y ticks: ${t.y.join(" ")}`);
  }
  assert.ok(ticks(sweep).x.every((l) => /^1e-\d+$/.test(l)), "steps 1e-15 … 1e-1: none as 0.01 or 0.1");
  assert.deepEqual(tickLabels([1e-5, 1e-2, 1, 1e3], true), ["1e-5", "1e-2", "1e0", "1e3"]);
  assert.deepEqual(tickLabels([0.01, 1, 100], true), ["0.01", "1", "100"]);
  assert.deepEqual(tickLabels([0, 5e-8, 1e-7, 1.5e-7], false), ["0", "5.0e-8", "1.0e-7", "1.5e-7"]);
  assert.deepEqual(tickLabels([0, 0.5, 1], false), ["0", "0.5", "1"]);
});
