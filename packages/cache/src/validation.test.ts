import { describe, expect, it, vi } from 'vitest';
import { Cache } from './cache.js';

describe('Cache option validation', () => {
  it.each([
    [
      { max: 0 },
      RangeError,
      'Expected `max` to be an integer >= 1 and <= 4294967288, got `0` (number)',
    ],
    [{ max: 1.5 }, RangeError, '`max`'],
    [
      { max: '10' },
      TypeError,
      'Expected `max` to be an integer >= 1 and <= 4294967288, got `"10"` (string)',
    ],
    [{}, TypeError, 'got `undefined`'],
    [
      { max: 10, ttlMs: -1 },
      RangeError,
      'Expected `ttlMs` to be a finite number >= 0, got `-1` (number)',
    ],
    [{ max: 10, ttlMs: Number.NaN }, TypeError, '`ttlMs`'],
    [
      { max: 10, maxSize: 0, sizeOf: () => 1 },
      RangeError,
      'Expected `maxSize` to be a number > 0, got `0` (number)',
    ],
    [
      { max: 10, maxSize: 100 },
      TypeError,
      'Expected `sizeOf` to be a function when `maxSize` is set',
    ],
    [{ max: 10, sizeOf: 5 }, TypeError, 'Expected `sizeOf` to be a function, got `5` (number)'],
    [
      { max: 10, policy: 'lfu' },
      RangeError,
      'Expected `policy` to be one of "lru", "tinylfu", got `"lfu"` (string)',
    ],
    [{ max: 10, updateAgeOnGet: 1 }, TypeError, '`updateAgeOnGet`'],
    [{ max: 10, purgeIntervalMs: -5 }, RangeError, '`purgeIntervalMs`'],
    [{ max: 10, load: 'fetch' }, TypeError, '`load`'],
    [{ max: 10, clock: {} }, TypeError, '`clock`'],
    [
      { max: 10, freshness: { staleWhileRevalidateMs: -1 } },
      RangeError,
      '`freshness.staleWhileRevalidateMs`',
    ],
    [{ max: 10, freshness: { staleIfErrorMs: '1s' } }, TypeError, '`freshness.staleIfErrorMs`'],
    [{ max: 10, freshness: { errorTtlMs: -1 } }, RangeError, '`freshness.errorTtlMs`'],
    [{ max: 10, freshness: 5 }, TypeError, '`freshness`'],
  ])('rejects %o', (options, type, message) => {
    expect(() => new Cache(options as never)).toThrow(type);
    expect(() => new Cache(options as never)).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => new Cache(undefined as never)).toThrow(TypeError);
  });

  it('does not write into the caller options', () => {
    const options = { max: 3 };
    new Cache(options);
    expect(options).toEqual({ max: 3 });
  });

  it('validates per-entry ttl and size, naming the key', () => {
    const cache = new Cache<string, string>({ max: 10, maxSize: 100, sizeOf: (v) => v.length });
    expect(() => cache.set('a', 'x', { ttlMs: -1 })).toThrow(
      new RangeError('Expected `ttlMs` to be a finite number >= 0, got `-1` (number)'),
    );
    expect(() => cache.set('a', 'x', { size: 0 })).toThrow(
      new RangeError(
        'Expected `size` to be a finite number > 0 for key `"a"` (string), got `0` (number)',
      ),
    );
    expect(() => cache.set('b', '')).toThrow(
      new RangeError(
        'Expected `sizeOf` to be a finite number > 0 for key `"b"` (string), got `0` (number)',
      ),
    );
    const bad = new Cache<string, number>({ max: 10, maxSize: 100, sizeOf: (v) => v });
    expect(() => bad.set('inf', Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => bad.set('nan', Number.NaN)).toThrow(TypeError);
    expect(bad.size).toBe(0);
  });

  it('refuses a size or ttlMs of the wrong type with a TypeError, whatever the cache weighs', () => {
    const weighed = new Cache<string, string>({ max: 10, maxSize: 100, sizeOf: (v) => v.length });
    const counted = new Cache<string, string>({ max: 10 });
    for (const cache of [weighed, counted]) {
      expect(() => cache.set('a', 'x', { size: '3' } as never)).toThrow(
        new TypeError(
          'Expected `size` to be a finite number > 0 for key `"a"` (string), got `"3"` (string)',
        ),
      );
      expect(() => cache.set('a', 'x', { size: Number.NaN })).toThrow(TypeError);
      expect(() => cache.set('a', undefined, { size: '3' } as never)).toThrow(TypeError);
      expect(() => cache.set('a', 'x', { size: -1 })).toThrow(RangeError);
      expect(() => cache.set('a', 'x', { ttlMs: '5' } as never)).toThrow(
        new TypeError('Expected `ttlMs` to be a finite number >= 0, got `"5"` (string)'),
      );
      expect(cache.size).toBe(0);
    }
    const stringly = new Cache<string, string>({
      max: 10,
      maxSize: 100,
      sizeOf: () => '3' as never,
    });
    expect(() => stringly.set('a', 'x')).toThrow(
      new TypeError(
        'Expected `sizeOf` to be a finite number > 0 for key `"a"` (string), got `"3"` (string)',
      ),
    );
  });

  it('refuses a forceRefresh that is not a boolean before loading', async () => {
    const load = vi.fn(async () => 'fresh');
    const cache = new Cache<string, string>({ max: 10, load });
    cache.set('k', 'cached');
    await expect(cache.fetch('k', { forceRefresh: 'yes' } as never)).rejects.toThrow(
      new TypeError('Expected `forceRefresh` to be a boolean, got `"yes"` (string)'),
    );
    await expect(cache.fetch('k', { forceRefresh: 1 } as never)).rejects.toThrow(TypeError);
    expect(load).not.toHaveBeenCalled();
    await expect(cache.fetch('k', { forceRefresh: undefined })).resolves.toBe('cached');
    await expect(cache.fetch('k', { forceRefresh: false })).resolves.toBe('cached');
    await expect(cache.fetch('k', { forceRefresh: true })).resolves.toBe('fresh');
    expect(load).toHaveBeenCalledTimes(1);
    cache.close();
  });

  it('validates resize', () => {
    const cache = new Cache({ max: 10 });
    expect(() => cache.resize(0)).toThrow(RangeError);
    expect(() => cache.resize(Number.NaN)).toThrow(TypeError);
  });

  it('refuses unknown options and unknown freshness fields, naming them', () => {
    expect(() => new Cache({ max: 10, maxAge: 5 } as never)).toThrow(
      /^Unknown option `maxAge` in `options`; the options are `max`, `maxSize`/,
    );
    expect(() => new Cache({ max: 10, freshness: { swr: 5 } } as never)).toThrow(
      new TypeError(
        'Unknown option `swr` in `freshness`; the options are `staleWhileRevalidateMs`, `staleIfErrorMs`, `errorTtlMs`',
      ),
    );
  });

  it('refuses a purgeIntervalMs longer than a Node.js timer can wait', () => {
    expect(() => new Cache({ max: 10, purgeIntervalMs: 2 ** 40 })).toThrow(
      new RangeError(
        'Expected `purgeIntervalMs` to be a finite number >= 0 and <= 2147483647, got `1099511627776` (number)',
      ),
    );
    expect(() => new Cache({ max: 10, purgeIntervalMs: 30 * 24 * 3_600_000 })).toThrow(RangeError);
    new Cache({ max: 10, purgeIntervalMs: 2 ** 31 - 1 }).close();
  });

  it('checks the options of a set of undefined (a delete) before deleting', () => {
    const cache = new Cache<string, string>({ max: 10 });
    cache.set('k', 'v');
    expect(() => cache.set('k', undefined, { tll: 5 } as never)).toThrow(
      new TypeError('Unknown option `tll` in `options`; the options are `ttlMs`, `size`'),
    );
    expect(() => cache.set('k', undefined, { ttlMs: -1 })).toThrow(RangeError);
    expect(() => cache.set('k', undefined, { size: 0 })).toThrow(
      new RangeError(
        'Expected `size` to be a finite number > 0 for key `"k"` (string), got `0` (number)',
      ),
    );
    expect(cache.get('k')).toBe('v');
    cache.set('k', undefined, { ttlMs: 5 });
    expect(cache.has('k')).toBe(false);
    cache.close();
  });

  it('validates per-call options before doing anything', async () => {
    const load = vi.fn(async () => 'v');
    const cache = new Cache<string, string>({ max: 10, load });
    await expect(cache.fetch('k', { signal: 'x' as never })).rejects.toThrow(
      new TypeError('Expected `signal` to be an AbortSignal, got `"x"` (string)'),
    );
    await expect(cache.fetch('k', { tll: 5 } as never)).rejects.toThrow(
      /^Unknown option `tll` in `options`; the options are `signal`, `context`, `ttlMs`, `forceRefresh`$/,
    );
    expect(load).not.toHaveBeenCalled();
    expect(() => cache.set('k', 'v', { tll: 5 } as never)).toThrow(
      new TypeError('Unknown option `tll` in `options`; the options are `ttlMs`, `size`'),
    );
    expect(() => cache.set('k', 'v', { size: 'big' } as never)).toThrow(
      new TypeError(
        'Expected `size` to be a finite number > 0 for key `"k"` (string), got `"big"` (string)',
      ),
    );
    expect(cache.size).toBe(0);
    cache.close();
  });

  it('refuses a duration named without Ms, naming the option meant', async () => {
    expect(() => new Cache({ max: 10, ttl: 1000 } as never)).toThrow(
      new TypeError(
        'Unknown option `ttl` in `options`; did you mean `ttlMs`? The options are `max`, `maxSize`, `sizeOf`, `ttlMs`, `updateAgeOnGet`, `purgeIntervalMs`, `policy`, `load`, `freshness`, `clock`',
      ),
    );
    expect(() => new Cache({ max: 10, purgeInterval: 1000 } as never)).toThrow(
      /did you mean `purgeIntervalMs`\?/,
    );
    for (const old of ['staleWhileRevalidate', 'staleIfError', 'errorTtl']) {
      expect(() => new Cache({ max: 10, freshness: { [old]: 1000 } } as never)).toThrow(
        new RegExp(`^Unknown option \`${old}\` in \`freshness\`; did you mean \`${old}Ms\`\\?`),
      );
    }
    const cache = new Cache<string, string>({ max: 10, load: () => 'v' });
    expect(() => cache.set('k', 'v', { ttl: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option `ttl` in `options`; did you mean `ttlMs`? The options are `ttlMs`, `size`',
      ),
    );
    await expect(cache.fetch('k', { ttl: 5 } as never)).rejects.toThrow(
      /^Unknown option `ttl` in `options`; did you mean `ttlMs`\?/,
    );
    cache.close();
  });

  it('takes an explicit undefined as the default of every optional option', async () => {
    const cache = new Cache<string, string>({
      max: 10,
      maxSize: undefined,
      sizeOf: undefined,
      ttlMs: undefined,
      updateAgeOnGet: undefined,
      purgeIntervalMs: undefined,
      policy: undefined,
      load: () => 'loaded',
      freshness: {
        staleWhileRevalidateMs: undefined,
        staleIfErrorMs: undefined,
        errorTtlMs: undefined,
      },
      clock: undefined,
    });
    cache.set('k', 'v', { ttlMs: undefined, size: undefined });
    expect(cache.remainingTtlMs('k')).toBe(Number.POSITIVE_INFINITY);
    const options = { signal: undefined, context: undefined, ttlMs: undefined };
    expect(await cache.fetch('m', { ...options, forceRefresh: undefined })).toBe('loaded');
    expect(new Cache({ max: 1, freshness: undefined }).stats().size).toBe(0);
    await cache.close();
  });
});
