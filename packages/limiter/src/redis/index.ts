export {
  type OutageEvent,
  type OutagePolicy,
  type RedisAlgorithm,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisRateLimiterStats,
} from './redis-rate-limiter.js';
