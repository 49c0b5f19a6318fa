// Loop bodies as compile inlines them: a copy of the body's list, optimized (optimize.ts) and
// fused (fuse.ts) like a whole program, so that a step of a compiled loop is a few loops over
// the elements rather than a kernel call (and a fresh array) per line. The traced list itself
// is left as it is: eager loops evaluate it and the printed trace shows it.

import type { Atom, Line, WengertList } from "../core/ir.js";
import { WengertList as List } from "../core/ir.js";
import { fuse } from "./fuse.js";
import { optimize } from "./optimize.js";

const prepared = new WeakMap<WengertList, WengertList>();

/** `list` optimized and fused (a copy, made once per list). */
export function preparedBody(list: WengertList): WengertList {
  let p = prepared.get(list);
  if (p === undefined) {
    const copy = copyList(list);
    optimize(copy);
    p = fuse(copy).list;
    prepared.set(list, p);
  }
  return p;
}

/** A copy of `src` with its own statements (optimize rewrites operands in place). */
function copyList(src: WengertList): WengertList {
  const dst = new List(src.names);
  const map = new Int32Array(src.avals.length).fill(-1);
  for (let i = 0; i < src.nIn; i++) map[i] = dst.addInput(src.avals[i]!);
  const atom = (a: Atom): Atom => (a >= 0 ? map[a]! : dst.constAtom(src.consts.value(a)));
  for (const s of src.stmts) {
    const ins = s.ins.map(atom);
    if (s.kind !== "eqn") { dst.stmts.push({ ...s, ins } as Line); continue; }
    const out = dst.avals.length;
    for (let j = 0; j < s.nOut; j++) map[s.out + j] = dst.addVar(src.avals[s.out + j]!);
    dst.stmts.push({ ...s, ins, out });
  }
  dst.outs = src.outs.map(atom);
  return dst;
}
