import { BreakwaterError, describeValue, errorGuard } from '@breakwater/core';

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

/**
 * `create` delivered something the pool cannot lend: `undefined` or `null` (`problem`
 * `'missing'`, often a forgotten `return`), or a value the pool already holds, idle, lent
 * or being validated (`'duplicate'`: the pool tracks resources by identity, so one object
 * or one primitive value cannot be two resources). It counts as a failed create: reported
 * through `onCreateError`, followed by the create backoff, and the `cause` of a waiter's
 * `PoolTimeoutError`. The value is neither lent nor destroyed.
 */
export class InvalidResourceError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_INVALID_RESOURCE';
  readonly problem: 'missing' | 'duplicate';
  constructor(problem: 'missing' | 'duplicate', value: unknown) {
    super(
      InvalidResourceError.code,
      problem === 'missing'
        ? `create() returned ${describeValue(value)}; it must return a resource (a missing \`return\`?)`
        : `create() returned ${describeValue(value)}, a resource the pool already holds (idle, lent or being validated); each create must return a distinct value`,
    );
    this.problem = problem;
  }
}

/** A `validate` did not settle within `createTimeoutMs`: the abort reason of its signal. */
export class ValidateTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_VALIDATE_TIMEOUT';
  constructor(timeoutMs: number) {
    super(
      ValidateTimeoutError.code,
      `validate() did not settle within ${timeoutMs} ms (createTimeoutMs)`,
    );
  }
}

/**
 * `close({ timeoutMs })` reached its timeout with `borrowed` resources still lent. The pool
 * is closed all the same; each of those resources is destroyed when it is released.
 */
export class PoolCloseTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_CLOSE_TIMEOUT';
  readonly timeoutMs: number;
  readonly borrowed: number;
  constructor(timeoutMs: number, borrowed: number) {
    super(
      PoolCloseTimeoutError.code,
      `close() gave up after ${timeoutMs} ms with ${borrowed} resource(s) still lent; each is destroyed when it is released`,
    );
    this.timeoutMs = timeoutMs;
    this.borrowed = borrowed;
  }
}

export const isPoolFullError = errorGuard(PoolFullError);
export const isPoolTimeoutError = errorGuard(PoolTimeoutError);
export const isPoolClosedError = errorGuard(PoolClosedError);
export const isNotBorrowedError = errorGuard(NotBorrowedError);
export const isCreateTimeoutError = errorGuard(CreateTimeoutError);
export const isInvalidResourceError = errorGuard(InvalidResourceError);
export const isValidateTimeoutError = errorGuard(ValidateTimeoutError);
export const isPoolCloseTimeoutError = errorGuard(PoolCloseTimeoutError);
