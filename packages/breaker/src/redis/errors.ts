import { BreakwaterError, errorGuard } from '@breakwater/core';

// The Redis timeout/unavailable errors and their guards are shared with
// @breakwater/cache: they live in @breakwater/core and are re-exported here.
export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@breakwater/core';

/**
 * The Redis calls of a `FleetCircuitBreaker`, as named in its error events:
 * `sync` pushes outcomes and reads the fleet's state, `admit` asks for a half-open probe
 * slot, `report` tells the fleet how a probe ended.
 */
export type FleetRedisOperation = 'sync' | 'admit' | 'report';

/** `execute` was called after `close()`. */
export class BreakerDisposedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BREAKER_DISPOSED';
  constructor(name: string) {
    super(BreakerDisposedError.code, `Circuit breaker "${name}" was disposed by close()`);
  }
}

/** True for a {@link BreakerDisposedError} from any copy of this package. */
export const isBreakerDisposedError = errorGuard<BreakerDisposedError>(BreakerDisposedError.code);
