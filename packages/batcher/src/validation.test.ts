import { describe, expect, it } from 'vitest';
import { Batcher, type BatcherOptions } from './batcher.js';
import { WriteBehindBatcher, type WriteBehindOptions } from './write-behind.js';

const process = (items: number[]) => items;
const make = (options: Partial<BatcherOptions<number, number>>) =>
  new Batcher<number, number>({ process, ...options });
const sink = (options: Partial<WriteBehindOptions<number>>) =>
  new WriteBehindBatcher<number>({ write: () => {}, deadLetter: () => {}, ...options });

describe('Batcher options', () => {
  it('refuses a missing or non-function process', () => {
    expect(() => new Batcher({} as BatcherOptions<number, number>)).toThrow(
      'Expected `process` to be a function, got `undefined`',
    );
    expect(() => make({ process: 1 as never })).toThrow(TypeError);
  });

  it('refuses a non-object options argument and unknown keys', () => {
    expect(() => new Batcher(null as never)).toThrow(TypeError);
    expect(() => make({ maxBatchSzie: 3 } as never)).toThrow(
      /Unknown option `maxBatchSzie` in `options`; the options are `process`, `maxBatchSize`/,
    );
  });

  it.each([
    [
      'maxBatchSize',
      0,
      RangeError,
      'Expected `maxBatchSize` to be an integer or Infinity >= 1, got `0` (number)',
    ],
    ['maxBatchSize', 1.5, RangeError, '`maxBatchSize`'],
    ['maxBatchSize', '3', TypeError, '`maxBatchSize`'],
    [
      'maxDelayMs',
      -1,
      RangeError,
      'Expected `maxDelayMs` to be a finite number >= 0 and <= 2147483647, got `-1` (number)',
    ],
    ['maxDelayMs', 2 ** 31, RangeError, '`maxDelayMs`'],
    ['maxDelayMs', Number.POSITIVE_INFINITY, RangeError, '`maxDelayMs`'],
    [
      'concurrency',
      0,
      RangeError,
      'Expected `concurrency` to be an integer or Infinity >= 1, got `0` (number)',
    ],
    ['concurrency', -2, RangeError, '`concurrency`'],
    ['maxPending', 0, RangeError, '`maxPending`'],
    [
      'onFull',
      'drop',
      RangeError,
      'Expected `onFull` to be one of "wait", "reject", got `"drop"` (string)',
    ],
    ['onFull', 1, TypeError, '`onFull`'],
    ['clock', {}, TypeError, '`clock`'],
  ] as const)('refuses %s = %s', (name, value, type, message) => {
    expect(() => make({ [name]: value })).toThrow(type);
    expect(() => make({ [name]: value })).toThrow(message);
  });

  it('refuses maxBatchWeight without weigh, weigh without maxBatchWeight, and a non-positive weight', () => {
    expect(() => make({ maxBatchWeight: 10 })).toThrow(
      'Expected `weigh` to be a function when `maxBatchWeight` is set, got `undefined`',
    );
    expect(() => make({ weigh: () => 1 })).toThrow(RangeError);
    expect(() => make({ weigh: () => 1 })).toThrow('`maxBatchWeight`');
    expect(() => make({ maxBatchWeight: 0, weigh: () => 1 })).toThrow(
      'Expected `maxBatchWeight` to be a number > 0, got `0` (number)',
    );
    expect(() => make({ maxBatchWeight: 10, weigh: 'x' as never })).toThrow(TypeError);
  });

  it("takes undefined as the default and never writes to the caller's object", () => {
    const options = Object.freeze({
      process,
      maxBatchSize: undefined,
      maxDelayMs: undefined,
      maxBatchWeight: undefined,
      weigh: undefined,
      concurrency: undefined,
      maxPending: undefined,
      onFull: undefined,
      clock: undefined,
    });
    expect(() => new Batcher(options)).not.toThrow();
    expect(() => make({ maxBatchSize: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('validates per-call options: object, known keys, an AbortSignal', async () => {
    const batcher = make({});
    await expect(batcher.add(1, null as never)).rejects.toThrow(TypeError);
    await expect(batcher.add(1, { sigal: undefined } as never)).rejects.toThrow(
      'Unknown option `sigal` in `options`; the options are `signal`',
    );
    await expect(batcher.add(1, { signal: 'no' as never })).rejects.toThrow(
      'Expected `signal` to be an AbortSignal, got `"no"` (string)',
    );
    expect(await batcher.add(1, { signal: undefined })).toBe(1);
  });
});

describe('WriteBehindBatcher options', () => {
  it('refuses a missing write or deadLetter', () => {
    expect(() => sink({ write: undefined } as never)).toThrow('Expected `write` to be a function');
    expect(() => sink({ deadLetter: undefined } as never)).toThrow(
      'Expected `deadLetter` to be a function',
    );
  });

  it('refuses unknown keys, at the top and in retry', () => {
    expect(() => sink({ onDeadLetter: () => {} } as never)).toThrow(
      /Unknown option `onDeadLetter`/,
    );
    expect(() =>
      sink({
        retry: { maxAttempts: 2, backoff: { type: 'constant', delayMs: 1 }, tries: 1 } as never,
      }),
    ).toThrow(/Unknown option `tries` in `retry`/);
  });

  it('names the retry fields it refuses', () => {
    expect(() => sink({ retry: 3 as never })).toThrow('Expected `retry` to be an options object');
    expect(() =>
      sink({ retry: { maxAttempts: 0, backoff: { type: 'constant', delayMs: 1 } } }),
    ).toThrow('Expected `retry.maxAttempts` to be an integer >= 1, got `0` (number)');
    expect(() =>
      sink({ retry: { maxAttempts: 2, backoff: { type: 'constant', delayMs: -1 } } }),
    ).toThrow('`retry.backoff.delayMs`');
    expect(() =>
      sink({
        retry: {
          maxAttempts: 2,
          backoff: { type: 'constant', delayMs: 1 },
          shouldRetry: 1 as never,
        },
      }),
    ).toThrow('`retry.shouldRetry`');
  });

  it('validates the batching options the same way', () => {
    expect(() => sink({ concurrency: 0 })).toThrow('`concurrency`');
    expect(() => sink({ maxDelayMs: -5 })).toThrow('`maxDelayMs`');
  });
});
