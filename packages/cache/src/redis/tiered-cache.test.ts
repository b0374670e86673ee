import { createManualClock, eventually } from '@breakwater/testing';
import { describe, expect, it, vi } from 'vitest';
import { CacheClosedError } from '../errors.js';
import { deferredLoads } from '../test-support.fixture.js';
import type { RedisErrorEvent } from './errors.js';
import { CorruptValueError, isCorruptValueError } from './errors.js';
import type { TieredCacheOptions } from './options.js';
import { useRedisServer } from './redis-server.fixture.js';
import { TieredCache } from './tiered-cache.js';

const redis = useRedisServer('t');
const { connected, newPrefix } = redis;

/** A cache on its own client, ready (subscribed); `prefix` shares a namespace between instances. */
function tiered<V, C = unknown>(
  prefix: string,
  options: Partial<TieredCacheOptions<V, C>> = {},
): Promise<TieredCache<V, C>> {
  return redis.tiered<V, C>({ prefix, l1: { max: 100 }, ...options });
}

describe('TieredCache', () => {
  it('reads L1, then Redis, then the loader, and stores a loaded value in both tiers', async () => {
    const prefix = newPrefix();
    const loadA = vi.fn(async (key: string) => `${key}-from-A`);
    const loadB = vi.fn(async (key: string) => `${key}-from-B`);
    const a = await tiered<string>(prefix, { load: loadA });
    const b = await tiered<string>(prefix, { load: loadB });

    expect(await a.fetch('k')).toBe('k-from-A');
    await eventually('Redis acknowledges the write', () => a.stats().l2.writes === 1);
    expect(await redis.admin.get(`${prefix}k`)).toBe('"k-from-A"');
    expect(await a.fetch('k')).toBe('k-from-A');
    expect(loadA).toHaveBeenCalledTimes(1);

    expect(await b.fetch('k')).toBe('k-from-A');
    expect(b.get('k')).toBe('k-from-A');
    expect(loadB).not.toHaveBeenCalled();

    expect(a.stats().l2).toEqual({ hits: 0, misses: 1, writes: 1 });
    expect(a.stats().redis).toEqual({ errors: 0, timeouts: 0, inFlight: 0 });
    expect(a.stats().l1).toMatchObject({ hits: 1, misses: 1, loads: 1 });
    expect(b.stats()).toMatchObject({
      l2: { hits: 1, misses: 0, writes: 0 },
      redis: { errors: 0 },
    });
  });

  it('shares one Redis read and one load between concurrent fetches of a key', async () => {
    const { calls, load } = deferredLoads<string>();
    const cache = await tiered<string>(newPrefix(), { load });
    const first = cache.fetch('k');
    const second = cache.fetch('k');
    await eventually('the loader runs', () => calls.length > 0);
    calls[0]!.resolve('v');
    expect(await Promise.all([first, second])).toEqual(['v', 'v']);
    expect(calls).toHaveLength(1);
    expect(cache.stats().l2.misses).toBe(1);
  });

  it('passes the context and the signal to the loader and stops waiting for an aborted caller', async () => {
    const { calls, load } = deferredLoads<string>();
    const cache = await tiered<string, { user: string }>(newPrefix(), { load });
    const controller = new AbortController();
    const fetched = cache.fetch('k', { signal: controller.signal, context: { user: 'ann' } });
    await eventually('the loader runs', () => calls.length > 0);
    expect(calls[0]!.options.context).toEqual({ user: 'ann' });
    controller.abort(new Error('gave up'));
    await expect(fetched).rejects.toThrow('gave up');
    expect(calls[0]!.options.signal.aborted).toBe(true);
  });

  it('resolves undefined on a miss in both tiers without a loader', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix);
    expect(await cache.fetch('absent')).toBeUndefined();
    await redis.admin.set(`${prefix}present`, '"here"');
    expect(await cache.fetch('present')).toBe('here');
  });

  it('stores nothing when the loader resolves undefined', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix, { load: async () => undefined });
    expect(await cache.fetch('k')).toBeUndefined();
    expect(cache.peek('k')).toBeUndefined();
    expect(await redis.admin.exists(`${prefix}k`)).toBe(0);
  });

  it('writes and reads Redis values through a pluggable serializer', async () => {
    const prefix = newPrefix();
    const serializer = {
      serialize: (value: { n: number }) => `n=${value.n}`,
      deserialize: (text: string) => ({ n: Number(text.slice(2)) }),
    };
    const a = await tiered<{ n: number }>(prefix, { serializer });
    const b = await tiered<{ n: number }>(prefix, { serializer });
    await a.set('k', { n: 42 });
    expect(await redis.admin.get(`${prefix}k`)).toBe('n=42');
    expect(await b.fetch('k')).toEqual({ n: 42 });
  });

  it('rejects set when the serializer fails, before changing anything', async () => {
    const prefix = newPrefix();
    const cache = await tiered<unknown>(prefix);
    await expect(cache.set('big', 1n)).rejects.toThrow(TypeError);
    await expect(cache.set('fn', () => 1)).rejects.toThrow(
      'Expected `serializer.serialize` to return a string, got `undefined`',
    );
    expect(cache.peek('big')).toBeUndefined();
    expect(await redis.admin.exists(`${prefix}big`)).toBe(0);
  });

  it('treats an unreadable Redis value as a corrupt miss: reported, deleted and loaded again', async () => {
    const prefix = newPrefix();
    const load = vi.fn(async () => ({ fixed: true }));
    const cache = await tiered<{ fixed: boolean }>(prefix, { load });
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    await redis.admin.set(`${prefix}bad`, '{not json');

    expect(await cache.fetch('bad')).toEqual({ fixed: true });
    expect(load).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ operation: 'get', kind: 'corrupt', key: 'bad' });
    expect(errors[0]!.error).toBeInstanceOf(CorruptValueError);
    expect(isCorruptValueError(errors[0]!.error)).toBe(true);
    expect((errors[0]!.error as CorruptValueError).source).toBe(`${prefix}bad`);
    await eventually('the corrupt value is replaced', async () => {
      return (await redis.admin.get(`${prefix}bad`)) === '{"fixed":true}';
    });
    expect(cache.stats()).toMatchObject({ l2: { misses: 1, hits: 0 }, redis: { errors: 1 } });
  });

  it('treats a value the serializer reads as undefined as corrupt', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix, {
      serializer: { serialize: (value) => value, deserialize: () => undefined as never },
    });
    await redis.admin.set(`${prefix}k`, 'anything');
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    expect(await cache.fetch('k')).toBeUndefined();
    expect(errors.map((event) => event.kind)).toEqual(['corrupt']);
    await eventually('the corrupt value is deleted', async () => {
      return (await redis.admin.exists(`${prefix}k`)) === 0;
    });
  });

  it('sets the Redis TTL with PX, or no expiry with ttl 0', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix, { ttlMs: 30_000, load: async (key) => key });
    await cache.set('default', 'v');
    await cache.set('short', 'v', { ttlMs: 5000 });
    await cache.set('forever', 'v', { ttlMs: 0 });
    await cache.fetch('loaded', { ttlMs: 7000 });
    await eventually('the loaded value is in Redis', async () => {
      return (await redis.admin.exists(`${prefix}loaded`)) === 1;
    });
    const pttl = async (key: string) => redis.admin.pttl(`${prefix}${key}`);
    expect(await pttl('default')).toBeGreaterThan(20_000);
    expect(await pttl('default')).toBeLessThanOrEqual(30_000);
    expect(await pttl('short')).toBeGreaterThan(0);
    expect(await pttl('short')).toBeLessThanOrEqual(5000);
    expect(await pttl('forever')).toBe(-1);
    expect(await pttl('loaded')).toBeGreaterThan(0);
    expect(await pttl('loaded')).toBeLessThanOrEqual(7000);
  });

  it('keeps a value read from Redis in L1 no longer than its remaining PTTL', async () => {
    const prefix = newPrefix();
    const clock = createManualClock(1000);
    const cache = await tiered<string>(prefix, { ttlMs: 0, l1: { max: 10, clock } });
    await redis.admin.set(`${prefix}k`, '"v"', 'PX', 50_000);
    await redis.admin.set(`${prefix}forever`, '"v"');
    expect(await cache.fetch('k')).toBe('v');
    expect(await cache.fetch('forever')).toBe('v');
    clock.advance(40_000);
    expect(cache.peek('k')).toBe('v');
    clock.advance(10_001);
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.peek('forever')).toBe('v');
  });

  it('keeps L1 entries no longer than l1.ttlMs', async () => {
    const clock = createManualClock(1000);
    const cache = await tiered<string>(newPrefix(), {
      ttlMs: 60_000,
      l1: { max: 10, ttlMs: 1000, clock },
    });
    await cache.set('k', 'v');
    clock.advance(1001);
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops the L1 copies of other instances on set and delete, and ignores its own messages', async () => {
    const prefix = newPrefix();
    const a = await tiered<string>(prefix, { load: async () => 'v1' });
    const b = await tiered<string>(prefix, { load: async () => 'v1' });
    expect(await a.fetch('k')).toBe('v1');
    await eventually(
      'the loaded value is in Redis',
      async () => (await redis.admin.exists(`${prefix}k`)) === 1,
    );
    expect(await b.fetch('k')).toBe('v1');

    await a.set('k', 'v2');
    await eventually('B drops its copy', () => b.peek('k') === undefined);
    // Delivered after A's own message about `k`: A has seen (and ignored) it by then.
    await b.set('other', 'x');
    await eventually('A hears from B', () => a.stats().invalidations.received === 1);
    expect(a.peek('k')).toBe('v2');
    expect(await b.fetch('k')).toBe('v2');

    await b.delete('k');
    await eventually('A drops its copy', () => a.peek('k') === undefined);
    expect(await redis.admin.type(`${prefix}k`)).toBe('hash'); // a tombstone, no value

    expect(a.stats().invalidations).toEqual({ sent: 1, received: 2, flushes: 0 });
    expect(b.stats().invalidations).toEqual({ sent: 2, received: 1, flushes: 0 });
  });

  it('set with undefined deletes the key everywhere', async () => {
    const prefix = newPrefix();
    const a = await tiered<string>(prefix);
    const b = await tiered<string>(prefix);
    await a.set('k', 'v');
    expect(await b.fetch('k')).toBe('v');
    await a.set('k', undefined);
    expect(a.peek('k')).toBeUndefined();
    await eventually('B drops its copy', () => b.peek('k') === undefined);
    expect(await redis.admin.type(`${prefix}k`)).toBe('hash'); // a tombstone, no value
  });

  it('does not let a load overwrite a set made while it ran', async () => {
    const prefix = newPrefix();
    const { calls, load } = deferredLoads<string>();
    const client = await connected();
    const cache = await tiered<string>(prefix, { redis: client, load });
    const fetched = cache.fetch('k');
    await eventually('the loader runs', () => calls.length > 0);
    await cache.set('k', 'explicit');
    calls[0]!.resolve('loaded');
    expect(await fetched).toBe('loaded');
    expect(cache.peek('k')).toBe('explicit');
    // A write of the loaded value would have been sent before `fetched` resolved.
    await client.ping();
    expect(await redis.admin.get(`${prefix}k`)).toBe('"explicit"');
  });

  it('does not keep a Redis value read while the key was invalidated', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix);
    await redis.admin.set(`${prefix}k`, '"old"');
    const read = cache.fetch('k');
    cache.clear();
    expect(await read).toBe('old');
    expect(cache.peek('k')).toBeUndefined();
  });

  it('reports a malformed invalidation message as corrupt and ignores it', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix);
    await cache.set('k', 'v');
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));
    await redis.admin.publish(`${prefix}invalidate`, 'not json');
    await redis.admin.publish(`${prefix}invalidate`, '{"origin":1}');
    await redis.admin.publish(`${prefix}invalidate`, 'null');
    await eventually('three errors are reported', () => errors.length === 3);
    expect(
      errors.every((event) => event.kind === 'corrupt' && event.operation === 'subscribe'),
    ).toBe(true);
    expect(cache.peek('k')).toBe('v');
  });

  it('uses the channel option for invalidations', async () => {
    const prefix = newPrefix();
    const a = await tiered<string>(prefix, { channel: `${prefix}custom` });
    const b = await tiered<string>(prefix, { channel: `${prefix}custom` });
    await b.set('k', 'v');
    expect(await a.fetch('k')).toBe('v');
    expect(await redis.admin.call('PUBSUB', 'NUMSUB', `${prefix}custom`)).toEqual([
      `${prefix}custom`,
      2,
    ]);
    await b.delete('k');
    await eventually('A drops its copy', () => a.peek('k') === undefined);
  });

  it('clear empties L1 only', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix);
    await cache.set('k', 'v');
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('k')).toBeUndefined();
    expect(await cache.fetch('k')).toBe('v');
  });

  it('close rejects pending fetches, disconnects its subscriber only and leaves the client connected', async () => {
    const prefix = newPrefix();
    const client = await connected();
    const cache = new TieredCache<string>({
      redis: client,
      prefix,
      ttlMs: 1000,
      l1: { max: 10 },
      load: () => new Promise<string>(() => {}),
    });
    await cache.ready();
    await cache.set('kept', 'v');
    const pending = expect(cache.fetch('never')).rejects.toBeInstanceOf(CacheClosedError);
    expect(cache.closed).toBe(false);
    const closing = cache.close();
    expect(cache.closed).toBe(true);
    await closing;
    await pending;
    await expect(cache.fetch('other')).rejects.toBeInstanceOf(CacheClosedError);
    await expect(cache.set('k', 'v')).rejects.toBeInstanceOf(CacheClosedError);
    await expect(cache.delete('k')).rejects.toBeInstanceOf(CacheClosedError);
    await expect(cache.ready()).rejects.toBeInstanceOf(CacheClosedError);
    expect(cache.get('kept')).toBe('v');
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    expect(await redis.admin.call('PUBSUB', 'NUMSUB', `${prefix}invalidate`)).toEqual([
      `${prefix}invalidate`,
      0,
    ]);
    await cache[Symbol.asyncDispose]();
  });

  it('ready waits for the client, rejects on abort and on close', async () => {
    const client = redis.server.client({ lazyConnect: true });
    const cache = new TieredCache<string>({
      redis: client,
      prefix: newPrefix(),
      ttlMs: 0,
      l1: { max: 1 },
    });
    const controller = new AbortController();
    const aborted = cache.ready({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    const waiting = cache.ready();
    const closing = cache.ready();
    await client.connect();
    await waiting;
    await cache.ready();
    await cache.close();
    await closing;

    const idle = new TieredCache<string>({
      redis: redis.server.client({ lazyConnect: true }),
      prefix: newPrefix(),
      ttlMs: 0,
      l1: { max: 1 },
    });
    const never = idle.ready();
    await expect(idle.ready({ signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow(
      'early',
    );
    await idle.close();
    await expect(never).rejects.toBeInstanceOf(CacheClosedError);
  });

  it('stops reporting to a listener once it unsubscribes', async () => {
    const prefix = newPrefix();
    const cache = await tiered<string>(prefix);
    const listener = vi.fn();
    const off = cache.onError(listener);
    await redis.admin.publish(`${prefix}invalidate`, 'junk');
    await eventually('the listener is called', () => listener.mock.calls.length === 1);
    off();
    await redis.admin.publish(`${prefix}invalidate`, 'junk');
    await eventually('the error is counted', () => cache.stats().redis.errors === 2);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
