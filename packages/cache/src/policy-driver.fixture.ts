/**
 * Test-only: a minimal cache around an {@link EvictionPolicy}, the way the real cache
 * drives one (a `Map` from key to slot, a free list of slots, `SlotLinks` grown on
 * demand), so policies can be tested and their hit ratios measured without the cache.
 */
import type { EvictionPolicy, PolicyFactory } from './eviction-policy.js';
import { hashKey } from './hash-key.js';
import { FIRST_SLOT, LIST_COUNT, SlotLinks } from './slot-links.js';

export class PolicyDriver {
  readonly links = new SlotLinks(8);
  readonly policy: EvictionPolicy;
  readonly #slots = new Map<number, number>();
  #keys: number[] = [];
  #weights: number[] = [];
  readonly #free: number[] = [];
  #nextSlot = FIRST_SLOT;
  #max: number;
  readonly #maxSize: number;
  #totalWeight = 0;
  hits = 0;
  misses = 0;

  /** `maxSize` bounds the total weight too (Infinity: count only). */
  constructor(factory: PolicyFactory, max: number, maxSize = Number.POSITIVE_INFINITY) {
    this.#max = max;
    this.#maxSize = maxSize;
    this.policy = factory(this.links, max);
  }

  get size(): number {
    return this.#slots.size;
  }

  get totalWeight(): number {
    return this.#totalWeight;
  }

  has(key: number): boolean {
    return this.#slots.has(key);
  }

  /** A read: touches on a hit, reports a miss otherwise. Returns whether it hit. */
  get(key: number): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      this.misses++;
      if (this.policy.usesHashes) this.policy.miss(hashKey(key));
      return false;
    }
    this.hits++;
    this.policy.touch(slot);
    return true;
  }

  /** A write: overwrites (touch) or inserts, then evicts while over capacity. */
  set(key: number, weight = 1): void {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#nextSlot++;
      this.links.grow(slot + 1, Number.MAX_SAFE_INTEGER);
      this.#slots.set(key, slot);
      this.#keys[slot] = key;
      this.#weights[slot] = weight;
      this.#totalWeight += weight;
      this.policy.insert(slot, this.policy.usesHashes ? hashKey(key) : 0);
    } else {
      this.#totalWeight += weight - this.#weights[slot]!;
      this.#weights[slot] = weight;
      this.policy.touch(slot);
    }
    this.#evict();
  }

  /** `get`, and `set` on a miss: how hit ratios are simulated. */
  access(key: number): boolean {
    if (this.get(key)) return true;
    this.set(key);
    return false;
  }

  delete(key: number): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.policy.remove(slot);
    this.#release(slot);
    return true;
  }

  resize(max: number): void {
    this.#max = max;
    this.policy.resize(max);
    this.#evict();
  }

  clear(): void {
    this.policy.clear();
    for (const slot of this.#slots.values()) this.#free.push(slot);
    this.#slots.clear();
    this.#totalWeight = 0;
  }

  /** The key held in `slot`, if any. */
  keyOf(slot: number): number | undefined {
    const key = this.#keys[slot];
    return key !== undefined && this.#slots.get(key) === slot ? key : undefined;
  }

  /** Slots of the live entries. */
  liveSlots(): number[] {
    return [...this.#slots.values()];
  }

  /** Every slot reachable from each list's sentinel, list by list. */
  lists(): number[][] {
    const next = this.links.next;
    const out: number[][] = [];
    for (let list = 0; list < LIST_COUNT; list++) {
      const slots: number[] = [];
      let steps = 0;
      for (let slot = next[list]!; slot !== list; slot = next[slot]!) {
        if (++steps > this.links.capacity) throw new Error(`list ${list} does not close`);
        slots.push(slot);
      }
      out.push(slots);
    }
    return out;
  }

  #evict(): void {
    while (this.#slots.size > this.#max || this.#totalWeight > this.#maxSize) {
      const slot = this.policy.victim((s) => this.#weights[s]!);
      const key = this.#keys[slot];
      if (slot < FIRST_SLOT || key === undefined || this.#slots.get(key) !== slot) {
        throw new Error(`victim() returned ${slot}, which holds no entry`);
      }
      this.policy.remove(slot);
      this.#release(slot);
    }
  }

  #release(slot: number): void {
    const key = this.#keys[slot]!;
    this.#slots.delete(key);
    this.#totalWeight -= this.#weights[slot]!;
    this.#free.push(slot);
  }
}

/** Hit ratio (0..1) of "get; on miss set" over `keys` with a cache of `max` entries. */
export function hitRatio(factory: PolicyFactory, max: number, keys: Iterable<number>): number {
  const driver = new PolicyDriver(factory, max);
  for (const key of keys) driver.access(key);
  return driver.hits / (driver.hits + driver.misses);
}

/** A seeded xorshift32 generator of floats in [0, 1). */
export function random(seed: number): () => number {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** `rounds` passes over keys `0 .. size - 1`, in order. */
export function* loopTrace(size: number, rounds: number): Generator<number> {
  for (let round = 0; round < rounds; round++) {
    for (let key = 0; key < size; key++) yield key;
  }
}

/** `count` keys drawn from `0 .. keys - 1` with Zipf(`skew`) popularity (key 0 the most). */
export function* zipfTrace(
  keys: number,
  skew: number,
  count: number,
  seed: number,
): Generator<number> {
  const cumulative = new Float64Array(keys);
  let total = 0;
  for (let rank = 0; rank < keys; rank++) {
    total += 1 / (rank + 1) ** skew;
    cumulative[rank] = total;
  }
  const next = random(seed);
  for (let i = 0; i < count; i++) {
    const target = next() * total;
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    yield low;
  }
}

/**
 * A working set of `width` keys that slides forward by one key every `every` accesses,
 * keys uniform within it: recency is everything, and a key's past popularity means
 * nothing once the set has moved past it.
 */
export function* slidingTrace(
  width: number,
  every: number,
  count: number,
  seed: number,
): Generator<number> {
  const next = random(seed);
  for (let i = 0; i < count; i++) yield Math.floor(i / every) + Math.floor(next() * width);
}
