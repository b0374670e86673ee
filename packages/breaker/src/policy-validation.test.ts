import { describe, expect, it } from 'vitest';
import { bulkhead } from './bulkhead.js';
import { fallback } from './fallback.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';

const constant = { type: 'constant', delayMs: 0 } as const;

describe('retry option validation', () => {
  it.each([
    [
      { maxAttempts: 0, backoff: constant },
      RangeError,
      'Expected `maxAttempts` to be an integer >= 1, got `0` (number)',
    ],
    [{ maxAttempts: 2.5, backoff: constant }, RangeError, '`maxAttempts`'],
    [{ maxAttempts: Number.POSITIVE_INFINITY, backoff: constant }, RangeError, '`maxAttempts`'],
    [
      { maxAttempts: '3', backoff: constant },
      TypeError,
      'Expected `maxAttempts` to be an integer >= 1, got `"3"` (string)',
    ],
    [{ backoff: constant }, TypeError, 'got `undefined`'],
    [
      { maxAttempts: 3 },
      TypeError,
      'Expected `backoff.type` to be one of "constant", "exponential", "decorrelated-jitter", got `undefined`',
    ],
    [{ maxAttempts: 3, backoff: 100 }, TypeError, '`backoff`'],
    [
      { maxAttempts: 3, backoff: { type: 'linear' } },
      RangeError,
      'Expected `backoff.type` to be one of',
    ],
    [
      { maxAttempts: 3, backoff: { type: 'constant', delayMs: -1 } },
      RangeError,
      'Expected `backoff.delayMs` to be a finite number >= 0 and <= 2147483647, got `-1` (number)',
    ],
    [{ maxAttempts: 3, backoff: { type: 'constant' } }, TypeError, '`backoff.delayMs`'],
    [
      { maxAttempts: 3, backoff: { type: 'constant', delayMs: 2 ** 31 } },
      RangeError,
      '`backoff.delayMs`',
    ],
    [
      { maxAttempts: 3, backoff: { type: 'exponential', initialDelayMs: 0, maxDelayMs: 10 } },
      RangeError,
      'Expected `backoff.initialDelayMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [
      { maxAttempts: 3, backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 50 } },
      RangeError,
      'Expected `backoff.maxDelayMs` to be a finite number >= 100 and <= 2147483647, got `50` (number)',
    ],
    [
      { maxAttempts: 3, backoff: { type: 'exponential', initialDelayMs: 100 } },
      TypeError,
      '`backoff.maxDelayMs`',
    ],
    [
      {
        maxAttempts: 3,
        backoff: { type: 'exponential', initialDelayMs: 1, maxDelayMs: 10, multiplier: 0.5 },
      },
      RangeError,
      'Expected `backoff.multiplier` to be a finite number >= 1, got `0.5` (number)',
    ],
    [
      {
        maxAttempts: 3,
        backoff: { type: 'exponential', initialDelayMs: 1, maxDelayMs: 10, multiplier: 'x2' },
      },
      TypeError,
      '`backoff.multiplier`',
    ],
    [
      {
        maxAttempts: 3,
        backoff: { type: 'decorrelated-jitter', initialDelayMs: -5, maxDelayMs: 10 },
      },
      RangeError,
      '`backoff.initialDelayMs`',
    ],
    [
      {
        maxAttempts: 3,
        backoff: { type: 'decorrelated-jitter', initialDelayMs: 5, maxDelayMs: 1 },
      },
      RangeError,
      '`backoff.maxDelayMs`',
    ],
    [
      { maxAttempts: 3, backoff: constant, shouldRetry: true },
      TypeError,
      'Expected `shouldRetry` to be a function, got `true` (boolean)',
    ],
    [
      { maxAttempts: 3, backoff: constant, random: 0.5 },
      TypeError,
      'Expected `random` to be a function, got `0.5` (number)',
    ],
  ])('rejects %o', (options, type, message) => {
    expect(() => retry(options as never)).toThrow(type);
    expect(() => retry(options as never)).toThrow(message);
  });

  it('rejects a missing or non-object options argument', () => {
    expect(() => retry(undefined as never)).toThrow(TypeError);
    expect(() => retry('3 attempts' as never)).toThrow(
      'Expected `options` to be an options object, got `"3 attempts"` (string)',
    );
  });

  it('does not write into the caller options', () => {
    const options = {
      maxAttempts: 3,
      backoff: { type: 'exponential' as const, initialDelayMs: 10, maxDelayMs: 100 },
    };
    retry(options);
    expect(options).toEqual({
      maxAttempts: 3,
      backoff: { type: 'exponential', initialDelayMs: 10, maxDelayMs: 100 },
    });
  });

  it('is not affected by later changes to the caller options', async () => {
    const backoff = { type: 'constant' as const, delayMs: 0 };
    const options = { maxAttempts: 1, backoff };
    const policy = retry(options);
    options.maxAttempts = 5;
    backoff.delayMs = 1_000_000;
    let calls = 0;
    await policy
      .execute(() => {
        calls++;
        throw new Error('no');
      })
      .catch(() => {});
    expect(calls).toBe(1);
    expect(policy.maxAttempts).toBe(1);
  });
});

describe('timeout option validation', () => {
  it.each([
    [
      0,
      RangeError,
      'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [-1, RangeError, '`timeoutMs`'],
    [Number.POSITIVE_INFINITY, RangeError, '`timeoutMs`'],
    [2 ** 31, RangeError, '`timeoutMs`'],
    [Number.NaN, TypeError, '`timeoutMs`'],
    [
      '100',
      TypeError,
      'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `"100"` (string)',
    ],
    [
      undefined,
      TypeError,
      'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `undefined`',
    ],
    [null, TypeError, '`timeoutMs`'],
    [
      {},
      TypeError,
      'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `undefined`',
    ],
    [{ timeoutMs: 0 }, RangeError, '`timeoutMs`'],
  ])('rejects %o', (options, type, message) => {
    expect(() => timeout(options as never)).toThrow(type);
    expect(() => timeout(options as never)).toThrow(message);
  });

  it('accepts a number or an options object', () => {
    expect(timeout(250).timeoutMs).toBe(250);
    expect(timeout({ timeoutMs: 0.5 }).timeoutMs).toBe(0.5);
  });
});

describe('bulkhead option validation', () => {
  it.each([
    [
      { maxConcurrent: 0 },
      RangeError,
      'Expected `maxConcurrent` to be an integer >= 1, got `0` (number)',
    ],
    [{ maxConcurrent: 1.5 }, RangeError, '`maxConcurrent`'],
    [{ maxConcurrent: Number.POSITIVE_INFINITY }, RangeError, '`maxConcurrent`'],
    [{}, TypeError, 'Expected `maxConcurrent` to be an integer >= 1, got `undefined`'],
    [
      { maxConcurrent: 2, maxQueue: -1 },
      RangeError,
      'Expected `maxQueue` to be an integer or Infinity >= 0, got `-1` (number)',
    ],
    [{ maxConcurrent: 2, maxQueue: 0.5 }, RangeError, '`maxQueue`'],
    [{ maxConcurrent: 2, maxQueue: '5' }, TypeError, '`maxQueue`'],
    [[2], TypeError, 'Expected `options` to be an options object'],
  ])('rejects %o', (options, type, message) => {
    expect(() => bulkhead(options as never)).toThrow(type);
    expect(() => bulkhead(options as never)).toThrow(message);
  });

  it('does not write into the caller options', () => {
    const options = { maxConcurrent: 3 };
    bulkhead(options);
    expect(options).toEqual({ maxConcurrent: 3 });
  });
});

describe('fallback option validation', () => {
  it.each([
    [5, TypeError, 'Expected `options` to be an options object, got `5` (number)'],
    [
      { shouldHandle: 'all' },
      TypeError,
      'Expected `shouldHandle` to be a function, got `"all"` (string)',
    ],
  ])('rejects %o', (options, type, message) => {
    expect(() => fallback('x', options as never)).toThrow(type);
    expect(() => fallback('x', options as never)).toThrow(message);
  });
});
