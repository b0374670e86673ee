import { describe, expect, it, vi } from 'vitest';
import { type RedisErrorEvent, TieredCache, type TieredCacheOptions } from './index.js';
import { asL1OptionError } from './options.js';

/**
 * Enough of an ioredis client to pass validation. Its commands succeed at once and it
 * cannot be duplicated (the subscriber then retries quietly until `close()`).
 */
function fakeRedis(overrides: Record<string, unknown> = {}) {
  return {
    status: 'ready',
    isCluster: false,
    get: async () => null,
    set: async () => 'OK',
    del: async () => 1,
    publish: async () => 0,
    pipeline: () => ({}),
    duplicate: () => undefined,
    ...overrides,
  };
}

function options(extra: Record<string, unknown> = {}): TieredCacheOptions<string> {
  return {
    redis: fakeRedis() as never,
    prefix: 'p:',
    ttl: 1000,
    l1: { max: 10 },
    ...extra,
  } as TieredCacheOptions<string>;
}

describe('TieredCache option validation', () => {
  it.each([
    [
      { redis: undefined },
      TypeError,
      'Expected `redis` to be an ioredis Redis or Cluster instance, got `undefined`',
    ],
    [
      { redis: {} },
      TypeError,
      'Expected `redis` to be an ioredis Redis or Cluster instance, got an object',
    ],
    [{ redis: fakeRedis({ duplicate: undefined }) }, TypeError, '`redis`'],
    [{ timeoutMs: 5 }, TypeError, 'Unknown option `timeoutMs` in `options`'],
    [{ l1: { max: 10, maxEntries: 5 } }, TypeError, 'Unknown option `maxEntries` in `l1`'],
    [{ redis: fakeRedis({ status: undefined }) }, TypeError, '`redis`'],
    [{ redis: fakeRedis({ isCluster: true }) }, TypeError, '`redis`'],
    [
      { prefix: undefined },
      TypeError,
      'Expected `prefix` to be a non-empty string, got `undefined`',
    ],
    [{ prefix: '' }, RangeError, 'Expected `prefix` to be a non-empty string, got `""` (string)'],
    [
      { ttl: undefined },
      TypeError,
      'Expected `ttl` to be an integer >= 0 and <= 9007199254740991, got `undefined`',
    ],
    [
      { ttl: -1 },
      RangeError,
      'Expected `ttl` to be an integer >= 0 and <= 9007199254740991, got `-1` (number)',
    ],
    [{ l1: undefined }, TypeError, 'Expected `l1.max` to be an integer >= 1'],
    [{ l1: 5 }, TypeError, 'Expected `l1` to be an options object, got `5` (number)'],
    [
      { l1: { max: 0 } },
      RangeError,
      'Expected `l1.max` to be an integer >= 1 and <= 4294967288, got `0` (number)',
    ],
    [
      { l1: { max: 10, ttl: -1 } },
      RangeError,
      'Expected `l1.ttl` to be a finite number >= 0, got `-1` (number)',
    ],
    [
      { l1: { max: 10, maxSize: 5 } },
      TypeError,
      'Expected `l1.sizeOf` to be a function when `maxSize` is set',
    ],
    [
      { l1: { max: 10, freshness: { errorTtl: -1 } } },
      RangeError,
      'Expected `l1.freshness.errorTtl`',
    ],
    [
      { l1: { max: 10, load: () => 1 } },
      TypeError,
      'Expected `l1.load` to be undefined (pass `load` to TieredCache itself), got function',
    ],
    [{ load: 'fetch' }, TypeError, 'Expected `load` to be a function, got `"fetch"` (string)'],
    [
      { serializer: 5 },
      TypeError,
      'Expected `serializer` to be an options object, got `5` (number)',
    ],
    [
      { serializer: { serialize: String } },
      TypeError,
      'Expected `serializer.deserialize` to be a function, got `undefined`',
    ],
    [
      { serializer: { deserialize: String } },
      TypeError,
      'Expected `serializer.serialize` to be a function, got `undefined`',
    ],
    [
      { timeout: 0 },
      RangeError,
      'Expected `timeout` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [{ timeout: Number.POSITIVE_INFINITY }, RangeError, '`timeout`'],
    [{ timeout: '1s' }, TypeError, '`timeout`'],
    [
      { timeout: 2 ** 31 },
      RangeError,
      'Expected `timeout` to be a finite number > 0 and <= 2147483647, got `2147483648` (number)',
    ],
    [
      { ttl: 1.5 },
      RangeError,
      'Expected `ttl` to be an integer >= 0 and <= 9007199254740991, got `1.5` (number)',
    ],
    [{ ttl: 2 ** 53 }, RangeError, '`ttl`'],
    [{ l1: { max: 10, purgeInterval: 2 ** 40 } }, RangeError, 'Expected `l1.purgeInterval`'],
    [
      { maxInFlight: 0 },
      RangeError,
      'Expected `maxInFlight` to be an integer >= 1, got `0` (number)',
    ],
    [{ maxInFlight: 1.5 }, RangeError, '`maxInFlight`'],
    [{ channel: '' }, RangeError, 'Expected `channel` to be a non-empty string, got `""` (string)'],
    [{ channel: 7 }, TypeError, '`channel`'],
  ])('rejects %o', (extra, type, message) => {
    expect(() => new TieredCache(options(extra))).toThrow(type);
    expect(() => new TieredCache(options(extra))).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => new TieredCache(undefined as never)).toThrow(TypeError);
  });

  it('renames only the option errors of the in-memory tier', () => {
    const other = new Error('Expected `max` elsewhere');
    expect(asL1OptionError(other)).toBe(other);
    const odd = new TypeError('something else');
    expect(asL1OptionError(odd)).toBe(odd);
    const renamed = asL1OptionError(new RangeError('Expected `max` to be …'));
    expect(renamed).toBeInstanceOf(RangeError);
    expect((renamed as Error).message).toBe('Expected `l1.max` to be …');
  });

  it('does not write into the caller options', async () => {
    const given = options({ l1: { max: 3 } });
    const snapshot = { ...given, l1: { ...given.l1 } };
    const cache = new TieredCache(given);
    expect(given).toEqual(snapshot);
    await cache.close();
  });

  it('validates per-call options', async () => {
    const cache = new TieredCache(options());
    await expect(cache.fetch('k', 5 as never)).rejects.toThrow(TypeError);
    await expect(cache.fetch('k', { ttl: -1 })).rejects.toThrow(
      'Expected `ttl` to be an integer >= 0 and <= 9007199254740991, got `-1` (number)',
    );
    await expect(cache.set('k', 'v', { ttl: 'x' as never })).rejects.toThrow(TypeError);
    await expect(cache.set('k', 'v', 5 as never)).rejects.toThrow(TypeError);
    await expect(cache.ready({ signal: 'no' as never })).rejects.toThrow(
      'Expected `signal` to be an AbortSignal',
    );
    expect(cache.peek('k')).toBeUndefined();
    await cache.close();
  });

  it('refuses a fractional or unsafe per-call ttl, which Redis could not store', async () => {
    const set = vi.fn(async () => 'OK');
    const load = vi.fn(async () => 'v');
    const cache = new TieredCache(options({ redis: fakeRedis({ set }), load }));
    await expect(cache.set('k', 'v', { ttl: 1.5 })).rejects.toThrow(
      new RangeError(
        'Expected `ttl` to be an integer >= 0 and <= 9007199254740991, got `1.5` (number)',
      ),
    );
    await expect(cache.fetch('k', { ttl: 0.5 })).rejects.toThrow(RangeError);
    await expect(cache.fetch('k', { ttl: 2 ** 60 })).rejects.toThrow(RangeError);
    expect(set).not.toHaveBeenCalled();
    expect(load).not.toHaveBeenCalled();
    expect(cache.peek('k')).toBeUndefined();
    await cache.close();
  });

  it('refuses unknown per-call options and a signal that is not an AbortSignal, before any work', async () => {
    const set = vi.fn(async () => 'OK');
    const load = vi.fn(async () => 'v');
    const cache = new TieredCache(options({ redis: fakeRedis({ set }), load }));
    await expect(cache.fetch('k', { signal: 'x' as never })).rejects.toThrow(
      new TypeError('Expected `signal` to be an AbortSignal, got `"x"` (string)'),
    );
    await expect(cache.fetch('k', { tll: 5 } as never)).rejects.toThrow(
      new TypeError(
        'Unknown option `tll` in `options`; the options are `signal`, `context`, `ttl`',
      ),
    );
    await expect(cache.set('k', 'v', { tll: 5 } as never)).rejects.toThrow(
      new TypeError('Unknown option `tll` in `options`; the options are `ttl`, `size`'),
    );
    await expect(cache.set('k', 'v', { size: 0 })).rejects.toThrow(
      new RangeError('Expected `size` to be a finite number > 0, got `0` (number)'),
    );
    expect(load).not.toHaveBeenCalled();
    expect(set).not.toHaveBeenCalled();
    expect(cache.peek('k')).toBeUndefined();
    await cache.close();
  });

  it.each([
    ['a number', 1, '`1` (number)'],
    ['an object', { id: 1 }, 'an object'],
    ['a symbol', Symbol('k'), '`Symbol(k)` (symbol)'],
    ['undefined', undefined, '`undefined`'],
  ])(
    'refuses %s as a key in every method, rejecting from the async ones',
    async (_, key, shown) => {
      const set = vi.fn(async () => 'OK');
      const del = vi.fn(async () => 1);
      const load = vi.fn(async () => 'v');
      const cache = new TieredCache(options({ redis: fakeRedis({ set, del }), load }));
      const error = new TypeError(`Expected \`key\` to be a string, got ${shown}`);
      expect(() => cache.get(key as never)).toThrow(error);
      expect(() => cache.peek(key as never)).toThrow(error);
      const calls = [
        () => cache.fetch(key as never),
        () => cache.set(key as never, 'v'),
        () => cache.set(key as never, undefined),
        () => cache.delete(key as never),
      ];
      for (const call of calls) {
        let pending: Promise<unknown> | undefined;
        expect(() => {
          pending = call();
        }).not.toThrow();
        await expect(pending).rejects.toThrow(error);
      }
      expect(set).not.toHaveBeenCalled();
      expect(del).not.toHaveBeenCalled();
      expect(load).not.toHaveBeenCalled();
      expect(cache.size).toBe(0);
      await cache.close();
    },
  );

  it('accepts a serializer that keeps state on itself', async () => {
    const serializer = {
      tag: 'v1|',
      serialize(this: { tag: string }, value: string) {
        return this.tag + value;
      },
      deserialize(this: { tag: string }, text: string) {
        return text.slice(this.tag.length);
      },
    };
    const set = vi.fn(async () => 'OK');
    const cache = new TieredCache(options({ serializer, redis: fakeRedis({ set }) }));
    await cache.set('k', 'value');
    expect(set).toHaveBeenCalledWith('p:k', 'v1|value', 'PX', 1000);
    await cache.close();
  });
});

describe('TieredCache with a misbehaving client', () => {
  it('reports a command that throws instead of returning a promise', async () => {
    const redis = fakeRedis({
      set: () => {
        throw new Error('sync failure');
      },
    });
    const cache = new TieredCache(options({ redis }));
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    await cache.set('k', 'v');
    expect(cache.get('k')).toBe('v');
    expect(errors).toMatchObject([{ operation: 'set', kind: 'error', key: 'k' }]);
    expect(cache.stats().l2.errors).toBe(1);
    await cache.close();
  });

  it('reports a failed pipeline read and loads instead', async () => {
    const failing = {
      get: () => failing,
      pttl: () => failing,
      exec: async () => [
        [new Error('WRONGTYPE'), null],
        [null, -1],
      ],
    };
    const discarded = { get: () => discarded, pttl: () => discarded, exec: async () => null };
    let pipeline: unknown = failing;
    const cache = new TieredCache(
      options({ redis: fakeRedis({ pipeline: () => pipeline }), load: async () => 'loaded' }),
    );
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('a')).toBe('loaded');
    pipeline = discarded;
    expect(await cache.fetch('b')).toBe('loaded');
    expect(errors.map((event) => [event.operation, event.kind, String(event.error)])).toEqual([
      ['get', 'error', 'Error: WRONGTYPE'],
      ['get', 'error', 'Error: The Redis pipeline was discarded'],
    ]);
    await cache.close();
  });

  it('reports a loaded value the serializer cannot write, and still returns it', async () => {
    const pipeline = {
      get: () => pipeline,
      pttl: () => pipeline,
      exec: async () => [
        [null, null],
        [null, -2],
      ],
    };
    const cache = new TieredCache<unknown>({
      ...(options({
        redis: fakeRedis({ pipeline: () => pipeline }),
      }) as TieredCacheOptions<unknown>),
      load: async () => 10n,
    });
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('k')).toBe(10n);
    expect(errors).toMatchObject([{ operation: 'set', kind: 'error', key: 'k' }]);
    await cache.close();
  });

  it('retries when the client cannot be duplicated for the subscriber', async () => {
    const duplicate = vi.fn(() => {
      throw new Error('no duplicate');
    });
    const cache = new TieredCache(options({ redis: fakeRedis({ duplicate }) }));
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    await vi.waitFor(() => expect(duplicate.mock.calls.length).toBeGreaterThan(1), {
      timeout: 5000,
    });
    await cache.close();
    expect(cache.stats().l2.errors).toBe(1); // reported once per outage, not per retry
  });
});
