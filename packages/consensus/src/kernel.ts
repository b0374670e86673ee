/**
 * The kernel contract: the integer work of a consensus analysis (MinHash signatures and
 * the pairs of responses that agree). Every backend implements it exactly, so that an
 * analysis gives the same result whichever backend ran it.
 */

/** The integer part of the analysis, implemented in TypeScript and in WebAssembly. */
export interface ConsensusKernel {
  readonly name: 'wasm' | 'js';
  /** n*k signature slots, row-major. */
  signatures(hashes: Uint32Array, offsets: Uint32Array, k: number): Uint32Array;
  /** Exact all pairs: every i<j (both non-empty) with equal >= minEqual, as triplets [i, j, equal] sorted by i then j. */
  exactPairs(
    sigs: Uint32Array,
    n: number,
    k: number,
    empty: Uint8Array,
    minEqual: number,
  ): Uint32Array;
  /** LSH banding: band t covers slots t*rows..t*rows+rows-1 (t < bands); two non-empty responses whose band slots are
   *  all equal in some band are candidates; candidates are verified on the full signature (equal >= minEqual);
   *  the result is the verified pairs as triplets [i, j, equal], unique, sorted by i then j. */
  lshPairs(
    sigs: Uint32Array,
    n: number,
    k: number,
    empty: Uint8Array,
    minEqual: number,
    bands: number,
    rows: number,
  ): Uint32Array;
  /** equal(i, rep) for every i (n counts). */
  equalTo(sigs: Uint32Array, n: number, k: number, rep: number): Uint32Array;
  /**
   * Union-find labels at both thresholds (`minEqual` for clusters, `minEqualDup >= minEqual`
   * for near-duplicates): the label of a response is the smallest index of its component.
   * Candidate pairs (exact: every `i < j`; lsh: pairs sharing all slots of some band) are
   * visited, a pair already connected in the near-duplicate forest may be skipped, and the
   * others are verified on the full signature. Responses with `empty[i] = 1` are ignored
   * (each its own label). A kernel without it is run through {@link componentsFromPairs}.
   */
  components?:
    | ((
        sigs: Uint32Array,
        n: number,
        k: number,
        empty: Uint8Array,
        minEqual: number,
        minEqualDup: number,
        method: 'exact' | 'lsh',
        bands: number,
        rows: number,
      ) => ComponentLabels)
    | undefined;
}

/** Component labels at the two thresholds: each the smallest index of its component. */
export interface ComponentLabels {
  readonly cluster: Uint32Array;
  readonly duplicate: Uint32Array;
}

/**
 * Union-find over `0..n - 1` in a typed array, with path halving; the root of a set is its
 * smallest member, so that the labels do not depend on the order of the unions.
 */
export class MinRootForest {
  readonly parent: Uint32Array;

  constructor(n: number) {
    this.parent = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const parent = this.parent;
    let r = x;
    while (parent[r] !== r) {
      const up = parent[parent[r]!]!;
      parent[r] = up;
      r = up;
    }
    return r;
  }

  /** Joins the sets of `a` and `b`; true when they were apart. */
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
    return true;
  }

  /** Joins every `i` with `labels[i]` (labels of another forest over the same elements). */
  merge(labels: Uint32Array): void {
    for (let i = 0; i < labels.length; i++) if (labels[i] !== i) this.union(i, labels[i]!);
  }

  /** The smallest member of each element's set. */
  labels(): Uint32Array {
    const out = new Uint32Array(this.parent.length);
    for (let i = 0; i < out.length; i++) out[i] = this.find(i);
    return out;
  }
}

/**
 * {@link ConsensusKernel.components} for a kernel, computed from its pair list when it does
 * not implement it: the pairs at `minEqual`, joined at both thresholds.
 */
export function kernelComponents(
  kernel: ConsensusKernel,
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
  if (kernel.components !== undefined) {
    return kernel.components(sigs, n, k, empty, minEqual, minEqualDup, method, bands, rows);
  }
  return componentsFromPairs(kernel, sigs, n, k, empty, minEqual, minEqualDup, method, bands, rows);
}

/** The components of the pairs `exactPairs` or `lshPairs` list, at both thresholds. */
export function componentsFromPairs(
  kernel: ConsensusKernel,
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
  const pairs =
    method === 'exact'
      ? kernel.exactPairs(sigs, n, k, empty, minEqual)
      : kernel.lshPairs(sigs, n, k, empty, minEqual, bands, rows);
  const cluster = new MinRootForest(n);
  const duplicate = new MinRootForest(n);
  for (let p = 0; p < pairs.length; p += 3) {
    const i = pairs[p]!;
    const j = pairs[p + 1]!;
    const equal = pairs[p + 2]!;
    if (equal >= minEqual) cluster.union(i, j);
    if (equal >= minEqualDup) duplicate.union(i, j);
  }
  return { cluster: cluster.labels(), duplicate: duplicate.labels() };
}

/**
 * The 32-bit finaliser of MurmurHash3: a bijection on 32-bit integers that spreads every
 * input bit over the whole output. Returns an unsigned 32-bit integer.
 */
export function fmix32(h: number): number {
  let x = h | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The `k` per-slot seeds of a signature: `seeds[j] = fmix32((j + 1) * 0x9e3779b9 mod 2^32)`. */
export function seedsFor(k: number): Uint32Array {
  const seeds = new Uint32Array(k);
  for (let j = 0; j < k; j++) seeds[j] = fmix32(Math.imul(j + 1, 0x9e3779b9) >>> 0);
  return seeds;
}
