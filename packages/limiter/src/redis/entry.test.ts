import * as coreRedis from '@breakwater/core/redis';
import { describe, expect, it } from 'vitest';
import * as root from '../index.js';
import * as redis from './index.js';

describe('the ./redis entry of @breakwater/limiter', () => {
  it('exports the errors its methods produce, the same classes and guards as their home entries', () => {
    expect(redis.RateLimitedError).toBe(root.RateLimitedError);
    expect(redis.isRateLimitedError).toBe(root.isRateLimitedError);
    expect(redis.RateLimiterClosedError).toBe(root.RateLimiterClosedError);
    expect(redis.isRateLimiterClosedError).toBe(root.isRateLimiterClosedError);
    expect(redis.RedisTimeoutError).toBe(coreRedis.RedisTimeoutError);
    expect(redis.isRedisTimeoutError).toBe(coreRedis.isRedisTimeoutError);
    expect(redis.RedisUnavailableError).toBe(coreRedis.RedisUnavailableError);
    expect(redis.isRedisUnavailableError).toBe(coreRedis.isRedisUnavailableError);
  });

  it('types a caught error through the guards it exports', () => {
    const error: unknown = new redis.RateLimiterClosedError();
    const code: string | undefined = redis.isRateLimiterClosedError(error) ? error.code : undefined;
    expect(code).toBe('BREAKWATER_RATE_LIMITER_CLOSED');
    const limited: redis.RateLimitedError | undefined = redis.isRateLimitedError(error)
      ? error
      : undefined;
    expect(limited).toBeUndefined();
  });
});
