import {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@breakwater/core/redis';
import { eventually, startRedis } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RateLimiterRedisErrorEvent, RedisRateLimiter } from './index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RedisRateLimiter: onError', () => {
  it('reports each call that timed out on a frozen Redis, with the keys it carried', async () => {
    const frozen = await startRedis();
    const redis = frozen.client();
    try {
      await redis.ping();
      const limiter = new RedisRateLimiter({
        redis,
        limits: { limit: 5, windowMs: 3_600_000 },
        redisTimeoutMs: 30,
      });
      const errors: RateLimiterRedisErrorEvent[] = [];
      const off = limiter.onError((event) => errors.push(event));
      expect((await limiter.consume('warm')).allowed).toBe(true);
      expect(errors).toEqual([]);

      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      process.kill(frozen.pid!, 'SIGSTOP');
      // Two keys asked in one turn share one script call: one failure, both keys.
      const decisions = Promise.all([limiter.consume('a'), limiter.consume('b', 2)]);
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(30);
      await decisions;
      const read = limiter.get('c');
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(30);
      await read;
      vi.useRealTimers();

      expect(errors).toEqual([
        {
          operation: 'consume',
          kind: 'timeout',
          error: expect.any(RedisTimeoutError),
          keys: ['a', 'b'],
        },
        { operation: 'get', kind: 'timeout', error: expect.any(RedisTimeoutError), keys: ['c'] },
      ]);
      expect(isRedisTimeoutError(errors[0]!.error)).toBe(true);
      expect(limiter.stats().redis).toMatchObject({ errors: 2, timeouts: 2 });

      off();
      process.kill(frozen.pid!, 'SIGCONT');
      await eventually('the limiter is back on Redis', async () => {
        await limiter.consume('probe');
        return limiter.mode === 'redis';
      });
      expect(errors).toHaveLength(2);
      await limiter.close();
    } finally {
      if (frozen.pid !== undefined) process.kill(frozen.pid, 'SIGCONT');
      await frozen.stop();
    }
  });

  it('calls written together time out one by one, and the connection serves the next turn', async () => {
    const frozen = await startRedis();
    const redis = frozen.client();
    try {
      await redis.ping();
      const limiter = new RedisRateLimiter({
        redis,
        limits: { limit: 5, windowMs: 3_600_000 },
        redisTimeoutMs: 30,
        maxBatch: 1,
      });
      const errors: RateLimiterRedisErrorEvent[] = [];
      limiter.onError((event) => errors.push(event));
      const cork = vi.spyOn(redis.stream, 'cork');
      const uncork = vi.spyOn(redis.stream, 'uncork');

      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      process.kill(frozen.pid!, 'SIGSTOP');
      // Three calls of one turn, one script call each, written in one go.
      const decisions = Promise.all([
        limiter.consume('a'),
        limiter.consume('b'),
        limiter.consume('a'),
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(cork).toHaveBeenCalledTimes(1);
      expect(uncork).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(30);
      // The outage policy ('local') answered each of them.
      expect((await decisions).map((r) => r.remaining)).toEqual([4, 4, 3]);
      vi.useRealTimers();
      expect(errors.map((e) => [e.kind, e.keys])).toEqual([
        ['timeout', ['a']],
        ['timeout', ['b']],
        ['timeout', ['a']],
      ]);
      expect(limiter.stats()).toMatchObject({ outageDecisions: 3, redis: { timeouts: 3 } });

      // Back: the late replies of the timed-out calls are not taken for the new ones.
      process.kill(frozen.pid!, 'SIGCONT');
      await eventually('the limiter is back on Redis', async () => {
        await limiter.consume('probe');
        return limiter.mode === 'redis';
      });
      const next = await Promise.all([limiter.consume('c'), limiter.consume('c')]);
      expect(next.map((r) => [r.allowed, r.remaining])).toEqual([
        [true, 4],
        [true, 3],
      ]);
      expect(limiter.stats().outageDecisions).toBe(3);
      cork.mockRestore();
      uncork.mockRestore();
      await limiter.close();
    } finally {
      if (frozen.pid !== undefined) process.kill(frozen.pid, 'SIGCONT');
      await frozen.stop();
    }
  });

  it('reports calls skipped while a killed Redis is away, and answers Redis refused', async () => {
    const server = await startRedis();
    const redis = server.client();
    redis.on('error', () => {}); // the server is killed below
    try {
      await redis.ping();
      const limiter = new RedisRateLimiter({
        redis,
        prefix: 'err:',
        limits: { limit: 5, windowMs: 3_600_000 },
      });
      const errors: RateLimiterRedisErrorEvent[] = [];
      limiter.onError((event) => errors.push(event));

      // Out of memory: Redis answers the script, which writes, with an error.
      await redis.config('SET', 'maxmemory', '1');
      await limiter.consume('wrong');
      await redis.config('SET', 'maxmemory', '0');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ operation: 'consume', kind: 'error', keys: ['wrong'] });
      expect(errors[0]!.error).toBeInstanceOf(Error);

      await server.kill();
      await eventually('the client sees the crash', () => redis.status !== 'ready');
      expect((await limiter.consume('k')).allowed).toBe(true);
      expect(errors).toHaveLength(2);
      expect(errors[1]).toEqual({
        operation: 'consume',
        kind: 'unavailable',
        error: expect.any(RedisUnavailableError),
        keys: ['k'],
      });
      expect(isRedisUnavailableError(errors[1]!.error)).toBe(true);
      expect(limiter.stats().redis).toMatchObject({ errors: 2, timeouts: 0 });
      await limiter.close();
    } finally {
      await server.stop();
    }
  });
});
