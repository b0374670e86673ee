import { BreakwaterError, errorGuard } from '@breakwater/core';

/**
 * The Redis calls of a `FleetCircuitBreaker`, as named in its error events:
 * `sync` pushes outcomes and reads the fleet's state, `admit` asks for a half-open probe
 * slot, `report` tells the fleet how a probe ended.
 */
export type FleetRedisOperation = 'sync' | 'admit' | 'report';

/**
 * A Redis call took longer than `redisTimeoutMs`. The breaker stopped waiting and went on
 * locally; the command itself may still complete inside the client.
 */
export class RedisTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BREAKER_REDIS_TIMEOUT';
  readonly operation: FleetRedisOperation;
  /** The timeout it exceeded, in ms. */
  readonly timeoutMs: number;

  constructor(operation: FleetRedisOperation, timeoutMs: number) {
    super(RedisTimeoutError.code, `Redis ${operation} timed out after ${timeoutMs} ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A Redis call was skipped without being sent: the client was not `'ready'`, or too many
 * earlier commands were still unsettled in it.
 */
export class RedisUnavailableError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BREAKER_REDIS_UNAVAILABLE';
  readonly operation: FleetRedisOperation;
  /** Why: the client's `status` (e.g. `'reconnecting'`) or `'saturated'`. */
  readonly reason: string;

  constructor(operation: FleetRedisOperation, reason: string) {
    super(
      RedisUnavailableError.code,
      `Redis ${operation} skipped: Redis is unavailable (${reason})`,
    );
    this.operation = operation;
    this.reason = reason;
  }
}

/** `execute` was called after `close()`. */
export class BreakerDisposedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BREAKER_DISPOSED';
  constructor(name: string) {
    super(BreakerDisposedError.code, `Circuit breaker "${name}" was disposed by close()`);
  }
}

/** True for a {@link RedisTimeoutError} from any copy of this package. */
export const isRedisTimeoutError = errorGuard<RedisTimeoutError>(RedisTimeoutError.code);
/** True for a {@link RedisUnavailableError} from any copy of this package. */
export const isRedisUnavailableError = errorGuard<RedisUnavailableError>(
  RedisUnavailableError.code,
);
/** True for a {@link BreakerDisposedError} from any copy of this package. */
export const isBreakerDisposedError = errorGuard<BreakerDisposedError>(BreakerDisposedError.code);
