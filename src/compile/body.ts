// Loop bodies as compile inlines them: a copy of the body's list, optimized (optimize.ts) and
// fused (fuse.ts) like a whole program, so that a step of a compiled loop is a few loops over
// the elements rather than a kernel call (and a fresh array) per line. The traced list itself
// is left as it is: eager loops evaluate it and the printed trace shows it.

import { copyList, type WengertList } from "../core/ir.js";
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
