export type { Clock } from '@breakwater/core';
export {
  isRateLimitedError,
  isRateLimiterClosedError,
  RateLimitedError,
  RateLimiterClosedError,
} from './errors.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export type {
  Algorithm,
  LimitRule,
  RateLimiterAcquireOptions,
  RateLimiterOptions,
  RateLimiterStats,
  RateLimitResult,
} from './rate-limiter.js';
export { RateLimiter } from './rate-limiter.js';
