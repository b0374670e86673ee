import { type ConsensusKernel, seedsFor } from './kernel.js';

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

/** The TypeScript implementation of {@link ConsensusKernel}. */
export const jsKernel: ConsensusKernel = Object.freeze({
  name: 'js',
  signatures,
  exactPairs,
  lshPairs,
  equalTo,
});
