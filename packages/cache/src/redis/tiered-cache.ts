import { randomUUID } from 'node:crypto';
import {
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  checkSignal,
  describeValue,
  Listeners,
  MAX_TIMER_MS,
  raceSignal,
  throwIfAborted,
  type Unsubscribe,
} from '@breakwater/core';
import { type LuaScript, RedisCalls, type RedisOutcome } from '@breakwater/core/redis';
import { Cache, type CacheStats, type FetchOptions, type SetOptions } from '../cache.js';
import { CacheClosedError } from '../errors.js';
import { checkOptionKeys, type LoadOptions } from '../options.js';
import {
  CorruptValueError,
  ReadyTimeoutError,
  type RedisErrorEvent,
  type RedisOperation,
} from './errors.js';
import { InvalidationSubscriber } from './invalidation-subscriber.js';
import {
  asL1OptionError,
  checkKey,
  minTtl,
  REDIS_TTL,
  type RedisClient,
  type ResolvedTieredOptions,
  resolveTieredOptions,
  type TieredCacheOptions,
} from './options.js';
import { DELETE, DELETE_CORRUPT, READ, WRITE_LOADED } from './scripts.js';

/** Options of `TieredCache.fetch`. */
export interface TieredFetchOptions<C> {
  /** Rejects this call with `signal.reason` when aborted (the load goes on for others). */
  signal?: AbortSignal | undefined;
  /** Passed to `load` as `context` when this call starts the load. */
  context?: C | undefined;
  /** TTL in Redis of a value this call loads (L1 keeps it no longer). @default the `ttlMs` option */
  ttlMs?: number | undefined;
}

/** Options of `TieredCache.set`. */
export interface TieredSetOptions {
  /** TTL in Redis of this value (L1 keeps it no longer); `0`: no expiry. @default the `ttlMs` option */
  ttlMs?: number | undefined;
  /** Weight of the L1 entry, instead of calling `l1.sizeOf`. */
  size?: number | undefined;
}

/** A snapshot of a `TieredCache`'s counters, from `stats()`. */
export interface TieredCacheStats {
  /** The in-memory tier's own counters. */
  l1: CacheStats;
  l2: {
    /** Reads that found a usable value in Redis. */
    hits: number;
    /** Reads that found no value, or a corrupt one. */
    misses: number;
    /** Values and tombstones Redis stored (not loaded values it refused), corrupt values deleted. */
    writes: number;
  };
  /** The Redis calls, counted as by every Breakwater Redis store. */
  redis: {
    /**
     * Failed or skipped Redis calls of every kind: timeouts, skipped (unavailable) calls,
     * errors, lost subscriptions and corrupt values read.
     */
    errors: number;
    /** The calls among `errors` that exceeded `redisTimeoutMs`. */
    timeouts: number;
    /**
     * Commands sent and not yet settled in the client, timed-out ones included; at most
     * `maxInFlight`. A steady rise means Redis stopped answering without disconnecting.
     */
    inFlight: number;
  };
  invalidations: {
    /** Invalidation messages published (acknowledged by Redis). */
    sent: number;
    /** Invalidation messages received from other instances. */
    received: number;
    /** Times L1 was emptied because the subscription came back after being lost. */
    flushes: number;
  };
}

/** Options of `TieredCache.ready`. */
export interface ReadyOptions {
  /** Stops waiting, rejecting with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /**
   * Gives up after this many ms (at most 2^31 - 1), rejecting with `ReadyTimeoutError`.
   * @default 5000
   */
  timeoutMs?: number | undefined;
}

const READY_OPTION_KEYS = Object.keys({ signal: true, timeoutMs: true } satisfies Record<
  keyof ReadyOptions,
  true
>);

/** Every per-call option, checked by the compiler against the interfaces. */
const FETCH_OPTION_KEYS = Object.keys({ signal: true, context: true, ttlMs: true } satisfies Record<
  keyof TieredFetchOptions<unknown>,
  true
>);
const SET_OPTION_KEYS = Object.keys({ ttlMs: true, size: true } satisfies Record<
  keyof TieredSetOptions,
  true
>);

/** What the internal L1 `Cache` passes to its load: the caller's context and the L2 TTL. */
interface LoadContext<C> {
  context: C | undefined;
  ttlMs: number;
}

/**
 * What a load read from Redis: a value, or a miss with what the key held instead (a
 * tombstone's token, a corrupt text; each `''` when not seen — also when the read failed).
 * Its write to Redis succeeds only if the key still holds exactly that (or nothing).
 */
type Read<V> =
  | { found: true; value: V; ttlMs: number }
  | { found: false; tombstone: string; corrupt: string };

/** One running load of a key; set/delete/invalidation of the key mark it. */
interface LoadToken {
  invalidated: boolean;
}

/** An invalidation message on the channel. */
interface Invalidation {
  origin: string;
  key: string;
}

/**
 * A two-tier cache: an in-memory `Cache` (L1) in front of Redis (L2), kept coherent
 * between processes by pub/sub invalidation.
 *
 * - `fetch` reads L1, then Redis, then calls `load`, with one load per key per process:
 *   the Redis read and the load run as the L1 cache's own `load`, so concurrent fetches,
 *   abort, stale-while-revalidate and failure caching work as in `Cache`. A loaded value
 *   is written to Redis in the background, only if the key still holds what the load read
 *   there (nothing, or the same tombstone): a `set`/`delete` anywhere meanwhile wins.
 * - `set`/`delete` change L1 at once, then Redis (`delete` leaves a tombstone for
 *   `tombstoneTtlMs`), then publish an invalidation: the other instances drop their L1 copy.
 * - Redis is never waited for longer than `redisTimeoutMs`, and while the client is not
 *   `'ready'` it is skipped at once: L1 and `load` keep serving. Redis failures never
 *   reject a call; they are counted in `stats()` and reported by `onError`.
 * - When the invalidation subscription comes back after being lost, L1 is emptied:
 *   invalidations sent meanwhile were missed.
 */
export class TieredCache<V, C = unknown> {
  readonly #options: ResolvedTieredOptions<V, C>;
  readonly #l1: Cache<string, V, LoadContext<C>>;
  readonly #redis: RedisCalls<RedisClient, RedisOperation>;
  readonly #subscriber: InvalidationSubscriber;
  /** Identifies this instance's own invalidation messages. */
  readonly #origin = randomUUID();
  readonly #onError = new Listeners<RedisErrorEvent>();
  readonly #loading = new Map<string, Set<LoadToken>>();
  readonly #readyWaiters = new Set<() => void>();

  #hits = 0;
  #misses = 0;
  #writes = 0;
  #sent = 0;
  #received = 0;
  #flushes = 0;
  /** Deletes made by this instance: numbers its tombstones. */
  #deletes = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @throws TypeError/RangeError naming the option when an option is invalid.
   */
  constructor(options: TieredCacheOptions<V, C>) {
    const resolved = resolveTieredOptions(options);
    this.#options = resolved;
    try {
      this.#l1 = new Cache<string, V, LoadContext<C>>({ ...resolved.l1, load: this.#load });
    } catch (error) {
      throw asL1OptionError(error);
    }
    this.#redis = new RedisCalls(resolved.redis, resolved);
    this.#subscriber = new InvalidationSubscriber(
      resolved.redis,
      resolved.channel,
      resolved.redisTimeoutMs,
      {
        message: (text) => this.#onMessage(text),
        subscribed: (resumed) => this.#onSubscribed(resumed),
        failure: this.#fail,
      },
    );
  }

  // ---------------------------------------------------------------- reading

  /** The fresh L1 value of `key`, or `undefined`; never asks Redis. Counts an L1 hit/miss. */
  get(key: string): V | undefined {
    checkKey(key);
    return this.#l1.get(key);
  }

  /** The fresh L1 value of `key` without counting or touching anything. */
  peek(key: string): V | undefined {
    checkKey(key);
    return this.#l1.peek(key);
  }

  /** Entries held in L1. */
  get size(): number {
    return this.#l1.size;
  }

  /**
   * The value of `key` from L1, else from Redis, else from `load` (stored in both tiers).
   * Concurrent calls in this process share one Redis read and one load. Resolves
   * `undefined` when nothing is found and there is no `load` (or it resolved `undefined`).
   *
   * Rejects only with the loader's error, the caller's `signal.reason`, a validation
   * error, or `CacheClosedError` after `close()` — never because of Redis.
   */
  async fetch(key: string, options?: TieredFetchOptions<C>): Promise<V | undefined> {
    checkKey(key);
    let ttl = this.#options.ttlMs;
    let context: C | undefined;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      checkOptions('options', options);
      checkOptionKeys('options', options, FETCH_OPTION_KEYS);
      signal = checkSignal('signal', options.signal);
      ttl = checkInteger('ttlMs', options.ttlMs, { ...REDIS_TTL, default: ttl });
      context = options.context;
    }
    const request: FetchOptions<LoadContext<C>> = {
      context: { context, ttlMs: ttl },
      ttlMs: minTtl(this.#options.l1.ttlMs, ttl),
    };
    if (signal !== undefined) request.signal = signal;
    return this.#l1.fetch(key, request);
  }

  // ---------------------------------------------------------------- writing

  /**
   * Stores `value` in L1 at once, then in Redis (`SET … PX ttl`), then publishes an
   * invalidation so other instances drop their copy. Resolves once Redis answered, failed
   * or timed out: a Redis failure does not reject (see `onError`). `undefined` deletes.
   *
   * @throws (rejects) a validation error, the serializer's error (nothing changed then),
   *   or `CacheClosedError` after `close()`.
   */
  async set(key: string, value: V | undefined, options?: TieredSetOptions): Promise<void> {
    checkKey(key);
    let ttl = this.#options.ttlMs;
    let size: number | undefined;
    // Checked even for `undefined` (a delete): a bad option is a bug to report.
    if (options !== undefined) {
      checkOptions('options', options);
      checkOptionKeys('options', options, SET_OPTION_KEYS);
      ttl = checkInteger('ttlMs', options.ttlMs, { ...REDIS_TTL, default: ttl });
      if (options.size !== undefined) {
        size = checkNumber('size', options.size, { min: 0, exclusiveMin: true });
      }
    }
    if (value === undefined) return this.delete(key);
    this.#assertOpen();
    const text = this.#serialize(value);
    const l1Options: SetOptions = { ttlMs: minTtl(this.#options.l1.ttlMs, ttl) };
    if (size !== undefined) l1Options.size = size;
    this.#l1.set(key, value, l1Options);
    this.#invalidateLoads(key);
    const redisKey = this.#options.prefix + key;
    const written = await this.#reported(
      key,
      this.#redis.run('set', (redis) =>
        ttl > 0 ? redis.set(redisKey, text, 'PX', ttl) : redis.set(redisKey, text),
      ),
    );
    if (written.ok) this.#writes++;
    await this.#publish(key);
  }

  /**
   * Removes `key` from L1 at once, then from Redis (DEL), then publishes an invalidation.
   * Resolves once Redis answered, failed or timed out; a Redis failure does not reject.
   *
   * @throws (rejects) `CacheClosedError` after `close()`.
   */
  async delete(key: string): Promise<void> {
    checkKey(key);
    this.#assertOpen();
    this.#l1.delete(key);
    this.#invalidateLoads(key);
    const token = `${this.#origin}:${++this.#deletes}`;
    const deleted = await this.#eval('del', key, DELETE, [token, this.#options.tombstoneTtlMs]);
    if (deleted.ok) this.#writes++;
    await this.#publish(key);
  }

  /**
   * Empties L1 only. Redis and the other instances are left alone: the next `fetch` of
   * each key reads Redis again.
   */
  clear(): void {
    this.#l1.clear();
    this.#invalidateAllLoads();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Resolves once the client is `'ready'` and the invalidation subscription is active
   * (at once if they are). Until then, invalidations from other instances are not
   * received. Rejects with `ReadyTimeoutError` after `timeoutMs` (default 5000), with
   * `signal.reason`, or with `CacheClosedError` on `close()`. Giving up stops nothing: the
   * cache keeps connecting in the background.
   */
  async ready(options?: ReadyOptions): Promise<void> {
    if (this.#closed) throw new CacheClosedError();
    const opts = checkOptions('options', options);
    checkKnownKeys('options', opts, READY_OPTION_KEYS);
    const signal = checkSignal('signal', opts.signal);
    const timeoutMs = checkNumber('timeoutMs', opts.timeoutMs, {
      min: 0,
      exclusiveMin: true,
      max: MAX_TIMER_MS,
      default: 5000,
    });
    throwIfAborted(signal);
    if (this.#isReady()) return;
    const client = this.#options.redis;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown): void => {
        clearTimeout(timer);
        this.#readyWaiters.delete(check);
        if (this.#readyWaiters.size === 0) client.off('ready', this.#checkReady);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = (): void => {
        if (this.#closed) settle(new CacheClosedError());
        else if (this.#isReady()) settle();
      };
      const onAbort = (): void => settle(signal!.reason);
      // Not unref'd: the caller is waiting for it.
      const timer = setTimeout(() => {
        settle(new ReadyTimeoutError(timeoutMs, client.status, this.#subscriber.subscribed));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#readyWaiters.size === 0) client.on('ready', this.#checkReady);
      this.#readyWaiters.add(check);
    });
  }

  /**
   * Closes L1 (pending fetches reject with `CacheClosedError`), unsubscribes and
   * disconnects the dedicated subscriber connection, and waits for pending Redis calls
   * (each at most `redisTimeoutMs`). The caller's client is left connected. Afterwards
   * `get`/`peek`/`clear` still work on L1; `fetch`, `set`, `delete` and `ready` reject.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---------------------------------------------------------------- observing

  /** Called with every failed Redis call (timeouts, skipped calls, errors, corrupt data). */
  onError(listener: (event: RedisErrorEvent) => void): Unsubscribe {
    return this.#onError.on(listener);
  }

  /** A snapshot of the counters. */
  stats(): TieredCacheStats {
    return {
      l1: this.#l1.stats(),
      l2: {
        hits: this.#hits,
        misses: this.#misses,
        writes: this.#writes,
      },
      redis: this.#redis.stats(),
      invalidations: { sent: this.#sent, received: this.#received, flushes: this.#flushes },
    };
  }

  // ---------------------------------------------------------------- internals

  /** The L1 cache's `load`: Redis first, then the caller's `load`. */
  readonly #load = async (
    key: string,
    { signal, context, stale }: LoadOptions<V, LoadContext<C>>,
  ): Promise<V | undefined> => {
    const token = this.#track(key);
    try {
      const read = await raceSignal(this.#read(key), signal);
      if (read.found) {
        // Stored here (not by the L1 cache) to cap the L1 TTL by the key's PTTL.
        if (!token.invalidated) this.#l1.set(key, read.value, { ttlMs: read.ttlMs });
        return read.value;
      }
      const load = this.#options.load;
      if (load === undefined) return undefined;
      const value = await load(key, { signal, context: context?.context, stale });
      if (value !== undefined && !token.invalidated && !signal.aborted) {
        this.#writeLoaded(key, value, context?.ttlMs ?? this.#options.ttlMs, read);
      }
      return value;
    } finally {
      this.#untrack(key, token);
    }
  };

  /** The value of `key` and its PTTL, or what the key holds instead, in one round trip. */
  async #read(key: string): Promise<Read<V>> {
    const redisKey = this.#options.prefix + key;
    const read = await this.#eval('get', key, READ, []);
    if (!read.ok) return NOTHING_SEEN;
    // `[]`: nothing; `[token]`: a tombstone; `[text, pttl]`: a value (see READ).
    const reply = read.value as unknown[];
    if (reply.length < 2) {
      this.#misses++;
      if (reply.length === 0) return NOTHING_SEEN;
      return { found: false, tombstone: reply[0] as string, corrupt: '' };
    }
    const text = reply[0] as string;
    const pttl = reply[1] as number;
    let value: V | undefined;
    let cause: unknown;
    try {
      value = this.#options.serializer.deserialize(text);
    } catch (error) {
      cause = error;
    }
    if (value === undefined) {
      this.#misses++;
      const detail =
        cause === undefined
          ? 'the serializer returned undefined'
          : 'the serializer could not read it';
      this.#fail({
        operation: 'get',
        kind: 'corrupt',
        key,
        error: new CorruptValueError(redisKey, detail, { cause }),
      });
      // Only that text: a value or tombstone written since then stays.
      void this.#eval('del', key, DELETE_CORRUPT, [text]).then((deleted) => {
        if (deleted.ok && deleted.value === 1) this.#writes++;
      });
      // The load's write may replace it too, whichever reaches Redis first.
      return { found: false, tombstone: '', corrupt: text };
    }
    this.#hits++;
    // PTTL: -1 no expiry; -2 (or 0) it expired meanwhile: keep it in L1 for a moment only.
    const l1Ttl = this.#options.l1.ttlMs;
    const ttl = pttl === -1 ? l1Ttl : minTtl(l1Ttl, Math.max(1, pttl));
    return { found: true, value, ttlMs: ttl };
  }

  /**
   * Writes a loaded value to Redis in the background if the key still holds what the load
   * saw there (`seen`): a value or tombstone written meanwhile, by any process, wins.
   */
  #writeLoaded(key: string, value: V, ttl: number, seen: Read<V> & { found: false }): void {
    let text: string;
    try {
      text = this.#serialize(value);
    } catch (error) {
      this.#fail({ operation: 'set', kind: 'error', key, error });
      return;
    }
    void this.#eval('set', key, WRITE_LOADED, [text, ttl, seen.tombstone, seen.corrupt]).then(
      (written) => {
        if (written.ok && written.value === 1) this.#writes++;
      },
    );
  }

  async #publish(key: string): Promise<void> {
    const message = JSON.stringify({ origin: this.#origin, key } satisfies Invalidation);
    const channel = this.#options.channel;
    const published = await this.#reported(
      key,
      this.#redis.run('publish', (redis) => redis.publish(channel, message)),
    );
    if (published.ok) this.#sent++;
  }

  #onMessage(text: string): void {
    if (this.#closed) return;
    const message = parseInvalidation(text);
    if (message === undefined) {
      this.#fail({
        operation: 'subscribe',
        kind: 'corrupt',
        error: new CorruptValueError(
          this.#options.channel,
          `not an invalidation message: ${describeValue(text)}`,
        ),
      });
      return;
    }
    if (message.origin === this.#origin) return;
    this.#received++;
    this.#l1.delete(message.key);
    this.#invalidateLoads(message.key);
  }

  #onSubscribed(resumed: boolean): void {
    if (resumed) {
      this.#flushes++;
      this.clear();
    }
    this.#checkReady();
  }

  #serialize(value: V): string {
    const text: unknown = this.#options.serializer.serialize(value);
    if (typeof text !== 'string') {
      throw new TypeError(
        `Expected \`serializer.serialize\` to return a string, got ${describeValue(text)}`,
      );
    }
    return text;
  }

  /** Runs `script` on the Redis key of `key` (the cache key labels a failure). */
  #eval(
    operation: RedisOperation,
    key: string,
    script: LuaScript,
    args: ReadonlyArray<string | number>,
  ): Promise<RedisOutcome<unknown, RedisOperation>> {
    return this.#reported(
      key,
      this.#redis.eval(operation, script, [this.#options.prefix + key], args),
    );
  }

  /** Reports a failed call (already counted) with the cache key it concerns. */
  async #reported<T>(
    key: string,
    call: Promise<RedisOutcome<T, RedisOperation>>,
  ): Promise<RedisOutcome<T, RedisOperation>> {
    const outcome = await call;
    if (!outcome.ok && this.#onError.active) this.#onError.emit({ ...outcome.event, key });
    return outcome;
  }

  /** A failure outside the guarded calls (subscription, corrupt data): counted, reported. */
  readonly #fail = (event: RedisErrorEvent): void => {
    this.#redis.count(event);
    if (this.#onError.active) this.#onError.emit(event);
  };

  #isReady(): boolean {
    return this.#subscriber.subscribed && this.#options.redis.status === 'ready';
  }

  readonly #checkReady = (): void => {
    for (const check of [...this.#readyWaiters]) check();
  };

  #assertOpen(): void {
    if (this.#closed) throw new CacheClosedError();
  }

  #track(key: string): LoadToken {
    const token: LoadToken = { invalidated: false };
    const tokens = this.#loading.get(key);
    if (tokens === undefined) this.#loading.set(key, new Set([token]));
    else tokens.add(token);
    return token;
  }

  #untrack(key: string, token: LoadToken): void {
    const tokens = this.#loading.get(key);
    if (tokens === undefined) return;
    tokens.delete(token);
    if (tokens.size === 0) this.#loading.delete(key);
  }

  /** A load of `key` running now must not write what it read or loaded. */
  #invalidateLoads(key: string): void {
    const tokens = this.#loading.get(key);
    if (tokens === undefined) return;
    for (const token of tokens) token.invalidated = true;
  }

  #invalidateAllLoads(): void {
    for (const tokens of this.#loading.values()) {
      for (const token of tokens) token.invalidated = true;
    }
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    await this.#l1.close();
    this.#checkReady();
    await this.#subscriber.close();
    await this.#redis.drain();
  }
}

const NOTHING_SEEN: Read<never> = Object.freeze({ found: false, tombstone: '', corrupt: '' });

function parseInvalidation(text: string): Invalidation | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { origin, key } = parsed as Partial<Record<keyof Invalidation, unknown>>;
  return typeof origin === 'string' && typeof key === 'string' ? { origin, key } : undefined;
}
