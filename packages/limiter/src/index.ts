export type { Clock } from '@breakwater/core';
export {
  isRateLimitedError,
  isRateLimiterClosedError,
  RateLimitedError,
  RateLimiterClosedError,
} from './errors.js';
export type {
  Algorithm,
  LimitRule,
  RateLimiterAcquireOptions,
  RateLimiterOptions,
} from './options.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export type { RateLimiterStats, RateLimitResult } from './rate-limiter.js';
export { RateLimiter } from './rate-limiter.js';
