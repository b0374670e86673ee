/**
 * Type tests, compiled by `typecheck` and never run: every optional property of the public
 * option interfaces accepts an explicit `undefined` under `exactOptionalPropertyTypes`, so
 * that options can be passed on from a configuration whose fields may be missing
 * (`{ ttlMs: config.ttlMs }`). At run time an explicit `undefined` means the default.
 */
import type { Clock } from '@breakwater/core';
import {
  Cache,
  type CacheOptions,
  type FetchOptions,
  type Freshness,
  type SetOptions,
} from './index.js';
import {
  type L1Options,
  type ReadyOptions,
  type RedisClient,
  type RedisErrorEvent,
  type Serializer,
  TieredCache,
  type TieredCacheOptions,
  type TieredFetchOptions,
  type TieredSetOptions,
} from './redis/index.js';

declare const config: {
  maxSize?: number;
  ttlMs?: number;
  purgeIntervalMs?: number;
  policy?: 'lru' | 'tinylfu';
  clock?: Clock;
  signal?: AbortSignal;
  channel?: string;
};
declare const redis: RedisClient;

export const freshness: Freshness = {
  staleWhileRevalidateMs: undefined,
  staleIfErrorMs: undefined,
  errorTtlMs: undefined,
};

export const cacheOptions: CacheOptions<string, number, { user: string }> = {
  max: 10,
  maxSize: config.maxSize,
  sizeOf: undefined,
  ttlMs: config.ttlMs,
  updateAgeOnGet: undefined,
  purgeIntervalMs: config.purgeIntervalMs,
  policy: config.policy,
  load: undefined,
  freshness: undefined,
  clock: config.clock,
};

export const setOptions: SetOptions = { ttlMs: config.ttlMs, size: undefined };
export const fetchOptions: FetchOptions<{ user: string }> = {
  signal: config.signal,
  context: undefined,
  ttlMs: config.ttlMs,
  forceRefresh: undefined,
};
export const cache: Cache<string, number, { user: string }> = new Cache(cacheOptions);

export const l1: L1Options<number> = {
  max: 10,
  ttlMs: config.ttlMs,
  maxSize: undefined,
  sizeOf: undefined,
  purgeIntervalMs: undefined,
  policy: undefined,
  freshness,
  clock: undefined,
};

export const tieredOptions: TieredCacheOptions<number> = {
  redis,
  prefix: 'app:',
  ttlMs: 1000,
  l1,
  load: undefined,
  serializer: undefined as Serializer<number> | undefined,
  channel: config.channel,
  tombstoneTtlMs: undefined,
  redisTimeoutMs: undefined,
  maxInFlight: undefined,
};
export const tiered: TieredCache<number> = new TieredCache(tieredOptions);

export const tieredFetch: TieredFetchOptions<unknown> = {
  signal: config.signal,
  context: undefined,
  ttlMs: config.ttlMs,
};
export const tieredSet: TieredSetOptions = { ttlMs: config.ttlMs, size: undefined };
export const ready: ReadyOptions = { signal: config.signal, timeoutMs: undefined };

export const errorKey: (event: RedisErrorEvent) => string | undefined = (event) => event.key;

// @ts-expect-error `max` is required.
export const missingMax: CacheOptions<string, number> = {};
// @ts-expect-error an old name is no option.
export const oldName: CacheOptions<string, number> = { max: 10, ttl: 1000 };
