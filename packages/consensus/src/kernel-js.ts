import { type ComponentLabels, type ConsensusKernel, MinRootForest, seedsFor } from './kernel.js';

/**
 * The reference kernel, in TypeScript. It is the specification the WebAssembly kernel is
 * checked against, and the backend used where WebAssembly is not available.
 */

const NO_HASH = 0xffffffff;

/** Slots of rows `a` and `b` holding the same value. */
function countEqual(sigs: Uint32Array, k: number, a: number, b: number): number {
  const ai = a * k;
  const bi = b * k;
  let equal = 0;
  for (let s = 0; s < k; s++) if (sigs[ai + s] === sigs[bi + s]) equal++;
  return equal;
}

/**
 * Slots of rows `a` and `b` holding the same value, or -1 as soon as more than
 * `k - minEqual` slots differ (the pair can no longer reach `minEqual`).
 */
function countEqualAtLeast(
  sigs: Uint32Array,
  k: number,
  a: number,
  b: number,
  minEqual: number,
): number {
  const ai = a * k;
  const bi = b * k;
  const allowed = k - minEqual;
  let differ = 0;
  for (let s = 0; s < k; s++) {
    if (sigs[ai + s] !== sigs[bi + s] && ++differ > allowed) return -1;
  }
  return k - differ;
}

function signatures(hashes: Uint32Array, offsets: Uint32Array, k: number): Uint32Array {
  const n = offsets.length - 1;
  const seeds = seedsFor(k);
  const sigs = new Uint32Array(n * k).fill(NO_HASH);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const end = offsets[i + 1]!;
    for (let p = offsets[i]!; p < end; p++) {
      const h = hashes[p]!;
      for (let j = 0; j < k; j++) {
        // fmix32((h ^ seeds[j]) >>> 0), inlined: this loop is the whole cost of a signature.
        let x = h ^ seeds[j]!;
        x ^= x >>> 16;
        x = Math.imul(x, 0x85ebca6b);
        x ^= x >>> 13;
        x = Math.imul(x, 0xc2b2ae35);
        x ^= x >>> 16;
        const v = x >>> 0;
        if (v < sigs[row + j]!) sigs[row + j] = v;
      }
    }
  }
  return sigs;
}

function exactPairs(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
): Uint32Array {
  const out: number[] = [];
  if (minEqual > k) return new Uint32Array(0);
  for (let i = 0; i < n; i++) {
    if (empty[i] === 1) continue;
    for (let j = i + 1; j < n; j++) {
      if (empty[j] === 1) continue;
      const equal = countEqualAtLeast(sigs, k, i, j, minEqual);
      if (equal >= 0) out.push(i, j, equal);
    }
  }
  return Uint32Array.from(out);
}

/** True when rows `a` and `b` hold the same values in slots `from..from+rows-1`. */
function bandEqual(sigs: Uint32Array, k: number, a: number, b: number, from: number, rows: number) {
  const ai = a * k + from;
  const bi = b * k + from;
  for (let s = 0; s < rows; s++) if (sigs[ai + s] !== sigs[bi + s]) return false;
  return true;
}

function lshPairs(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  bands: number,
  rows: number,
): Uint32Array {
  if (minEqual > k) return new Uint32Array(0);
  // A candidate pair (i, j), i < j, is kept once as the number i * n + j.
  const candidates = new Set<number>();
  const buckets = new Map<number, number[]>();
  for (let t = 0; t < bands; t++) {
    const from = t * rows;
    buckets.clear();
    for (let i = 0; i < n; i++) {
      if (empty[i] === 1) continue;
      // A 32-bit key of the band; rows whose keys collide are compared slot by slot below.
      let key = 0x811c9dc5;
      const base = i * k + from;
      for (let s = 0; s < rows; s++) key = Math.imul(key ^ sigs[base + s]!, 0x01000193);
      const bucket = buckets.get(key);
      if (bucket === undefined) {
        buckets.set(key, [i]);
        continue;
      }
      for (const j of bucket) {
        if (bandEqual(sigs, k, j, i, from, rows)) candidates.add(j * n + i);
      }
      bucket.push(i);
    }
  }
  const sorted = Array.from(candidates).sort((a, b) => a - b);
  const out: number[] = [];
  for (const pair of sorted) {
    const i = Math.floor(pair / n);
    const j = pair - i * n;
    const equal = countEqualAtLeast(sigs, k, i, j, minEqual);
    if (equal >= 0) out.push(i, j, equal);
  }
  return Uint32Array.from(out);
}

function equalTo(sigs: Uint32Array, n: number, k: number, rep: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = countEqual(sigs, k, i, rep);
  return out;
}

/*
 * Components. A run visits candidate pairs and keeps two forests: `cluster` (pairs with
 * equal >= minEqual) and `duplicate` (equal >= minEqualDup, where minEqualDup >= minEqual).
 * Visiting (a, b):
 *   1. if a and b are already connected in `duplicate`, the pair is skipped;
 *   2. (LSH) if a and b share a band before the current one, the pair is skipped: it was
 *      visited in that band (by this run, or by the run whose band range holds that band);
 *   3. otherwise it is verified: if a and b are already connected in `cluster`, only
 *      equal >= minEqualDup matters (union in `duplicate`); else equal >= minEqual joins
 *      `cluster`, and equal >= minEqualDup also `duplicate`.
 * Invariant: connected in `duplicate` => connected in `cluster` (every union in `duplicate`
 * is of a pair with equal >= minEqualDup >= minEqual that is, or is made, connected in
 * `cluster`). Claim: the final forests have the components of "verify every candidate
 * pair, then union-find". Nothing is joined that is not an edge, so only the converse
 * needs care. Take a candidate pair with equal >= minEqualDup: it is verified and joined,
 * or skipped at 1 because already connected in `duplicate` (connectivity only grows), or
 * skipped at 2 and handled in its first shared band. A pair with equal >= minEqual is
 * joined in `cluster`, or skipped at 1 (then connected in `duplicate`, hence in `cluster`
 * by the invariant), or at 2 as before. Skipping a pair that is merely connected in
 * `cluster` would NOT be safe: it may still be an edge of `duplicate`, which is why step 3
 * still counts such pairs against minEqualDup. Union by smaller root makes each label the
 * smallest index of its component, whatever the order of visits.
 */

/** Counts verifications, for tests that bound the work of a run. */
export interface VerifyCounter {
  verified: number;
}

class ComponentsRun {
  readonly cluster: MinRootForest;
  readonly duplicate: MinRootForest;

  constructor(
    readonly sigs: Uint32Array,
    n: number,
    readonly k: number,
    readonly minEqual: number,
    readonly minEqualDup: number,
    readonly rows: number,
    readonly counter: VerifyCounter | undefined,
  ) {
    this.cluster = new MinRootForest(n);
    this.duplicate = new MinRootForest(n);
  }

  /** Visits the candidate pair (a, b) found in band `band` (0 for exact). */
  visit(a: number, b: number, band: number): void {
    const { sigs, k, rows } = this;
    if (this.duplicate.find(a) === this.duplicate.find(b)) return;
    for (let u = 0; u < band; u++) if (bandEqual(sigs, k, a, b, u * rows, rows)) return;
    if (this.counter !== undefined) this.counter.verified++;
    if (this.cluster.find(a) === this.cluster.find(b)) {
      if (countEqualAtLeast(sigs, k, a, b, this.minEqualDup) >= 0) this.duplicate.union(a, b);
      return;
    }
    const equal = countEqualAtLeast(sigs, k, a, b, this.minEqual);
    if (equal < 0) return;
    this.cluster.union(a, b);
    if (equal >= this.minEqualDup) this.duplicate.union(a, b);
  }

  /**
   * Visits every pair of `group` (ascending; all share the band's slots), skipping whole
   * blocks of pairs already connected in `duplicate`: first (group[0], x) for every x,
   * then, between the `duplicate` components the group falls into, pairs until the two
   * components are joined (from then on every pair between them would be skipped at 1).
   */
  group(group: number[], band: number): void {
    const first = group[0]!;
    for (let q = 1; q < group.length; q++) this.visit(first, group[q]!, band);
    if (group.length <= 2) return;
    const byRoot = new Map<number, number[]>();
    for (const x of group) {
      const root = this.duplicate.find(x);
      const list = byRoot.get(root);
      if (list === undefined) byRoot.set(root, [x]);
      else list.push(x);
    }
    if (byRoot.size === 1) return;
    const lists = Array.from(byRoot.values());
    for (let p = 0; p < lists.length; p++) {
      for (let q = p + 1; q < lists.length; q++) this.across(lists[p]!, lists[q]!, first, band);
    }
  }

  /** Pairs between two blocks, until the blocks are connected in `duplicate`. */
  private across(left: number[], right: number[], first: number, band: number): void {
    for (const x of left) {
      for (const y of right) {
        // (first, y) was visited above, and visiting it again changes nothing.
        if (x === first || y === first) continue;
        if (this.duplicate.find(x) === this.duplicate.find(y)) return;
        this.visit(x, y, band);
      }
    }
  }

  labels(): ComponentLabels {
    return { cluster: this.cluster.labels(), duplicate: this.duplicate.labels() };
  }
}

/**
 * The components of the exact candidate pairs `(i, j)` with `from <= i < to` and `j > i`.
 * Over ranges covering `0..n - 1`, the forests together connect what `components` does.
 */
export function exactComponentsRows(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  minEqualDup: number,
  from: number,
  to: number,
  counter?: VerifyCounter | undefined,
): ComponentLabels {
  const run = new ComponentsRun(sigs, n, k, minEqual, minEqualDup, 0, counter);
  if (minEqual > k) return run.labels();
  for (let i = from; i < to; i++) {
    if (empty[i] === 1) continue;
    for (let j = i + 1; j < n; j++) if (empty[j] !== 1) run.visit(i, j, 0);
  }
  return run.labels();
}

/** Below this many responses, band keys and indices are packed into one float64 to sort. */
const PACKED_LIMIT = 2 ** 21;

/**
 * The components of the LSH candidate pairs whose *first* shared band lies in
 * `fromBand..toBand - 1`. Each candidate pair belongs to one band range, so over ranges
 * covering `0..bands - 1` the forests together connect what `components` does.
 */
export function lshComponentsBands(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  minEqualDup: number,
  rows: number,
  fromBand: number,
  toBand: number,
  counter?: VerifyCounter | undefined,
): ComponentLabels {
  const run = new ComponentsRun(sigs, n, k, minEqual, minEqualDup, rows, counter);
  if (minEqual > k) return run.labels();
  const members: number[] = [];
  for (let i = 0; i < n; i++) if (empty[i] !== 1) members.push(i);
  const m = members.length;
  const keys = new Uint32Array(n);
  const packed = new Float64Array(n < PACKED_LIMIT ? m : 0);
  const order = new Uint32Array(m);
  const bucket: number[] = [];
  for (let t = fromBand; t < toBand; t++) {
    const from = t * rows;
    // A 32-bit key of the band groups the rows; rows of one key are compared slot by slot.
    for (const i of members) {
      let key = 0x811c9dc5;
      const base = i * k + from;
      for (let s = 0; s < rows; s++) key = Math.imul(key ^ sigs[base + s]!, 0x01000193);
      keys[i] = key >>> 0;
    }
    if (n < PACKED_LIMIT) {
      for (let q = 0; q < m; q++) packed[q] = keys[members[q]!]! * PACKED_LIMIT + members[q]!;
      packed.sort();
      for (let q = 0; q < m; q++) order[q] = packed[q]! % PACKED_LIMIT;
    } else {
      order.set(members.sort((a, b) => keys[a]! - keys[b]! || a - b));
    }
    let q = 0;
    while (q < m) {
      const key = keys[order[q]!]!;
      let end = q + 1;
      while (end < m && keys[order[end]!] === key) end++;
      if (end - q >= 2) {
        bucket.length = 0;
        for (let p = q; p < end; p++) bucket.push(order[p]!);
        bandGroups(run, bucket, t);
      }
      q = end;
    }
  }
  return run.labels();
}

/** Splits a bucket (ascending) into groups of equal band slots and visits each group. */
function bandGroups(run: ComponentsRun, bucket: number[], band: number): void {
  const from = band * run.rows;
  let rest = bucket;
  while (rest.length >= 2) {
    const leader = rest[0]!;
    const same: number[] = [leader];
    const other: number[] = [];
    for (let p = 1; p < rest.length; p++) {
      const x = rest[p]!;
      if (bandEqual(run.sigs, run.k, leader, x, from, run.rows)) same.push(x);
      else other.push(x);
    }
    if (same.length >= 2) run.group(same, band);
    rest = other;
  }
}

function components(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  minEqualDup: number,
  method: 'exact' | 'lsh',
  bands: number,
  rows: number,
): ComponentLabels {
  return method === 'exact'
    ? exactComponentsRows(sigs, n, k, empty, minEqual, minEqualDup, 0, n)
    : lshComponentsBands(sigs, n, k, empty, minEqual, minEqualDup, rows, 0, bands);
}

/** The TypeScript implementation of {@link ConsensusKernel}. */
export const jsKernel: ConsensusKernel = Object.freeze({
  name: 'js',
  signatures,
  exactPairs,
  lshPairs,
  equalTo,
  components,
});
