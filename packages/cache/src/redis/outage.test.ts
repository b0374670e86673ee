import { eventually, getFreePort } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { RedisErrorEvent } from './errors.js';
import {
  isReadyTimeoutError,
  isRedisTimeoutError,
  isRedisUnavailableError,
  ReadyTimeoutError,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
import { useRedisServer } from './redis-server.fixture.js';
import { TieredCache } from './tiered-cache.js';

const redis = useRedisServer('o');
const { connected, newPrefix, tiered } = redis;

/** ioredis keeps its offline queue private; it is what an outage would fill. */
function offlineQueueLength(client: Redis): number {
  return (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
}

describe('TieredCache when Redis fails', () => {
  it('keeps serving from L1 and the loader while Redis is down, queueing nothing in the client', async () => {
    const client = await connected();
    const load = vi.fn(async (key: string) => `loaded:${key}`);
    const cache = await tiered({ redis: client, prefix: newPrefix(), load, redisTimeoutMs: 5000 });
    await cache.set('warm', 'w');
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));

    await redis.server.kill();
    await eventually('the client sees the crash', () => client.status !== 'ready');

    expect(cache.get('warm')).toBe('w');
    const keys = Array.from({ length: 50 }, (_, i) => `cold-${i}`);
    expect(await Promise.all(keys.map((key) => cache.fetch(key)))).toEqual(
      keys.map((key) => `loaded:${key}`),
    );
    expect(load).toHaveBeenCalledTimes(50);
    await cache.set('new', 'n');
    await cache.delete('warm');
    expect(cache.get('new')).toBe('n');
    expect(cache.get('warm')).toBeUndefined();

    expect(client.commandQueue.length).toBe(0);
    expect(offlineQueueLength(client)).toBe(0);
    expect(cache.stats().redis.inFlight).toBe(0);

    const commands = errors.filter((event) => event.operation !== 'subscribe');
    // Each fetch skipped its read and its write; set and delete their command and publish.
    expect(commands).toHaveLength(50 * 2 + 4);
    for (const event of commands) {
      expect(event.kind).toBe('unavailable');
      expect(event.error).toBeInstanceOf(RedisUnavailableError);
      expect(isRedisUnavailableError(event.error)).toBe(true);
    }
    expect(commands.filter((event) => event.operation === 'get')).toHaveLength(50);
    expect(commands.map((event) => event.operation)).toEqual(
      expect.arrayContaining(['set', 'del', 'publish']),
    );
    expect(cache.stats().redis.errors).toBeGreaterThanOrEqual(104);
    expect(cache.stats().redis.timeouts).toBe(0);
    expect(Object.keys(cache.stats().l2)).toEqual(['hits', 'misses', 'writes']);
    await eventually('the lost subscription is reported', () =>
      errors.some((event) => event.operation === 'subscribe' && event.kind === 'unavailable'),
    );
  });

  it('ready rejects within timeoutMs when no Redis listens at start', async () => {
    const port = await getFreePort();
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50 });
    client.on('error', () => {});
    const cache = new TieredCache<string>({
      redis: client,
      prefix: newPrefix(),
      ttlMs: 1000,
      l1: { max: 10 },
    });
    redis.track(cache);
    const error = await cache.ready({ timeoutMs: 200 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ReadyTimeoutError);
    expect(isReadyTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'BREAKWATER_CACHE_READY_TIMEOUT',
      timeoutMs: 200,
      subscribed: false,
    });
    expect((error as ReadyTimeoutError).status).not.toBe('ready');
    expect((error as Error).message).toMatch(
      /^TieredCache not ready after 200 ms: the client is `\w+`, the invalidation subscription is not active$/,
    );
    client.disconnect();
  });

  it('ready rejects within timeoutMs while Redis is down, and resolves once it is back', async () => {
    const client = await connected();
    const cache = await tiered({ redis: client, prefix: newPrefix() });
    await redis.server.kill();
    await eventually('the client sees the crash', () => client.status !== 'ready');
    await expect(cache.ready({ timeoutMs: 100 })).rejects.toBeInstanceOf(ReadyTimeoutError);
    const waiting = cache.ready({ timeoutMs: 60_000 });
    await redis.server.restart();
    await waiting;
  });

  it('uses Redis again after a restart, with L1 flushed and invalidations flowing', async () => {
    const prefix = newPrefix();
    const loadA = vi.fn(async (key: string) => `A:${key}`);
    const loadB = vi.fn(async (key: string) => `B:${key}`);
    const a = await tiered({ redis: await connected(), prefix, load: loadA });
    const b = await tiered({ redis: await connected(), prefix, load: loadB });
    await a.set('k', 'v1');
    expect(await b.fetch('k')).toBe('v1');

    await redis.server.kill();
    await redis.server.restart();
    await eventually('both instances resubscribe and flush L1', () => {
      return a.stats().invalidations.flushes === 1 && b.stats().invalidations.flushes === 1;
    });
    expect(a.peek('k')).toBeUndefined();
    expect(b.peek('k')).toBeUndefined();
    await a.ready();
    await b.ready();

    // The restarted server has no data: A loads and writes, B then reads Redis.
    expect(await a.fetch('n')).toBe('A:n');
    await eventually('Redis acknowledges the write', () => a.stats().l2.writes === 2);
    expect(await b.fetch('n')).toBe('A:n');
    expect(loadB).not.toHaveBeenCalled();

    await a.set('n', 'v2');
    await eventually('B drops its copy', () => b.peek('n') === undefined);
    expect(await b.fetch('n')).toBe('v2');
  });

  it('stops waiting for a Redis call after the timeout and carries on without it', async () => {
    const client = await connected();
    const admin = await connected();
    const load = vi.fn(async (key: string) => `loaded:${key}`);
    const cache = await tiered({ redis: client, prefix: newPrefix(), load, redisTimeoutMs: 50 });
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));

    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    expect(await cache.fetch('slow')).toBe('loaded:slow');
    await cache.set('k', 'v');
    expect(cache.get('k')).toBe('v');
    await eventually('the background write times out', () => cache.stats().redis.timeouts === 4);

    expect(errors.map(({ operation, kind }) => `${operation}:${kind}`)).toEqual([
      'get:timeout',
      'set:timeout',
      'set:timeout',
      'publish:timeout',
    ]);
    const [first] = errors;
    expect(first!.error).toBeInstanceOf(RedisTimeoutError);
    expect(isRedisTimeoutError(first!.error)).toBe(true);
    expect(first!.error).toMatchObject({ operation: 'get', timeoutMs: 50 });
    expect(first).toMatchObject({ key: 'slow' });
    expect(cache.stats().redis).toMatchObject({ errors: 4, timeouts: 4 });

    await admin.ping(); // answered once the pause is over
    await cache.close(); // waits for nothing: every call has settled or timed out
  });

  it('skips Redis while maxInFlight commands are unsettled', async () => {
    const client = await connected();
    const admin = await connected();
    const cache = await tiered({
      redis: client,
      prefix: newPrefix(),
      load: async (key) => key,
      redisTimeoutMs: 50,
      maxInFlight: 2,
    });
    const errors: RedisErrorEvent[] = [];
    cache.onError((event) => errors.push(event));

    await admin.call('CLIENT', 'PAUSE', '500', 'ALL');
    expect(await Promise.all(['a', 'b', 'c'].map((key) => cache.fetch(key)))).toEqual([
      'a',
      'b',
      'c',
    ]);
    const saturated = errors.filter(
      (event) => event.kind === 'unavailable' && event.error.reason === 'saturated',
    );
    // c's read at once, then every loaded value's write: a and b still hold both slots.
    expect(saturated.map((event) => `${event.operation}:${event.key}`)).toEqual([
      'get:c',
      'set:c',
      'set:a',
      'set:b',
    ]);
    await admin.ping();
    await eventually('the paused reads settle', async () => {
      await cache.set('after', 'x');
      return cache.stats().l2.writes > 0;
    });
  });
});
