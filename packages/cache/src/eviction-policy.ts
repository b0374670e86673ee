import type { SlotLinks } from './slot-links.js';

/**
 * What a cache needs from an eviction policy. The cache owns the keys, values and the
 * slot index of each entry; the policy owns the order of slots in `links` and decides
 * which slot goes when the cache is over capacity.
 */
export interface EvictionPolicy {
  /** True when the policy wants key hashes (`insert`'s `hash`, `miss`). */
  readonly usesHashes: boolean;
  /** A new entry was stored in `slot`; `hash` is its key's 32-bit hash (0 if unused). */
  insert(slot: number, hash: number): void;
  /** The entry in `slot` was read or overwritten. */
  touch(slot: number): void;
  /** A lookup missed for a key with this hash. */
  miss(hash: number): void;
  /** The entry in `slot` is leaving the cache (deleted, expired or evicted). */
  remove(slot: number): void;
  /**
   * The cache is over capacity: the slot to evict. The cache then calls `remove` for it.
   * `weightOf` gives an entry's weight (1 without `maxSize`).
   */
  victim(weightOf: (slot: number) => number): number;
  /** Slots from the most to the least recently used (or the policy's nearest order). */
  order(): number[];
  /** The maximum entry count changed. */
  resize(max: number): void;
  /** Every entry left at once. */
  clear(): void;
}

/** Builds a policy over the cache's links for a given entry limit. */
export type PolicyFactory = (links: SlotLinks, max: number) => EvictionPolicy;
