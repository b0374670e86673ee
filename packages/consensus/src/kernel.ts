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
