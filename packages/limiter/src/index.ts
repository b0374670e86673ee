export type {
  AcquireOptions,
  Algorithm,
  LimitRule,
  RateLimiterOptions,
  RateLimitResult,
} from './rate-limiter.js';
export {
  isRateLimitedError,
  RateLimitedError,
  RateLimiter,
  rateLimitHeaders,
} from './rate-limiter.js';
