import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import {
  type LimitRule,
  RateLimiter,
  type RateLimiterAcquireOptions,
  type RateLimiterOptions,
  type RateLimitResult,
} from './index.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

describe('RateLimiter: bad options and arguments are refused, naming them', () => {
  it.each([
    [{}, TypeError, '`limits`'],
    [{ limits: [] }, RangeError, 'Expected `limits` to be at least one limit'],
    [
      { limits: 5 },
      TypeError,
      'Expected `limits` to be a { limit, windowMs } object, got `5` (number)',
    ],
    [
      { limits: { limit: 0, windowMs: 1000 } },
      RangeError,
      'Expected `limits.limit` to be an integer >= 1 and <= 9007199254740991, got `0` (number)',
    ],
    [{ limits: { limit: 1.5, windowMs: 1000 } }, RangeError, '`limits.limit`'],
    [
      { limits: [{ limit: 1, windowMs: 0 }] },
      RangeError,
      'Expected `limits[0].windowMs` to be a finite number >= 0.001 and <= 4503599627370495, got `0` (number)',
    ],
    [{ limits: { limit: 5, windowMs: 1000, burst: 0 } }, RangeError, '`limits.burst`'],
    [{ limits: { limit: 5, windowMs: 1000 }, algorithm: 'leaky' }, RangeError, '`algorithm`'],
    [{ limits: { limit: 5, windowMs: 1000 }, clock: {} }, TypeError, '`clock`'],
  ])('rejects options %o', (options, type, message) => {
    expect(() => new RateLimiter(options as never)).toThrow(type);
    expect(() => new RateLimiter(options as never)).toThrow(message);
  });

  it('rejects an empty key and a cost that is not a positive integer', () => {
    const limiter = new RateLimiter({ limits: { limit: 5, windowMs: 1000 } });
    expect(() => limiter.consume('')).toThrow(
      new RangeError('Expected `key` to be a non-empty string, got `""` (string)'),
    );
    expect(() => limiter.consume(5 as never)).toThrow(TypeError);
    expect(() => limiter.consume('k', 0)).toThrow(RangeError);
    expect(() => limiter.consume('k', 1.5)).toThrow(RangeError);
  });
  it('refuses unknown options, unknown limit fields and unknown acquire options', async () => {
    const limits = { limit: 2, windowMs: 1_000 };
    expect(
      () => new RateLimiter({ limits, algoritm: 'fixed-window' } as unknown as RateLimiterOptions),
    ).toThrow(
      new TypeError(
        'Unknown option `algoritm` in `options`; the options are `limits`, `algorithm`, `clock`',
      ),
    );
    expect(
      () => new RateLimiter({ limits: [limits, { limit: 1, window: 10 } as unknown as LimitRule] }),
    ).toThrow(/Unknown option `window` in `limits\[1\]`/);
    const limiter = new RateLimiter({ limits });
    await expect(
      limiter.acquire('k', { timeout: 5 } as unknown as RateLimiterAcquireOptions),
    ).rejects.toThrow(/Unknown option `timeout` in `options`/);
  });

  it('refuses a burst where it has no meaning (the window algorithms)', () => {
    for (const algorithm of ['fixed-window', 'sliding-window'] as const) {
      expect(
        () => new RateLimiter({ algorithm, limits: { limit: 10, windowMs: 1_000, burst: 3 } }),
      ).toThrow(
        new RangeError(
          `\`limits.burst\` applies to 'gcra' and 'token-bucket' only, not to '${algorithm}': a window admits \`limit\` per window`,
        ),
      );
    }
    expect(
      new RateLimiter({
        algorithm: 'token-bucket',
        limits: { limit: 10, windowMs: 1_000, burst: 3 },
      }).maxCost,
    ).toBe(3);
  });

  it('reset refuses a key that is not a non-empty string, like every other method', () => {
    const limiter = new RateLimiter({ limits: { limit: 2, windowMs: 1_000 } });
    expect(() => limiter.reset('')).toThrow(RangeError);
    expect(() => limiter.reset(5 as unknown as string)).toThrow(TypeError);
  });

  it('rateLimitHeaders refuses what is not a decision', () => {
    expect(() => rateLimitHeaders({} as RateLimitResult)).toThrow(
      new TypeError('Expected `result` to be a decision of a rate limiter, got an object'),
    );
    expect(() => rateLimitHeaders(null as unknown as RateLimitResult)).toThrow(TypeError);
  });

  it('refuses a window so long that its durations would not be exact in whole ms', () => {
    expect(() => new RateLimiter({ limits: { limit: 1, windowMs: 2 ** 50, burst: 10 } })).toThrow(
      new RangeError(
        'Expected `limits.windowMs` to be small enough that windowMs / limit × burst <= 4503599627370495 ms (2^52 - 1), got `1125899906842624` (number)',
      ),
    );
  });

  it('refuses counts beyond 2^53 - 1 and windows outside [1 µs, 2^52 ms]', () => {
    const cases: Array<[LimitRule, string]> = [
      [
        { limit: 1e308, windowMs: 1_000 },
        'Expected `limits.limit` to be an integer >= 1 and <= 9007199254740991, got `1e+308` (number)',
      ],
      [
        { limit: 10, windowMs: 1_000, burst: 2 ** 53 },
        'Expected `limits.burst` to be an integer >= 1 and <= 9007199254740991, got `9007199254740992` (number)',
      ],
      [
        { limit: 10, windowMs: 1e-9 },
        'Expected `limits.windowMs` to be a finite number >= 0.001 and <= 4503599627370495, got `1e-9` (number)',
      ],
      [
        { limit: 1, windowMs: 1e308 },
        'Expected `limits.windowMs` to be a finite number >= 0.001 and <= 4503599627370495, got `1e+308` (number)',
      ],
    ];
    for (const [limits, message] of cases) {
      expect(() => new RateLimiter({ limits })).toThrow(new RangeError(message));
    }
    // The extremes themselves are accepted.
    const limiter = new RateLimiter({
      limits: { limit: 2 ** 53 - 1, windowMs: 0.001 },
      clock: createManualClock(1.8e12),
    });
    expect(limiter.consume('k', 2 ** 53 - 1)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
