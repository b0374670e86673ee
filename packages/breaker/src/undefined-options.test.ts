import { describe, expect, it } from 'vitest';
import { bulkhead } from './bulkhead.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { fallback } from './fallback.js';
import { OPTION_KEYS } from './options.js';
import { retry } from './retry.js';

describe('an option given as undefined', () => {
  it('is taken as absent by the breaker, which then uses every default', () => {
    const breaker = new CircuitBreaker(
      Object.fromEntries(OPTION_KEYS.map((key) => [key, undefined])),
    );
    const defaults = new CircuitBreaker();
    expect(breaker.name).toBe(defaults.name);
    expect(breaker.toJSON()).toEqual(defaults.toJSON());
    expect(breaker.stats()).toEqual(defaults.stats());
  });

  it('is taken as absent in nested options and by the policies', async () => {
    expect(
      () =>
        new CircuitBreaker({
          failureRateThreshold: 0.5,
          window: { type: 'time', durationMs: 1000, buckets: undefined },
          openDurationMs: {
            type: 'exponential',
            initialDelayMs: 10,
            maxDelayMs: 20,
            multiplier: undefined,
            jitter: undefined,
          },
        }),
    ).not.toThrow();
    const policies = [
      bulkhead({ maxConcurrent: 1, maxQueue: undefined }),
      retry({
        maxAttempts: 1,
        backoff: { type: 'constant', delayMs: 1 },
        shouldRetry: undefined,
        random: undefined,
      }),
      fallback('fallen back', { shouldHandle: undefined }),
    ];
    for (const policy of policies) {
      await expect(policy.execute(async () => 'ok')).resolves.toBe('ok');
    }
  });
});
