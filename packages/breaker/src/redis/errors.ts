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

/**
 * `execute` was called after `close()` of a `FleetCircuitBreaker`. (Named after the
 * fleet breaker, not "breaker closed": a breaker in the `'closed'` state lets calls through.)
 */
export class FleetBreakerClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_FLEET_BREAKER_CLOSED';
  constructor(name: string) {
    super(
      FleetBreakerClosedError.code,
      `Fleet circuit breaker "${name}" is shut down: close() was called`,
    );
  }
}

/** True for a {@link FleetBreakerClosedError} from any copy of this package. */
export const isFleetBreakerClosedError = errorGuard(FleetBreakerClosedError);
