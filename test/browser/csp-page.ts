// The page's script (bundled by test/csp.test.ts): the CSP checks in three phases, so that the
// test can tell which of them made a securitypolicyviolation. 1: importing the library and
// every eager op and transform (must make none). 2: a probe that eval is really blocked here.
// 3: compile, which probes `new Function` once and falls back to its interpreter.

import { allChecks, runChecks } from "../csp/checks.js";

import { DONE } from "./done.js";

const page = globalThis as unknown as { __csp: string[] };
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

async function main(): Promise<object> {
  const checks = allChecks({ codegen: false });
  const eager = runChecks(checks.filter((c) => !c.name.startsWith("compile")));
  await settle();
  const violationsEager = page.__csp.length;
  let evalBlocked = false;
  try {
    new Function("return 1");
  } catch (e) {
    evalBlocked = e instanceof EvalError;
  }
  await settle();
  const violationsProbe = page.__csp.length - violationsEager;
  const compiled = runChecks(checks.filter((c) => c.name.startsWith("compile")));
  await settle();
  return { outcomes: [...eager, ...compiled], violationsEager, violationsProbe, evalBlocked };
}

main()
  .catch((e: unknown) => ({ crashed: String(e) }))
  .then((result) => console.log(DONE, JSON.stringify({ result, csp: page.__csp })));
