import { BreakwaterError, describeValue, errorGuard } from '@breakwater/core';

/** `add` found `maxPending` items already queued, with `onFull: 'reject'`. */
export class BatcherFullError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BATCHER_FULL';
  /** Items queued when the add was refused. */
  readonly pending: number;
  /** The `maxPending` bound. */
  readonly maxPending: number;
  constructor(pending: number, maxPending: number) {
    super(BatcherFullError.code, `Batcher full: ${pending}/${maxPending} items pending`);
    this.pending = pending;
    this.maxPending = maxPending;
  }
}

/** The batcher is closed (or closing): no add is accepted. */
export class BatcherClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BATCHER_CLOSED';
  constructor() {
    super(BatcherClosedError.code, 'The batcher is closed');
  }
}

/**
 * `process` (or a loader's `batch`) returned something other than one result per item:
 * every caller of that batch rejects with this error. `received` is the number of results
 * returned, or `undefined` when the value was not an array.
 */
export class BatchResultError extends BreakwaterError {
  static readonly code = 'BREAKWATER_BATCH_RESULT';
  /** Items in the batch: the number of results expected. */
  readonly expected: number;
  /** Results returned, or `undefined` when the value returned was not an array. */
  readonly received: number | undefined;
  constructor(fn: string, expected: number, value: unknown) {
    const received = Array.isArray(value) ? value.length : undefined;
    super(
      BatchResultError.code,
      received === undefined
        ? `${fn} returned ${describeValue(value)} instead of an array of ${expected} results`
        : `${fn} returned ${received} results for a batch of ${expected} items; it must return one per item`,
    );
    this.expected = expected;
    this.received = received;
  }
}

/** True for a {@link BatcherFullError} from any copy of this package. */
export const isBatcherFullError = errorGuard(BatcherFullError);
/** True for a {@link BatcherClosedError} from any copy of this package. */
export const isBatcherClosedError = errorGuard(BatcherClosedError);
/** True for a {@link BatchResultError} from any copy of this package. */
export const isBatchResultError = errorGuard(BatchResultError);
