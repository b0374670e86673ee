import { setMaxListeners } from 'node:events';
import { Coalescer } from '@breakwater/coalescer';
import {
  checkFunction,
  checkOptionalFunction,
  invalidMessage,
  linkSignal,
  promiseTry,
  raceSignal,
  stableKey,
  type Unsubscribe,
} from '@breakwater/core';
import {
  type BatcherCounters,
  type BatcherFlushEvent,
  type BatcherFullEvent,
  BatchQueue,
} from './batch-queue.js';
import { BatcherClosedError } from './errors.js';
import {
  BATCHING_KEYS,
  type BatchContext,
  type BatcherAddOptions,
  type BatchingOptions,
  readAddOptions,
  readOptions,
  resolveBatchingOptions,
} from './options.js';

/**
 * Where a loader keeps loaded values: anything with `get` and `set` by string key, such as
 * a `Map`, an LRU, or a `Cache` from `@breakwater/cache` (which adds TTLs). `delete` is
 * used by `clear(key)` when present.
 */
export interface LoaderCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): unknown;
  delete?(key: string): unknown;
}

/** Options of `createLoader(options)`. */
export interface LoaderOptions<K, V> extends BatchingOptions<K> {
  /**
   * Loads a batch of distinct keys: one value (or `Error`) per key, in order. A throw or a
   * rejection rejects every load of the batch; a wrong count, `BatchResultError`.
   */
  batch: (
    keys: K[],
    ctx: BatchContext,
  ) => ReadonlyArray<V | Error> | PromiseLike<ReadonlyArray<V | Error>>;
  /**
   * The string identity of a key: loads of keys with the same identity share one load and
   * one cache entry. @default the key itself for a string, core's `stableKey` otherwise
   */
  cacheKey?: ((key: K) => string) | undefined;
  /**
   * Keeps loaded values (an `Error` result is never kept): a hit resolves without a
   * batch. @default none: only loads in flight are shared
   */
  cache?: LoaderCache<V> | undefined;
  /** Most batches loading at once. @default Infinity */
  concurrency?: number | undefined;
}

/** What `loader.stats()` returns: the batcher's fields and the loader's own. */
export interface LoaderStats extends BatcherCounters {
  /**
   * Loads rejected with their own `signal.reason`: aborted before they started, while
   * waiting alone or beside other callers of their key, or inside `loadMany` (counter).
   */
  aborted: number;
  /** `load` calls, those of `loadMany` included (counter). */
  loads: number;
  /** Loads answered by the cache (counter). */
  cacheHits: number;
  /** Loads that joined a load of the same key in flight (counter). */
  shared: number;
  /** Keys loaded: their batch resolved them with a value (counter). */
  fulfilled: number;
  /** Keys whose load failed: an `Error` in their slot, or their batch failed (counter). */
  failed: number;
}

/**
 * A key's load in flight, and the item the queue holds for it: its key and identity, its
 * promise, and whether it runs through the coalescer (its callers may all leave).
 */
interface InFlight<K, V> {
  readonly key: K;
  readonly id: string;
  readonly shared: boolean;
  promise: Promise<V>;
}

const LOADER_KEYS = ['batch', 'cacheKey', 'cache', ...BATCHING_KEYS];

function checkCache<V>(value: unknown): LoaderCache<V> | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as LoaderCache<V>).get !== 'function' ||
    typeof (value as LoaderCache<V>).set !== 'function'
  ) {
    throw new TypeError(
      invalidMessage('cache', 'an object with get(key) and set(key, value) methods', value),
    );
  }
  return value as LoaderCache<V>;
}

/** `stableKey` writes a finite number as `${value}`: the same string, without the call. */
const defaultCacheKey = (key: unknown): string =>
  typeof key === 'string'
    ? key
    : typeof key === 'number' && Number.isFinite(key)
      ? `${key}`
      : stableKey(key);

/**
 * A DataLoader-style loader: `load(key)` calls made in one tick (or within `maxDelayMs`)
 * go to one `batch(keys)` call, loads of one key in flight share one load, and a `cache`
 * keeps values. Build one with {@link createLoader}.
 */
export class Loader<K, V> implements AsyncDisposable {
  readonly #queue: BatchQueue<InFlight<K, V>, V>;
  readonly #coalescer: Coalescer<string, V>;
  readonly #cacheKey: (key: K) => string;
  readonly #cache: LoaderCache<V> | undefined;
  /** Loads in flight by key; `shared` ones run through the coalescer (their callers may leave). */
  #inFlight = new Map<string, InFlight<K, V>>();
  #loads = 0;
  #cacheHits = 0;
  /** Loads that joined a load without a shared signal (the coalescer counts the others). */
  #joined = 0;
  /** Loads rejected with their own `signal.reason`. */
  #aborted = 0;
  #closed: Promise<void> | undefined = undefined;

  /** @throws TypeError / RangeError naming the first invalid option. */
  constructor(options: LoaderOptions<K, V>) {
    const raw = readOptions(options, LOADER_KEYS);
    const batch = checkFunction<LoaderOptions<K, V>['batch']>('batch', raw.batch);
    this.#cacheKey =
      checkOptionalFunction<(key: K) => string>('cacheKey', raw.cacheKey) ?? defaultCacheKey;
    this.#cache = checkCache<V>(raw.cache);
    const resolved = resolveBatchingOptions(raw, Number.POSITIVE_INFINITY);
    const weigh = resolved.weigh;
    const queueOptions = Object.freeze({
      ...resolved,
      weigh: weigh === undefined ? undefined : (record: InFlight<K, V>) => weigh(record.key),
    });
    this.#queue = new BatchQueue<InFlight<K, V>, V>(
      queueOptions,
      (records, ctx) => this.#load(batch, records, ctx),
      false,
      'batch()',
    );
    this.#coalescer = new Coalescer<string, V>();
  }

  /**
   * Loads `key`: from the cache, by joining a load of the same key in flight, or in the
   * next batch. Rejects with the key's `Error`, its batch's error, `signal.reason` when
   * the caller aborts (the key leaves its batch once every caller waiting for it has
   * aborted), `BatcherFullError` or `BatcherClosedError`.
   */
  load(key: K, options?: BatcherAddOptions): Promise<V> {
    let signal: AbortSignal | undefined;
    let id: string;
    try {
      if (options !== undefined) signal = readAddOptions(options);
      id = this.#cacheKey(key);
      if (typeof id !== 'string') {
        throw new TypeError(invalidMessage('cacheKey(key)', 'a string', id));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed !== undefined) return Promise.reject(new BatcherClosedError());
    this.#loads++;
    if (signal?.aborted === true) {
      this.#aborted++;
      return Promise.reject(signal.reason);
    }
    const cache = this.#cache;
    if (cache !== undefined) {
      const hit = cache.get(id);
      if (hit !== undefined) {
        this.#cacheHits++;
        return Promise.resolve(hit);
      }
    }
    const current = this.#inFlight.get(id);
    if (signal === undefined) {
      // A caller without a signal never leaves, so its load is never cancelled: it needs
      // no shared signal (and no coalescer flight) unless it joins a load that has one.
      if (current === undefined) return this.#start(key, id, undefined, false);
      if (current.shared)
        return this.#coalescer.run(id, (shared) => this.#start(key, id, shared, true));
      this.#joined++;
      return current.promise;
    }
    let promise: Promise<V>;
    if (current !== undefined && !current.shared) {
      // That load has a caller without a signal: it runs to the end, this caller may leave.
      this.#joined++;
      promise = raceSignal(current.promise, signal);
    } else {
      // Callers that may all leave: the coalescer shares the load among them and aborts its
      // signal, which takes the key out of its batch, once every one of them has left.
      promise = this.#coalescer.run(id, (shared) => this.#start(key, id, shared, true), {
        signal,
      });
    }
    return promise.then(undefined, (error: unknown) => {
      if (signal.aborted && error === signal.reason) this.#aborted++;
      throw error;
    });
  }

  /** Queues `key` and records its load as in flight until its batch settles. */
  #start(key: K, id: string, signal: AbortSignal | undefined, shared: boolean): Promise<V> {
    const record: InFlight<K, V> = { key, id, shared, promise: undefined as never };
    const queue = this.#queue;
    record.promise = queue.add(record, signal);
    if (!queue.lastAccepted) return record.promise;
    this.#inFlight.set(id, record);
    if (shared) {
      // Its callers may all leave, taking it out of its batch: forget it then too.
      const done = (): void => this.#settled(record);
      record.promise.then(done, done);
    }
    return record.promise;
  }

  #settled(record: InFlight<K, V>): void {
    if (this.#inFlight.get(record.id) === record) this.#inFlight.delete(record.id);
  }

  /**
   * Calls `batch` with the keys of `records`; once it settles, and before the callers
   * hear of it, caches the values and forgets the loads in flight.
   */
  #load(
    batch: LoaderOptions<K, V>['batch'],
    records: InFlight<K, V>[],
    ctx: BatchContext,
  ): PromiseLike<ReadonlyArray<V | Error>> {
    const keys = new Array<K>(records.length);
    for (let i = 0; i < records.length; i++) keys[i] = records[i]!.key;
    const finish = (): void => {
      for (let i = 0; i < records.length; i++) this.#settled(records[i]!);
      // A fresh map once none is in flight: a long-lived one that keys come and go through
      // grows old and rehashes there, which costs far more than a new one.
      if (this.#inFlight.size === 0) this.#inFlight = new Map();
    };
    return promiseTry((ks: K[]) => batch(ks, ctx), keys).then(
      (results) => {
        finish();
        const cache = this.#cache;
        if (cache !== undefined && Array.isArray(results) && results.length === records.length) {
          for (let i = 0; i < results.length; i++) {
            const value = results[i];
            if (!(value instanceof Error)) cache.set(records[i]!.id, value as V);
          }
        }
        return results;
      },
      (error: unknown) => {
        finish();
        throw error;
      },
    );
  }

  /**
   * Loads every key (in as few batches as the options allow) and resolves with a value
   * or an `Error` per key, in order; rejects with `signal.reason` when the signal aborts.
   */
  loadMany(keys: readonly K[], options?: BatcherAddOptions): Promise<Array<V | Error>> {
    let signal: AbortSignal | undefined;
    try {
      if (!Array.isArray(keys)) throw new TypeError(invalidMessage('keys', 'an array', keys));
      if (options !== undefined) signal = readAddOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal === undefined) {
      return Promise.all(keys.map((key) => this.load(key).then(undefined, errorAsResult)));
    }
    // One listener on the caller's signal, whatever the number of keys: the loads listen to
    // a signal of their own, aborted with the caller's reason and detached once settled.
    const link = linkSignal(signal);
    const inner = link.signal;
    // One listener per key in flight, all gone once they settle: not a leak.
    setMaxListeners(0, inner);
    const loadOptions: BatcherAddOptions = { signal: inner };
    const all = Promise.all(
      keys.map((key) =>
        this.load(key, loadOptions).then(undefined, (error: unknown) =>
          error instanceof Error && !inner.aborted ? error : Promise.reject(error),
        ),
      ),
    );
    const result = raceSignal(all, inner);
    result.then(link.dispose, link.dispose);
    return result;
  }

  /**
   * Forgets `key`: drops its cached value (with the cache's `delete`, when it has one) and
   * detaches it from a load in flight, so that the next `load` loads it again.
   */
  clear(key: K): void {
    const id = this.#cacheKey(key);
    this.#cache?.delete?.(id);
    this.#inFlight.delete(id);
    this.#coalescer.forget(id);
  }

  /**
   * Puts `value` in the cache for `key` (replacing what it held), so that loads of it
   * resolve without a batch.
   * @throws TypeError without a `cache`.
   */
  prime(key: K, value: V): void {
    const cache = this.#cache;
    if (cache === undefined) {
      throw new TypeError('prime(key, value) needs the loader to have a `cache`');
    }
    cache.set(this.#cacheKey(key), value);
  }

  /** Loads what is queued now; resolves when those batches have settled. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * Refuses new loads (`BatcherClosedError`), loads everything queued and resolves once
   * every load has settled. A second call returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= Promise.all([this.#queue.close(), this.#coalescer.close()]).then(noop);
    return this.#closed;
  }

  /** Calls `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Counters since construction and gauges now; see the README for each field. */
  stats(): LoaderStats {
    const queue = this.#queue;
    return {
      ...queue.counters(),
      aborted: this.#aborted,
      loads: this.#loads,
      cacheHits: this.#cacheHits,
      shared: this.#joined + this.#coalescer.stats().joined,
      fulfilled: queue.fulfilled,
      failed: queue.failed,
    };
  }

  /** A batch of keys was handed to `batch`. */
  onFlush(listener: (event: BatcherFlushEvent) => void): Unsubscribe {
    return this.#queue.onFlush.on(listener);
  }

  /** A load found `maxPending` keys queued, and waited or was refused. */
  onFull(listener: (event: BatcherFullEvent) => void): Unsubscribe {
    return this.#queue.onFull.on(listener);
  }
}

/**
 * A DataLoader-style loader over a batch function:
 *
 * ```ts
 * const users = createLoader({ batch: (ids: string[]) => db.usersByIds(ids) });
 * const [a, b] = await Promise.all([users.load('1'), users.load('2')]); // one batch
 * ```
 *
 * @throws TypeError / RangeError naming the first invalid option.
 */
export function createLoader<K, V>(options: LoaderOptions<K, V>): Loader<K, V> {
  return new Loader(options);
}

function noop(): void {}

/** A load's `Error` becomes its slot in `loadMany`'s result; anything else rejects it. */
function errorAsResult(error: unknown): Error {
  if (error instanceof Error) return error;
  throw error;
}
