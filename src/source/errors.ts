// The errors fromJS raises about a function's source: each names the construct or variable,
// its line and column in the function's source (1-based), and shows the line with a caret.

import { WengertError } from "../base/errors.js";

/** One offending place in the user's source. */
export interface SourceSite {
  /** What is wrong there: a variable's name or a construct ("this", "a generator"). */
  readonly what: string;
  /** 1-based line within the function's source (the build plugin: within the file). */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Line and column (1-based) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1, start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; start = i + 1; }
  }
  return { line, column: offset - start + 1 };
}

/** The source line of `site` with a caret under its column. */
export function excerpt(text: string, site: { line: number; column: number }): string {
  const lines = text.split("\n");
  const src = lines[site.line - 1] ?? "";
  const gutter = `${site.line} | `;
  return `  ${gutter}${src}\n  ${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(0, site.column - 1))}^`;
}

function siteList(sites: readonly SourceSite[]): string {
  return sites.map((s) => `${s.what} (line ${s.line}, column ${s.column})`).join(", ");
}

/** Base class: a problem with a function's source, found before it runs. */
export class SourceError extends WengertError {
  /** The function's name ("anonymous" when it has none). */
  readonly functionName: string;
  readonly sites: readonly SourceSite[];
  constructor(functionName: string, sites: readonly SourceSite[], message: string, text: string) {
    super("fromJS", `${message}\n${sites.slice(0, 3).map((s) => excerpt(text, s)).join("\n")}`);
    this.functionName = functionName;
    this.sites = sites;
  }
}

/** The function reads variables it does not define and `scope` does not supply. */
export class FreeVariableError extends SourceError {
  constructor(functionName: string, sites: readonly SourceSite[], text: string) {
    const names = [...new Set(sites.map((s) => s.what))];
    super(
      functionName,
      sites,
      `${functionName} uses ${names.length === 1 ? "a variable" : "variables"} it does not define: ${siteList(sites)}. ` +
        `fromJS cannot see closures; pass ${names.length === 1 ? "it" : "them"} explicitly: fromJS(${functionName === "anonymous" ? "f" : functionName}, { scope: { ${names.join(", ")} } })`,
      text,
    );
  }
}

/** A construct fromJS does not rewrite (this, generators, async, eval, with, classes …). */
export class UnsupportedSyntaxError extends SourceError {
  constructor(functionName: string, sites: readonly SourceSite[], text: string, hint = "") {
    super(functionName, sites, `${functionName} uses JavaScript that fromJS does not support: ${siteList(sites)}${hint ? `; ${hint}` : ""}`, text);
  }
}

/** The function's source is not available or does not parse. */
export class SourceUnavailableError extends WengertError {}

/**
 * Code generation from strings is disabled (a Content-Security-Policy without 'unsafe-eval'),
 * so fromJS cannot build the rewritten function at run time.
 */
export class CodegenUnavailableError extends WengertError {}
