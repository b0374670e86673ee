import { BreakwaterError, errorGuard } from '@breakwater/core';
import type { RedisFailureEvent } from '@breakwater/core/redis';

// The Redis timeout/unavailable errors and their guards are those of every Breakwater
// Redis store: they live in @breakwater/core/redis and are re-exported here.
export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@breakwater/core/redis';

/**
 * The Redis calls of a `FleetCircuitBreaker`, as named in its error events:
 * `sync` pushes outcomes and reads the fleet's state, `admit` asks for a half-open probe
 * slot, `report` tells the fleet how a probe ended.
 */
export type FleetRedisOperation = 'sync' | 'admit' | 'report';

/**
 * What went wrong with a Redis call, from `onError`; `kind` tells the cases apart:
 * `'timeout'` (no answer within `redisTimeoutMs`), `'unavailable'` (not sent: the client
 * was not `'ready'`, or `maxInFlight` calls were unsettled), `'error'` (Redis or the
 * client answered with an error, or the reply was malformed: a TypeError).
 */
export type FleetRedisErrorEvent = RedisFailureEvent<FleetRedisOperation>;

/** `execute` was called after `close()`. */
export class BreakerDisposedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BREAKER_DISPOSED';
  constructor(name: string) {
    super(BreakerDisposedError.code, `Circuit breaker "${name}" was disposed by close()`);
  }
}

/** True for a {@link BreakerDisposedError} from any copy of this package. */
export const isBreakerDisposedError = errorGuard(BreakerDisposedError);
