// `wengert/runtime`: what code rewritten by the bundler plugin imports. No parser here, and no
// code generation: a page whose Content-Security-Policy forbids eval runs it as it is.

export * as runtime from "./runtime.js";
export { built } from "./marker.js";
