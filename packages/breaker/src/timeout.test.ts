import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isOperationTimeoutError, OperationTimeoutError } from './errors.js';
import { caught, deferred, hanging, track } from './policies-test-support.fixture.js';
import { timeout } from './timeout.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('timeout', () => {
  it('names its error apart from the DOMException of AbortSignal.timeout()', () => {
    const error = new OperationTimeoutError(100);
    expect(error.name).toBe('OperationTimeoutError');
    expect(error.name).not.toBe(new DOMException('x', 'TimeoutError').name);
    expect(String(error)).toBe('OperationTimeoutError: The call timed out after 100 ms');
  });

  it('resolves with the result of a call that settles in time and clears its timer', async () => {
    const policy = timeout(100);
    const work = deferred<string>();
    const result = track(policy.execute(() => work.promise));
    await vi.advanceTimersByTimeAsync(99);
    expect(vi.getTimerCount()).toBe(1);
    work.resolve('in time');
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toMatchObject({ status: 'fulfilled', value: 'in time' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with an OperationTimeoutError at the deadline without waiting for the operation', async () => {
    const policy = timeout({ timeoutMs: 100 });
    const signals: AbortSignal[] = [];
    const onTimeout = vi.fn();
    policy.onTimeout(onTimeout);
    const result = track(policy.execute(hanging(signals)));
    await vi.advanceTimersByTimeAsync(99);
    expect(result.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(result.status).toBe('rejected');
    expect(result.error).toBeInstanceOf(OperationTimeoutError);
    expect(isOperationTimeoutError(result.error)).toBe(true);
    expect(result.error).toMatchObject({
      code: 'BREAKWATER_OPERATION_TIMEOUT',
      timeoutMs: 100,
      message: 'The call timed out after 100 ms',
    });
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(result.error);
    expect(onTimeout).toHaveBeenCalledWith({ timeoutMs: 100 });
    expect(policy.timeoutMs).toBe(100);
  });

  it('aborts only the call that ran out of time while the others complete', async () => {
    const policy = timeout(100);
    const slowSignals: AbortSignal[] = [];
    const slow = track(policy.execute(hanging(slowSignals)));
    await vi.advanceTimersByTimeAsync(60);
    const quickWork = deferred<string>();
    let quickSignal: AbortSignal | undefined;
    const quick = track(
      policy.execute(({ signal }) => {
        quickSignal = signal;
        return quickWork.promise;
      }),
    );
    await vi.advanceTimersByTimeAsync(40);
    expect(slow.status).toBe('rejected');
    expect(quick.status).toBe('pending');
    expect(quickSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    quickWork.resolve('quick');
    await vi.advanceTimersByTimeAsync(0);
    expect(quick).toMatchObject({ status: 'fulfilled', value: 'quick' });
    expect(quickSignal?.aborted).toBe(false);
    expect(slowSignals[0]).not.toBe(quickSignal);
  });

  it('observes a rejection of the operation that comes after the timeout', async () => {
    const policy = timeout(10);
    const work = deferred<never>();
    const result = caught(policy.execute(() => work.promise));
    await vi.advanceTimersByTimeAsync(10);
    expect(await result).toBeInstanceOf(OperationTimeoutError);
    work.reject(new Error('late failure'));
    await vi.advanceTimersByTimeAsync(0);
  });

  it('rejects with the caller reason when the caller aborts first and clears the timer', async () => {
    const policy = timeout(100);
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const result = track(policy.execute(hanging(signals), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(30);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toMatchObject({ status: 'rejected', error: reason });
    expect(signals[0]?.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not call the operation when the caller signal is already aborted', async () => {
    const fn = vi.fn(async () => 'ok');
    const reason = new Error('gone');
    expect(await caught(timeout(100).execute(fn, { signal: AbortSignal.abort(reason) }))).toBe(
      reason,
    );
    expect(fn).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the error an operation throws synchronously and clears the timer', async () => {
    const failure = new Error('sync');
    const result = caught(
      timeout(100).execute(() => {
        throw failure;
      }),
    );
    expect(await result).toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('unrefs its timer so a pending timeout never keeps the process alive', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const work = deferred<number>();
    const result = timeout(100).execute(() => work.promise);
    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    work.resolve(1);
    await result;
    setTimeoutSpy.mockRestore();
  });

  it('removes its listener from the caller signal when each call settles', async () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const policy = timeout(100);
    for (let i = 0; i < 5; i++) {
      await policy.execute(async () => i, { signal: controller.signal });
    }
    expect(add.mock.calls.length).toBe(5);
    expect(remove.mock.calls.length).toBe(5);
  });
});
