import { BreakwaterError, errorGuard } from '@breakwater/core';

/** `fetch` was called on a cache constructed without a `load` function. */
export class NoLoaderError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CACHE_NO_LOADER';
  constructor() {
    super(NoLoaderError.code, 'Cache.fetch() needs a `load` function: pass one to the constructor');
  }
}

/** `fetch` was called after `close()`, or a load was pending when the cache closed. */
export class CacheClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CACHE_CLOSED';
  constructor() {
    super(CacheClosedError.code, 'The cache is closed');
  }
}

/** True for a {@link NoLoaderError} from any copy of this package. */
export const isNoLoaderError = errorGuard(NoLoaderError);
/** True for a {@link CacheClosedError} from any copy of this package. */
export const isCacheClosedError = errorGuard(CacheClosedError);
