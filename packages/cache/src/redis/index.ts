export { CacheClosedError, isCacheClosedError } from '../errors.js';
export type { Loader, LoadOptions } from '../options.js';
export type { RedisErrorEvent, RedisOperation } from './errors.js';
export {
  CorruptValueError,
  isCorruptValueError,
  isReadyTimeoutError,
  isRedisTimeoutError,
  isRedisUnavailableError,
  ReadyTimeoutError,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
export type { L1Options, RedisClient, Serializer, TieredCacheOptions } from './options.js';
export type {
  ReadyOptions,
  TieredCacheStats,
  TieredFetchOptions,
  TieredSetOptions,
} from './tiered-cache.js';
export { TieredCache } from './tiered-cache.js';
