import { describe, expect, it } from 'vitest';
import { checkClock, monotonicClock } from './clock.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  checkSignal,
  checkString,
} from './validate.js';

describe('checkNumber', () => {
  it('returns valid numbers unchanged and the default for undefined', () => {
    expect(checkNumber('ttl', 0, { min: 0 })).toBe(0);
    expect(checkNumber('ttl', 12.5, { min: 0, max: 100 })).toBe(12.5);
    expect(checkNumber('ttl', undefined, { min: 0, default: 1000 })).toBe(1000);
    expect(checkNumber('max', Number.POSITIVE_INFINITY, { allowInfinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('rejects a non-number with a TypeError naming the option, range and value', () => {
    expect(() => checkNumber('interval', '10s', { min: 0 })).toThrow(
      new TypeError('Expected `interval` to be a finite number >= 0, got `"10s"` (string)'),
    );
    expect(() => checkNumber('interval', undefined)).toThrow(
      new TypeError('Expected `interval` to be a finite number, got `undefined`'),
    );
    expect(() => checkNumber('interval', Number.NaN)).toThrow(TypeError);
  });

  it('rejects out-of-range values with a RangeError', () => {
    expect(() => checkNumber('interval', -1, { min: 0 })).toThrow(
      new RangeError('Expected `interval` to be a finite number >= 0, got `-1` (number)'),
    );
    expect(() => checkNumber('ratio', 1.5, { min: 0, max: 1 })).toThrow(
      new RangeError('Expected `ratio` to be a finite number >= 0 and <= 1, got `1.5` (number)'),
    );
    expect(() => checkNumber('timeout', 0, { min: 0, exclusiveMin: true })).toThrow(
      new RangeError('Expected `timeout` to be a finite number > 0, got `0` (number)'),
    );
    expect(() => checkNumber('ttl', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('names Infinity in the expectation when it is allowed', () => {
    expect(() => checkNumber('max', -1, { min: 0, allowInfinity: true })).toThrow(
      'Expected `max` to be a number >= 0, got `-1` (number)',
    );
    expect(() => checkInteger('max', 0.5, { min: 1, allowInfinity: true })).toThrow(
      'Expected `max` to be an integer or Infinity >= 1, got `0.5` (number)',
    );
    expect(checkInteger('max', Number.POSITIVE_INFINITY, { allowInfinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('checkInteger', () => {
  it('accepts integers in range', () => {
    expect(checkInteger('max', 10, { min: 1 })).toBe(10);
    expect(checkInteger('max', undefined, { min: 1, default: 5 })).toBe(5);
  });

  it('rejects fractions and out-of-range integers', () => {
    expect(() => checkInteger('max', 1.5, { min: 1 })).toThrow(
      new RangeError('Expected `max` to be an integer >= 1, got `1.5` (number)'),
    );
    expect(() => checkInteger('max', 0, { min: 1 })).toThrow(RangeError);
    expect(() => checkInteger('max', 11, { max: 10 })).toThrow(
      'Expected `max` to be an integer <= 10, got `11` (number)',
    );
    expect(() => checkInteger('max', 10n)).toThrow(
      new TypeError('Expected `max` to be an integer, got `10n` (bigint)'),
    );
  });
});

describe('other option checks', () => {
  it('checkBoolean accepts booleans and a fallback for undefined', () => {
    expect(checkBoolean('updateAgeOnGet', true)).toBe(true);
    expect(checkBoolean('updateAgeOnGet', undefined, false)).toBe(false);
    expect(() => checkBoolean('updateAgeOnGet', 'yes')).toThrow(
      new TypeError('Expected `updateAgeOnGet` to be a boolean, got `"yes"` (string)'),
    );
  });

  it('checkFunction and checkOptionalFunction validate callables', () => {
    const load = () => 1;
    expect(checkFunction('load', load)).toBe(load);
    expect(checkOptionalFunction('load', undefined)).toBeUndefined();
    expect(checkOptionalFunction('load', load)).toBe(load);
    expect(() => checkFunction('load', {})).toThrow(
      new TypeError('Expected `load` to be a function, got an object'),
    );
    expect(() => checkOptionalFunction('load', 3)).toThrow(TypeError);
  });

  it('checkOneOf lists the choices', () => {
    expect(checkOneOf('policy', 'lru', ['lru', 'tinylfu'])).toBe('lru');
    expect(checkOneOf('policy', undefined, ['lru', 'tinylfu'], 'tinylfu')).toBe('tinylfu');
    expect(() => checkOneOf('policy', 'lfu', ['lru', 'tinylfu'])).toThrow(
      new RangeError('Expected `policy` to be one of "lru", "tinylfu", got `"lfu"` (string)'),
    );
    expect(() => checkOneOf('policy', 1, ['lru'])).toThrow(TypeError);
  });

  it('checkString requires a non-empty string', () => {
    expect(checkString('prefix', 'bw:')).toBe('bw:');
    expect(checkString('prefix', undefined, 'bw:')).toBe('bw:');
    expect(() => checkString('prefix', '')).toThrow(RangeError);
    expect(() => checkString('prefix', 5)).toThrow(
      new TypeError('Expected `prefix` to be a non-empty string, got `5` (number)'),
    );
  });

  it('checkOptions accepts objects and undefined, and rejects anything else', () => {
    expect(checkOptions('options', undefined)).toEqual({});
    const options = { max: 1 };
    expect(checkOptions('options', options)).toBe(options);
    expect(() => checkOptions('options', [] as never)).toThrow(
      new TypeError('Expected `options` to be an options object, got an array of length 0'),
    );
    expect(() => checkOptions('options', 5 as never)).toThrow(TypeError);
    expect(() => checkOptions('options', null as never)).toThrow(TypeError);
  });

  it('checkKnownKeys refuses a key that is not an option, naming the known ones', () => {
    expect(() => checkKnownKeys('options', { max: 1, ttl: 2 }, ['max', 'ttl'])).not.toThrow();
    expect(() => checkKnownKeys('options', {}, ['max'])).not.toThrow();
    expect(() => checkKnownKeys('options', { max: 1, mxa: 2 }, ['max', 'ttl'])).toThrow(
      new TypeError('Unknown option `mxa` in `options`; the options are `max`, `ttl`'),
    );
  });

  it('checkSignal accepts AbortSignals and undefined', () => {
    const { signal } = new AbortController();
    expect(checkSignal('signal', signal)).toBe(signal);
    expect(checkSignal('signal', undefined)).toBeUndefined();
    expect(() => checkSignal('signal', { aborted: false })).toThrow(
      new TypeError('Expected `signal` to be an AbortSignal, got an object'),
    );
  });

  it('checkClock accepts anything with now() and defaults to the monotonic clock', () => {
    const clock = { now: () => 5 };
    expect(checkClock('clock', clock)).toBe(clock);
    expect(checkClock('clock', undefined)).toBe(monotonicClock);
    expect(() => checkClock('clock', Date)).toThrow(
      new TypeError(
        'Expected `clock` to be a clock object with a now() method, got function `Date`',
      ),
    );
    expect(() => checkClock('clock', { now: 1 })).toThrow(TypeError);
  });
});
