// The wengert tool for GradBench: reads the eval's messages from stdin, one JSON object per
// line, and answers each on stdout with one line carrying the same id. Started from the
// repository root by `npm run --silent gradbench-tool`.

import { createInterface } from "node:readline";
import { evaluate, type DefineMessage, type EvaluateMessage, type Message, type Module, type Response } from "./protocol.js";
import { loadModule, MODULES } from "./evals/index.js";

const loaded = new Map<string, Module>();

async function getModule(name: string): Promise<Module | undefined> {
  let m = loaded.get(name);
  if (m === undefined && Object.hasOwn(MODULES, name)) {
    m = await loadModule(name);
    loaded.set(name, m);
  }
  return m;
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

async function define(msg: DefineMessage): Promise<Response> {
  try {
    const m = await getModule(msg.module);
    if (m === undefined) return { id: msg.id, success: false, error: `wengert does not implement the module ${JSON.stringify(msg.module)}; it implements ${Object.keys(MODULES).join(", ")}` };
    return { id: msg.id, success: true };
  } catch (e) {
    return { id: msg.id, success: false, error: errorText(e) };
  }
}

async function evaluateMessage(msg: EvaluateMessage): Promise<Response> {
  try {
    const m = await getModule(msg.module);
    if (m === undefined) return { id: msg.id, success: false, error: `unknown module ${JSON.stringify(msg.module)}` };
    const fn = Object.hasOwn(m, msg.function) ? m[msg.function] : undefined;
    if (fn === undefined) return { id: msg.id, success: false, error: `the module ${msg.module} has no function ${JSON.stringify(msg.function)}; it has ${Object.keys(m).join(", ")}` };
    const { output, timings } = evaluate(fn, msg.input);
    return { id: msg.id, success: true, output, timings };
  } catch (e) {
    return { id: msg.id, success: false, error: errorText(e) };
  }
}

async function respond(msg: Message): Promise<Response> {
  switch (msg.kind) {
    case "start": return { id: msg.id, tool: "wengert" };
    case "define": return define(msg as DefineMessage);
    case "evaluate": return evaluateMessage(msg as EvaluateMessage);
    default: return { id: msg.id }; // analysis and any other kind: echo the id
  }
}

function parse(line: string): Message | { id: null; error: string } {
  try {
    const m = JSON.parse(line) as unknown;
    if (typeof m === "object" && m !== null && typeof (m as { id?: unknown }).id === "number" && typeof (m as { kind?: unknown }).kind === "string") return m as Message;
    return { id: (m as { id?: number } | null)?.id ?? null, error: "a message needs a numeric id and a string kind" } as { id: null; error: string };
  } catch (e) {
    return { id: null, error: `not JSON: ${errorText(e)}` };
  }
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const msg = parse(line);
    const response = "error" in msg ? { id: msg.id, success: false, error: msg.error } : await respond(msg);
    process.stdout.write(JSON.stringify(response) + "\n");
  }
}

await main();
