import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('a rate rule whose minimumCalls a count window can never hold', () => {
  it('is refused at construction, naming minimumCalls and window.size', () => {
    expect(
      () =>
        new CircuitBreaker({
          failureRateThreshold: 0.5,
          minimumCalls: 60,
          window: { type: 'count', size: 50 },
        }),
    ).toThrow(
      new RangeError(
        'Expected `minimumCalls` to be an integer <= `window.size` (50) when a rate rule is set, got `60` (number)',
      ),
    );
  });

  it('is refused for a slow-call rate rule and for the default minimumCalls of 10', () => {
    expect(
      () =>
        new CircuitBreaker({
          slowCallRateThreshold: 0.5,
          slowCallDurationMs: 100,
          window: { type: 'count', size: 5 },
        }),
    ).toThrow(/`minimumCalls` to be an integer <= `window.size` \(5\).*got `10`/);
  });

  it('is accepted without a rate rule, and at exactly the window size', async () => {
    expect(
      () => new CircuitBreaker({ consecutiveFailures: 3, window: { type: 'count', size: 5 } }),
    ).not.toThrow();
    const breaker = new CircuitBreaker({
      failureRateThreshold: 1,
      minimumCalls: 5,
      window: { type: 'count', size: 5 },
    });
    for (let i = 0; i < 5; i++)
      await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(breaker.state).toBe('open');
  });
});
