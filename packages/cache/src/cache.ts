import {
  checkBoolean,
  checkNumber,
  checkOptions,
  checkSignal,
  type Deferred,
  deferred,
  describeValue,
  Listeners,
  throwIfAborted,
  type Unsubscribe,
  Waiter,
  weakInterval,
} from '@breakwater/core';
import { CacheClosedError, NoLoaderError } from './errors.js';
import type { EvictionPolicy } from './eviction-policy.js';
import { hashKey } from './hash-key.js';
import { LRU_LIST, LruPolicy } from './lru-policy.js';
import {
  type CacheOptions,
  checkOptionKeys,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { FIRST_SLOT, SlotLinks } from './slot-links.js';
import { TinyLfuPolicy } from './tinylfu-policy.js';

/** Why an entry left the cache. */
export type EvictionReason = 'capacity' | 'expired' | 'deleted' | 'replaced';

/** Payload of `onEvict`. */
export interface EvictEvent<K, V> {
  key: K;
  value: V;
  reason: EvictionReason;
}

/** Payload of `onReject`: an entry heavier than `maxSize` was not stored. */
export interface RejectEvent<K, V> {
  key: K;
  value: V;
  size: number;
  reason: 'too-large';
}

/** Payload of `onRefreshError`: a background (stale-while-revalidate) load failed. */
export interface RefreshErrorEvent<K> {
  key: K;
  error: unknown;
}

/** A snapshot of the cache's counters, from `stats()`. */
export interface CacheStats {
  /** `get`/`fetch` calls answered from the cache with a fresh value. */
  hits: number;
  /** `get`/`fetch` calls that found no fresh value. */
  misses: number;
  /** Entries that left the cache, by reason. */
  evictions: Record<EvictionReason, number>;
  /** Loads started by `fetch` (foreground and background). */
  loads: number;
  /** Loads that threw or rejected. */
  loadFailures: number;
  /** `fetch` calls answered with a stale value (revalidating, or after a failed load). */
  staleServed: number;
  /** Entries held, expired ones not yet removed included. */
  size: number;
  /** Sum of the entries' weights (equals `size` without `maxSize`). */
  weightedSize: number;
}

/** Per-entry options of `set`. */
export interface SetOptions {
  /** Time to live of this entry in ms; `0` never expires. @default the cache's `ttlMs` */
  ttlMs?: number | undefined;
  /** Weight of this entry, instead of calling `sizeOf`. */
  size?: number | undefined;
}

/** Options of `fetch`. */
export interface FetchOptions<C> {
  /** Rejects this call with `signal.reason` when aborted; see `fetch` for the load. */
  signal?: AbortSignal | undefined;
  /** Passed to `load` as `context` when this call starts the load. */
  context?: C | undefined;
  /** TTL of the loaded value. @default the cache's `ttlMs` */
  ttlMs?: number | undefined;
  /** Load even if a fresh value is cached (joins a load already running). @default false */
  forceRefresh?: boolean | undefined;
}

/** Every per-call option, checked by the compiler against the interfaces. */
const SET_OPTION_KEYS = Object.keys({ ttlMs: true, size: true } satisfies Record<
  keyof SetOptions,
  true
>);
const FETCH_OPTION_KEYS = Object.keys({
  signal: true,
  context: true,
  ttlMs: true,
  forceRefresh: true,
} satisfies Record<keyof FetchOptions<unknown>, true>);

/** One in-flight load of a key, shared by every `fetch` waiting for it. */
interface SharedLoad<V> extends Deferred<V | undefined> {
  readonly controller: AbortController;
  /** Callers still waiting (a background refresh holds no caller). */
  waiters: number;
  readonly background: boolean;
  settled: boolean;
  /** A `set`/`delete` of the key happened meanwhile: the result must not overwrite it. */
  superseded: boolean;
}

const NEVER = Number.POSITIVE_INFINITY;

/**
 * A bounded in-memory cache: `max` entries and optionally `maxSize` total weight, with
 * per-entry TTLs, LRU or W-TinyLFU eviction, and `fetch` that shares one load per key.
 *
 * Entries live in parallel arrays indexed by slot, linked by typed arrays; the arrays
 * grow as entries arrive, so an idle cache with a large `max` stays small.
 *
 * `undefined` is not a storable value: `set(key, undefined)` deletes the key, so
 * `get` returning `undefined` always means "no fresh entry".
 */
export class Cache<K, V, C = unknown> implements Iterable<[K, V]> {
  readonly #options: ResolvedOptions<K, V, C>;
  readonly #map = new Map<K, number>();
  /** Key and value per slot; sized like the links (exactly, no push-growth slack). */
  #keys: (K | undefined)[];
  #values: (V | undefined)[];
  readonly #links: SlotLinks;
  readonly #policy: EvictionPolicy;
  readonly #hashing: boolean;
  /** LRU without weights: at capacity, a new entry takes over the victim's slot. */
  readonly #recycle: boolean;
  /** The `lru` policy: a read moves the slot to the head of the links' one list. */
  readonly #lru: boolean;
  /** `#recycle` without a default TTL: `set` may take the short path (see `set`). */
  readonly #plainLru: boolean;
  readonly #free: number[] = [];
  #nextSlot = FIRST_SLOT;
  #max: number;
  /** Absolute expiry time per slot (`Infinity`: never); allocated with the first TTL. */
  #expires: Float64Array | undefined;
  /** TTL per slot, for `updateAgeOnGet`; allocated with `#expires`. */
  #ttls: Float64Array | undefined;
  /** Weight per slot; allocated only with `maxSize`. */
  #sizes: Float64Array | undefined;
  #weight = 0;
  /** How long an expired entry is kept for stale-while-revalidate / stale-if-error. */
  readonly #staleKeep: number;

  #hits = 0;
  #misses = 0;
  #evictedCapacity = 0;
  #evictedExpired = 0;
  #evictedDeleted = 0;
  #evictedReplaced = 0;
  #loads = 0;
  #loadFailures = 0;
  #staleServed = 0;

  readonly #onEvict = new Listeners<EvictEvent<K, V>>();
  readonly #onReject = new Listeners<RejectEvent<K, V>>();
  readonly #onRefreshError = new Listeners<RefreshErrorEvent<K>>();

  readonly #inflight = new Map<K, SharedLoad<V>>();
  /** Every running load, superseded ones included: `close()` aborts them all. */
  readonly #running = new Set<SharedLoad<V>>();
  readonly #failures = new Map<K, { error: unknown; until: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: CacheOptions<K, V, C>) {
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.#max = resolved.max;
    this.#links = new SlotLinks(Math.min(FIRST_SLOT + 16, FIRST_SLOT + resolved.max + 1));
    this.#keys = new Array<K | undefined>(this.#links.capacity).fill(undefined);
    this.#values = new Array<V | undefined>(this.#links.capacity).fill(undefined);
    this.#policy =
      resolved.policy === 'tinylfu'
        ? new TinyLfuPolicy(this.#links, resolved.max)
        : new LruPolicy(this.#links);
    this.#hashing = this.#policy.usesHashes;
    this.#lru = resolved.policy === 'lru';
    this.#recycle = this.#lru && resolved.sizeOf === undefined;
    this.#plainLru = this.#recycle && resolved.ttlMs === 0;
    if (resolved.sizeOf !== undefined) this.#sizes = new Float64Array(this.#links.capacity);
    this.#staleKeep = Math.max(resolved.staleWhileRevalidateMs, resolved.staleIfErrorMs);
    if (resolved.purgeIntervalMs > 0)
      this.#timer = weakInterval(this, resolved.purgeIntervalMs, (cache) => cache.purgeStale());
  }

  // ---------------------------------------------------------------- reading

  /**
   * The fresh value of `key`, or `undefined`. Counts a hit or a miss, marks the entry
   * used (and resets its TTL with `updateAgeOnGet`).
   */
  get(key: K): V | undefined {
    // Kept small so that V8 inlines it into the caller's loop: entries with expiry
    // times take `#getExpiring`, other policies their own `touch`.
    const slot = this.#map.get(key);
    if (slot === undefined) {
      this.#misses++;
      if (this.#hashing) this.#policy.miss(hashKey(key));
      return undefined;
    }
    if (this.#expires !== undefined) return this.#getExpiring(key, slot, this.#expires);
    this.#hits++;
    if (this.#lru) this.#links.moveToHead(LRU_LIST, slot);
    else this.#policy.touch(slot);
    return this.#values[slot];
  }

  /** `get` of a held entry once some entry has had an expiry time. */
  #getExpiring(key: K, slot: number, expires: Float64Array): V | undefined {
    if (expires[slot]! !== NEVER) {
      const now = this.#options.clock.now();
      if (expires[slot]! <= now) {
        this.#misses++;
        if (this.#hashing) this.#policy.miss(hashKey(key));
        this.#expireIfDead(slot, now);
        return undefined;
      }
      if (this.#options.updateAgeOnGet) expires[slot] = now + this.#ttls![slot]!;
    }
    this.#hits++;
    this.#policy.touch(slot);
    return this.#values[slot];
  }

  /** The fresh value of `key` without counting, touching or renewing anything. */
  peek(key: K): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined || this.#isExpired(slot)) return undefined;
    return this.#values[slot];
  }

  /** True when `key` has a fresh value. Touches nothing. */
  has(key: K): boolean {
    const slot = this.#map.get(key);
    return slot !== undefined && !this.#isExpired(slot);
  }

  /**
   * Milliseconds until `key` expires: `Infinity` without a TTL, `0` once expired (while
   * still held for stale serving), `undefined` when the key is absent.
   */
  remainingTtlMs(key: K): number | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    const expires = this.#expires;
    if (expires === undefined || expires[slot] === NEVER) return NEVER;
    const now = this.#options.clock.now();
    if (this.#expireIfDead(slot, now)) return undefined;
    return Math.max(0, expires[slot]! - now);
  }

  /** Entries held, expired ones not yet removed included. */
  get size(): number {
    return this.#map.size;
  }

  /** Current entry limit. */
  get max(): number {
    return this.#max;
  }

  /** Fresh entries, most recently used first (W-TinyLFU: window, protected, probation). */
  *entries(): IterableIterator<[K, V]> {
    for (const slot of this.#policy.order()) {
      const key = this.#keys[slot] as K;
      // The snapshot may hold slots deleted or reused since it was taken.
      if (this.#map.get(key) !== slot || this.#isExpired(slot)) continue;
      yield [key, this.#values[slot] as V];
    }
  }

  /** Keys of fresh entries, in `entries()` order. */
  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  /** Values of fresh entries, in `entries()` order. */
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  // ---------------------------------------------------------------- writing

  /**
   * Stores `value` under `key` and marks it most recently used, evicting what `max` and
   * `maxSize` require. `undefined` deletes the key. An entry heavier than `maxSize` is
   * not stored (an older value of the key is removed) and is reported by `onReject`.
   *
   * @throws CacheClosedError after `close()` (unless `value` is `undefined`: a delete);
   *   TypeError (not a number) or RangeError (out of range) when `options.ttlMs`,
   *   `options.size` or `sizeOf`'s result is invalid.
   */
  set(key: K, value: V | undefined, options?: SetOptions): this {
    // The short path: a plain LRU cache (no weights, no TTL yet, no load or remembered
    // failure to supersede) storing a value without per-call options. `#setPlain` does
    // what `#store` does in that case, in the same order. The guard stays small enough
    // for V8 to inline into the caller's loop; the body stays out of it, which measured
    // faster for loops that also inline `get`.
    if (
      options === undefined &&
      value !== undefined &&
      this.#plainLru &&
      this.#expires === undefined &&
      !this.#closed &&
      this.#inflight.size === 0 &&
      this.#failures.size === 0
    ) {
      if (this.#setPlain(key, value)) return this;
    }
    return this.#store(key, value, options);
  }

  /** The short path of `set`; false when the key is new and the cache has room. */
  #setPlain(key: K, value: V): boolean {
    const map = this.#map;
    const slot = map.get(key);
    if (slot !== undefined) {
      const values = this.#values;
      const old = values[slot] as V;
      values[slot] = value;
      if (old !== value) this.#replaced(key, old);
      this.#links.moveToHead(LRU_LIST, slot);
      return true;
    }
    if (map.size >= this.#max) {
      // At capacity: the least recently used entry's slot goes to the new entry.
      const links = this.#links;
      const victim = links.tail(LRU_LIST);
      const keys = this.#keys;
      const values = this.#values;
      const evictedKey = keys[victim] as K;
      const evictedValue = values[victim] as V;
      map.delete(evictedKey);
      this.#evictedCapacity++;
      links.moveToHead(LRU_LIST, victim);
      map.set(key, victim);
      keys[victim] = key;
      values[victim] = value;
      if (this.#onEvict.active) {
        this.#onEvict.emit({ key: evictedKey, value: evictedValue, reason: 'capacity' });
      }
      return true;
    }
    return false;
  }

  /** `set` in general: options, TTLs, weights, W-TinyLFU, loads to supersede. */
  #store(key: K, value: V | undefined, options: SetOptions | undefined): this {
    if (this.#closed && value !== undefined) throw new CacheClosedError();
    let ttl = this.#options.ttlMs;
    let size = 1;
    // Checked even for `undefined` (a delete) or when no weight is kept: a bad option is
    // a bug to report.
    if (options !== undefined) {
      checkOptions('options', options);
      checkOptionKeys('options', options, SET_OPTION_KEYS);
      ttl = checkNumber('ttlMs', options.ttlMs, { min: 0, default: ttl });
      if (options.size !== undefined && (this.#sizes === undefined || value === undefined)) {
        this.#checkSize(key, options.size);
      }
    }
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    if (this.#inflight.size > 0) this.#supersede(key);
    if (this.#failures.size > 0) this.#failures.delete(key);
    if (this.#sizes !== undefined) {
      size = this.#sizeOf(key, value, options?.size);
      if (size > this.#options.maxSize) {
        this.#remove(key, 'replaced');
        if (this.#onReject.active) this.#onReject.emit({ key, value, size, reason: 'too-large' });
        return this;
      }
    }
    let slot = this.#map.get(key);
    let evictedKey: K | undefined;
    let evictedValue: V | undefined;
    let evictedExpired = false;
    if (slot !== undefined) {
      const old = this.#values[slot] as V;
      this.#values[slot] = value;
      if (old !== value) this.#replaced(key, old);
      this.#policy.touch(slot);
    } else {
      if (this.#recycle && this.#map.size >= this.#max) {
        // Plain LRU at capacity: the victim's slot goes straight to the new entry; the
        // eviction is reported once the new entry is fully stored.
        slot = this.#policy.victim(this.#weightOf);
        evictedKey = this.#keys[slot] as K;
        evictedValue = this.#values[slot] as V;
        evictedExpired = this.#isExpired(slot);
        this.#map.delete(evictedKey);
        if (evictedExpired) this.#evictedExpired++;
        else this.#evictedCapacity++;
        this.#policy.touch(slot);
      } else {
        slot = this.#allocate();
        this.#policy.insert(slot, this.#hashing ? hashKey(key) : 0);
      }
      this.#map.set(key, slot);
      this.#keys[slot] = key;
      this.#values[slot] = value;
    }
    if (ttl > 0 || this.#expires !== undefined) this.#setTtl(slot, ttl);
    if (this.#sizes !== undefined) {
      this.#weight += size - this.#sizes[slot]!;
      this.#sizes[slot] = size;
    }
    this.#evictOverflow();
    if (evictedValue !== undefined && this.#onEvict.active) {
      const reason = evictedExpired ? 'expired' : 'capacity';
      this.#onEvict.emit({ key: evictedKey as K, value: evictedValue, reason });
    }
    return this;
  }

  /** Removes `key`; true when an entry (fresh or expired) was held. */
  delete(key: K): boolean {
    if (this.#inflight.size > 0) this.#supersede(key);
    if (this.#failures.size > 0) this.#failures.delete(key);
    return this.#remove(key, 'deleted');
  }

  /** Removes every entry (each counts, and is reported, as `'deleted'`). */
  clear(): void {
    const emit = this.#onEvict.active;
    const order = emit ? this.#policy.order() : [];
    const size = this.#map.size;
    for (const slot of order) {
      this.#onEvict.emit({
        key: this.#keys[slot] as K,
        value: this.#values[slot] as V,
        reason: 'deleted',
      });
    }
    for (const key of this.#inflight.keys()) this.#supersede(key);
    this.#evictedDeleted += size;
    this.#map.clear();
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#free.length = 0;
    this.#nextSlot = FIRST_SLOT;
    this.#weight = 0;
    this.#sizes?.fill(0);
    this.#failures.clear();
    this.#policy.clear();
  }

  /**
   * Changes `max`; shrinking evicts down to the new limit at once.
   * @throws RangeError when `max` is not a positive integer.
   */
  resize(max: number): void {
    this.#max = checkNumber('max', max, { min: 1, integer: true, max: 2 ** 32 - 8 });
    this.#policy.resize(this.#max);
    this.#evictOverflow();
  }

  /** Removes every entry that is expired and past its stale windows; returns how many. */
  purgeStale(): number {
    if (this.#expires === undefined) return 0;
    const now = this.#options.clock.now();
    let removed = 0;
    for (const slot of [...this.#map.values()]) {
      if (this.#expireIfDead(slot, now)) removed++;
    }
    return removed;
  }

  // ---------------------------------------------------------------- loading

  /**
   * The value of `key`, loading it with the `load` option when it is missing or expired.
   *
   * - Concurrent calls for one key share one load. Each caller rejects at once with its
   *   own `signal.reason` when its signal aborts; the load's own signal aborts only when
   *   every waiting caller has aborted. Later callers never join an aborted load.
   * - Within `freshness.staleWhileRevalidateMs` after expiry the stale value is returned
   *   at once and one background load refreshes it.
   * - Within `freshness.staleIfErrorMs` after expiry a failed load returns the stale value.
   * - With `freshness.errorTtlMs` a failure is remembered and rethrown for that long.
   * - A load resolving `undefined` stores nothing and resolves `undefined`.
   *
   * @throws NoLoaderError without a `load` option; CacheClosedError after `close()`.
   */
  async fetch(key: K, options?: FetchOptions<C>): Promise<V | undefined> {
    const load = this.#options.load;
    if (load === undefined) throw new NoLoaderError();
    if (this.#closed) throw new CacheClosedError();
    let opts: FetchOptions<C> = {};
    let forceRefresh = false;
    if (options !== undefined) {
      opts = checkOptions('options', options);
      checkOptionKeys('options', opts, FETCH_OPTION_KEYS);
      checkSignal('signal', opts.signal);
      forceRefresh = checkBoolean('forceRefresh', opts.forceRefresh, false);
    }
    const signal = opts.signal;
    throwIfAborted(signal);
    const ttl = checkNumber('ttlMs', opts.ttlMs, { min: 0, default: this.#options.ttlMs });

    const slot = this.#map.get(key);
    let stale: V | undefined;
    if (slot !== undefined && !forceRefresh) {
      const expires = this.#expires;
      const expiry = expires === undefined ? NEVER : expires[slot]!;
      const now = expiry === NEVER ? 0 : this.#options.clock.now();
      if (expiry > now) {
        this.#hits++;
        this.#policy.touch(slot);
        if (this.#options.updateAgeOnGet && expiry !== NEVER) {
          expires![slot] = now + this.#ttls![slot]!;
        }
        return this.#values[slot];
      }
      if (now - expiry < this.#staleKeep) {
        stale = this.#values[slot];
        if (now - expiry < this.#options.staleWhileRevalidateMs) {
          this.#misses++;
          this.#staleServed++;
          if (!this.#inflight.has(key) && !this.#failureFor(key, now)) {
            this.#startLoad(key, stale, opts.context, ttl, true);
          }
          return stale;
        }
      } else {
        this.#expireIfDead(slot, now);
      }
    } else if (slot !== undefined) {
      stale = this.#values[slot];
    }
    this.#misses++;
    if (this.#failures.size > 0) {
      const failure = this.#failureFor(key, this.#options.clock.now());
      if (failure !== undefined) throw failure.error;
    }
    let shared = this.#inflight.get(key);
    if (shared === undefined || shared.controller.signal.aborted) {
      shared = this.#startLoad(key, stale, opts.context, ttl, false);
    }
    return this.#wait(key, shared, signal);
  }

  /**
   * Stops the purge timer, aborts every running load (with `CacheClosedError` as the
   * signal's reason) and rejects every pending `fetch` with `CacheClosedError`. Afterwards
   * `fetch` rejects and `set` of a value throws `CacheClosedError`; reading what is held
   * (`get`, `peek`, `has`, `remainingTtlMs`, iteration, `size`), removing entries
   * (`delete`, `set(key, undefined)`, `clear`, `purgeStale`), `resize` and `stats()` keep
   * working. Calling it again does nothing.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const shared of [...this.#running]) {
      const error = new CacheClosedError();
      shared.controller.abort(error);
      this.#settle(shared, false, error);
    }
    this.#running.clear();
    this.#inflight.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  // ---------------------------------------------------------------- observing

  /** Called with every entry that leaves the cache, and why. */
  onEvict(listener: (event: EvictEvent<K, V>) => void): Unsubscribe {
    return this.#onEvict.on(listener);
  }

  /** Called when `set` refuses an entry heavier than `maxSize`. */
  onReject(listener: (event: RejectEvent<K, V>) => void): Unsubscribe {
    return this.#onReject.on(listener);
  }

  /** Called when a background (stale-while-revalidate) load fails. */
  onRefreshError(listener: (event: RefreshErrorEvent<K>) => void): Unsubscribe {
    return this.#onRefreshError.on(listener);
  }

  /** A snapshot of the counters. */
  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: {
        capacity: this.#evictedCapacity,
        expired: this.#evictedExpired,
        deleted: this.#evictedDeleted,
        replaced: this.#evictedReplaced,
      },
      loads: this.#loads,
      loadFailures: this.#loadFailures,
      staleServed: this.#staleServed,
      size: this.#map.size,
      weightedSize: this.#sizes === undefined ? this.#map.size : this.#weight,
    };
  }

  // ---------------------------------------------------------------- internals

  #allocate(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const slot = this.#nextSlot++;
    if (slot >= this.#links.capacity) this.#grow(slot + 1);
    return slot;
  }

  #grow(needed: number): void {
    // One slot beyond `max`: a new entry is linked before the overflow is evicted.
    this.#links.grow(needed, FIRST_SLOT + this.#max + 1);
    const capacity = this.#links.capacity;
    this.#keys = growArray(this.#keys, capacity);
    this.#values = growArray(this.#values, capacity);
    if (this.#expires !== undefined) {
      this.#expires = growFloat(this.#expires, capacity, NEVER);
      this.#ttls = growFloat(this.#ttls!, capacity, 0);
    }
    if (this.#sizes !== undefined) this.#sizes = growFloat(this.#sizes, capacity, 0);
  }

  /** Counts (and reports) `old`, the value of `key` that a `set` replaced. */
  #replaced(key: K, old: V): void {
    this.#evictedReplaced++;
    if (this.#onEvict.active) this.#onEvict.emit({ key, value: old, reason: 'replaced' });
  }

  #setTtl(slot: number, ttl: number): void {
    if (this.#expires === undefined) {
      this.#expires = new Float64Array(this.#links.capacity).fill(NEVER);
      this.#ttls = new Float64Array(this.#links.capacity);
    }
    this.#ttls![slot] = ttl;
    this.#expires[slot] = ttl > 0 ? this.#options.clock.now() + ttl : NEVER;
  }

  #sizeOf(key: K, value: V, given: number | undefined): number {
    return this.#checkSize(key, given ?? this.#options.sizeOf!(value, key), given === undefined);
  }

  /** `size` if it is a valid weight, from the `size` option or (`computed`) from `sizeOf`. */
  #checkSize(key: K, size: unknown, computed = false): number {
    if (typeof size === 'number' && size > 0 && size !== NEVER) return size;
    const source = computed ? '`sizeOf`' : '`size`';
    const message = `Expected ${source} to be a finite number > 0 for key ${describeValue(key)}, got ${describeValue(size)}`;
    // As core's checkNumber: a value that is not a number (NaN included) is a TypeError.
    throw typeof size !== 'number' || Number.isNaN(size)
      ? new TypeError(message)
      : new RangeError(message);
  }

  #isExpired(slot: number): boolean {
    const expires = this.#expires;
    return (
      expires !== undefined &&
      expires[slot]! !== NEVER &&
      expires[slot]! <= this.#options.clock.now()
    );
  }

  /** Removes an expired entry unless a stale window still needs it; true if removed. */
  #expireIfDead(slot: number, now: number): boolean {
    const expiry = this.#expires![slot]!;
    if (expiry === NEVER || expiry > now || now - expiry < this.#staleKeep) return false;
    this.#removeSlot(slot, 'expired');
    return true;
  }

  #evictOverflow(): void {
    const maxSize = this.#options.maxSize;
    while (this.#map.size > this.#max || this.#weight > maxSize) {
      const slot = this.#policy.victim(this.#weightOf);
      this.#removeSlot(slot, this.#isExpired(slot) ? 'expired' : 'capacity');
    }
  }

  readonly #weightOf = (slot: number): number =>
    this.#sizes === undefined ? 1 : this.#sizes[slot]!;

  #remove(key: K, reason: EvictionReason): boolean {
    const slot = this.#map.get(key);
    if (slot === undefined) return false;
    this.#removeSlot(slot, reason);
    return true;
  }

  #removeSlot(slot: number, reason: EvictionReason): void {
    const key = this.#keys[slot] as K;
    const value = this.#values[slot] as V;
    this.#policy.remove(slot);
    this.#map.delete(key);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    if (this.#sizes !== undefined) {
      this.#weight -= this.#sizes[slot]!;
      this.#sizes[slot] = 0;
    }
    this.#free.push(slot);
    if (reason === 'capacity') this.#evictedCapacity++;
    else if (reason === 'expired') this.#evictedExpired++;
    else if (reason === 'deleted') this.#evictedDeleted++;
    else this.#evictedReplaced++;
    if (this.#onEvict.active) this.#onEvict.emit({ key, value, reason });
  }

  /**
   * A write or delete of `key` outdates its running load: the load's result still goes to
   * the callers already waiting, but is not stored, and later callers start a new load.
   */
  #supersede(key: K): void {
    const shared = this.#inflight.get(key);
    if (shared === undefined) return;
    shared.superseded = true;
    this.#inflight.delete(key);
  }

  #failureFor(key: K, now: number): { error: unknown } | undefined {
    const failure = this.#failures.get(key);
    if (failure === undefined) return undefined;
    if (failure.until > now) return failure;
    this.#failures.delete(key);
    return undefined;
  }

  #startLoad(
    key: K,
    stale: V | undefined,
    context: C | undefined,
    ttlMs: number,
    background: boolean,
  ): SharedLoad<V> {
    const shared: SharedLoad<V> = {
      ...deferred<V | undefined>(),
      controller: new AbortController(),
      waiters: 0,
      background,
      settled: false,
      superseded: false,
    };
    this.#inflight.set(key, shared);
    this.#running.add(shared);
    this.#loads++;
    if (background) {
      shared.promise.catch((error: unknown) => {
        if (this.#closed) return;
        if (this.#onRefreshError.active) this.#onRefreshError.emit({ key, error });
      });
    }
    void this.#runLoad(key, shared, stale, context, ttlMs);
    return shared;
  }

  async #runLoad(
    key: K,
    shared: SharedLoad<V>,
    stale: V | undefined,
    context: C | undefined,
    ttlMs: number,
  ): Promise<void> {
    const signal = shared.controller.signal;
    try {
      const value = await this.#options.load!(key, { signal, context, stale });
      if (signal.aborted) return;
      if (value !== undefined && !shared.superseded) {
        this.#release(key, shared);
        this.set(key, value, { ttlMs });
      }
      this.#settle(shared, true, value);
    } catch (error) {
      if (signal.aborted) return;
      this.#loadFailures++;
      // A background refresh has no caller to serve: its failure goes to onRefreshError.
      const fallback = shared.background ? undefined : this.#staleIfErrorMs(key);
      if (fallback !== undefined) {
        this.#staleServed++;
        this.#settle(shared, true, fallback);
        return;
      }
      if (this.#options.errorTtlMs > 0 && !shared.superseded) {
        this.#failures.set(key, {
          error,
          until: this.#options.clock.now() + this.#options.errorTtlMs,
        });
        this.#boundFailures();
      }
      this.#settle(shared, false, error);
    } finally {
      this.#release(key, shared);
      this.#running.delete(shared);
    }
  }

  /** The stale value of `key` if a failed load may fall back to it now. */
  #staleIfErrorMs(key: K): V | undefined {
    const window = this.#options.staleIfErrorMs;
    const slot = this.#map.get(key);
    if (window === 0 || slot === undefined || this.#expires === undefined) return undefined;
    const expiry = this.#expires[slot]!;
    const now = this.#options.clock.now();
    return expiry <= now && now - expiry < window ? this.#values[slot] : undefined;
  }

  /** Failures are remembered for at most `max` keys, oldest forgotten first. */
  #boundFailures(): void {
    while (this.#failures.size > this.#max) {
      const oldest = this.#failures.keys().next().value as K;
      this.#failures.delete(oldest);
    }
  }

  #release(key: K, shared: SharedLoad<V>): void {
    if (this.#inflight.get(key) === shared) this.#inflight.delete(key);
  }

  #settle(shared: SharedLoad<V>, ok: boolean, result: unknown): void {
    if (shared.settled) return;
    shared.settled = true;
    if (ok) shared.resolve(result as V | undefined);
    else shared.reject(result);
  }

  #wait(key: K, shared: SharedLoad<V>, signal: AbortSignal | undefined): Promise<V | undefined> {
    shared.waiters++;
    if (signal === undefined) return shared.promise;
    const waiter = new Waiter<V | undefined>({
      signal,
      onAbort: () => {
        if (--shared.waiters === 0 && !shared.background && !shared.settled) {
          this.#release(key, shared);
          this.#running.delete(shared);
          shared.controller.abort(signal.reason);
          // Nobody waits any more: settle quietly so the promise holds no rejection.
          shared.settled = true;
          shared.resolve(undefined);
        }
      },
    });
    shared.promise.then(
      (value) => waiter.resolve(value),
      (error: unknown) => waiter.reject(error),
    );
    return waiter.promise;
  }
}

function growFloat(array: Float64Array, capacity: number, fill: number): Float64Array {
  if (array.length >= capacity) return array;
  const grown = new Float64Array(capacity);
  grown.set(array);
  if (fill !== 0) grown.fill(fill, array.length);
  return grown;
}

/** A copy of `array` with exactly `capacity` elements (V8 adds slack when arrays push). */
function growArray<T>(array: (T | undefined)[], capacity: number): (T | undefined)[] {
  const grown = new Array<T | undefined>(capacity).fill(undefined);
  for (let i = 0; i < array.length; i++) grown[i] = array[i];
  return grown;
}
