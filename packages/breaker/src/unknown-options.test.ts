import { describe, expect, it } from 'vitest';
import { bulkhead } from './bulkhead.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { fallback } from './fallback.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';

describe('options that are not options', () => {
  it('are refused by the breaker and its nested options, naming the key', () => {
    expect(() => new CircuitBreaker({ consecutiveFailure: 3 } as never)).toThrow(
      new TypeError(
        'Unknown option `consecutiveFailure` in `options`; the options are `name`, `consecutiveFailures`, `failureRateThreshold`, `slowCallRateThreshold`, `slowCallDurationMs`, `window`, `minimumCalls`, `openDurationMs`, `permittedCallsInHalfOpen`, `timeoutMs`, `isFailure`, `isResultFailure`, `clock`, `random`',
      ),
    );
    expect(
      () =>
        new CircuitBreaker({
          consecutiveFailures: 3,
          window: { type: 'count', size: 10, durationMs: 5 } as never,
        }),
    ).toThrow(/Unknown option `durationMs` in `window`; the options are `type`, `size`/);
    expect(
      () =>
        new CircuitBreaker({
          consecutiveFailures: 3,
          openDurationMs: {
            type: 'exponential',
            initialDelayMs: 10,
            maxDelayMs: 20,
            factor: 2,
          } as never,
        }),
    ).toThrow(/Unknown option `factor` in `openDurationMs`/);
  });

  it('are refused by the policies', () => {
    expect(() =>
      retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 1 }, retries: 1 } as never),
    ).toThrow(/Unknown option `retries` in `options`/);
    expect(() =>
      retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 1, maxDelayMs: 5 } as never }),
    ).toThrow(/Unknown option `maxDelayMs` in `backoff`; the options are `type`, `delayMs`/);
    expect(() => bulkhead({ maxConcurrent: 1, queue: 5 } as never)).toThrow(
      /Unknown option `queue` in `options`/,
    );
    expect(() => fallback(1, { when: () => true } as never)).toThrow(
      /Unknown option `when` in `options`/,
    );
    expect(() => timeout({ timeoutMs: 5, ms: 5 } as never)).toThrow(/Unknown option `ms`/);
  });
});
