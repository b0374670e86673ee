import { describe, expect, it, vi } from 'vitest';
import { type RedisErrorEvent, TieredCache, type TieredCacheOptions } from './index.js';
import { asL1OptionError } from './options.js';
import { READ } from './scripts.js';

/**
 * Enough of an ioredis client to pass validation. Its commands succeed at once and it
 * cannot be duplicated (the subscriber then retries quietly until `close()`).
 */
function fakeRedis(overrides: Record<string, unknown> = {}) {
  return {
    status: 'ready',
    isCluster: false,
    set: async () => 'OK',
    publish: async () => 0,
    // Every script: a read finds nothing; a write or delete succeeds.
    evalsha: async (sha: string) => (sha === READ.sha ? [] : 1),
    eval: async () => 1,
    duplicate: () => undefined,
    ...overrides,
  };
}

function options(extra: Record<string, unknown> = {}): TieredCacheOptions<string> {
  return {
    redis: fakeRedis() as never,
    prefix: 'p:',
    ttlMs: 1000,
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
    [{ ttl: 1000 }, TypeError, 'Unknown option `ttl` in `options`; did you mean `ttlMs`?'],
    [
      { tombstoneTtl: 1000 },
      TypeError,
      'Unknown option `tombstoneTtl` in `options`; did you mean `tombstoneTtlMs`?',
    ],
    [{ l1: { max: 10, ttl: 5 } }, TypeError, 'Unknown option `ttl` in `l1`; did you mean `ttlMs`?'],
    [{ redis: fakeRedis({ status: undefined }) }, TypeError, '`redis`'],
    [{ redis: fakeRedis({ isCluster: true }) }, TypeError, '`redis`'],
    [
      { prefix: undefined },
      TypeError,
      'Expected `prefix` to be a non-empty string, got `undefined`',
    ],
    [{ prefix: '' }, RangeError, 'Expected `prefix` to be a non-empty string, got `""` (string)'],
    [
      { ttlMs: undefined },
      TypeError,
      'Expected `ttlMs` to be an integer >= 0 and <= 9007199254740991, got `undefined`',
    ],
    [
      { ttlMs: -1 },
      RangeError,
      'Expected `ttlMs` to be an integer >= 0 and <= 9007199254740991, got `-1` (number)',
    ],
    [{ l1: undefined }, TypeError, 'Expected `l1.max` to be an integer >= 1'],
    [{ l1: 5 }, TypeError, 'Expected `l1` to be an options object, got `5` (number)'],
    [
      { l1: { max: 0 } },
      RangeError,
      'Expected `l1.max` to be an integer >= 1 and <= 4294967288, got `0` (number)',
    ],
    [
      { l1: { max: 10, ttlMs: -1 } },
      RangeError,
      'Expected `l1.ttlMs` to be a finite number >= 0, got `-1` (number)',
    ],
    [
      { l1: { max: 10, maxSize: 5 } },
      TypeError,
      'Expected `l1.sizeOf` to be a function when `maxSize` is set',
    ],
    [
      { l1: { max: 10, freshness: { errorTtlMs: -1 } } },
      RangeError,
      'Expected `l1.freshness.errorTtlMs`',
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
      { redisTimeoutMs: 0 },
      RangeError,
      'Expected `redisTimeoutMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [{ redisTimeoutMs: Number.POSITIVE_INFINITY }, RangeError, '`redisTimeoutMs`'],
    [{ redisTimeoutMs: '1s' }, TypeError, '`redisTimeoutMs`'],
    [
      { redisTimeoutMs: 2 ** 31 },
      RangeError,
      'Expected `redisTimeoutMs` to be a finite number > 0 and <= 2147483647, got `2147483648` (number)',
    ],
    [
      { ttlMs: 1.5 },
      RangeError,
      'Expected `ttlMs` to be an integer >= 0 and <= 9007199254740991, got `1.5` (number)',
    ],
    [{ ttlMs: 2 ** 53 }, RangeError, '`ttlMs`'],
    [{ l1: { max: 10, purgeIntervalMs: 2 ** 40 } }, RangeError, 'Expected `l1.purgeIntervalMs`'],
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

  it('takes an explicit undefined as the default of every optional option', async () => {
    const cache = new TieredCache(
      options({
        l1: { max: 10, ttlMs: undefined, clock: undefined, freshness: undefined },
        load: undefined,
        serializer: undefined,
        channel: undefined,
        tombstoneTtlMs: undefined,
        redisTimeoutMs: undefined,
        maxInFlight: undefined,
      }),
    );
    await cache.set('k', 'v', { ttlMs: undefined, size: undefined });
    expect(cache.get('k')).toBe('v');
    await cache.close();
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
    await expect(cache.fetch('k', { ttlMs: -1 })).rejects.toThrow(
      'Expected `ttlMs` to be an integer >= 0 and <= 9007199254740991, got `-1` (number)',
    );
    await expect(cache.set('k', 'v', { ttlMs: 'x' as never })).rejects.toThrow(TypeError);
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
    await expect(cache.set('k', 'v', { ttlMs: 1.5 })).rejects.toThrow(
      new RangeError(
        'Expected `ttlMs` to be an integer >= 0 and <= 9007199254740991, got `1.5` (number)',
      ),
    );
    await expect(cache.fetch('k', { ttlMs: 0.5 })).rejects.toThrow(RangeError);
    await expect(cache.fetch('k', { ttlMs: 2 ** 60 })).rejects.toThrow(RangeError);
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
        'Unknown option `tll` in `options`; the options are `signal`, `context`, `ttlMs`',
      ),
    );
    await expect(cache.set('k', 'v', { tll: 5 } as never)).rejects.toThrow(
      new TypeError('Unknown option `tll` in `options`; the options are `ttlMs`, `size`'),
    );
    await expect(cache.set('k', 'v', { ttl: 5 } as never)).rejects.toThrow(
      'Unknown option `ttl` in `options`; did you mean `ttlMs`?',
    );
    await expect(cache.fetch('k', { ttl: 5 } as never)).rejects.toThrow(
      'Unknown option `ttl` in `options`; did you mean `ttlMs`?',
    );
    await expect(cache.set('k', 'v', { size: 0 })).rejects.toThrow(
      new RangeError('Expected `size` to be a finite number > 0, got `0` (number)'),
    );
    expect(load).not.toHaveBeenCalled();
    expect(set).not.toHaveBeenCalled();
    expect(cache.peek('k')).toBeUndefined();
    await cache.close();
  });

  it('checks the options of a set of undefined (a delete) before deleting anything', async () => {
    const evalScript = vi.fn(async () => 1);
    const cache = new TieredCache(options({ redis: fakeRedis({ eval: evalScript }) }));
    await cache.set('k', 'v');
    await expect(cache.set('k', undefined, { tll: 5 } as never)).rejects.toThrow(
      new TypeError('Unknown option `tll` in `options`; the options are `ttlMs`, `size`'),
    );
    await expect(cache.set('k', undefined, 5 as never)).rejects.toThrow(TypeError);
    await expect(cache.set('k', undefined, { ttlMs: 1.5 })).rejects.toThrow(RangeError);
    expect(evalScript).not.toHaveBeenCalled();
    expect(cache.peek('k')).toBe('v');
    await cache.set('k', undefined, { ttlMs: 5 });
    expect(evalScript).toHaveBeenCalledTimes(1);
    expect(cache.peek('k')).toBeUndefined();
    await cache.close();
  });

  it('validates the options of ready', async () => {
    const cache = new TieredCache(options());
    await expect(cache.ready({ timeout: 5 } as never)).rejects.toThrow(
      new TypeError('Unknown option `timeout` in `options`; the options are `signal`, `timeoutMs`'),
    );
    await expect(cache.ready({ timeoutMs: 2 ** 31 })).rejects.toThrow(
      new RangeError(
        'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `2147483648` (number)',
      ),
    );
    await expect(cache.ready({ timeoutMs: 0 })).rejects.toThrow(RangeError);
    await cache.close();
  });

  it('ready gives up after 5000 ms by default', async () => {
    vi.useFakeTimers();
    try {
      const cache = new TieredCache(
        options({ redis: fakeRedis({ status: 'connecting', on() {}, off() {} }) }),
      );
      const waiting = cache.ready();
      const outcome = waiting.catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(4999);
      let settled = false;
      void waiting
        .catch(() => {})
        .finally(() => {
          settled = true;
        });
      await Promise.resolve();
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await outcome).toMatchObject({
        code: 'BREAKWATER_CACHE_READY_TIMEOUT',
        timeoutMs: 5000,
        status: 'connecting',
      });
      await cache.close();
    } finally {
      vi.useRealTimers();
    }
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
    expect(cache.stats().redis.errors).toBe(1);
    await cache.close();
  });

  it('reports a failed read and loads instead', async () => {
    const evalsha = vi.fn(async (sha: string) => {
      if (sha === READ.sha) throw new Error('WRONGTYPE');
      return 1;
    });
    const cache = new TieredCache(
      options({ redis: fakeRedis({ evalsha }), load: async () => 'loaded' }),
    );
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('a')).toBe('loaded');
    expect(errors.map((event) => [event.operation, event.kind, String(event.error)])).toEqual([
      ['get', 'error', 'Error: WRONGTYPE'],
    ]);
    await cache.close();
  });

  it('reports a loaded value the serializer cannot write, and still returns it', async () => {
    const cache = new TieredCache<unknown>({
      ...(options() as TieredCacheOptions<unknown>),
      load: async () => 10n,
    });
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('k')).toBe(10n);
    expect(errors).toMatchObject([{ operation: 'set', kind: 'error', key: 'k' }]);
    await cache.close();
  });

  it('sends a delete as EVAL, so that a later command cannot overtake it', async () => {
    const sent: string[] = [];
    const redis = fakeRedis({
      evalsha: async () => {
        sent.push('evalsha');
        throw new Error('NOSCRIPT No matching script');
      },
      eval: async () => {
        sent.push('eval');
        return 1;
      },
    });
    const cache = new TieredCache(options({ redis }));
    await cache.delete('k');
    expect(sent).toEqual(['eval']);
    await cache.close();
  });

  it('falls back to EVAL once when Redis does not know a script', async () => {
    const evalsha = vi.fn(async () => {
      throw new Error('NOSCRIPT No matching script');
    });
    const evalScript = vi.fn(async () => []);
    const cache = new TieredCache(
      options({ redis: fakeRedis({ evalsha, eval: evalScript }), load: async () => 'v' }),
    );
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('k')).toBe('v');
    await vi.waitFor(() => expect(evalScript).toHaveBeenCalledTimes(2)); // the read, the write
    expect(evalsha).toHaveBeenCalledTimes(2);
    expect(errors).toEqual([]);
    await cache.close();
  });

  it('does not fall back to EVAL for a call that timed out or lost its connection', async () => {
    const redis = fakeRedis({
      evalsha: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        throw new Error('NOSCRIPT No matching script');
      },
      eval: vi.fn(async () => []),
    });
    const cache = new TieredCache(options({ redis, redisTimeoutMs: 1, load: async () => 'v' }));
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('k')).toBe('v');
    expect(errors[0]).toMatchObject({ operation: 'get', kind: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(redis.eval).not.toHaveBeenCalled();

    const dropping = fakeRedis({
      evalsha: async () => {
        dropping.status = 'reconnecting';
        throw new Error('NOSCRIPT No matching script');
      },
      eval: vi.fn(async () => []),
    });
    const other = new TieredCache(options({ redis: dropping, load: async () => 'v' }));
    other.onError((event) => errors.push(event));
    expect(await other.fetch('k')).toBe('v');
    const read = errors.find((event) => event.operation === 'get' && event.kind === 'error');
    expect(String(read?.error)).toContain('Redis get skipped: Redis is unavailable (reconnecting)');
    expect(dropping.eval).not.toHaveBeenCalled();
    await cache.close();
    await other.close();
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
    expect(cache.stats().redis.errors).toBe(1); // reported once per outage, not per retry
  });
});
