import { afterEach, describe, expect, it, vi } from 'vitest';
import { monotonicClock, wallClock } from './clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('clocks', () => {
  it('monotonicClock reads performance.now at each call, so fake timers drive it', () => {
    vi.useFakeTimers();
    const start = monotonicClock.now();
    vi.advanceTimersByTime(250);
    expect(monotonicClock.now() - start).toBe(250);
  });

  it('wallClock follows Date.now', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    expect(wallClock.now()).toBe(1_700_000_000_000);
    vi.advanceTimersByTime(1000);
    expect(wallClock.now()).toBe(1_700_000_001_000);
  });

  it('clocks are frozen so nobody can swap the shared default', () => {
    expect(Object.isFrozen(monotonicClock)).toBe(true);
    expect(Object.isFrozen(wallClock)).toBe(true);
  });
});
