// The evals the tool implements, loaded on first use (define imports the module).

import type { Module } from "../protocol.js";

export const MODULES = {
  hello: () => import("./hello.js"),
  lse: () => import("./lse.js"),
  llsq: () => import("./llsq.js"),
  gmm: () => import("./gmm.js"),
  ba: () => import("./ba.js"),
  lstm: () => import("./lstm.js"),
  ode: () => import("./ode.js"),
  kmeans: () => import("./kmeans.js"),
  ht: () => import("./ht.js"),
  det: () => import("./det.js"),
  particle: () => import("./particle.js"),
  saddle: () => import("./saddle.js"),
} as const satisfies Record<string, () => Promise<{ functions: Module }>>;

export type ModuleName = keyof typeof MODULES;

export async function loadModule(name: string): Promise<Module> {
  return (await MODULES[name as ModuleName]()).functions;
}
