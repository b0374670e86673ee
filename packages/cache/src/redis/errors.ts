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

/** The Redis operations of a `TieredCache`, as named in its error events. */
export type RedisOperation = 'get' | 'set' | 'del' | 'publish' | 'subscribe';

/**
 * What went wrong with a Redis call, from `onError`; `kind` tells the cases apart:
 * `'timeout'` (no answer within `redisTimeoutMs`), `'unavailable'` (not sent: the client
 * was not `'ready'` or `maxInFlight` was reached), `'error'` (Redis or the client
 * answered with an error), `'corrupt'` (a stored value failed to deserialize, or an
 * invalidation message to parse). `key` is the cache key concerned (without the prefix),
 * when there is one.
 */
export type RedisErrorEvent = (
  | RedisFailureEvent<RedisOperation>
  | { operation: 'get' | 'subscribe'; kind: 'corrupt'; error: CorruptValueError }
) & { key?: string | undefined };

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

/** True for a {@link CorruptValueError} from any copy of this package. */
export const isCorruptValueError = errorGuard(CorruptValueError);

/**
 * `ready()` gave up: within its `timeoutMs` the client did not become `'ready'`, or the
 * invalidation subscription did not become active. The cache keeps trying in the background
 * (and keeps serving from L1 and `load` meanwhile).
 */
export class ReadyTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_CACHE_READY_TIMEOUT';
  /** How long `ready()` waited, in ms. */
  readonly timeoutMs: number;
  /** The client's `status` when it gave up (e.g. `'reconnecting'`). */
  readonly status: string;
  /** Whether the invalidation subscription was active. */
  readonly subscribed: boolean;

  constructor(timeoutMs: number, status: string, subscribed: boolean) {
    super(
      ReadyTimeoutError.code,
      `TieredCache not ready after ${timeoutMs} ms: the client is \`${status}\`, the invalidation subscription is ${subscribed ? 'active' : 'not active'}`,
    );
    this.timeoutMs = timeoutMs;
    this.status = status;
    this.subscribed = subscribed;
  }
}

/** True for a {@link ReadyTimeoutError} from any copy of this package. */
export const isReadyTimeoutError = errorGuard(ReadyTimeoutError);
