import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker option validation', () => {
  it.each([
    [
      { failureRateThreshold: 0 },
      RangeError,
      'Expected `failureRateThreshold` to be a finite number > 0 and <= 1, got `0` (number)',
    ],
    [{ failureRateThreshold: 1.5 }, RangeError, '`failureRateThreshold`'],
    [
      { slowCallRateThreshold: 0.5 },
      TypeError,
      'Expected `slowCallDurationMs` to be a finite number > 0 when `slowCallRateThreshold` is set',
    ],
    [{ slowCallDurationMs: 0 }, RangeError, '`slowCallDurationMs`'],
    [
      { consecutiveFailures: 0 },
      RangeError,
      'Expected `consecutiveFailures` to be an integer >= 1, got `0` (number)',
    ],
    [{ permittedCallsInHalfOpen: 0 }, RangeError, '`permittedCallsInHalfOpen`'],
    [{ minimumCalls: 1.5 }, RangeError, '`minimumCalls`'],
    [
      { window: { type: 'count', size: 0 } },
      RangeError,
      'Expected `window.size` to be an integer >= 1',
    ],
    [{ window: { type: 'time', durationMs: -5 } }, RangeError, '`window.durationMs`'],
    [{ window: { type: 'time', durationMs: 1000, buckets: 0 } }, RangeError, '`window.buckets`'],
    [{ window: { type: 'sliding' } }, RangeError, '`window.type`'],
    [{ window: 5 }, TypeError, '`window`'],
    [
      { openDurationMs: 0 },
      RangeError,
      'Expected `openDurationMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [
      { openDurationMs: 2 ** 31 },
      RangeError,
      'Expected `openDurationMs` to be a finite number > 0 and <= 2147483647, got `2147483648` (number)',
    ],
    [
      { openDurationMs: 1e18 },
      RangeError,
      '`openDurationMs` to be a finite number > 0 and <= 2147483647',
    ],
    [{ openDurationMs: Number.POSITIVE_INFINITY }, RangeError, '`openDurationMs`'],
    [
      { openDurationMs: { type: 'constant', delayMs: 2 ** 31 } },
      RangeError,
      '`openDurationMs.delayMs` to be a finite number > 0 and <= 2147483647',
    ],
    [
      { openDurationMs: 'long' },
      TypeError,
      'Expected `openDurationMs` to be a number or a backoff object',
    ],
    [
      { openDurationMs: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 50 } },
      RangeError,
      '`openDurationMs.maxDelayMs`',
    ],
    [
      {
        openDurationMs: {
          type: 'exponential',
          initialDelayMs: 100,
          maxDelayMs: 500,
          multiplier: 0.5,
        },
      },
      RangeError,
      '`openDurationMs.multiplier`',
    ],
    [
      { openDurationMs: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 500, jitter: 2 } },
      RangeError,
      '`openDurationMs.jitter`',
    ],
    [{ openDurationMs: { initialMs: 100, maxMs: 500 } }, TypeError, '`openDurationMs.type`'],
    [
      { openDurationMs: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 500, maxMs: 5 } },
      TypeError,
      '`maxMs`',
    ],
    [
      { openDurationMs: { type: 'constant', delayMs: 0 } },
      RangeError,
      '`openDurationMs.delayMs` to be a finite number > 0',
    ],
    [
      { openDurationMs: { type: 'decorrelated-jitter', initialDelayMs: 10, maxDelayMs: 2 ** 31 } },
      RangeError,
      '`openDurationMs.maxDelayMs`',
    ],
    [{ timeoutMs: 0 }, RangeError, '`timeoutMs`'],
    [{ isFailure: true }, TypeError, '`isFailure`'],
    [{ isResultFailure: 1 }, TypeError, '`isResultFailure`'],
    [{ clock: { now: 5 } }, TypeError, '`clock`'],
    [{ random: 0.5 }, TypeError, '`random`'],
    [{ name: '' }, RangeError, '`name`'],
  ])('rejects %o', (options, type, message) => {
    expect(() => new CircuitBreaker(options as never)).toThrow(type);
    expect(() => new CircuitBreaker(options as never)).toThrow(message);
  });

  it('rejects a non-function and bad call options', async () => {
    const breaker = new CircuitBreaker();
    await expect(breaker.execute('run' as never)).rejects.toThrow(
      new TypeError('Expected `fn` to be a function, got `"run"` (string)'),
    );
    await expect(breaker.execute(() => 1, { timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(breaker.execute(() => 1, 5 as never)).rejects.toThrow(TypeError);
  });

  it('never writes into the caller options', () => {
    const options = { consecutiveFailures: 3 };
    new CircuitBreaker(options);
    expect(options).toEqual({ consecutiveFailures: 3 });
  });
});
