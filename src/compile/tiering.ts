// Tiering of large programs on numbers: bytecode is ready at once, JavaScript is faster once
// V8 has optimized it.

import type { Generated } from "./codegen.js";

export interface TierOptions {
  /** Calls after which a bytecode variant may move to JavaScript (Infinity: never). */
  readonly tierUpCalls: number;
}

/** The run function of a bytecode variant that regenerates itself as JavaScript after `tierUpCalls` calls. */
export function tiered(bc: Generated, buildJs: () => Generated, o: TierOptions, onSwitch: (js: Generated) => void): (args: readonly unknown[]) => unknown {
  let calls = 0;
  let run = bc.run;
  return (args) => {
    if (++calls === o.tierUpCalls) {
      const js = buildJs();
      run = js.run;
      onSwitch(js);
    }
    return run(args);
  };
}
