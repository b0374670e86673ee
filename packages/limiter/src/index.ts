export type { Clock } from '@breakwater/core';
export { isRateLimitedError, RateLimitedError } from './errors.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export type {
  AcquireOptions,
  Algorithm,
  LimitRule,
  RateLimiterOptions,
  RateLimitResult,
} from './rate-limiter.js';
export { RateLimiter } from './rate-limiter.js';
