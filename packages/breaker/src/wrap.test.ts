import { linkSignal, raceSignal, throwIfAborted } from '@breakwater/core';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { bulkhead } from './bulkhead.js';
import { BreakerOpenError, OperationTimeoutError } from './errors.js';
import { fallback } from './fallback.js';
import { caught, deferred, hanging, track } from './policies-test-support.fixture.js';
import type { ExecuteOptions, Operation, Policy } from './policy.js';
import { type RetryEvent, retry } from './retry.js';
import { timeout } from './timeout.js';
import { type AnyPolicy, WrappedPolicy, wrap } from './wrap.js';

/** A policy that logs when calls enter and leave it, and passes its own child signal inward. */
class Recorder implements Policy {
  readonly signals: AbortSignal[] = [];
  constructor(
    readonly name: string,
    readonly log: string[],
  ) {}

  async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const link = linkSignal(options?.signal);
    this.signals.push(link.signal);
    this.log.push(`enter ${this.name}`);
    try {
      return await fn({ signal: link.signal });
    } finally {
      this.log.push(`exit ${this.name}`);
      link.dispose();
    }
  }
}

/** Stands in for a CircuitBreaker: any class implementing `Policy` composes the same way. */
class StubBreaker implements Policy {
  open = false;
  calls = 0;
  async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    this.calls++;
    throwIfAborted(options?.signal);
    if (this.open) throw new BreakerOpenError('stub', 'open', 1000);
    const link = linkSignal(options?.signal);
    try {
      return await raceSignal(Promise.resolve(fn({ signal: link.signal })), link.signal);
    } finally {
      link.dispose();
    }
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('wrap', () => {
  it('runs the first policy outermost and the operation innermost', async () => {
    const log: string[] = [];
    const policy = wrap(new Recorder('a', log), new Recorder('b', log), new Recorder('c', log));
    const result = await policy.execute(async () => {
      log.push('fn');
      return 42;
    });
    expect(result).toBe(42);
    expect(log).toEqual(['enter a', 'enter b', 'enter c', 'fn', 'exit c', 'exit b', 'exit a']);
  });

  it('hands each layer the signal of the layer around it, down to the operation', async () => {
    const log: string[] = [];
    const outer = new Recorder('outer', log);
    const inner = new Recorder('inner', log);
    let seen: AbortSignal | undefined;
    await wrap(outer, inner).execute(({ signal }) => {
      seen = signal;
    });
    expect(seen).toBe(inner.signals[0]);
    expect(inner.signals[0]).not.toBe(outer.signals[0]);
  });

  it('gives every retry attempt its own timeout when retry wraps timeout', async () => {
    const policy = wrap(
      retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 10 } }),
      timeout(100),
    );
    const signals: AbortSignal[] = [];
    let attempts = 0;
    const result = track(
      policy.execute(({ signal }) => {
        signals.push(signal);
        attempts++;
        return attempts < 3 ? new Promise<string>(() => {}) : Promise.resolve('third time');
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(signals[0]?.reason).toBeInstanceOf(OperationTimeoutError);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(10 + 100);
    expect(signals[1]?.reason).toBeInstanceOf(OperationTimeoutError);
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(result).toMatchObject({ status: 'fulfilled', value: 'third time' });
    expect(signals[2]?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('bounds the whole retry sequence when timeout wraps retry', async () => {
    const policy = wrap(
      timeout(250),
      retry({ maxAttempts: 10, backoff: { type: 'constant', delayMs: 100 } }),
    );
    const fn = vi.fn(async () => {
      throw new Error('down');
    });
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(250);
    expect(result.error).toBeInstanceOf(OperationTimeoutError);
    expect(fn).toHaveBeenCalledTimes(3);
    await vi.runAllTimersAsync();
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("carries the caller's abort to the innermost operation's signal", async () => {
    const policy = wrap(
      retry({ maxAttempts: 3, backoff: { type: 'constant', delayMs: 0 } }),
      new StubBreaker(),
      bulkhead({ maxConcurrent: 1 }),
      timeout(1000),
    );
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const result = track(policy.execute(hanging(signals), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    expect(signals).toHaveLength(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(reason);
    expect(result).toMatchObject({ status: 'rejected', error: reason });
    await vi.runAllTimersAsync();
    expect(signals).toHaveLength(1);
  });

  it('stops retrying into an open breaker', async () => {
    const breaker = new StubBreaker();
    breaker.open = true;
    const fn = vi.fn(async () => 'ok');
    const policy = wrap(
      retry({ maxAttempts: 5, backoff: { type: 'constant', delayMs: 0 } }),
      breaker,
    );
    expect(await caught(policy.execute(fn))).toBeInstanceOf(BreakerOpenError);
    expect(breaker.calls).toBe(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('answers with the fallback once the inner policies give up', async () => {
    const retries: RetryEvent[] = [];
    const inner = retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 5 } });
    inner.onRetry((event) => retries.push(event));
    const policy = wrap(fallback('cached'), inner, timeout(50));
    const result = track(policy.execute(hanging()));
    await vi.advanceTimersByTimeAsync(50 + 5 + 50);
    expect(result).toMatchObject({ status: 'fulfilled', value: 'cached' });
    expect(retries).toHaveLength(1);
    expect(retries[0]?.error).toBeInstanceOf(OperationTimeoutError);
  });

  it('composes a wrapped policy inside another', async () => {
    const log: string[] = [];
    const inner = wrap(new Recorder('b', log), new Recorder('c', log));
    await wrap(new Recorder('a', log), inner).execute(() => log.push('fn'));
    expect(log).toEqual(['enter a', 'enter b', 'enter c', 'fn', 'exit c', 'exit b', 'exit a']);
  });

  it('runs the operation directly with a linked signal when given no policy', async () => {
    const policy = wrap();
    expect(policy.policies).toEqual([]);
    expect(await policy.execute(() => 'bare')).toBe('bare');
    const controller = new AbortController();
    const work = deferred<string>();
    let seen: AbortSignal | undefined;
    const result = track(
      policy.execute(
        ({ signal }) => {
          seen = signal;
          return work.promise;
        },
        { signal: controller.signal },
      ),
    );
    controller.abort(new Error('stop'));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen?.aborted).toBe(true);
    expect(result.status).toBe('rejected');
    expect(await caught(policy.execute(() => 1, { signal: controller.signal }))).toEqual(
      new Error('stop'),
    );
  });

  it('exposes its policies outermost first and does not keep the caller array', () => {
    const a = timeout(10);
    const b = bulkhead({ maxConcurrent: 1 });
    const list: AnyPolicy[] = [a, b];
    const policy = wrap(...list);
    list.pop();
    expect(policy.policies).toEqual([a, b]);
    expect(Object.isFrozen(policy.policies)).toBe(true);
    expect(policy).toBeInstanceOf(WrappedPolicy);
  });

  it('rejects anything that is not a policy', () => {
    expect(() => wrap(timeout(10), {} as never)).toThrow(
      new TypeError(
        'Expected `policies[1]` to be an object with an execute() method, got an object',
      ),
    );
    expect(() => wrap(null as never)).toThrow(TypeError);
  });

  it('rejects a call whose arguments are invalid', async () => {
    await expect(wrap(timeout(10)).execute(42 as never)).rejects.toThrow(
      'Expected `fn` to be a function, got `42` (number)',
    );
  });

  it('is typed as a plain Policy unless a fallback is inside', () => {
    const plain = wrap(
      retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 0 } }),
      timeout(5),
    );
    expectTypeOf(plain).toExtend<Policy>();
    expectTypeOf(plain.execute(async () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(wrap(new StubBreaker()).execute(() => 'x')).toEqualTypeOf<Promise<string>>();

    const withFallback = wrap(fallback(null), timeout(5));
    expectTypeOf(withFallback.execute(async () => 1)).toEqualTypeOf<Promise<number | null>>();
    expectTypeOf(withFallback).not.toExtend<Policy>();
    const nested = wrap(
      withFallback,
      fallback(() => 'default'),
    );
    expectTypeOf(nested.execute(() => true)).toEqualTypeOf<Promise<boolean | null | string>>();

    // @ts-expect-error a number is not a policy
    expect(() => wrap(5)).toThrow(TypeError);
  });
});
