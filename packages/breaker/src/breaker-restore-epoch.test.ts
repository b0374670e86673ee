import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { boom, caught } from './breaker-test-support.fixture.js';
import { CircuitBreaker } from './circuit-breaker.js';

describe('restore() into the same state does not start a new epoch', () => {
  it('an old probe aborted after restore(half-open) frees a slot it no longer holds', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({ consecutiveFailures: 1, openDurationMs: 1000, clock });
    await caught(breaker.execute(boom));
    clock.advance(1000);
    expect(breaker.state).toBe('half-open');
    const snapshot = breaker.toJSON();

    const controller = new AbortController();
    const probeA = caught(
      breaker.execute(() => new Promise(() => {}), { signal: controller.signal }),
    );
    breaker.restore(snapshot); // "Half-open resumes with no probe taken"
    void breaker.execute(() => new Promise(() => {})); // probe B: the one permitted probe
    controller.abort(new Error('caller A gave up'));
    await probeA;

    // Only one probe is permitted and B is still running: C must be refused.
    const probeC = await caught(breaker.execute(async () => 'c'));
    expect(probeC).toBeInstanceOf(Error);
  });
});
