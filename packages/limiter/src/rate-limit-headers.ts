import { invalidMessage } from '@breakwater/core';
import type { RateLimitResult } from './rate-limiter.js';

/**
 * HTTP headers for a decision: `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (seconds, rounded up) and, when denied, `Retry-After` (seconds).
 * @throws TypeError when `result` is not a decision (its numbers would print as `NaN`).
 */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  if (
    typeof result !== 'object' ||
    result === null ||
    typeof result.allowed !== 'boolean' ||
    !Number.isFinite(result.limit) ||
    !Number.isFinite(result.remaining) ||
    !Number.isFinite(result.retryAfterMs) ||
    !Number.isFinite(result.resetAfterMs)
  ) {
    throw new TypeError(invalidMessage('result', 'a decision of a rate limiter', result));
  }
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(Math.ceil(result.resetAfterMs / 1000)),
  };
  if (!result.allowed)
    headers['Retry-After'] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  return headers;
}
