// npm run example -- <name> [--short]: runs one worked example (npm run example lists them).

import { example as curveFitting } from "./curve-fitting.js";
import { example as iris } from "./iris.js";
import { example as lotkaVolterra } from "./lotka-volterra.js";
import { example as mlp } from "./mlp.js";
import { example as newton } from "./newton.js";
import type { Example } from "./common.js";

export const EXAMPLES: readonly Example<unknown>[] = [curveFitting, iris, mlp, lotkaVolterra, newton];

function main(argv: readonly string[]): number {
  const short = argv.includes("--short");
  const names = argv.filter((a) => !a.startsWith("--"));
  if (names.length === 0) {
    console.log("usage: npm run example -- <name> [--short]\n");
    for (const e of EXAMPLES) console.log(`  ${e.name.padEnd(16)} ${e.description}`);
    return 0;
  }
  for (const name of names) {
    const e = EXAMPLES.find((x) => x.name === name);
    if (e === undefined) {
      console.error(`no example named "${name}"; the examples are: ${EXAMPLES.map((x) => x.name).join(", ")}`);
      return 2;
    }
    console.log(`== ${e.name}: ${e.description}${short ? " (short mode)" : ""}\n`);
    e.run({ short, log: (line) => console.log(line) });
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) process.exitCode = main(process.argv.slice(2));
