import { describe, expect, it } from 'vitest';
import { boom, caught } from './breaker-test-support.fixture.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CallContext } from './policy.js';

/** A promise settled by hand, to hold calls in flight across state changes. */
function later<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('untimed calls without outcome rules', () => {
  it('record each outcome before the caller resumes', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 2 });
    expect(await breaker.execute(async () => 7)).toBe(7);
    expect(breaker.stats()).toMatchObject({ calls: 1, successes: 1, failures: 0 });
    expect(await caught(breaker.execute(boom))).toEqual(new Error('boom'));
    expect(breaker.stats()).toMatchObject({ successes: 1, failures: 1, consecutiveFailures: 1 });
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
  });

  it('hand the caller a plain value as a promise', async () => {
    const breaker = new CircuitBreaker();
    const pending = breaker.execute(() => 2);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(2);
    expect(breaker.stats()).toMatchObject({ calls: 1, successes: 1 });
  });

  it('count calls of an earlier state in stats() only, across several state changes', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    const first = later<number>();
    const second = later<number>();
    const a = breaker.execute(() => first.promise);
    breaker.forceOpen();
    breaker.reset();
    const b = breaker.execute(() => second.promise);
    breaker.forceOpen();
    breaker.reset();
    first.reject(new Error('late'));
    second.reject(new Error('late'));
    await caught(a);
    await caught(b);
    // Both failed, and each would have tripped the breaker had its state still been current.
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ calls: 2, failures: 2, consecutiveFailures: 0 });
    // A call of the current state still counts and trips.
    await caught(breaker.execute(boom));
    expect(breaker.state).toBe('open');
  });

  it('hand the operation a never-aborted read-only context, or the caller signal', async () => {
    const breaker = new CircuitBreaker();
    const contexts: CallContext[] = [];
    const op = async (context: CallContext) => {
      contexts.push(context);
      return context.signal.aborted;
    };
    expect(await breaker.execute(op)).toBe(false);
    const caller = new AbortController();
    expect(await breaker.execute(op, { signal: caller.signal })).toBe(false);
    expect(Object.isFrozen(contexts[0])).toBe(true);
    expect(contexts[1]!.signal).toBe(caller.signal);
  });
});
