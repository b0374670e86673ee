import type { BenchCache, BenchKey, CacheContender } from './cache-contenders.js';
import { type KeyKind, keySpace } from './operation-workloads.js';

/**
 * What a cache holds, from least to most known: keys other than the first `size`; exactly the
 * first `size` keys in some recency order; exactly those, least recently used first, key j
 * mapped to j (as after `fill`).
 */
export type CacheCondition = 'changed' | 'keys resident' | 'filled in order';

const rank: Readonly<Record<CacheCondition, number>> = {
  changed: 0,
  'keys resident': 1,
  'filled in order': 2,
};

interface Entry {
  readonly cache: BenchCache;
  condition: CacheCondition;
}

/**
 * The full caches of one size and key kind, one per implementation, shared by the cases of
 * that size and kind: a cache of a million entries is built once, not once per case.
 *
 * A case acquires each cache in the condition it needs and says which it leaves. When the
 * cache is not known to be in that condition, `acquire` sets the first `size` keys again,
 * key j to value j, in order: in an exact LRU cache of `size` entries that leaves exactly
 * those keys, least recently used first, whatever earlier cases did to it. So every
 * implementation starts a case from the same state, and their first results can be compared.
 */
export class FilledCaches {
  readonly kind: KeyKind;
  readonly size: number;
  #space: BenchKey[] | undefined;
  readonly #caches = new Map<CacheContender, Entry>();

  constructor(kind: KeyKind, size: number) {
    this.kind = kind;
    this.size = size;
  }

  /** `2 × size` distinct keys; the first `size` are the ones every cache is filled with. */
  keys(): readonly BenchKey[] {
    this.#space ??= keySpace(this.kind, 2 * this.size);
    return this.#space;
  }

  /**
   * The contender's cache, created on first use, in at least the condition `needs`; the case
   * about to use it leaves it in the condition `leaves` (unchanged when omitted).
   */
  acquire(contender: CacheContender, needs: CacheCondition, leaves?: CacheCondition): BenchCache {
    let entry = this.#caches.get(contender);
    if (entry === undefined) {
      entry = { cache: contender.create(this.size), condition: 'changed' };
      this.#caches.set(contender, entry);
    }
    if (rank[entry.condition] < rank[needs]) {
      const keys = this.keys();
      for (let value = 0; value < this.size; value++) {
        entry.cache.set(keys[value]!, value);
      }
      entry.condition = 'filled in order';
    }
    entry.condition = leaves ?? entry.condition;
    return entry.cache;
  }

  /** Drops the caches and keys, once the last case using them is done. */
  release(): void {
    this.#caches.clear();
    this.#space = undefined;
  }
}
