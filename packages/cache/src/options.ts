import {
  type Clock,
  checkBoolean,
  checkClock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  MAX_TIMER_MS,
} from '@breakwater/core';

/** What `load` receives besides the key. */
export interface LoadOptions<V, C> {
  /** Aborted when every caller waiting for this load has aborted, or the cache closes. */
  signal: AbortSignal;
  /** The `context` of the `fetch` call that started this load. */
  context: C | undefined;
  /** The expired value still held for this key, if any (for conditional refreshes). */
  stale: V | undefined;
}

/** Loads the value of a key for `fetch`; resolve `undefined` to store nothing. */
export type Loader<K, V, C = unknown> = (
  key: K,
  options: LoadOptions<V, C>,
) => V | undefined | PromiseLike<V | undefined>;

/** How `fetch` treats entries past their TTL and failed loads. All in milliseconds. */
export interface Freshness {
  /**
   * For this long after an entry expires, `fetch` returns the stale value at once and
   * refreshes it with one background load. @default 0
   */
  staleWhileRevalidateMs?: number | undefined;
  /**
   * For this long after an entry expires, a failed load returns the stale value instead
   * of rejecting. @default 0
   */
  staleIfErrorMs?: number | undefined;
  /**
   * Remember a failed load for this long: `fetch` rejects with the same error without
   * loading again. `0` caches no failure. @default 0
   */
  errorTtlMs?: number | undefined;
}

/** Options of `new Cache(options)`. */
export interface CacheOptions<K, V, C = unknown> {
  /** Maximum number of entries; storage grows up to it as entries arrive. */
  max: number;
  /**
   * Maximum total weight of the entries as measured by `sizeOf` (or `set`'s `size`).
   * @default Infinity (no weight bound)
   */
  maxSize?: number | undefined;
  /** Weight of an entry; must return a positive finite number. Required with `maxSize`. */
  sizeOf?: ((value: V, key: K) => number) | undefined;
  /** Default time to live of an entry in ms; `0` never expires. @default 0 */
  ttlMs?: number | undefined;
  /** Reset an entry's TTL each time `get`/`fetch` returns it. @default false */
  updateAgeOnGet?: boolean | undefined;
  /**
   * Remove expired entries every this many ms (at most 2^31 - 1, the longest Node.js
   * timer) with an unref'd timer; `0` only expires entries lazily, on access. @default 0
   */
  purgeIntervalMs?: number | undefined;
  /**
   * `'lru'` evicts the least recently used entry. `'tinylfu'` (W-TinyLFU) admits new
   * entries by their access frequency: resistant to scans and loops, adaptive to
   * recency-heavy workloads. @default 'lru'
   */
  policy?: 'lru' | 'tinylfu' | undefined;
  /** Loads missing keys for `fetch`. */
  load?: Loader<K, V, C> | undefined;
  /** Stale-while-revalidate, stale-if-error and failure caching for `fetch`. */
  freshness?: Freshness | undefined;
  /** Time source in ms. @default monotonicClock (performance.now) */
  clock?: Clock | undefined;
}

/** Resolved, validated options; never the caller's object. */
export interface ResolvedOptions<K, V, C> {
  readonly max: number;
  readonly maxSize: number;
  readonly sizeOf: ((value: V, key: K) => number) | undefined;
  readonly ttlMs: number;
  readonly updateAgeOnGet: boolean;
  readonly purgeIntervalMs: number;
  readonly policy: 'lru' | 'tinylfu';
  readonly load: Loader<K, V, C> | undefined;
  readonly staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
  readonly errorTtlMs: number;
  readonly clock: Clock;
}

/**
 * Refuses an unknown key like core's `checkKnownKeys`; for a duration named without its
 * `Ms` suffix (`ttl` where `ttlMs` is known) the message names the option meant.
 */
export function checkOptionKeys(name: string, value: object, known: readonly string[]): void {
  try {
    checkKnownKeys(name, value, known);
  } catch (error) {
    const key = Object.keys(value).find((candidate) => !known.includes(candidate));
    if (key === undefined || !known.includes(`${key}Ms`)) throw error;
    throw new TypeError(
      (error as Error).message.replace(
        '; the options are',
        `; did you mean \`${key}Ms\`? The options are`,
      ),
    );
  }
}

/** Largest `max`: slot indices live in Uint32Arrays. */
export const MAX_ENTRIES = 2 ** 32 - 8;

/** Every option, checked by the compiler against `CacheOptions`. */
const OPTION_KEYS = Object.keys({
  max: true,
  maxSize: true,
  sizeOf: true,
  ttlMs: true,
  updateAgeOnGet: true,
  purgeIntervalMs: true,
  policy: true,
  load: true,
  freshness: true,
  clock: true,
} satisfies Record<keyof CacheOptions<unknown, unknown>, true>);

export function resolveOptions<K, V, C>(options: CacheOptions<K, V, C>): ResolvedOptions<K, V, C> {
  const raw = checkOptions('options', options);
  checkOptionKeys('options', raw, OPTION_KEYS);
  const maxSize = checkNumber('maxSize', raw.maxSize, {
    min: 0,
    exclusiveMin: true,
    allowInfinity: true,
    default: Number.POSITIVE_INFINITY,
  });
  const sizeOf = checkOptionalFunction<(value: V, key: K) => number>('sizeOf', raw.sizeOf);
  if (maxSize !== Number.POSITIVE_INFINITY && sizeOf === undefined) {
    throw new TypeError(
      'Expected `sizeOf` to be a function when `maxSize` is set, got `undefined`',
    );
  }
  const freshness = checkOptions('freshness', raw.freshness);
  checkOptionKeys('freshness', freshness, [
    'staleWhileRevalidateMs',
    'staleIfErrorMs',
    'errorTtlMs',
  ]);
  const ms = { min: 0, default: 0 };
  return Object.freeze({
    max: checkInteger('max', raw.max, { min: 1, max: MAX_ENTRIES }),
    maxSize,
    sizeOf,
    ttlMs: checkNumber('ttlMs', raw.ttlMs, ms),
    updateAgeOnGet: checkBoolean('updateAgeOnGet', raw.updateAgeOnGet, false),
    // It arms a timer: Node.js fires a longer one after 1 ms.
    purgeIntervalMs: checkNumber('purgeIntervalMs', raw.purgeIntervalMs, {
      ...ms,
      max: MAX_TIMER_MS,
    }),
    policy: checkOneOf('policy', raw.policy, ['lru', 'tinylfu'], 'lru'),
    load: checkOptionalFunction<Loader<K, V, C>>('load', raw.load),
    staleWhileRevalidateMs: checkNumber(
      'freshness.staleWhileRevalidateMs',
      freshness.staleWhileRevalidateMs,
      ms,
    ),
    staleIfErrorMs: checkNumber('freshness.staleIfErrorMs', freshness.staleIfErrorMs, ms),
    errorTtlMs: checkNumber('freshness.errorTtlMs', freshness.errorTtlMs, ms),
    clock: checkClock('clock', raw.clock),
  });
}
