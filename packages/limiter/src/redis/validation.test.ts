import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type LimitRule, RateLimiter } from '../index.js';
import { RedisRateLimiter } from './index.js';

/** Validation needs no server: a client that is never called. */
const client = {
  status: 'ready',
  evalsha: () => new Promise<never>(() => {}),
  eval: () => new Promise<never>(() => {}),
} as unknown as Redis;

describe('RedisRateLimiter: bad options and arguments are refused, naming them', () => {
  const limits = { limit: 2, windowMs: 1_000 };
  it('refuses bad options with named errors', () => {
    expect(() => new RedisRateLimiter({ redis: {} as Redis, limits })).toThrow(/redis/);
    expect(() => new RedisRateLimiter({ redis: null as unknown as Redis, limits })).toThrow(
      TypeError,
    );
    expect(() => new RedisRateLimiter({ redis: client, limits, redisTimeoutMs: 0 })).toThrow(
      RangeError,
    );
    expect(() => new RedisRateLimiter({ redis: client, limits, maxInFlight: 0 })).toThrow(
      new RangeError('Expected `maxInFlight` to be an integer >= 1, got `0` (number)'),
    );
    // Renamed `redisTimeoutMs`, as in every Breakwater Redis store.
    expect(() => new RedisRateLimiter({ redis: client, limits, timeoutMs: 50 } as never)).toThrow(
      /Unknown option `timeoutMs`/,
    );
    expect(
      () => new RedisRateLimiter({ redis: client, limits, outage: 'maybe' as 'local' }),
    ).toThrow(/outage/);
    expect(
      () => new RedisRateLimiter({ redis: client, limits, algorithm: 'leaky' as 'gcra' }),
    ).toThrow(/algorithm/);
    // Longer than a Node timer can hold (it would fire after 1 ms).
    expect(() => new RedisRateLimiter({ redis: client, limits, redisTimeoutMs: 2 ** 31 })).toThrow(
      /redisTimeoutMs/,
    );
    expect(
      () => new RedisRateLimiter({ redis: client, limits, outgae: 'fail-closed' } as never),
    ).toThrow(/Unknown option `outgae` in `options`; the options are `redis`, `prefix`/);
    for (const maxBatch of [0, 1.5, 1_001]) {
      expect(() => new RedisRateLimiter({ redis: client, limits, maxBatch })).toThrow(
        new RangeError(
          `Expected \`maxBatch\` to be an integer >= 1 and <= 1000, got \`${maxBatch}\` (number)`,
        ),
      );
    }
    expect(
      () =>
        new RedisRateLimiter({ redis: client, limits, blockCache: 'yes' as unknown as boolean }),
    ).toThrow(/blockCache/);
    expect(() => new RedisRateLimiter({ redis: client, limits: [] })).toThrow(RangeError);
    expect(
      () => new RedisRateLimiter({ redis: client, limits: { limit: 0, windowMs: 1 } }),
    ).toThrow(/limits\.limit/);
  });

  it('refuses the limits RateLimiter refuses, with the same messages', () => {
    const bad: LimitRule[] = [
      { limit: 1e308, windowMs: 1e-300 },
      { limit: 1e9, windowMs: 1e-9 },
      { limit: 10, windowMs: 1e-9 },
      { limit: 1, windowMs: 2 ** 53 },
      { limit: 1, windowMs: 2 ** 50, burst: 10 },
      { limit: 5, windowMs: 1_000, burst: 2 ** 53 },
    ];
    for (const limits of bad) {
      let message = '';
      try {
        new RateLimiter({ limits });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Expected `limits\.(limit|windowMs|burst)`/);
      expect(() => new RedisRateLimiter({ redis: client, limits })).toThrow(
        new RangeError(message),
      );
    }
  });

  it('rejects bad keys and costs from every promise-returning method, never throwing synchronously', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits });
    const calls: Array<[string, () => Promise<unknown>, ErrorConstructor]> = [
      ["consume('')", () => limiter.consume(''), RangeError],
      ['consume(1)', () => limiter.consume(1 as unknown as string), TypeError],
      ["consume('k', 3)", () => limiter.consume('k', 3), RangeError],
      ["consume('k', 1.5)", () => limiter.consume('k', 1.5), RangeError],
      ["consume('k', '2')", () => limiter.consume('k', '2' as unknown as number), TypeError],
      ["limit('')", () => limiter.limit(''), RangeError],
      ["limit('k', 0)", () => limiter.limit('k', 0), RangeError],
      ["acquire('')", () => limiter.acquire(''), RangeError],
      ["acquire('k', { cost: 3 })", () => limiter.acquire('k', { cost: 3 }), RangeError],
      ["acquire('k', 5)", () => limiter.acquire('k', 5 as never), TypeError],
      ["reset('')", () => limiter.reset(''), RangeError],
      ['reset(null)', () => limiter.reset(null as unknown as string), TypeError],
    ];
    for (const [name, call, type] of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }, name).not.toThrow();
      await expect(promise, name).rejects.toThrow(type);
    }
    expect(limiter.stats().decisions).toBe(0);
    expect(() => limiter.onOutage(5 as unknown as () => void)).toThrow(TypeError);
  });
});
