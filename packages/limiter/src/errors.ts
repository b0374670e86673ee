import { BreakwaterError, errorGuard } from '@breakwater/core';
import type { RateLimitResult } from './rate-limiter.js';

/** `limit()` refused the request. */
export class RateLimitedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_RATE_LIMITED';
  readonly retryAfterMs: number;
  readonly result: RateLimitResult;

  constructor(key: string, result: RateLimitResult) {
    super(
      RateLimitedError.code,
      `Rate limit of ${result.limit} exceeded for key "${key}"; retry in ${Math.ceil(result.retryAfterMs)} ms`,
    );
    this.retryAfterMs = result.retryAfterMs;
    this.result = result;
  }
}

/** True for a `RateLimitedError` from any copy of this package (checks a brand and the code). */
export const isRateLimitedError = errorGuard(RateLimitedError);

/** The limiter is closed: it takes no more requests, and waiting `acquire` callers were rejected. */
export class RateLimiterClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_RATE_LIMITER_CLOSED';
  constructor() {
    super(RateLimiterClosedError.code, 'The rate limiter is closed');
  }
}

/** True for a `RateLimiterClosedError` from any copy of this package (checks a brand and the code). */
export const isRateLimiterClosedError = errorGuard(RateLimiterClosedError);
