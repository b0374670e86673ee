import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, sleep } from './timers.js';

it('MAX_TIMER_MS is the longest delay a Node timer honours', () => {
  expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
});

describe('sleep', () => {
  it('resolves after the delay and leaves no listener', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      let done = false;
      const slept = sleep(50, controller.signal).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(49);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await slept;
      expect(done).toBe(true);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with the reason when aborted, at once when already aborted', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const slept = sleep(1_000, controller.signal);
      const reason = new Error('stop');
      controller.abort(reason);
      await expect(slept).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
      await expect(sleep(10, controller.signal)).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
