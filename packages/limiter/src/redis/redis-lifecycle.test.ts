import { wallClock } from '@breakwater/core';
import { startRedis } from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isRateLimiterClosedError, RateLimiterClosedError } from '../errors.js';
import { type LimitRule, RateLimiter } from '../index.js';
import { type OutageEvent, type RedisAlgorithm, RedisRateLimiter } from './index.js';

let server: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
let n = 0;
const fresh = (): string => `life-${++n}`;

beforeAll(async () => {
  server = await startRedis();
  client = server.client();
  await client.ping();
});
afterAll(() => server.stop());

/** A client that is never ready: every call is skipped as unavailable. */
const down = (): Redis =>
  ({
    status: 'connecting',
    evalsha: () => new Promise<never>(() => {}),
    eval: () => new Promise<never>(() => {}),
  }) as unknown as Redis;

describe('RedisRateLimiter: close', () => {
  it('settles the requests made before it, then refuses new ones', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 2, windowMs: 60_000 } });
    const key = fresh();
    const pending = [limiter.consume(key), limiter.consume(key), limiter.consume(key)];
    await limiter.close();
    expect((await Promise.all(pending)).map((r) => r.allowed)).toEqual([true, true, false]);
    expect(limiter.stats().redis.inFlight).toBe(0);
    expect(limiter.closed).toBe(true);
    await expect(limiter.consume(key)).rejects.toThrow(RateLimiterClosedError);
    await expect(limiter.limit(key)).rejects.toThrow(RateLimiterClosedError);
    await expect(limiter.acquire(key)).rejects.toThrow(RateLimiterClosedError);
    await expect(limiter.reset(key)).rejects.toThrow(RateLimiterClosedError);
    // Reading keeps working, and the client is still the caller's.
    expect(await limiter.get(key)).toMatchObject({ allowed: false, remaining: 0 });
    expect(client.status).toBe('ready');
    expect(limiter.stats()).toMatchObject({ decisions: 3 });
    await expect(limiter[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  it('rejects an acquire caller waiting for its next attempt', async () => {
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 1, windowMs: 600_000 },
    });
    const key = fresh();
    await limiter.acquire(key);
    const waiting = limiter.acquire(key);
    const settled = waiting.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    // Closes while the second decision is on its way, and again while the caller sleeps.
    await limiter.close();
    const sleeping = new RedisRateLimiter({
      redis: client,
      limits: { limit: 1, windowMs: 600_000 },
    });
    const other = fresh();
    await sleeping.acquire(other);
    const asleep = sleeping.acquire(other).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    while (sleeping.stats().decisions < 2 || sleeping.stats().redis.inFlight > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    await sleeping.close();
    expect(isRateLimiterClosedError(await asleep)).toBe(true);
    const reason = await settled;
    expect(isRateLimiterClosedError(reason)).toBe(true);
  });
});

describe('RedisRateLimiter: onOutage', () => {
  it('returns a Disposable unsubscribe', async () => {
    const limiter = new RedisRateLimiter({ redis: down(), limits: { limit: 1, windowMs: 1_000 } });
    const events: OutageEvent[] = [];
    const off = limiter.onOutage((event) => events.push(event));
    expect(typeof off[Symbol.dispose]).toBe('function');
    off[Symbol.dispose]();
    await limiter.consume('k');
    expect(events).toEqual([]);
    expect(limiter.mode).toBe('outage');
  });

  it('rethrows a throwing listener asynchronously, after the other listeners ran', async () => {
    const queued: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      queued.push(task);
    });
    try {
      const limiter = new RedisRateLimiter({
        redis: down(),
        limits: { limit: 1, windowMs: 1_000 },
        outage: 'fail-open',
      });
      const events: OutageEvent[] = [];
      limiter.onOutage(() => {
        throw new Error('listener failed');
      });
      limiter.onOutage((event) => events.push(event));
      expect(await limiter.consume('k')).toMatchObject({ allowed: true });
      expect(events).toEqual([{ mode: 'outage', reason: 'unavailable: connecting' }]);
      expect(queued).toHaveLength(1);
      expect(() => queued[0]!()).toThrow('listener failed');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('RedisRateLimiter: get', () => {
  const limits: LimitRule[] = [
    { limit: 3, windowMs: 3_600_000 },
    { limit: 5, windowMs: 7_200_000 },
  ];
  it.each<RedisAlgorithm>(['gcra', 'token-bucket', 'sliding-window', 'fixed-window'])(
    'reads what the in-process get reads, and writes nothing (%s)',
    async (algorithm) => {
      const remote = new RedisRateLimiter({
        redis: client,
        limits,
        algorithm,
        blockCache: false,
      });
      const local = new RateLimiter({ limits, algorithm, clock: wallClock });
      const key = fresh();
      const stored = `bw:limit:{${key}}`;
      const same = (a: { allowed: boolean; limit: number; remaining: number }) => ({
        allowed: a.allowed,
        limit: a.limit,
        remaining: a.remaining,
      });
      // An unknown key stays unknown.
      expect(same(await remote.get(key))).toEqual(same(local.get(key)));
      expect(await client.exists(stored)).toBe(0);
      for (let step = 0; step < 5; step++) {
        await remote.consume(key);
        local.consume(key);
        const value = await client.getBuffer(stored);
        const ttl = await client.pttl(stored);
        const read = await remote.get(key);
        const expected = local.get(key);
        expect(same(read)).toEqual(same(expected));
        // Two clocks (Redis TIME and this process) read a few ms apart.
        expect(Math.abs(read.retryAfterMs - expected.retryAfterMs)).toBeLessThan(1_000);
        expect(Math.abs(read.resetAfterMs - expected.resetAfterMs)).toBeLessThan(1_000);
        expect(await client.getBuffer(stored)).toEqual(value);
        expect(await client.pttl(stored)).toBeLessThanOrEqual(ttl);
      }
      expect(remote.stats()).toMatchObject({ decisions: 5, outageDecisions: 0 });
    },
  );

  it('includes the requests made before it in the same turn', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 2, windowMs: 60_000 } });
    const key = fresh();
    const first = limiter.consume(key);
    const read = await limiter.get(key);
    expect(read).toMatchObject({ allowed: true, remaining: 1 });
    expect(await first).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('answers with the outage policy while Redis cannot', async () => {
    const rule = { limit: 2, windowMs: 60_000 };
    const local = new RedisRateLimiter({ redis: down(), limits: rule, outage: 'local' });
    await local.consume('k');
    expect(await local.get('k')).toMatchObject({ allowed: true, remaining: 1 });
    const open = new RedisRateLimiter({ redis: down(), limits: rule, outage: 'fail-open' });
    expect(await open.get('k')).toMatchObject({ allowed: true, remaining: 2 });
    const closed = new RedisRateLimiter({ redis: down(), limits: rule, outage: 'fail-closed' });
    expect(await closed.get('k')).toMatchObject({ allowed: false, remaining: 0 });
    expect(closed.stats()).toMatchObject({ decisions: 0, redis: { errors: 1 } });
    await expect(closed.get('')).rejects.toThrow(RangeError);
  });
});
