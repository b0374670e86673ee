import { describe, expect, it } from 'vitest';
import { type BreakerRejectEvent, CircuitBreaker, type SuccessEvent } from './circuit-breaker.js';
import { BreakerOpenError } from './errors.js';

function breakerAt(start: number) {
  let now = start;
  const clock = { now: () => now };
  const breaker = new CircuitBreaker({ consecutiveFailures: 1, openDurationMs: 1_000, clock });
  return {
    breaker,
    set: (ms: number) => {
      now = ms;
    },
  };
}

async function rejection(breaker: CircuitBreaker): Promise<BreakerOpenError> {
  try {
    await breaker.execute(() => 1);
  } catch (error) {
    if (error instanceof BreakerOpenError) return error;
  }
  throw new Error('expected a BreakerOpenError');
}

describe('durations the breaker reports', () => {
  it('are whole milliseconds: float noise around an exact figure is not bumped up', async () => {
    for (const start of [25.17000000000001, 24.060000000000006]) {
      const { breaker } = breakerAt(start);
      const rejects: BreakerRejectEvent[] = [];
      breaker.onReject((event) => rejects.push(event));
      await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
      expect((await rejection(breaker)).retryAfterMs).toBe(1_000);
      expect(rejects).toEqual([{ state: 'open', retryAfterMs: 1_000 }]);
      expect(breaker.toJSON().openRemainingMs).toBe(1_000);
    }
  });

  it('round a real fraction up, never down', async () => {
    const { breaker, set } = breakerAt(0);
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    set(1_000 / 3);
    const error = await rejection(breaker);
    expect(error.retryAfterMs).toBe(667);
    expect(error.message).toContain('retry in 667 ms');
    expect(breaker.toJSON().openRemainingMs).toBe(667);
  });

  it('report call durations in whole milliseconds, rounded up', async () => {
    let now = 0.1;
    const breaker = new CircuitBreaker({ clock: { now: () => now } });
    const events: SuccessEvent[] = [];
    breaker.onSuccess((event) => events.push(event));
    await breaker.execute(() => {
      now = 0.1 + 0.2;
      return 1;
    });
    await breaker.execute(() => {
      now += 5;
      return 1;
    });
    expect(events).toEqual([{ durationMs: 1 }, { durationMs: 5 }]);
  });

  it('grow an open duration by a multiplier to whole milliseconds', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      openDurationMs: {
        type: 'exponential',
        initialDelayMs: 100,
        maxDelayMs: 1_000,
        multiplier: 1.1,
      },
      clock: { now: () => now },
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    now = 100;
    await breaker.execute(() => Promise.reject(new Error('probe down'))).catch(() => {});
    // 100 × 1.1 is 110.00000000000001 in floating point.
    expect((await rejection(breaker)).retryAfterMs).toBe(110);
  });
});
