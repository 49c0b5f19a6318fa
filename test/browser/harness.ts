// Browser tests in headless Chromium: serve a folder on 127.0.0.1 (every response carrying the
// headers you give, e.g. a Content-Security-Policy), open a page of it, wait until the page
// says it is done, and hand back what it left in `window.__result`, with its console, page
// errors and CSP violations. Debian's chromium (/usr/bin/chromium, installed by .ci/run with
// apt-get) is driven by playwright-core; playwright's own browser download is never used.
//
//   const run = await runPage({ root: dir, path: "/index.html", headers: { "Content-Security-Policy": "script-src 'self'" } });
//
// The page reports by logging one console line: console.log(DONE, JSON.stringify(result)), with
// DONE = "@@wengert-done" (a console message, not page.evaluate: Playwright's evaluation of
// strings and predicates is itself eval, which the page's CSP blocks).

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { DONE } from "./done.js";

export { DONE };

/** The browser binary: Debian's chromium package, or $CHROMIUM. */
export const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";

/**
 * Flags that work on these machines: headless, no sandbox (tests run as root), and nothing that
 * reaches out to the network (the machines have none; Chromium would retry many connections).
 */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png",
};

export interface Served {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the files under `root` (GET only, no directory listings) with `headers` on every response. */
export async function serveFolder(root: string, headers: Readonly<Record<string, string>> = {}): Promise<Served> {
  const base = path.resolve(root);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const file = path.resolve(base, "." + decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname));
    if (req.method !== "GET" || (file !== base && !file.startsWith(base + path.sep)) || !existsSync(file)) {
      res.writeHead(404, headers).end("not found");
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface PageOptions {
  /** The folder to serve. */
  readonly root: string;
  /** The page to open (default "/index.html"). */
  readonly path?: string;
  /** Headers on every response, e.g. { "Content-Security-Policy": "script-src 'self'" }. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long the page may take to report (default 60 s). */
  readonly timeoutMs?: number;
}

export interface PageRun {
  /** What the page reported (JSON-parsed). */
  readonly result: unknown;
  /** Console messages, as "type: text". */
  readonly console: readonly string[];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: readonly string[];
  /** securitypolicyviolation events, as "directive: blocked URI", in order. */
  readonly cspViolations: readonly string[];
}

/** Whether Debian's chromium is installed, and if not, what to do about it. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (as .ci/run does), or set CHROMIUM to a Chromium binary`;
}

/** Serves `root`, opens the page in a fresh headless Chromium profile, waits for its report. */
export async function runPage(opts: PageOptions): Promise<PageRun> {
  const missing = chromiumMissing();
  if (missing !== null) throw new Error(missing);
  const served = await serveFolder(opts.root, opts.headers);
  const profile = mkdtempSync(path.join(os.tmpdir(), "wengert-chromium-"));
  // launchPersistentContext takes the profile folder (a fresh --user-data-dir) as it should be given.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleLines: string[] = [], pageErrors: string[] = [];
    let report: ((text: string) => void) | undefined;
    const reported = new Promise<string>((resolve) => (report = resolve));
    page.on("console", (m) => {
      const text = m.text();
      if (text.startsWith(DONE)) report!(text.slice(DONE.length).trim());
      else consoleLines.push(`${m.type()}: ${text}`);
    });
    // An uncaught error (a module that fails to load) usually means no report will come: give
    // the page two more seconds, then stop waiting.
    let crashed: ((v: null) => void) | undefined;
    const crash = new Promise<null>((resolve) => (crashed = resolve));
    page.on("pageerror", (e) => {
      pageErrors.push(String(e));
      setTimeout(() => crashed!(null), 2000);
    });
    // Installed before any of the page's scripts run (init scripts are not subject to its CSP);
    // the violations are read back with the report. A string: this project's types have no DOM.
    await page.addInitScript(`window.__csp = []; document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.effectiveDirective + ": " + e.blockedURI));`);
    const timeout = opts.timeoutMs ?? 60_000;
    await page.goto(served.origin + (opts.path ?? "/index.html"), { timeout });
    let timer: NodeJS.Timeout | undefined;
    const text = await Promise.race([reported, crash, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeout)))]);
    clearTimeout(timer);
    if (text === null) {
      throw new Error(`the page did not report${pageErrors.length > 0 ? "" : ` in ${timeout} ms`}; page errors: ${pageErrors.join(" | ") || "none"}; console: ${consoleLines.slice(-10).join(" | ") || "empty"}`);
    }
    const { result, csp } = JSON.parse(text) as { result: unknown; csp: string[] };
    return { result, console: consoleLines, pageErrors, cspViolations: csp };
  } finally {
    await context.close();
    await served.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
