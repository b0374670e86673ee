import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithin } from './index.js';

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
    let rejectLate: (error: Error) => void = () => {};
    const late = new Promise<number>((_, reject) => {
      rejectLate = reject;
    });
    const settled = settleWithin(late, 10);
    await vi.advanceTimersByTimeAsync(10);
    await expect(settled).resolves.toEqual({ ok: false, timedOut: true });
    rejectLate(new Error('late'));
    await Promise.resolve();
  });
});
