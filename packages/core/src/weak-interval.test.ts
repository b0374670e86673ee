import { expect, it, vi } from 'vitest';
import { weakInterval } from './weak-interval.js';

it('ticks with the owner every interval until cleared, on an unref-ed timer', async () => {
  vi.useFakeTimers();
  try {
    const owner = { ticks: 0 };
    const timer = weakInterval(owner, 100, (target) => {
      target.ticks++;
    });
    expect(timer.hasRef()).toBe(false);
    await vi.advanceTimersByTimeAsync(350);
    expect(owner.ticks).toBe(3);
    clearInterval(timer);
    await vi.advanceTimersByTimeAsync(500);
    expect(owner.ticks).toBe(3);
  } finally {
    vi.useRealTimers();
  }
});

it('stops by itself once the owner has been collected', async () => {
  vi.useFakeTimers();
  const deref = vi.spyOn(WeakRef.prototype, 'deref').mockReturnValue(undefined);
  try {
    const tick = vi.fn();
    weakInterval({}, 100, tick);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(tick).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  } finally {
    deref.mockRestore();
    vi.useRealTimers();
  }
});
