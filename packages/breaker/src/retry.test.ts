import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakerOpenError } from './errors.js';
import { caught, hanging, track } from './policies-test-support.fixture.js';
import { type RetryEvent, type RetryGiveUpEvent, retry } from './retry.js';

/** An operation failing with `Error('fail N')` on its first `failures` calls, then 'ok'. */
function failing(failures: number) {
  let calls = 0;
  const fn = vi.fn(async () => {
    calls++;
    if (calls <= failures) throw new Error(`fail ${calls}`);
    return 'ok';
  });
  return fn;
}

/** Retry delays the policy announces, for an operation that always fails. */
async function announcedDelays(policy: ReturnType<typeof retry>): Promise<number[]> {
  const delays: number[] = [];
  policy.onRetry(({ delayMs }) => delays.push(delayMs));
  const done = caught(policy.execute(failing(Number.POSITIVE_INFINITY)));
  await vi.runAllTimersAsync();
  await done;
  return delays;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retry', () => {
  it('returns the first success without retrying', async () => {
    const fn = failing(0);
    await expect(
      retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 10 } }).execute(fn),
    ).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('retries a failing call after the backoff until it succeeds', async () => {
    const policy = retry({ maxAttempts: 5, backoff: { type: 'constant', delayMs: 100 } });
    const events: RetryEvent[] = [];
    policy.onRetry((event) => events.push(event));
    const fn = failing(2);
    const result = track(policy.execute(fn));

    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(result).toMatchObject({ status: 'fulfilled', value: 'ok' });
    expect(events).toEqual([
      { attempt: 1, delayMs: 100, error: new Error('fail 1') },
      { attempt: 2, delayMs: 100, error: new Error('fail 2') },
    ]);
  });

  it('rejects with the error of the last attempt once every attempt has failed', async () => {
    const fn = failing(10);
    const result = caught(
      retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 0 } }).execute(fn),
    );
    expect(await result).toEqual(new Error('fail 3'));
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('retries an operation that throws synchronously', async () => {
    let calls = 0;
    const policy = retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 0 } });
    const value = await policy.execute(() => {
      calls++;
      if (calls === 1) throw new Error('sync');
      return 7;
    });
    expect(value).toBe(7);
  });

  it('never retries with maxAttempts 1 and does not ask shouldRetry', async () => {
    const shouldRetry = vi.fn(() => true);
    const fn = failing(1);
    const policy = retry({
      maxAttempts: 1,
      backoff: { type: 'constant', delayMs: 0 },
      shouldRetry,
    });
    expect(await caught(policy.execute(fn))).toEqual(new Error('fail 1'));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(shouldRetry).not.toHaveBeenCalled();
    expect(policy.maxAttempts).toBe(1);
  });

  it('stops when shouldRetry declines, passing it the error and the attempt number', async () => {
    const shouldRetry = vi.fn((_error: unknown, attempt: number) => attempt < 2);
    const fn = failing(10);
    const policy = retry({
      maxAttempts: 5,
      backoff: { type: 'constant', delayMs: 0 },
      shouldRetry,
    });
    expect(await caught(policy.execute(fn))).toEqual(new Error('fail 2'));
    expect(shouldRetry.mock.calls).toEqual([
      [new Error('fail 1'), 1],
      [new Error('fail 2'), 2],
    ]);
  });

  it('does not retry a BreakerOpenError by default', async () => {
    const refusal = new BreakerOpenError('db', 'open', 5000);
    const fn = vi.fn(async () => {
      throw refusal;
    });
    const policy = retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 0 } });
    expect(await caught(policy.execute(fn))).toBe(refusal);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects with the error shouldRetry throws', async () => {
    const policy = retry({
      maxAttempts: 3,
      backoff: { type: 'constant', delayMs: 0 },
      shouldRetry: () => {
        throw new Error('predicate broke');
      },
    });
    expect(await caught(policy.execute(failing(1)))).toEqual(new Error('predicate broke'));
  });

  it('gives each attempt a fresh signal and detaches it from the caller once it settles', async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    let calls = 0;
    const policy = retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 0 } });
    await policy.execute(
      ({ signal }) => {
        signals.push(signal);
        calls++;
        if (calls < 3) throw new Error('again');
        return 'done';
      },
      { signal: controller.signal },
    );
    expect(new Set(signals).size).toBe(3);
    expect(signals).not.toContain(controller.signal);
    controller.abort(new Error('late'));
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false, false]);
  });

  it('does not call the operation when the caller signal is already aborted', async () => {
    const fn = vi.fn(async () => 'ok');
    const reason = new Error('gone');
    const policy = retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 0 } });
    expect(await caught(policy.execute(fn, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('stops at once when the caller aborts during an attempt, aborting the attempt signal', async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const shouldRetry = vi.fn(() => true);
    const policy = retry({
      maxAttempts: 5,
      backoff: { type: 'constant', delayMs: 0 },
      shouldRetry,
    });
    const result = track(policy.execute(hanging(signals), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(0);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toMatchObject({ status: 'rejected', error: reason });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.reason).toBe(reason);
    await vi.runAllTimersAsync();
    expect(signals).toHaveLength(1);
    expect(shouldRetry).not.toHaveBeenCalled();
  });

  it('stops at once when the caller aborts during a backoff wait, clearing its timer', async () => {
    const controller = new AbortController();
    const fn = failing(10);
    const policy = retry({ maxAttempts: 5, backoff: { type: 'constant', delayMs: 1000 } });
    const result = track(policy.execute(fn, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(500);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toMatchObject({ status: 'rejected', error: reason });
    expect(vi.getTimerCount()).toBe(0);
    await vi.runAllTimersAsync();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops when an attempt fails after the caller aborted, without asking shouldRetry', async () => {
    const controller = new AbortController();
    const shouldRetry = vi.fn(() => true);
    const policy = retry({
      maxAttempts: 5,
      backoff: { type: 'constant', delayMs: 0 },
      shouldRetry,
    });
    const reason = new Error('stop');
    const result = caught(
      policy.execute(
        () => {
          controller.abort(reason);
          throw new Error('failed while aborting');
        },
        { signal: controller.signal },
      ),
    );
    expect(await result).toBe(reason);
    expect(shouldRetry).not.toHaveBeenCalled();
  });

  it('announces giving up after the last attempt, with the attempts made and the last error', async () => {
    const policy = retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 100 } });
    const events: RetryGiveUpEvent[] = [];
    policy.onGiveUp((event) => events.push(event));
    const result = track(policy.execute(failing(10)));
    await vi.advanceTimersByTimeAsync(199);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ status: 'rejected', error: new Error('fail 3') });
    expect(events).toEqual([{ attempts: 3, error: result.error, reason: 'exhausted' }]);
  });

  it('announces giving up when shouldRetry declines', async () => {
    const policy = retry({
      maxAttempts: 5,
      backoff: { type: 'constant', delayMs: 100 },
      shouldRetry: (_error, attempt) => attempt < 2,
    });
    const listener = vi.fn();
    policy.onGiveUp(listener);
    const result = track(policy.execute(failing(10)));
    await vi.advanceTimersByTimeAsync(100);
    expect(result).toMatchObject({ status: 'rejected', error: new Error('fail 2') });
    expect(listener).toHaveBeenCalledExactlyOnceWith({
      attempts: 2,
      error: result.error,
      reason: 'declined',
    });
  });

  it('does not announce giving up on success, on the caller abort, or to a listener that left', async () => {
    const policy = retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 100 } });
    const listener = vi.fn();
    const off = policy.onGiveUp(listener);
    const succeeded = track(policy.execute(failing(1)));
    const controller = new AbortController();
    const aborted = track(policy.execute(failing(10), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(50);
    controller.abort(new Error('caller gave up'));
    await vi.advanceTimersByTimeAsync(100);
    expect(succeeded.status).toBe('fulfilled');
    expect(aborted.status).toBe('rejected');
    off();
    const done = caught(policy.execute(failing(10)));
    await vi.runAllTimersAsync();
    await done;
    expect(listener).not.toHaveBeenCalled();
  });

  it('stops announcing retries to a listener that unsubscribed', async () => {
    const policy = retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 0 } });
    const listener = vi.fn();
    const off = policy.onRetry(listener);
    off();
    await caught(policy.execute(failing(10)));
    expect(listener).not.toHaveBeenCalled();
  });

  it('rejects a call whose arguments are invalid', async () => {
    const policy = retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 0 } });
    await expect(policy.execute('nope' as never)).rejects.toThrow(TypeError);
    await expect(policy.execute(async () => 1, { signal: 'x' as never })).rejects.toThrow(
      'Expected `signal` to be an AbortSignal',
    );
  });
});

describe('retry backoff', () => {
  it('waits the same delay before every retry with a constant backoff', async () => {
    const policy = retry({ maxAttempts: 4, backoff: { type: 'constant', delayMs: 250 } });
    expect(await announcedDelays(policy)).toEqual([250, 250, 250]);
  });

  it('multiplies the delay and caps it with an exponential backoff', async () => {
    const policy = retry({
      maxAttempts: 7,
      backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3 },
    });
    expect(await announcedDelays(policy)).toEqual([100, 300, 900, 1000, 1000, 1000]);
  });

  it('takes up to the jitter share off each exponential delay', async () => {
    const draws = [0, 0.5, 0.999];
    const policy = retry({
      maxAttempts: 4,
      backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 },
      random: () => draws.shift() ?? 0,
    });
    const delays = await announcedDelays(policy);
    expect(delays[0]).toBe(50);
    expect(delays[1]).toBe(150);
    expect(delays[2]).toBeCloseTo(399.8, 5);
  });

  it('doubles the delay by default with an exponential backoff', async () => {
    const policy = retry({
      maxAttempts: 5,
      backoff: { type: 'exponential', initialDelayMs: 50, maxDelayMs: 10_000 },
    });
    expect(await announcedDelays(policy)).toEqual([50, 100, 200, 400]);
  });

  it('waits exactly the announced exponential delays between attempts', async () => {
    const starts: number[] = [];
    const policy = retry({
      maxAttempts: 4,
      backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 1000 },
    });
    const done = caught(
      policy.execute(() => {
        starts.push(Date.now());
        throw new Error('no');
      }),
    );
    await vi.runAllTimersAsync();
    await done;
    const gaps = starts.slice(1).map((start, i) => start - starts[i]!);
    expect(gaps).toEqual([100, 200, 400]);
  });

  it('draws decorrelated-jitter delays between the initial delay and three times the previous one', async () => {
    const draws = [0.5, 0.5, 0.9, 0.5, 0];
    const random = vi.fn(() => draws.shift() ?? 0);
    const policy = retry({
      maxAttempts: 6,
      backoff: { type: 'decorrelated-jitter', initialDelayMs: 100, maxDelayMs: 1000 },
      random,
    });
    // previous 100 → [100, 300] → 200; [100, 600] → 350; [100, 1050] → 955;
    // [100, 2865] → 1482.5 capped at 1000; [100, 3000] → 100.
    expect(await announcedDelays(policy)).toEqual([200, 350, 955, 1000, 100]);
    expect(random).toHaveBeenCalledTimes(5);
  });

  it('keeps every decorrelated-jitter delay within its bounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (initialDelayMs, extra, draws) => {
          const maxDelayMs = initialDelayMs + extra;
          const queue = [...draws];
          const policy = retry({
            maxAttempts: draws.length + 1,
            backoff: { type: 'decorrelated-jitter', initialDelayMs, maxDelayMs },
            random: () => queue.shift() ?? 0,
          });
          const delays = await announcedDelays(policy);
          let previous = initialDelayMs;
          for (const delay of delays) {
            expect(delay).toBeGreaterThanOrEqual(initialDelayMs);
            expect(delay).toBeLessThanOrEqual(Math.min(maxDelayMs, previous * 3));
            previous = delay;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects the call when the injected random returns a number outside [0, 1)', async () => {
    const policy = retry({
      maxAttempts: 3,
      backoff: { type: 'decorrelated-jitter', initialDelayMs: 10, maxDelayMs: 100 },
      random: () => 1,
    });
    const error = await caught(policy.execute(failing(10)));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(
      'Expected `random()` to be a number >= 0 and < 1, got `1` (number)',
    );
  });
});
