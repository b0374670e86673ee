import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisGuard,
  type RedisGuardCall,
  type RedisGuardFailure,
  RedisTimeoutError,
  RedisUnavailableError,
} from './index.js';

type Op = 'get' | 'set';

/** A stand-in client: only `status` matters to the guard. */
function setup(timeoutMs = 100, maxInFlight = 2) {
  const client = { status: 'ready' };
  const guard = new RedisGuard<typeof client, Op>(client, timeoutMs, maxInFlight);
  const failures: RedisGuardFailure<Op>[] = [];
  const onFailure = (failure: RedisGuardFailure<Op>) => {
    failures.push(failure);
    return { ok: false as const };
  };
  return { client, guard, failures, onFailure };
}

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Redis errors', () => {
  it('carry a shared code, the operation and the details', () => {
    const timeout = new RedisTimeoutError('get', 50);
    expect(timeout).toMatchObject({ code: 'BREAKWATER_REDIS_TIMEOUT', operation: 'get' });
    expect(timeout.timeoutMs).toBe(50);
    expect(timeout.message).toBe('Redis get timed out after 50 ms');
    expect(isRedisTimeoutError(timeout)).toBe(true);
    expect(isRedisUnavailableError(timeout)).toBe(false);

    const skipped = new RedisUnavailableError('set', 'reconnecting');
    expect(skipped).toMatchObject({ code: 'BREAKWATER_REDIS_UNAVAILABLE', reason: 'reconnecting' });
    expect(skipped.name).toBe('RedisUnavailableError');
    expect(skipped.message).toBe('Redis set skipped: Redis is unavailable (reconnecting)');
    expect(isRedisUnavailableError(skipped)).toBe(true);
  });
});

describe('RedisGuard', () => {
  it('returns the value of a call that settles in time', async () => {
    const { client, guard, failures, onFailure } = setup();
    const command = vi.fn(() => Promise.resolve('v'));
    await expect(guard.run('get', command, onFailure)).resolves.toEqual({ ok: true, value: 'v' });
    expect(command).toHaveBeenCalledWith(client, { timedOut: false });
    expect(failures).toEqual([]);
    expect(guard.inFlight).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips the call at once, synchronously reported, when the client is not ready', async () => {
    const { client, guard, failures, onFailure } = setup();
    client.status = 'reconnecting';
    const command = vi.fn(() => Promise.resolve('v'));
    const result = guard.run('get', command, onFailure);
    expect(failures).toHaveLength(1);
    await expect(result).resolves.toEqual({ ok: false });
    expect(command).not.toHaveBeenCalled();
    expect(failures[0]).toMatchObject({ operation: 'get', kind: 'unavailable', sent: false });
    expect((failures[0]!.error as RedisUnavailableError).reason).toBe('reconnecting');
  });

  it('times out, marks the call and skips calls once maxInFlight are unsettled', async () => {
    const { guard, failures, onFailure } = setup(100, 2);
    const calls: RedisGuardCall[] = [];
    const hanging = deferred<string>();
    const command = (_client: unknown, call: RedisGuardCall) => {
      calls.push(call);
      return hanging.promise;
    };
    const first = guard.run('get', command, onFailure);
    const second = guard.run('set', command, onFailure);
    expect(guard.inFlight).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await expect(first).resolves.toEqual({ ok: false });
    await second;
    expect(calls.map((call) => call.timedOut)).toEqual([true, true]);
    expect(failures.map((f) => [f.operation, f.kind, f.sent])).toEqual([
      ['get', 'timeout', true],
      ['set', 'timeout', true],
    ]);
    expect(failures[0]!.error).toBeInstanceOf(RedisTimeoutError);
    expect((failures[0]!.error as RedisTimeoutError).timeoutMs).toBe(100);

    expect(guard.inFlight).toBe(2);
    await guard.run('get', command, onFailure);
    expect(failures[2]).toMatchObject({ kind: 'unavailable', sent: false });
    expect((failures[2]!.error as RedisUnavailableError).reason).toBe('saturated');

    hanging.resolve('late');
    await Promise.resolve();
    await Promise.resolve();
    expect(guard.inFlight).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a rejection and a synchronous throw as errors', async () => {
    const { guard, failures, onFailure } = setup();
    const rejected = new Error('WRONGTYPE');
    await guard.run('get', () => Promise.reject(rejected), onFailure);
    const thrown = new Error('bad arguments');
    await guard.run(
      'set',
      () => {
        throw thrown;
      },
      onFailure,
    );
    expect(failures).toEqual([
      { operation: 'get', kind: 'error', sent: true, error: rejected },
      { operation: 'set', kind: 'error', sent: false, error: thrown },
    ]);
    expect(guard.inFlight).toBe(0);
  });

  it('drain() waits for every call, including those started meanwhile', async () => {
    const { guard, onFailure } = setup(1_000, 10);
    const first = deferred<string>();
    const second = deferred<string>();
    const order: string[] = [];
    void guard
      .run('get', () => first.promise, onFailure)
      .then(() => {
        order.push('first');
        void guard.run('get', () => second.promise, onFailure).then(() => order.push('second'));
      });
    let drained = false;
    const draining = guard.drain().then(() => {
      drained = true;
    });
    first.resolve('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['first']);
    expect(drained).toBe(false);
    second.resolve('b');
    await draining;
    expect(order).toEqual(['first', 'second']);
    await expect(guard.drain()).resolves.toBeUndefined();
  });
});
