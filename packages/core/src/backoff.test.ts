import { describe, expect, it } from 'vitest';
import { backoffDelay, checkBackoff } from './backoff.js';
import { MAX_TIMER_MS } from './timers.js';

const never = (): number => {
  throw new Error('random must not be drawn');
};

describe('checkBackoff', () => {
  it('fills in the defaults of an exponential backoff and freezes the result', () => {
    const backoff = checkBackoff('backoff', {
      type: 'exponential',
      initialDelayMs: 10,
      maxDelayMs: 100,
    });
    expect(backoff).toEqual({
      type: 'exponential',
      initialDelayMs: 10,
      maxDelayMs: 100,
      multiplier: 2,
      jitter: 0,
    });
    expect(Object.isFrozen(backoff)).toBe(true);
  });

  it('names the option and the field in its errors', () => {
    expect(() => checkBackoff('createBackoff', undefined)).toThrow(/createBackoff\.type/);
    expect(() => checkBackoff('b', 5)).toThrow(TypeError);
    expect(() => checkBackoff('b', { type: 'linear' })).toThrow(/b\.type/);
    expect(() => checkBackoff('b', { type: 'constant', delayMs: 1, extra: 1 })).toThrow(/extra/);
    expect(() => checkBackoff('b', { type: 'constant', delayMs: -1 })).toThrow(/b\.delayMs/);
    expect(() => checkBackoff('b', { type: 'constant', delayMs: 0 }, { positive: true })).toThrow(
      /b\.delayMs.*> 0/,
    );
    expect(() =>
      checkBackoff('b', { type: 'exponential', initialDelayMs: 10, maxDelayMs: 5 }),
    ).toThrow(/b\.maxDelayMs/);
    expect(() =>
      checkBackoff('b', { type: 'exponential', initialDelayMs: 0, maxDelayMs: 5 }),
    ).toThrow(/b\.initialDelayMs/);
    expect(() =>
      checkBackoff('b', {
        type: 'decorrelated-jitter',
        initialDelayMs: 1,
        maxDelayMs: MAX_TIMER_MS + 1,
      }),
    ).toThrow(/b\.maxDelayMs/);
    expect(() =>
      checkBackoff('b', { type: 'exponential', initialDelayMs: 1, maxDelayMs: 5, jitter: 2 }),
    ).toThrow(/b\.jitter/);
    expect(() =>
      checkBackoff('b', {
        type: 'decorrelated-jitter',
        initialDelayMs: 1,
        maxDelayMs: 5,
        jitter: 0,
      }),
    ).toThrow(/jitter/);
  });

  it('takes a plain number as the constant wait under the same rule when asked to', () => {
    const rule = { positive: true, number: true };
    expect(checkBackoff('b', 250, rule)).toEqual({ type: 'constant', delayMs: 250 });
    expect(checkBackoff('b', MAX_TIMER_MS, rule)).toEqual({
      type: 'constant',
      delayMs: MAX_TIMER_MS,
    });
    expect(() => checkBackoff('b', MAX_TIMER_MS + 1, rule)).toThrow(
      /`b` to be a finite number > 0 and <= 2147483647/,
    );
    expect(() => checkBackoff('b', 1e18, rule)).toThrow(RangeError);
    expect(() => checkBackoff('b', 0, rule)).toThrow(/`b`.*> 0/);
    expect(() => checkBackoff('b', Number.NaN, rule)).toThrow(TypeError);
    expect(checkBackoff('b', 0, { number: true })).toEqual({ type: 'constant', delayMs: 0 });
  });
});

describe('backoffDelay', () => {
  it('a constant backoff waits the same every time, without drawing', () => {
    const backoff = checkBackoff('b', { type: 'constant', delayMs: 0 });
    expect(backoffDelay(backoff, 1, 0, never)).toBe(0);
    expect(backoffDelay(backoff, 9, 0, never)).toBe(0);
  });

  it('an exponential backoff grows by the multiplier up to the cap', () => {
    const backoff = checkBackoff('b', {
      type: 'exponential',
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      multiplier: 3,
    });
    expect([1, 2, 3, 4].map((n) => backoffDelay(backoff, n, 0, never))).toEqual([
      100, 300, 900, 1_000,
    ]);
  });

  it('jitter takes up to its share off each wait', () => {
    const backoff = checkBackoff('b', {
      type: 'exponential',
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      jitter: 0.5,
    });
    expect(backoffDelay(backoff, 2, 0, () => 0)).toBe(100);
    expect(backoffDelay(backoff, 2, 0, () => 0.5)).toBe(150);
  });

  it('decorrelated jitter draws between the initial wait and three times the previous one', () => {
    const backoff = checkBackoff('b', {
      type: 'decorrelated-jitter',
      initialDelayMs: 10,
      maxDelayMs: 100,
    });
    expect(backoffDelay(backoff, 1, 0, () => 0.5)).toBe(20);
    expect(backoffDelay(backoff, 2, 20, () => 0.5)).toBe(35);
    expect(backoffDelay(backoff, 3, 90, () => 0.99)).toBe(100);
  });
});
