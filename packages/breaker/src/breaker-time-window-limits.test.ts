import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { TimeWindow } from './outcome-window.js';

describe('time windows whose buckets are under 1 ms', () => {
  it('are refused at construction, naming the window, its buckets and the bucket width', () => {
    for (const window of [
      { type: 'time' as const, durationMs: 1e-300 },
      { type: 'time' as const, durationMs: 0.001 },
      { type: 'time' as const, durationMs: 9, buckets: 10 },
    ]) {
      expect(() => new CircuitBreaker({ failureRateThreshold: 0.5, window })).toThrow(
        new RangeError(
          `Expected \`window.durationMs\` to be a finite number >= \`window.buckets\` (${window.buckets ?? 10}) so that each bucket spans at least 1 ms, got \`${window.durationMs}\` (number)`,
        ),
      );
    }
  });

  it('accept a bucket of exactly 1 ms and a Date.now clock', async () => {
    // Epoch-scale readings, held still: a busy machine may take longer than the 10 ms window.
    const epoch = Date.now();
    const breaker = new CircuitBreaker({
      failureRateThreshold: 0.5,
      minimumCalls: 2,
      window: { type: 'time', durationMs: 10, buckets: 10 },
      clock: { now: () => epoch },
    });
    await breaker.execute(() => 1);
    expect(breaker.stats().window.calls).toBe(1);
  });
});

describe('TimeWindow with bucket numbers beyond 2^53', () => {
  it('moves ahead in a bounded number of steps and keeps its sums', () => {
    const window = new TimeWindow(10, 10);
    window.record(true, false, 2 ** 60);
    window.record(false, true, 2 ** 60 + 4096);
    expect(window.totals(2 ** 60 + 4096)).toEqual({ calls: 1, failures: 0, slowCalls: 1 });
    window.record(true, false, 2 ** 70);
    expect(window.totals(2 ** 70)).toEqual({ calls: 1, failures: 1, slowCalls: 0 });
    const snapshot = window.snapshot(2 ** 70);
    expect(snapshot.type === 'time' && snapshot.buckets.length).toBe(1);
  });
});
