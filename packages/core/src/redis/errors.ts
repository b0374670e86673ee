import { BreakwaterError, errorGuard } from '../errors.js';

/**
 * A Redis call took longer than its timeout. The caller stopped waiting; the command
 * itself may still complete inside the client.
 */
export class RedisTimeoutError<Operation extends string = string> extends BreakwaterError {
  static readonly code = 'BREAKWATER_REDIS_TIMEOUT';
  /** The operation that timed out. */
  readonly operation: Operation;
  /** The timeout it exceeded, in ms. */
  readonly timeoutMs: number;

  constructor(operation: Operation, timeoutMs: number) {
    super(RedisTimeoutError.code, `Redis ${operation} timed out after ${timeoutMs} ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A Redis call was skipped without being sent: the client was not `'ready'`, or too many
 * earlier commands were still unsettled in it.
 */
export class RedisUnavailableError<Operation extends string = string> extends BreakwaterError {
  static readonly code = 'BREAKWATER_REDIS_UNAVAILABLE';
  /** The operation that was skipped. */
  readonly operation: Operation;
  /** Why: the client's `status` (e.g. `'reconnecting'`), `'saturated'`, or the caller's own. */
  readonly reason: string;

  constructor(operation: Operation, reason: string) {
    super(
      RedisUnavailableError.code,
      `Redis ${operation} skipped: Redis is unavailable (${reason})`,
    );
    this.operation = operation;
    this.reason = reason;
  }
}

/** True for a {@link RedisTimeoutError} from any copy of a Breakwater package. */
export const isRedisTimeoutError = errorGuard(RedisTimeoutError);
/** True for a {@link RedisUnavailableError} from any copy of a Breakwater package. */
export const isRedisUnavailableError = errorGuard(RedisUnavailableError);
