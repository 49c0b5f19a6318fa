// Index sets: for each element of a value, the inputs it may depend on (the sparsity tracer's
// payload). One value's sets are stored as CSR: row e of `idx[ptr[e] .. ptr[e+1])` holds the
// input indices of element e, unique (in no particular order; patterns sort them at the end).
// Sets are built row by row with a stamp array over the inputs, so a union costs the sizes
// of the rows it reads: n elements with a few inputs each cost O(n), not O(n log n).

export class IndexSets {
  constructor(readonly ptr: Int32Array, readonly idx: Int32Array) {}

  get size(): number {
    return this.ptr.length - 1;
  }

  /** Element e depends on input offset + e alone. */
  static identity(offset: number, m: number): IndexSets {
    const ptr = new Int32Array(m + 1), idx = new Int32Array(m);
    for (let e = 0; e < m; e++) { ptr[e + 1] = e + 1; idx[e] = offset + e; }
    return new IndexSets(ptr, idx);
  }

  static empty(m: number): IndexSets {
    return new IndexSets(new Int32Array(m + 1), new Int32Array(0));
  }

  /** Whether no element depends on any input. */
  isEmpty(): boolean {
    return this.idx.length === 0;
  }
}

/** Builds IndexSets row by row: each row the union of rows of other sets (or of rows already built). */
export class SetBuilder {
  private readonly ptr: Int32Array;
  private idx: Int32Array;
  private len = 0;
  private row = 0;

  /** `stamps`: one slot per input, shared scratch (see Stamps). */
  constructor(m: number, private readonly stamps: Stamps, hint = m) {
    this.ptr = new Int32Array(m + 1);
    this.idx = new Int32Array(Math.max(hint, 16));
    stamps.next();
  }

  /** Adds row r of `s` to the row being built. */
  add(s: IndexSets, r: number): void {
    const { ptr, idx } = s, mark = this.stamps.mark, stamp = this.stamps.stamp;
    for (let k = ptr[r]!, end = ptr[r + 1]!; k < end; k++) {
      const i = idx[k]!;
      if (mark[i] !== stamp) { mark[i] = stamp; this.push(i); }
    }
  }

  /** Adds row r already built here (r < the row being built): running unions, e.g. cumsum. */
  addBuilt(r: number): void {
    const mark = this.stamps.mark, stamp = this.stamps.stamp;
    for (let k = this.ptr[r]!, end = this.ptr[r + 1]!; k < end; k++) {
      const i = this.idx[k]!;
      if (mark[i] !== stamp) { mark[i] = stamp; this.push(i); }
    }
  }

  /** Every row of `s` (an output depending on all of an argument). */
  addAll(s: IndexSets): void {
    for (let r = 0; r < s.size; r++) this.add(s, r);
  }

  /** Closes the row being built and starts the next. */
  end(): void {
    this.ptr[++this.row] = this.len;
    this.stamps.next();
  }

  done(): IndexSets {
    return new IndexSets(this.ptr, this.idx.subarray(0, this.len));
  }

  private push(i: number): void {
    if (this.len === this.idx.length) {
      const grown = new Int32Array(this.idx.length * 2);
      grown.set(this.idx);
      this.idx = grown;
    }
    this.idx[this.len++] = i;
  }
}

/** One mark per input; a fresh stamp per row makes "seen in this row" an O(1) test with no clearing. */
export class Stamps {
  readonly mark: Int32Array;
  stamp = 0;
  constructor(nInputs: number) {
    this.mark = new Int32Array(nInputs);
  }
  next(): void {
    if (++this.stamp === 0x7fffffff) { this.mark.fill(0); this.stamp = 1; }
  }
}

/** Output element o reads element map[o] of `s` (−1: none). */
export function gatherSets(s: IndexSets, map: Int32Array, stamps: Stamps): IndexSets {
  const b = new SetBuilder(map.length, stamps, s.idx.length);
  for (let o = 0; o < map.length; o++) {
    const e = map[o]!;
    if (e >= 0) b.add(s, e);
    b.end();
  }
  return b.done();
}

/** Input element e lands in output element map[e] (−1: nowhere); each output is the union of what lands in it. */
export function scatterSets(s: IndexSets, map: Int32Array, mOut: number, stamps: Stamps): IndexSets {
  // Inverse lists: the input elements landing in each output element.
  const count = new Int32Array(mOut + 1);
  for (let e = 0; e < map.length; e++) if (map[e]! >= 0) count[map[e]! + 1]!++;
  for (let o = 0; o < mOut; o++) count[o + 1]! += count[o]!;
  const from = new Int32Array(count[mOut]!), fill = count.slice(0, mOut);
  for (let e = 0; e < map.length; e++) if (map[e]! >= 0) from[fill[map[e]!]!++] = e;
  const b = new SetBuilder(mOut, stamps, s.idx.length);
  for (let o = 0; o < mOut; o++) {
    for (let k = count[o]!; k < count[o + 1]!; k++) b.add(s, from[k]!);
    b.end();
  }
  return b.done();
}

/** Element o of the output is the union of element maps[a][o] of sets[a], for each argument a (a null map: o itself). */
export function unionSets(sets: readonly IndexSets[], maps: readonly (Int32Array | null)[], mOut: number, stamps: Stamps): IndexSets {
  if (sets.length === 1 && maps[0] === null) return sets[0]!;
  const b = new SetBuilder(mOut, stamps, sets.reduce((n, s) => n + s.idx.length, 0));
  for (let o = 0; o < mOut; o++) {
    for (let a = 0; a < sets.length; a++) {
      const m = maps[a]!;
      const e = m === null ? o : m[o]!;
      if (e >= 0) b.add(sets[a]!, e);
    }
    b.end();
  }
  return b.done();
}
