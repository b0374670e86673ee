import { describe, expect, it } from 'vitest';
import { boom, caught, ok } from './breaker-test-support.fixture.js';
import { CircuitBreaker, type SuccessEvent } from './circuit-breaker.js';

/** A promise settled by hand, to hold a call in flight. */
function later<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

describe('untimed successes without a rate rule', () => {
  it('count, reset the failures in a row and fill the window', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 3 });
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    expect(breaker.stats()).toMatchObject({ consecutiveFailures: 2 });
    expect(await breaker.execute(ok)).toBe('ok');
    expect(breaker.stats()).toMatchObject({
      calls: 3,
      successes: 1,
      failures: 2,
      consecutiveFailures: 0,
      window: { calls: 3, failures: 2 },
    });
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('closed');
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
  });

  it('report a success to a listener added while the call ran', async () => {
    const breaker = new CircuitBreaker();
    const call = later<number>();
    const pending = breaker.execute(() => call.promise);
    const events: SuccessEvent[] = [];
    breaker.onSuccess((event) => events.push(event));
    call.resolve(1);
    expect(await pending).toBe(1);
    expect(events).toEqual([{ durationMs: 0 }]);
  });

  it('leave the failures in a row alone when admitted under an earlier state', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 2 });
    const call = later<string>();
    const pending = breaker.execute(() => call.promise);
    breaker.metricsOnly();
    breaker.reset();
    await caught(breaker.execute(boom));
    call.resolve('late');
    expect(await pending).toBe('late');
    expect(breaker.stats()).toMatchObject({
      successes: 1,
      consecutiveFailures: 1,
      window: { calls: 1, failures: 1 },
    });
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
  });

  it('are recorded in metrics-only, which never opens', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    breaker.metricsOnly();
    await breaker.execute(ok);
    await caught(breaker.execute(boom));
    await breaker.execute(ok);
    expect(breaker.stats()).toMatchObject({
      state: 'metrics-only',
      successes: 2,
      failures: 1,
      consecutiveFailures: 0,
      window: { calls: 3, failures: 1 },
    });
  });
});

describe('untimed successes with a rate rule', () => {
  it('can trip the breaker: the success that reaches minimumCalls opens it', async () => {
    const breaker = new CircuitBreaker({
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      window: { type: 'count', size: 10 },
    });
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    await breaker.execute(ok); // 2 of 4 failed: 50%
    expect(breaker.stats()).toMatchObject({ state: 'open', successes: 2, failures: 2 });
  });

  it('can trip on the slow-call rate only when timed (no lean success then)', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 10,
      minimumCalls: 2,
      clock: { now: () => now },
    });
    await breaker.execute(ok);
    const call = later<string>();
    const pending = breaker.execute(() => call.promise);
    now = 20;
    call.resolve('slow');
    await pending;
    expect(breaker.stats()).toMatchObject({ state: 'open', slowCalls: 1, successes: 2 });
  });
});
