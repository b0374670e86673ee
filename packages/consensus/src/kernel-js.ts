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
 * Components. The two forests are built by separate passes, each over one forest F with
 * one bound m (minEqual for clusters, minEqualDup for near-duplicates). An edge of F is a
 * candidate pair (exact: any pair; LSH: a pair sharing all slots of some LSH band) with
 * equal >= m. A pass buckets the responses by the slots of each band of a *partition* of
 * the slots, and visits the pairs of a bucket that agree on the whole band. Visiting (a, b):
 *   1. skip if a and b are already connected in F;
 *   2. skip if a and b agree on an earlier band of the partition: the pair was visited in
 *      the first band it agrees on (by this pass, or by the one whose band range holds it);
 *   3. otherwise verify equal >= m on the full signature; if so, join a and b in F.
 * Claim: F ends with the components of "verify every candidate pair, then union-find".
 * Only edges are joined, so it suffices that every edge ends up connected. The partition
 * visits every edge at least once in its first agreeing band:
 *   - clusters: the partition is the LSH bands (exact: one pass over all pairs by rows),
 *     and every LSH candidate agrees on some band by definition;
 *   - near-duplicates: a pair with equal >= minEqualDup differs in at most
 *     d = k - minEqualDup slots, so (pigeonhole) it agrees on one whole band of any
 *     partition into more than d disjoint bands. Exact uses P = d + 1 bands of the slots,
 *     and every pair is a candidate. LSH with more than d bands: every such pair agrees on
 *     an LSH band, so it is a candidate, and the P = d + 1 wider bands are used (fewer
 *     pairs agree on them by chance). LSH with at most d bands: the LSH bands themselves,
 *     whose agreeing pairs are exactly the candidates.
 * An edge visited in its first band is then joined (3) or skipped because its ends are
 * already connected (1), and connectivity only grows. So the forest connects every edge.
 * Each forest only skips pairs connected in itself: skipping a pair merely connected in
 * the cluster forest would be wrong for the near-duplicate forest. Union by smaller root
 * makes each label the smallest index of its component, whatever the order of visits.
 * Within a bucket, whole blocks of pairs are skipped at 1: (first, x) for every x, then,
 * between the components the bucket falls into, pairs until the two are connected. So a
 * bucket of m identical rows costs O(m) verifications, not O(m^2).
 */

/** Counts verifications, for tests that bound the work of a run. */
export interface VerifyCounter {
  verified: number;
}

/** Which forest a pass builds, and over which candidates. */
export interface ComponentsPass {
  readonly forest: 'cluster' | 'duplicate';
  readonly method: 'exact' | 'lsh';
  /** The bound of the forest: minEqual for clusters, minEqualDup for near-duplicates. */
  readonly minEqual: number;
  readonly bands: number;
  readonly rows: number;
}

/** The band boundaries a pass buckets by: band t covers slots starts[t]..starts[t+1]-1. */
function partitionOf(k: number, pass: ComponentsPass): Uint32Array {
  const { forest, method, minEqual, bands, rows } = pass;
  if (method === 'lsh' && (forest === 'cluster' || bands <= k - minEqual)) {
    return Uint32Array.from({ length: bands + 1 }, (_, t) => t * rows);
  }
  const parts = Math.max(1, Math.min(k, k - minEqual + 1));
  return Uint32Array.from({ length: parts + 1 }, (_, p) => Math.floor((p * k) / parts));
}

/**
 * Whether a pass visits every pair by rows: exact clusters, and exact near-duplicates
 * with a bound of 0 (every pair is an edge; no partition has a band every pair agrees on).
 */
function byRows(pass: ComponentsPass): boolean {
  return pass.method === 'exact' && (pass.forest === 'cluster' || pass.minEqual <= 0);
}

/**
 * The number of units a pass is split into for ranges: rows when it goes by rows, bands
 * of its partition otherwise.
 */
export function passLength(n: number, k: number, pass: ComponentsPass): number {
  if (byRows(pass)) return n;
  return partitionOf(k, pass).length - 1;
}

class Pass {
  readonly forest: MinRootForest;
  /** 32-bit keys of the bands `0..keyWidth - 1` of each row (row-major), once computed. */
  keys = new Uint32Array(0);
  keyWidth = 0;

  constructor(
    readonly sigs: Uint32Array,
    n: number,
    readonly k: number,
    readonly minEqual: number,
    readonly starts: Uint32Array,
    readonly counter: VerifyCounter | undefined,
  ) {
    this.forest = new MinRootForest(n);
  }

  /** Whether a and b agree on band `t` of the partition. */
  agree(a: number, b: number, t: number): boolean {
    const from = this.starts[t]!;
    return bandEqual(this.sigs, this.k, a, b, from, this.starts[t + 1]! - from);
  }

  /** Visits the pair (a, b) found in band `band` of the partition. */
  visit(a: number, b: number, band: number): void {
    const { sigs, k, forest } = this;
    if (forest.find(a) === forest.find(b)) return;
    const keys = this.keys;
    const width = this.keyWidth;
    for (let u = 0; u < band; u++) {
      if (keys[a * width + u] === keys[b * width + u] && this.agree(a, b, u)) return;
    }
    if (this.counter !== undefined) this.counter.verified++;
    if (countEqualAtLeast(sigs, k, a, b, this.minEqual) >= 0) forest.union(a, b);
  }

  /** Visits the pairs of `group` (ascending, all agreeing on band `band`). */
  group(group: number[], band: number): void {
    const first = group[0]!;
    for (let q = 1; q < group.length; q++) this.visit(first, group[q]!, band);
    if (group.length <= 2) return;
    const root = this.forest.find(first);
    let q = 1;
    while (q < group.length && this.forest.find(group[q]!) === root) q++;
    if (q === group.length) return;
    const byRoot = new Map<number, number[]>();
    for (const x of group) {
      const root = this.forest.find(x);
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

  /** Pairs between two blocks, until the blocks are connected. */
  private across(left: number[], right: number[], first: number, band: number): void {
    for (const x of left) {
      for (const y of right) {
        // (first, y) was visited above, and visiting it again changes nothing.
        if (x === first || y === first) continue;
        if (this.forest.find(x) === this.forest.find(y)) return;
        this.visit(x, y, band);
      }
    }
  }
}

/**
 * The labels (smallest index per component) of one forest, from the candidate pairs of
 * units `from..to - 1` of the pass ({@link passLength}): rows `i` against every `j > i` for
 * exact clusters, else the pairs whose first agreeing band of the partition lies in the
 * range. Over ranges covering the whole pass, the forests together connect exactly what
 * `components` connects.
 */
export function passLabels(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  pass: ComponentsPass,
  from: number,
  to: number,
  counter?: VerifyCounter | undefined,
): Uint32Array {
  const starts = partitionOf(k, pass);
  const run = new Pass(sigs, n, k, pass.minEqual, starts, counter);
  if (pass.minEqual > k) return run.forest.labels();
  if (byRows(pass)) {
    // run.visit(i, j, 0) for every pair, inlined: this loop is the whole cost of exact.
    const forest = run.forest;
    const allowed = k - pass.minEqual;
    for (let i = from; i < to; i++) {
      if (empty[i] === 1) continue;
      const ai = i * k;
      for (let j = i + 1; j < n; j++) {
        if (empty[j] === 1 || forest.find(i) === forest.find(j)) continue;
        if (counter !== undefined) counter.verified++;
        const bj = j * k;
        let differ = 0;
        let s = 0;
        for (; s < k; s++) if (sigs[ai + s] !== sigs[bj + s] && ++differ > allowed) break;
        if (s === k) forest.union(i, j);
      }
    }
    return forest.labels();
  }
  const members: number[] = [];
  for (let i = 0; i < n; i++) if (empty[i] !== 1) members.push(i);
  const m = members.length;
  // A 32-bit key per row and band groups the rows (rows of one key are compared slot by
  // slot) and makes the earlier-band test of a visit cheap. Bands before `from` are keyed
  // too: a pair whose first agreeing band lies there belongs to another range.
  const width = to;
  const bandKeys = new Uint32Array(n * width);
  for (let t = 0; t < to; t++) {
    const start = starts[t]!;
    const size = starts[t + 1]! - start;
    for (const i of members) {
      let key = 0x811c9dc5;
      const base = i * k + start;
      for (let s = 0; s < size; s++) key = Math.imul(key ^ sigs[base + s]!, 0x01000193);
      bandKeys[i * width + t] = key >>> 0;
    }
  }
  run.keys = bandKeys;
  run.keyWidth = width;
  // Buckets by key in an open-addressing table: per used slot, the rows of that key in a
  // linked list, ascending (rows are inserted in ascending order).
  let capacity = 2;
  while (capacity < 2 * m) capacity *= 2;
  const slotKey = new Uint32Array(capacity);
  const slotHead = new Int32Array(capacity);
  const slotTail = new Int32Array(capacity);
  const used = new Int32Array(capacity);
  const next = new Int32Array(n);
  const bucket: number[] = [];
  for (let t = from; t < to; t++) {
    slotHead.fill(-1);
    let usedCount = 0;
    for (const i of members) {
      const key = bandKeys[i * width + t]!;
      let h = Math.imul(key, 0x9e3779b1) >>> 0;
      for (;;) {
        h &= capacity - 1;
        const head = slotHead[h]!;
        if (head < 0) {
          slotHead[h] = i;
          slotTail[h] = i;
          slotKey[h] = key;
          used[usedCount++] = h;
          break;
        }
        if (slotKey[h] === key) {
          next[slotTail[h]!] = i;
          slotTail[h] = i;
          break;
        }
        h++;
      }
      next[i] = -1;
    }
    for (let u = 0; u < usedCount; u++) {
      const h = used[u]!;
      if (slotHead[h] === slotTail[h]) continue;
      bucket.length = 0;
      for (let x = slotHead[h]!; x >= 0; x = next[x]!) bucket.push(x);
      bandGroups(run, bucket, t);
    }
  }
  return run.forest.labels();
}

/** Splits a bucket (ascending) into groups agreeing on the band and visits each group. */
function bandGroups(run: Pass, bucket: number[], band: number): void {
  let rest = bucket;
  while (rest.length >= 2) {
    const leader = rest[0]!;
    const same: number[] = [leader];
    const other: number[] = [];
    for (let p = 1; p < rest.length; p++) {
      const x = rest[p]!;
      if (run.agree(leader, x, band)) same.push(x);
      else other.push(x);
    }
    if (same.length >= 2) run.group(same, band);
    rest = other;
  }
}

/** The two passes of `components`. */
export function componentsPasses(
  minEqual: number,
  minEqualDup: number,
  method: 'exact' | 'lsh',
  bands: number,
  rows: number,
): [ComponentsPass, ComponentsPass] {
  return [
    { forest: 'cluster', method, minEqual, bands, rows },
    { forest: 'duplicate', method, minEqual: minEqualDup, bands, rows },
  ];
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
  const [cluster, duplicate] = componentsPasses(minEqual, minEqualDup, method, bands, rows).map(
    (pass) => passLabels(sigs, n, k, empty, pass, 0, passLength(n, k, pass)),
  );
  return { cluster: cluster!, duplicate: duplicate! };
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
