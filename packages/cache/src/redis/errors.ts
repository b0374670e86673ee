import { BreakwaterError, errorGuard } from '@breakwater/core';

/** The Redis operations of a `TieredCache`, as named in its error events. */
export type RedisOperation = 'get' | 'set' | 'del' | 'publish' | 'subscribe';

/**
 * A Redis call took longer than the `timeout` option. The caller stopped waiting; the
 * command itself may still complete inside the client.
 */
export class RedisTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CACHE_REDIS_TIMEOUT';
  /** The operation that timed out. */
  readonly operation: RedisOperation;
  /** The timeout it exceeded, in ms. */
  readonly timeoutMs: number;

  constructor(operation: RedisOperation, timeoutMs: number) {
    super(RedisTimeoutError.code, `Redis ${operation} timed out after ${timeoutMs}ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A Redis call was skipped without being sent: the client was not `'ready'`, or the
 * `maxInFlight` commands already sent had not settled yet.
 */
export class RedisUnavailableError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CACHE_REDIS_UNAVAILABLE';
  /** The operation that was skipped. */
  readonly operation: RedisOperation;
  /** Why: the client's `status`, `'saturated'` (maxInFlight) or `'connection lost'`. */
  readonly reason: string;

  constructor(operation: RedisOperation, reason: string) {
    super(
      RedisUnavailableError.code,
      `Redis ${operation} skipped: Redis is unavailable (${reason})`,
    );
    this.operation = operation;
    this.reason = reason;
  }
}

/**
 * A value read from Redis could not be deserialized (or an invalidation message could not
 * be parsed). The value was deleted and treated as a miss; the message was ignored.
 */
export class CorruptValueError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CACHE_CORRUPT_VALUE';
  /** The Redis key (prefix included) or the pub/sub channel that held the text. */
  readonly source: string;

  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super(
      CorruptValueError.code,
      `Corrupt data in Redis at ${JSON.stringify(source)}: ${detail}`,
      options,
    );
    this.source = source;
  }
}

/** True for a {@link RedisTimeoutError} from any copy of this package. */
export const isRedisTimeoutError = errorGuard<RedisTimeoutError>(RedisTimeoutError.code);
/** True for a {@link RedisUnavailableError} from any copy of this package. */
export const isRedisUnavailableError = errorGuard<RedisUnavailableError>(
  RedisUnavailableError.code,
);
/** True for a {@link CorruptValueError} from any copy of this package. */
export const isCorruptValueError = errorGuard<CorruptValueError>(CorruptValueError.code);
