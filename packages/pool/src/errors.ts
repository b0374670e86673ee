import { BreakwaterError, errorGuard } from '@breakwater/core';

/** `acquire` found `maxWaiting` callers already waiting. */
export class PoolFullError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_FULL';
  constructor(borrowed: number, max: number, waiting: number, maxWaiting: number) {
    super(
      PoolFullError.code,
      `Pool exhausted: ${borrowed}/${max} in use, ${waiting}/${maxWaiting} waiting`,
    );
  }
}

/**
 * `acquire` waited `timeoutMs` without getting a resource. When creating resources was
 * failing meanwhile, `cause` is the last create error.
 */
export class PoolTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_TIMEOUT';
  readonly timeoutMs: number;
  constructor(timeoutMs: number, detail: string, cause?: unknown) {
    super(
      PoolTimeoutError.code,
      `Timed out after ${timeoutMs} ms waiting for a resource (${detail})`,
      cause === undefined ? undefined : { cause },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The pool is closed (or closing): no acquire is served. */
export class PoolClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_CLOSED';
  constructor() {
    super(PoolClosedError.code, 'The pool is closed');
  }
}

/** `release`/`destroy` of something the pool has not lent out (twice, or never its own). */
export class NotBorrowedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_NOT_BORROWED';
  constructor(action: 'release' | 'destroy') {
    super(
      NotBorrowedError.code,
      `Cannot ${action} a resource this pool has not lent out (released twice, or from another pool)`,
    );
  }
}

/** `create` did not settle within `createTimeoutMs`. */
export class CreateTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_CREATE_TIMEOUT';
  constructor(timeoutMs: number) {
    super(CreateTimeoutError.code, `create() did not settle within ${timeoutMs} ms`);
  }
}

export const isPoolFullError = errorGuard<PoolFullError>(PoolFullError.code);
export const isPoolTimeoutError = errorGuard<PoolTimeoutError>(PoolTimeoutError.code);
export const isPoolClosedError = errorGuard<PoolClosedError>(PoolClosedError.code);
export const isNotBorrowedError = errorGuard<NotBorrowedError>(NotBorrowedError.code);
export const isCreateTimeoutError = errorGuard<CreateTimeoutError>(CreateTimeoutError.code);
