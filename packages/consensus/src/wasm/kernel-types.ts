/**
 * The integer kernel both backends implement: MinHash signatures, exact and LSH pairs, and
 * equal-slot counts against one row. Every value in and out is an unsigned 32-bit integer.
 */
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
