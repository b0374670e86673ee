import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('outcomes of calls admitted before disable()', () => {
  it('a call admitted while closed that fails after disable() counts as a failure', async () => {
    const breaker = new CircuitBreaker({ clock: createManualClock(1000) });
    const failures: unknown[] = [];
    breaker.onFailure((e) => failures.push(e.error));
    let fail!: (e: Error) => void;
    const call = breaker.execute(() => new Promise<never>((_, reject) => (fail = reject)));
    breaker.disable();
    fail(new Error('boom'));
    await call.catch(() => {});
    const stats = breaker.stats();
    // README: outcomes of calls admitted before a state change are counted in stats()
    expect({ failures: stats.failures, ignored: stats.ignored, events: failures.length }).toEqual({
      failures: 1,
      ignored: 0,
      events: 1,
    });
  });

  it('a call admitted while disabled that settles after reset() counts as ignored', async () => {
    const breaker = new CircuitBreaker({ clock: createManualClock(1000) });
    breaker.disable();
    let done!: (v: string) => void;
    const call = breaker.execute(() => new Promise<string>((resolve) => (done = resolve)));
    breaker.reset();
    done('ok');
    await call;
    const stats = breaker.stats();
    // README: calls let through while `disabled` count in `calls` and `ignored`
    expect({ successes: stats.successes, ignored: stats.ignored }).toEqual({
      successes: 0,
      ignored: 1,
    });
  });
});
