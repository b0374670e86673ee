export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@breakwater/core/redis';
export {
  isRateLimitedError,
  isRateLimiterClosedError,
  RateLimitedError,
  RateLimiterClosedError,
} from '../errors.js';
export {
  type OutageEvent,
  type OutagePolicy,
  type RateLimiterRedisErrorEvent,
  type RateLimiterRedisOperation,
  type RedisAlgorithm,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisRateLimiterStats,
} from './redis-rate-limiter.js';
