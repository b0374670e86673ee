import { createManualClock } from '@breakwater/testing';
import { describe, expect, it, vi } from 'vitest';
import { boom, caught, ok } from './breaker-test-support.fixture.js';
import { type BreakerState, CircuitBreaker, type StateChangeEvent } from './circuit-breaker.js';
import {
  BreakerOpenError,
  isBreakerOpenError,
  isOperationTimeoutError,
  OperationTimeoutError,
} from './errors.js';

describe('CircuitBreaker: closed', () => {
  it('runs the function and returns its value', async () => {
    const breaker = new CircuitBreaker();
    expect(await breaker.execute(() => 42)).toBe(42);
    expect(await breaker.execute(async ({ signal }) => signal.aborted)).toBe(false);
    expect(breaker.state).toBe('closed');
    expect(breaker.name).toBe('breaker');
  });

  it('opens after the default 5 consecutive failures, a success resets the count', async () => {
    const breaker = new CircuitBreaker({ name: 'db', clock: createManualClock(1000) });
    for (let i = 0; i < 4; i++) await caught(breaker.execute(boom));
    await breaker.execute(ok);
    for (let i = 0; i < 4; i++) await caught(breaker.execute(boom));
    expect(breaker.state).toBe('closed');
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
    const error = await caught(breaker.execute(ok));
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(isBreakerOpenError(error)).toBe(true);
    expect((error as BreakerOpenError).message).toBe(
      'Circuit breaker "db" rejected the call: open; retry in 10000 ms',
    );
  });

  it('opens on the failure rate of a count window once minimumCalls is reached', async () => {
    const breaker = new CircuitBreaker({
      failureRateThreshold: 0.5,
      window: { type: 'count', size: 4 },
      minimumCalls: 4,
    });
    await breaker.execute(ok);
    await caught(breaker.execute(boom));
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
    expect(breaker.stats().window).toMatchObject({ calls: 4, failures: 2, failureRate: 0.5 });
  });

  it('forgets calls that slid out of a count window', async () => {
    const breaker = new CircuitBreaker({
      failureRateThreshold: 0.75,
      window: { type: 'count', size: 4 },
      minimumCalls: 4,
    });
    for (const fn of [boom, boom, ok, ok, ok, boom, boom]) await caught(breaker.execute(fn));
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().window).toMatchObject({ calls: 4, failures: 2 });
  });

  it('opens on the failure rate of a time window, forgetting old buckets', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({
      failureRateThreshold: 0.5,
      window: { type: 'time', durationMs: 1000, buckets: 10 },
      minimumCalls: 3,
      clock,
    });
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    clock.advance(1000);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().window).toMatchObject({ calls: 3, failures: 1 });
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
  });

  it('opens on the slow-call rate and reports slow calls', async () => {
    const clock = createManualClock(1000);
    const slowEvents: number[] = [];
    const breaker = new CircuitBreaker({
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 100,
      minimumCalls: 2,
      clock,
    });
    breaker.onSlow((e) => slowEvents.push(e.durationMs));
    const slow = async () => {
      clock.advance(150);
      return 'slow';
    };
    expect(await breaker.execute(slow)).toBe('slow');
    expect(breaker.state).toBe('closed');
    await breaker.execute(ok);
    expect(breaker.state).toBe('open');
    expect(slowEvents).toEqual([150]);
    expect(breaker.stats().slowCalls).toBe(1);
  });

  it('counts a result as a failure with isResultFailure', async () => {
    const breaker = new CircuitBreaker({
      consecutiveFailures: 2,
      isResultFailure: (r) => (r as { status: number }).status >= 500,
    });
    expect(await breaker.execute(() => ({ status: 503 }))).toEqual({ status: 503 });
    await breaker.execute(() => ({ status: 503 }));
    expect(breaker.state).toBe('open');
  });

  it('ignores errors isFailure rejects and the caller aborting', async () => {
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      isFailure: (e) => !(e instanceof RangeError),
    });
    await caught(
      breaker.execute(() => {
        throw new RangeError('bad input, not an outage');
      }),
    );
    const controller = new AbortController();
    const pending = breaker.execute(() => new Promise(() => {}), { signal: controller.signal });
    controller.abort(new Error('user left'));
    expect(((await caught(pending)) as Error).message).toBe('user left');
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ ignored: 2, failures: 0 });
  });

  it('rejects at once for an already aborted caller signal without running fn', async () => {
    const breaker = new CircuitBreaker();
    const fn = vi.fn(ok);
    expect(await caught(breaker.execute(fn, { signal: AbortSignal.abort('gone') }))).toBe('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('counts a synchronous throw as a failure', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    const error = await caught(
      breaker.execute(() => {
        throw new Error('sync');
      }),
    );
    expect((error as Error).message).toBe('sync');
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker: open and half-open', () => {
  it('stays open for openDurationMs without any timer, then lets one probe through', async () => {
    vi.useFakeTimers();
    try {
      const clock = createManualClock(1000);
      const breaker = new CircuitBreaker({ consecutiveFailures: 1, openDurationMs: 1000, clock });
      await caught(breaker.execute(boom));
      expect(vi.getTimerCount()).toBe(0);
      clock.advance(400);
      const rejected = (await caught(breaker.execute(ok))) as BreakerOpenError;
      expect(rejected.retryAfterMs).toBe(600);
      expect(rejected.state).toBe('open');
      clock.advance(600);
      expect(breaker.state).toBe('half-open');
      expect(await breaker.execute(ok)).toBe('ok');
      expect(breaker.state).toBe('closed');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failed probe opens again for longer, with capped exponential backoff', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      openDurationMs: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 300, multiplier: 2 },
      clock,
    });
    const durations: number[] = [];
    const openFor = async () => {
      const error = (await caught(breaker.execute(ok))) as BreakerOpenError;
      durations.push(error.retryAfterMs);
    };
    await caught(breaker.execute(boom));
    await openFor();
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await caught(breaker.execute(boom));
      await openFor();
    }
    expect(durations).toEqual([100, 200, 300, 300]);
    expect(breaker.stats().openings).toBe(4);
    clock.advance(1000);
    await breaker.execute(ok);
    expect(breaker.stats().openings).toBe(0);
  });

  // 1000 × (1 − 0.5 × (1 − draw)): jitter only ever shortens the wait, as in every backoff.
  it.each([
    [0, 500],
    [0.5, 750],
    [0.998, 999],
  ])(
    'spreads the open duration with jitter from the injected random (%d → %d ms)',
    async (draw, ms) => {
      const clock = createManualClock(1000);
      const breaker = new CircuitBreaker({
        consecutiveFailures: 1,
        openDurationMs: {
          type: 'exponential',
          initialDelayMs: 1000,
          maxDelayMs: 1000,
          jitter: 0.5,
        },
        random: () => draw,
        clock,
      });
      await caught(breaker.execute(boom));
      expect(((await caught(breaker.execute(ok))) as BreakerOpenError).retryAfterMs).toBe(ms);
    },
  );

  it.each([
    [
      'a constant backoff object, as a plain number',
      { type: 'constant', delayMs: 250 },
      [250, 250, 250],
    ],
    // 100 + 0.5 × (3 × previous − 100), the first "previous" being 100.
    [
      'decorrelated jitter, each drawn from the previous one',
      { type: 'decorrelated-jitter', initialDelayMs: 100, maxDelayMs: 10_000 },
      [200, 350, 575],
    ],
  ] as const)('opens for %s', async (_, openDurationMs, expected) => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      openDurationMs,
      random: () => 0.5,
      clock,
    });
    const durations: number[] = [];
    for (let i = 0; i < expected.length; i++) {
      await caught(breaker.execute(boom));
      durations.push(((await caught(breaker.execute(ok))) as BreakerOpenError).retryAfterMs);
      clock.advance(10_000);
    }
    expect(durations).toEqual(expected);
  });

  it('needs every permitted probe to succeed and rejects extra calls while they run', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      openDurationMs: 10,
      permittedCallsInHalfOpen: 2,
      clock,
    });
    await caught(breaker.execute(boom));
    clock.advance(10);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const probes = [breaker.execute(() => gate), breaker.execute(() => gate)];
    const extra = (await caught(breaker.execute(ok))) as BreakerOpenError;
    expect(extra.state).toBe('half-open');
    expect(extra.retryAfterMs).toBe(0);
    release();
    await Promise.all(probes);
    expect(breaker.state).toBe('closed');
  });

  it('an ignored probe outcome frees its place for another probe', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({ consecutiveFailures: 1, openDurationMs: 10, clock });
    await caught(breaker.execute(boom));
    clock.advance(10);
    const controller = new AbortController();
    const probe = breaker.execute(() => new Promise(() => {}), { signal: controller.signal });
    controller.abort('caller left');
    await caught(probe);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
  });

  it('outcomes of calls admitted before the breaker opened do not count afterwards', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({ consecutiveFailures: 1, openDurationMs: 10, clock });
    let failLate: (e: unknown) => void = () => {};
    const late = breaker.execute(
      () =>
        new Promise((_, reject) => {
          failLate = reject;
        }),
    );
    await caught(breaker.execute(boom));
    clock.advance(10);
    expect(breaker.state).toBe('half-open');
    failLate(new Error('late'));
    await caught(late);
    expect(breaker.state).toBe('half-open');
    expect(breaker.stats().failures).toBe(2);
  });

  it('lets exactly permittedCallsInHalfOpen of 1000 concurrent calls reach the function', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      openDurationMs: 10,
      permittedCallsInHalfOpen: 3,
      clock,
    });
    await caught(breaker.execute(boom));
    clock.advance(10);
    const fn = vi.fn(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return 'probe';
    });
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, () => breaker.execute(fn)),
    );
    expect(fn).toHaveBeenCalledTimes(3);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(997);
    expect(rejected.every((r) => isBreakerOpenError((r as PromiseRejectedResult).reason))).toBe(
      true,
    );
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker: timeouts', () => {
  it('a timeout aborts only its own call; other in-flight calls complete', async () => {
    vi.useFakeTimers();
    try {
      const breaker = new CircuitBreaker({ consecutiveFailures: 10 });
      const signals: AbortSignal[] = [];
      const work = (ms: number) =>
        breaker.execute(
          ({ signal }) => {
            signals.push(signal);
            return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
          },
          { timeoutMs: 100 },
        );
      const fast = work(50);
      const slow = caught(work(500));
      const other = breaker.execute(
        () => new Promise((resolve) => setTimeout(() => resolve('other'), 300)),
      );
      await vi.advanceTimersByTimeAsync(100);
      const error = await slow;
      expect(error).toBeInstanceOf(OperationTimeoutError);
      expect(isOperationTimeoutError(error)).toBe(true);
      expect((error as OperationTimeoutError).message).toBe('The call timed out after 100 ms');
      expect(signals[1]!.aborted).toBe(true);
      expect(signals[1]!.reason).toBe(error);
      expect(signals[0]!.aborted).toBe(false);
      expect(await fast).toBe(50);
      await vi.advanceTimersByTimeAsync(200);
      expect(await other).toBe('other');
      expect(breaker.stats()).toMatchObject({ timeouts: 1, failures: 1, successes: 2 });
      await vi.advanceTimersByTimeAsync(200); // the timed-out function's own timer
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses the breaker-wide timeoutMs and reports onTimeout', async () => {
    vi.useFakeTimers();
    try {
      const breaker = new CircuitBreaker({ timeoutMs: 20, consecutiveFailures: 1 });
      const seen: number[] = [];
      breaker.onTimeout((e) => seen.push(e.timeoutMs));
      const pending = caught(breaker.execute(() => new Promise(() => {})));
      await vi.advanceTimersByTimeAsync(20);
      expect(await pending).toBeInstanceOf(OperationTimeoutError);
      expect(seen).toEqual([20]);
      expect(breaker.state).toBe('open');
    } finally {
      vi.useRealTimers();
    }
  });

  it('with a timeout, the caller aborting rejects with its reason and counts nothing', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    const controller = new AbortController();
    let inner: AbortSignal | undefined;
    const pending = breaker.execute(
      ({ signal }) => {
        inner = signal;
        return new Promise(() => {});
      },
      { signal: controller.signal, timeoutMs: 10_000 },
    );
    controller.abort('stop');
    expect(await caught(pending)).toBe('stop');
    expect(inner!.aborted).toBe(true);
    expect(breaker.state).toBe('closed');
  });

  it('with a timeout, failures and results are classified as usual', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 2, timeoutMs: 1000 });
    expect(await breaker.execute(() => 'fine')).toBe('fine');
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker: manual states, events, stats and snapshots', () => {
  it('forced-open refuses, disabled passes without recording, metrics-only records but never opens', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    const changes: StateChangeEvent[] = [];
    breaker.onStateChange((e) => changes.push(e));
    breaker.forceOpen();
    breaker.forceOpen();
    const refused = (await caught(breaker.execute(ok))) as BreakerOpenError;
    expect(refused.state).toBe('forced-open');
    expect(refused.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
    breaker.disable();
    breaker.disable();
    await caught(breaker.execute(boom));
    expect(breaker.stats().window.calls).toBe(0);
    breaker.metricsOnly();
    breaker.metricsOnly();
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('metrics-only');
    expect(breaker.stats().window.failures).toBe(2);
    breaker.reset();
    breaker.reset();
    expect(breaker.stats().window.calls).toBe(0);
    await caught(breaker.execute(boom));
    expect(changes.map((c) => `${c.from}>${c.to}${c.reason ? `:${c.reason}` : ''}`)).toEqual([
      'closed>forced-open',
      'forced-open>disabled',
      'disabled>metrics-only',
      'metrics-only>closed',
      'closed>open:consecutive-failures',
    ]);
  });

  it('emits success, failure and reject events with durations from the clock', async () => {
    const clock = createManualClock(1000);
    const breaker = new CircuitBreaker({ consecutiveFailures: 1, clock });
    const log: string[] = [];
    breaker.onSuccess((e) => log.push(`success ${e.durationMs}`));
    breaker.onFailure((e) => log.push(`failure ${(e.error as Error).message} ${e.durationMs}`));
    breaker.onReject((e) => log.push(`reject ${e.state} ${e.retryAfterMs}`));
    await breaker.execute(async () => {
      clock.advance(5);
    });
    await caught(
      breaker.execute(async () => {
        clock.advance(7);
        throw new Error('x');
      }),
    );
    await caught(breaker.execute(ok));
    expect(log).toEqual(['success 5', 'failure x 7', 'reject open 10000']);
  });

  it('stats add up', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 2 });
    await breaker.execute(ok);
    await caught(breaker.execute(boom));
    await caught(breaker.execute(boom));
    await caught(breaker.execute(ok));
    expect(breaker.stats()).toEqual({
      state: 'open',
      calls: 3,
      successes: 1,
      failures: 2,
      slowCalls: 0,
      rejected: 1,
      timeouts: 0,
      ignored: 0,
      consecutiveFailures: 2,
      openings: 1,
      window: { calls: 3, failures: 2, slowCalls: 0, failureRate: 2 / 3, slowCallRate: 0 },
    });
  });

  it('round-trips through toJSON and restore, open time included', async () => {
    const clock = createManualClock(1000);
    const options = {
      failureRateThreshold: 0.5,
      window: { type: 'count', size: 10 },
      minimumCalls: 4,
      openDurationMs: 1000,
      clock,
    } as const;
    const a = new CircuitBreaker(options);
    for (const fn of [ok, boom, ok, boom]) await caught(a.execute(fn));
    clock.advance(300);
    const snapshot = JSON.parse(JSON.stringify(a));
    expect(snapshot).toMatchObject({
      version: 1,
      state: 'open',
      openRemainingMs: 700,
      openings: 1,
    });
    const b = new CircuitBreaker(options);
    b.restore(snapshot);
    expect(b.state).toBe('open');
    expect(((await caught(b.execute(ok))) as BreakerOpenError).retryAfterMs).toBe(700);
    expect(b.stats().window).toMatchObject({ calls: 4, failures: 2 });
    const closed = new CircuitBreaker(options);
    closed.restore({ ...snapshot, state: 'closed' as BreakerState, openRemainingMs: 0 });
    expect(closed.stats().window.calls).toBe(4);
  });

  it('restores the last open duration, so a decorrelated-jitter backoff goes on growing', async () => {
    const clock = createManualClock(0);
    const make = () =>
      new CircuitBreaker({
        clock,
        random: () => 0.999,
        minimumCalls: 1,
        window: { type: 'count', size: 1 },
        failureRateThreshold: 0.5,
        openDurationMs: { type: 'decorrelated-jitter', initialDelayMs: 100, maxDelayMs: 1e6 },
      });
    const original = make();
    await caught(original.execute(boom));
    clock.advance(original.toJSON().openRemainingMs);
    await caught(original.execute(boom)); // the probe fails: a longer opening
    clock.advance(original.toJSON().openRemainingMs);
    const snapshot = JSON.parse(JSON.stringify(original));
    expect(snapshot).toMatchObject({ state: 'half-open', openRemainingMs: 0, openings: 2 });
    expect(snapshot.lastOpenMs).toBeGreaterThan(100);
    const restored = make();
    restored.restore(snapshot);
    await caught(original.execute(boom));
    await caught(restored.execute(boom));
    const next = original.toJSON().openRemainingMs;
    expect(next).toBeGreaterThan(snapshot.lastOpenMs);
    expect(restored.toJSON().openRemainingMs).toBe(next);
    // Without `lastOpenMs` (an older snapshot) what is left of the opening stands in.
    const older = make();
    const { lastOpenMs: _, ...withoutLast } = snapshot;
    older.restore({ ...withoutLast, state: 'open', openRemainingMs: 250 });
    clock.advance(250);
    await caught(older.execute(boom));
    expect(older.toJSON().lastOpenMs).toBeLessThan(next);
  });

  it('round-trips a time window', async () => {
    const clock = createManualClock(0);
    const options = {
      failureRateThreshold: 1,
      window: { type: 'time', durationMs: 1000, buckets: 4 },
      minimumCalls: 100,
      clock,
    } as const;
    const a = new CircuitBreaker(options);
    await caught(a.execute(boom));
    clock.advance(500);
    await a.execute(ok);
    const b = new CircuitBreaker(options);
    b.restore(a.toJSON());
    expect(b.stats().window).toMatchObject({ calls: 2, failures: 1 });
    clock.advance(600);
    expect(b.stats().window).toMatchObject({ calls: 1, failures: 0 });
  });

  it('rejects malformed snapshots with a clear TypeError', () => {
    const breaker = new CircuitBreaker();
    const good = breaker.toJSON();
    expect(() => breaker.restore(null as never)).toThrow(
      'Expected a breaker snapshot from toJSON(): got no object',
    );
    expect(() => breaker.restore({ ...good, version: 2 } as never)).toThrow('`version` must be 1');
    for (const lastOpenMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      expect(() => breaker.restore({ ...good, lastOpenMs } as never)).toThrow(
        '`lastOpenMs` must be a finite number >= 0 when given',
      );
    }
    expect(() => breaker.restore({ ...good, lastOpenMs: undefined })).not.toThrow();
    expect(() => breaker.restore({ ...good, state: 'ajar' } as never)).toThrow('`state`');
    expect(() => breaker.restore({ ...good, openings: -1 })).toThrow('`openings`');
    expect(() =>
      breaker.restore({ ...good, window: { type: 'time', durationMs: 1, buckets: [] } }),
    ).toThrow('`window.type` must be "count"');
    expect(() => breaker.restore({ ...good, window: { type: 'count', size: 1 } } as never)).toThrow(
      'no outcome list',
    );
  });
});

describe('CircuitBreaker: a throwing listener', () => {
  it('disturbs neither the breaker, its caller nor the other listeners; its error is rethrown on a fresh stack', async () => {
    const rethrown: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      rethrown.push(task);
    });
    try {
      const breaker = new CircuitBreaker({ consecutiveFailures: 1, clock: createManualClock(0) });
      const seen: string[] = [];
      breaker.onStateChange(() => {
        throw new Error('listener broke');
      });
      breaker.onStateChange((event) => seen.push(event.to));
      breaker.onFailure(() => {
        throw new Error('listener broke again');
      });
      const error = await caught(breaker.execute(boom));
      expect((error as Error).message).toBe('boom');
      expect(seen).toEqual(['open']);
      expect(breaker.state).toBe('open');
      expect(rethrown).toHaveLength(2);
      expect(() => rethrown[0]!()).toThrow('listener broke again');
      expect(() => rethrown[1]!()).toThrow('listener broke');
    } finally {
      spy.mockRestore();
    }
  });
});
