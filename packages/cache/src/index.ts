export type {
  CacheStats,
  EvictEvent,
  EvictionReason,
  FetchOptions,
  RefreshErrorEvent,
  RejectEvent,
  SetOptions,
} from './cache.js';
export { Cache } from './cache.js';
export { CacheClosedError, isCacheClosedError, isNoLoaderError, NoLoaderError } from './errors.js';
export type { CacheOptions, Freshness, Loader, LoadOptions } from './options.js';
