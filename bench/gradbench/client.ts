// The eval's side of the protocol: a tool started as a child process, one JSON message per
// line to its stdin, one response line per message from its stdout.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

export interface ToolResponse {
  readonly id: number;
  readonly success?: boolean;
  readonly output?: unknown;
  readonly timings?: readonly { readonly name: string; readonly nanoseconds: number }[];
  readonly error?: string;
  readonly [k: string]: unknown;
}

export class ToolSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string | null) => void)[] = [];
  private readonly lines: string[] = [];
  private closed = false;
  private nextId = 0;
  /** The tool's stderr, kept for error reports (the last 20 kB). */
  stderr = "";

  constructor(command: string, cwd: string) {
    // Its own process group, so that a stuck tool is killed with everything it started (npm runs node).
    this.child = spawn(command, { cwd, shell: true, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const rl = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    rl.on("line", (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    rl.on("close", () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
    this.child.stderr.on("data", (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-20_000); });
    this.child.stdin.on("error", () => { /* the tool exited: reported by the next request */ });
  }

  private nextLine(timeoutMs: number): Promise<string | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(done);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`no response within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = (line: string | null): void => { clearTimeout(timer); resolve(line); };
      this.waiting.push(done);
    });
  }

  /** Sends a message (the id is assigned here, in order) and returns the tool's response. */
  async request(message: Record<string, unknown>, timeoutMs: number): Promise<ToolResponse> {
    const id = this.nextId++;
    this.child.stdin.write(JSON.stringify({ id, ...message }) + "\n");
    const line = await this.nextLine(timeoutMs);
    if (line === null) throw new Error(`the tool exited before answering message ${id}${this.stderr ? `; its stderr ends:\n${this.stderr.slice(-2000)}` : ""}`);
    let r: ToolResponse;
    try {
      r = JSON.parse(line) as ToolResponse;
    } catch {
      throw new Error(`the tool answered with a line that is not JSON: ${line.slice(0, 200)}`);
    }
    if (r.id !== id) throw new Error(`the tool answered message ${id} with id ${String(r.id)}`);
    return r;
  }

  /** Closes the tool's stdin and waits for it to exit (killing it after `graceMs`). */
  async close(graceMs = 10_000): Promise<number | null> {
    this.child.stdin.end();
    if (this.child.exitCode !== null) return this.child.exitCode;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.kill(), graceMs);
      this.child.on("exit", (code) => { clearTimeout(timer); resolve(code); });
    });
  }

  kill(): void {
    if (this.child.pid === undefined || this.child.exitCode !== null) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      this.child.kill("SIGKILL");
    }
  }
}
