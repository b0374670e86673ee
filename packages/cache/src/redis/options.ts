import {
  checkFunction,
  checkInteger,
  checkOptionalFunction,
  checkOptions,
  checkString,
  describeValue,
  invalidMessage,
  type NumberOption,
} from '@breakwater/core';
import {
  checkRedisClient,
  type RedisCallOptions,
  type RedisClient,
  type ResolvedRedisCallOptions,
  resolveRedisCallOptions,
} from '@breakwater/core/redis';
import type { Cluster } from 'ioredis';
import { type CacheOptions, checkOptionKeys, type Loader } from '../options.js';

/** The caller's ioredis `Redis` or `Cluster` (the one client type of every Breakwater Redis store). */
export type { RedisClient };

/** Turns values into the strings stored in Redis and back. */
export interface Serializer<V> {
  /** Must return a string; a throw makes `set` reject before anything changes. */
  serialize(value: V): string;
  /** A throw (or `undefined`) marks the stored text as corrupt: it is deleted, a miss. */
  deserialize(text: string): V;
}

/** Options of the in-memory first tier: those of `Cache`, without `load`. */
export interface L1Options<V>
  extends Omit<CacheOptions<string, V>, 'load' | 'ttlMs' | 'updateAgeOnGet'> {
  /**
   * Time to live of an L1 entry in ms; `0` keeps it as long as its L2 entry. An L1 entry
   * never outlives the TTL it was written to Redis with (nor, when read from Redis, the
   * key's remaining PTTL). @default the `ttlMs` option
   */
  ttlMs?: number | undefined;
}

/**
 * Options of `new TieredCache(options)`; `redisTimeoutMs` and `maxInFlight` are those of
 * every Breakwater Redis store (`RedisCallOptions` of `@breakwater/core/redis`).
 */
export interface TieredCacheOptions<V, C = unknown> extends RedisCallOptions {
  /**
   * The caller's connected ioredis `Redis` or `Cluster`. The cache never closes it and
   * never lets commands queue in it while it is not `'ready'`.
   */
  redis: RedisClient;
  /** Prepended to every key in Redis, e.g. `'app:users:'`. */
  prefix: string;
  /**
   * Time to live in Redis (`SET … PX`) in whole ms; `0` stores without expiry. Redis takes
   * only integers: a fractional TTL is refused, not rounded.
   */
  ttlMs: number;
  /** The in-memory tier: `max` is required, as for `Cache`. */
  l1: L1Options<V>;
  /**
   * Loads a key found in neither tier; the result is stored in both. Without it, `fetch`
   * reads through L1 and Redis only and resolves `undefined` on a miss.
   */
  load?: Loader<string, V, C> | undefined;
  /** How values are stored in Redis. @default JSON (JSON.stringify / JSON.parse) */
  serializer?: Serializer<V> | undefined;
  /** Pub/sub channel of the invalidation messages. @default `${prefix}invalidate` */
  channel?: string | undefined;
  /**
   * How long a deleted key keeps its tombstone in Redis, in whole ms. A load that was
   * running when the key was deleted (in any process) does not write its value to Redis
   * if it finishes within this time; make it longer than your slowest `load`.
   * @default 60000
   */
  tombstoneTtlMs?: number | undefined;
}

/** Resolved, validated options; never the caller's object. */
export interface ResolvedTieredOptions<V, C> extends ResolvedRedisCallOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly ttlMs: number;
  readonly l1: Readonly<Omit<CacheOptions<string, V>, 'load'>> & { readonly ttlMs: number };
  readonly load: Loader<string, V, C> | undefined;
  readonly serializer: Serializer<V>;
  readonly channel: string;
  readonly tombstoneTtlMs: number;
}

const json: Serializer<unknown> = Object.freeze({
  serialize: (value: unknown): string => JSON.stringify(value),
  deserialize: (text: string): unknown => JSON.parse(text),
});

/** True for an ioredis `Cluster` (as opposed to a single-node `Redis`). */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}

function checkSerializer<V>(value: Serializer<V> | undefined): Serializer<V> {
  if (value === undefined) return json as Serializer<V>;
  const raw = checkOptions('serializer', value);
  const serialize = checkFunction<Serializer<V>['serialize']>(
    'serializer.serialize',
    raw.serialize,
  );
  const deserialize = checkFunction<Serializer<V>['deserialize']>(
    'serializer.deserialize',
    raw.deserialize,
  );
  // Bound to the caller's object, which may keep state on `this`.
  return Object.freeze({
    serialize: (item: V) => serialize.call(value, item),
    deserialize: (text: string) => deserialize.call(value, text),
  });
}

/**
 * A TTL sent to Redis as `PX`: whole milliseconds (Redis refuses `PX 1.5`), small enough to
 * be written as an integer.
 */
export const REDIS_TTL: NumberOption = Object.freeze({
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  integer: true,
});

/** Refuses a key that is not a string (the type says string; plain JavaScript may not). */
export function checkKey(key: unknown): void {
  if (typeof key !== 'string') throw new TypeError(invalidMessage('key', 'a string', key));
}

/** Every option, checked by the compiler against `TieredCacheOptions`. */
const OPTION_KEYS = Object.keys({
  redis: true,
  prefix: true,
  ttlMs: true,
  l1: true,
  load: true,
  serializer: true,
  redisTimeoutMs: true,
  maxInFlight: true,
  channel: true,
  tombstoneTtlMs: true,
} satisfies Record<keyof TieredCacheOptions<unknown, unknown>, true>);

export function resolveTieredOptions<V, C>(
  options: TieredCacheOptions<V, C>,
): ResolvedTieredOptions<V, C> {
  const raw = checkOptions('options', options);
  checkOptionKeys('options', raw, OPTION_KEYS);
  const redis = checkRedisClient<RedisClient>('redis', raw.redis, ['set', 'publish', 'duplicate']);
  const prefix = checkString('prefix', raw.prefix);
  const ttl = checkInteger('ttlMs', raw.ttlMs, REDIS_TTL);
  const l1 = checkOptions('l1', raw.l1);
  const renew = (l1 as { updateAgeOnGet?: unknown }).updateAgeOnGet;
  if (renew !== undefined && renew !== false) {
    throw new TypeError(
      `Expected \`l1.updateAgeOnGet\` to be false or undefined (an L1 entry must not outlive its Redis TTL), got ${describeValue(renew)}`,
    );
  }
  if ((l1 as { load?: unknown }).load !== undefined) {
    throw new TypeError(
      `Expected \`l1.load\` to be undefined (pass \`load\` to TieredCache itself), got ${describeValue((l1 as { load?: unknown }).load)}`,
    );
  }
  return Object.freeze({
    redis,
    prefix,
    ttlMs: ttl,
    l1: Object.freeze({ ...l1, ttlMs: l1.ttlMs ?? ttl }) as ResolvedTieredOptions<V, C>['l1'],
    load: checkOptionalFunction<Loader<string, V, C>>('load', raw.load),
    serializer: checkSerializer(raw.serializer),
    ...resolveRedisCallOptions(raw),
    channel: checkString('channel', raw.channel, `${prefix}invalidate`),
    tombstoneTtlMs: checkInteger('tombstoneTtlMs', raw.tombstoneTtlMs, {
      ...REDIS_TTL,
      min: 1,
      default: 60_000,
    }),
  });
}

/**
 * Rewrites a validation error of the in-memory `Cache` so it names the option as the
 * caller wrote it: ``Expected `max` …`` becomes ``Expected `l1.max` …``.
 */
export function asL1OptionError(error: unknown): unknown {
  if (!(error instanceof TypeError || error instanceof RangeError)) return error;
  const message = error.message
    .replace(/^Expected `([^`]+)`/, 'Expected `l1.$1`')
    .replace(/^(Unknown option `[^`]+` in )`options`/, '$1`l1`');
  if (message === error.message) return error;
  return error instanceof RangeError ? new RangeError(message) : new TypeError(message);
}

/** The shorter of two TTLs where `0` means "no expiry". */
export function minTtl(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}
