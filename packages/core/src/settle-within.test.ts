import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithin } from './index.js';

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

describe('settleWithin', () => {
  it('resolves with the value or the error, clearing its timer', async () => {
    await expect(settleWithin(Promise.resolve(1), 10)).resolves.toEqual({ ok: true, value: 1 });
    const error = new Error('x');
    await expect(settleWithin(Promise.reject(error), 10)).resolves.toEqual({
      ok: false,
      timedOut: false,
      error,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up after the time limit and ignores a late rejection', async () => {
    const late = deferred<number>();
    const settled = settleWithin(late.promise, 10);
    await vi.advanceTimersByTimeAsync(10);
    await expect(settled).resolves.toEqual({ ok: false, timedOut: true });
    late.reject(new Error('late'));
    await Promise.resolve();
  });
});
