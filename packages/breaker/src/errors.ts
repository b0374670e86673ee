import { BreakwaterError, errorGuard } from '@breakwater/core';
import { wholeMs } from './whole-ms.js';

/** The breaker refused the call: it is open, forced open, or half-open with every probe taken. */
export class BreakerOpenError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BREAKER_OPEN';
  /**
   * Whole milliseconds (rounded up) until the breaker lets a probe through: 0 when
   * half-open with every probe taken, `Infinity` when forced open.
   */
  readonly retryAfterMs: number;
  /** The state that refused the call. */
  readonly state: 'open' | 'forced-open' | 'half-open';

  constructor(name: string, state: 'open' | 'forced-open' | 'half-open', retryAfterMs: number) {
    retryAfterMs = wholeMs(retryAfterMs);
    const detail =
      state === 'half-open'
        ? 'half-open and every probe is taken'
        : state === 'forced-open'
          ? 'forced open'
          : `open; retry in ${retryAfterMs} ms`;
    super(BreakerOpenError.code, `Circuit breaker "${name}" rejected the call: ${detail}`);
    this.retryAfterMs = retryAfterMs;
    this.state = state;
  }
}

/** A call ran longer than its timeout; its signal was aborted with this error. */
export class OperationTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_OPERATION_TIMEOUT';
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(OperationTimeoutError.code, `The call timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** True for a {@link BreakerOpenError} from any copy of this package. */
export const isBreakerOpenError = errorGuard(BreakerOpenError);
/** True for an {@link OperationTimeoutError} from any copy of this package. */
export const isOperationTimeoutError = errorGuard(OperationTimeoutError);

/** A bulkhead refused a call: every slot is running and its queue is full. */
export class BulkheadRejectedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BULKHEAD_FULL';
  /** Calls running when this one was refused (equals `maxConcurrent`). */
  readonly running: number;
  /** Calls waiting when this one was refused (equals `maxQueue`). */
  readonly queued: number;
  readonly maxConcurrent: number;
  readonly maxQueue: number;

  constructor(running: number, maxConcurrent: number, queued: number, maxQueue: number) {
    super(
      BulkheadRejectedError.code,
      `Bulkhead full: ${running}/${maxConcurrent} running, ${queued}/${maxQueue} queued`,
    );
    this.running = running;
    this.queued = queued;
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }
}

/** A call reached a bulkhead after `close()`, or was still queued when it closed. */
export class BulkheadClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BULKHEAD_CLOSED';
  constructor() {
    super(BulkheadClosedError.code, 'The bulkhead is closed');
  }
}

/** True for a {@link BulkheadRejectedError} from any copy of this package. */
export const isBulkheadRejectedError = errorGuard(BulkheadRejectedError);
/** True for a {@link BulkheadClosedError} from any copy of this package. */
export const isBulkheadClosedError = errorGuard(BulkheadClosedError);
