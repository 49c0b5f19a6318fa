// The README's runnable code blocks: a line ending in `//=> v` is a check that the line's
// expression gives v (JSON), so the documentation cannot drift from what the library does.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";

const readme = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "README.md");

/** The README's section under `heading` (a `## ` line), up to the next `## ` heading. */
export function readmeSection(heading: string): string {
  const text = readFileSync(readme, "utf8");
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The ```ts blocks of a section. */
export function tsBlocks(section: string): string[] {
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

export interface Check {
  readonly line: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/**
 * Runs a block with `w` bound to the library; each `expr; //=> v` line becomes a recorded
 * check. The TypeScript is stripped by esbuild; the block runs as one function body, so its
 * declarations carry from line to line.
 */
export function runBlock(block: string, lib: unknown): Check[] {
  const sources: string[] = [];
  const expected: unknown[] = [];
  const body = block.split("\n").map((line) => {
    const m = /^(.*?);?\s*\/\/=>\s*(\S+)/.exec(line);
    if (m === null) return line;
    sources.push(line.trim());
    expected.push(JSON.parse(m[2]!));
    return `__check(${sources.length - 1}, (${m[1]}));`;
  }).join("\n");
  const js = transformSync(body, { loader: "ts" }).code;
  const actual: unknown[] = [];
  new Function("w", "__check", js)(lib, (i: number, v: unknown) => { actual[i] = v; });
  return sources.map((line, i) => ({ line, expected: expected[i], actual: actual[i] }));
}

/**
 * The function a README block declares as `const name = …`: one line, or, when that line
 * opens a brace, up to the first line that is `};`. Evaluated with `w` bound to the library.
 */
export function readmeFunction(block: string, name: string, lib: unknown): (...args: never[]) => unknown {
  const lines = block.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`const ${name} = `));
  if (start < 0) throw new Error(`the block declares no const ${name}`);
  const end = lines[start]!.trimEnd().endsWith("{") ? lines.indexOf("};", start) : start;
  if (end < 0) throw new Error(`const ${name}'s body never closes`);
  const js = transformSync(lines.slice(start, end + 1).join("\n"), { loader: "ts" }).code;
  return new Function("w", `${js}\nreturn ${name};`)(lib) as (...args: never[]) => unknown;
}
