import { seededRandom } from '../../workloads/seeded-random.js';
import { shuffleInPlace } from '../../workloads/shuffle.js';
import { zipfSampler } from '../../workloads/zipf-sampler.js';
import type { BenchKey } from './cache-contenders.js';

export type KeyKind = 'string' | 'integer';

/** The operations measured on a full cache of `size` entries. */
export type Operation = 'get hit' | 'get miss' | 'set evicting' | 'zipf mix';

/** The inputs of one case, built once and shared by every implementation. */
export interface Workload {
  /** The ring of keys the calls walk. */
  readonly keys: readonly BenchKey[];
  /** 1 where the access is a `set`, 0 for a `get` (zipf mix only; empty elsewhere). */
  readonly writes: Uint8Array;
  /** Position in `keys` of the first call's first access. */
  readonly start: number;
}

/** Share of `set`s in the zipf mix. */
export const mixWriteShare = 0.1;
/** Skew of the zipf mix: rank r is drawn with probability ∝ 1 / (r + 1)^0.99. */
export const zipfExponent = 0.99;

/** Every workload's randomness starts from this seed. */
const seed = 0x5eed_cace;

/** `count` distinct keys of `kind`: `user:0`, `user:1`, … or 0, 1, … */
export function keySpace(kind: KeyKind, count: number): BenchKey[] {
  return kind === 'string'
    ? Array.from({ length: count }, (_, i) => `user:${i}`)
    : Array.from({ length: count }, (_, i) => i);
}

/**
 * How many accesses a ring holds: at least the cache size, so lookups reach every part of a
 * large cache as a real workload would, and at least 2^16 so a small cache is not walked in a
 * short repeating pattern.
 */
export function ringLength(size: number): number {
  return Math.max(size, 1 << 16);
}

function uniformPicks(
  space: readonly BenchKey[],
  from: number,
  count: number,
  length: number,
): BenchKey[] {
  const random = seededRandom(seed);
  return Array.from({ length }, () => space[from + Math.floor(random() * count)]!);
}

/**
 * The workload of `operation` on a cache of `size` entries, drawing keys from `space` (at
 * least `2 × size` keys of one kind). Every cache starts full with the first `size` keys
 * (`FilledCaches`).
 *
 * - get hit: uniform random lookups of resident keys;
 * - get miss: uniform random lookups of keys never inserted;
 * - set evicting: the `2 × size` keys in turn, starting after the resident ones, so each
 *   `set` inserts a key absent for `size` sets and evicts the least recently used;
 * - zipf mix: 90% `get` and 10% `set`, keys drawn from `2 × size` by a zipf distribution
 *   whose popular ranks are spread over the key space by a seeded shuffle.
 */
export function buildWorkload(
  operation: Operation,
  space: readonly BenchKey[],
  size: number,
): Workload {
  if (space.length < 2 * size) {
    throw new RangeError(`Expected at least ${2 * size} keys, got ${space.length}`);
  }
  const length = ringLength(size);
  const noWrites = new Uint8Array(0);
  switch (operation) {
    case 'get hit':
      return { keys: uniformPicks(space, 0, size, length), writes: noWrites, start: 0 };
    case 'get miss':
      return { keys: uniformPicks(space, size, size, length), writes: noWrites, start: 0 };
    case 'set evicting':
      return { keys: space.slice(0, 2 * size), writes: noWrites, start: size };
    case 'zipf mix': {
      const random = seededRandom(seed);
      const byRank = shuffleInPlace(space.slice(0, 2 * size), random);
      const draw = zipfSampler(byRank.length, zipfExponent, random);
      const writes = new Uint8Array(length);
      const keys = Array.from({ length }, (_, i) => {
        writes[i] = random() < mixWriteShare ? 1 : 0;
        return byRank[draw()]!;
      });
      return { keys, writes, start: 0 };
    }
  }
}
