import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { boom, caught } from './breaker-test-support.fixture.js';
import { CircuitBreaker } from './circuit-breaker.js';

describe('execute() with a non-AbortSignal `signal`', () => {
  it('is refused before fn runs instead of being recorded as a failed probe', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({ consecutiveFailures: 1, openDurationMs: 1000, clock });
    await caught(breaker.execute(boom));
    clock.advance(1000);
    let sync: unknown;
    let calledFn = false;
    try {
      await caught(
        breaker.execute(
          async () => {
            calledFn = true;
            return 1;
          },
          { signal: { aborted: false } as unknown as AbortSignal },
        ),
      );
    } catch (error) {
      sync = error;
    }
    expect(sync).toBeUndefined();
    // Expected: a TypeError naming `signal` before fn runs (as every policy does via checkSignal).
    // Actual: fn runs, then the bad signal's TypeError is recorded as a failed probe.
    expect(breaker.state).toBe('half-open');
    expect(calledFn).toBe(false);
    // The probe slot must not be lost: a valid call can still probe and close the breaker.
    await breaker.execute(async () => 'ok');
    expect(breaker.state).toBe('closed');
  });
});
