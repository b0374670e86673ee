import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { boom, caught, ok } from './breaker-test-support.fixture.js';
import { CircuitBreaker } from './circuit-breaker.js';

describe('failure rate "reaching" the threshold', () => {
  it('opens when failures / calls equals failureRateThreshold (0.55, 55 of 100)', async () => {
    const breaker = new CircuitBreaker({
      failureRateThreshold: 0.55,
      minimumCalls: 100,
      window: { type: 'count', size: 100 },
      clock: createManualClock(1000),
    });
    for (let i = 0; i < 45; i++) await breaker.execute(ok);
    for (let i = 0; i < 55; i++) await caught(breaker.execute(boom));
    const stats = breaker.stats();
    expect(stats.window.calls).toBe(100);
    expect(stats.window.failureRate).toBe(0.55); // the reported rate equals the threshold...
    expect(breaker.state).toBe('open'); // ...but 55 >= 0.55 * 100 (= 55.00000000000001) is false
  });
});
