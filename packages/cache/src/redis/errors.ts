import { BreakwaterError, errorGuard } from '@breakwater/core';

// The Redis timeout/unavailable errors and their guards are shared with
// @breakwater/breaker: they live in @breakwater/core and are re-exported here.
export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@breakwater/core';

/** The Redis operations of a `TieredCache`, as named in its error events. */
export type RedisOperation = 'get' | 'set' | 'del' | 'publish' | 'subscribe';

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
export const isCorruptValueError = errorGuard<CorruptValueError>(CorruptValueError.code);

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
export const isReadyTimeoutError = errorGuard<ReadyTimeoutError>(ReadyTimeoutError.code);
