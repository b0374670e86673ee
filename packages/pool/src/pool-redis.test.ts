import { type RedisServerHandle, startRedis } from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPoolTimeoutError } from './errors.js';
import { type DestroyReason, Pool } from './pool.js';

/**
 * The pool holding real ioredis connections to a real redis-server that crashes and comes
 * back. Real timers and sockets; waits poll for an outcome instead of sleeping.
 */

const POLL = { timeout: 10_000, interval: 20 };

let redis: RedisServerHandle;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Rejects with `signal.reason` once `signal` aborts (never settles otherwise). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A pool of ioredis connections, and every connection it ever opened. */
function redisPool(url: string) {
  const opened: Redis[] = [];
  const reasons = new Map<Redis, DestroyReason>();

  const create = async (signal: AbortSignal): Promise<Redis> => {
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    // ioredis reports why a connection failed as an 'error' event; connect() itself only
    // says "Connection is closed". Keep the real reason for the pool's timeout `cause`.
    let reason: unknown;
    client.on('error', (error: unknown) => {
      reason ??= error;
    });
    opened.push(client);
    try {
      await Promise.race([client.connect(), aborted(signal)]);
      return client;
    } catch (error) {
      client.disconnect();
      throw reason ?? error;
    }
  };

  const validate = async (client: Redis, signal: AbortSignal): Promise<boolean> => {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('PING timed out')), 250);
    try {
      const answer = await Promise.race([client.ping(), aborted(signal), aborted(timeout.signal)]);
      return answer === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  const pool = new Pool<Redis>({
    create,
    validate,
    destroy: (client) => client.disconnect(),
    min: 2,
    max: 4,
    acquireTimeoutMs: 2_000,
    createTimeoutMs: 1_000,
    createBackoff: { type: 'exponential', initialDelayMs: 20, maxDelayMs: 200, jitter: 0.5 },
    idleTimeoutMs: 0,
    housekeepingIntervalMs: 50,
  });
  pool.onDestroy(({ resource, reason }) => reasons.set(resource, reason));
  return { pool, opened, reasons };
}

describe('Pool of real Redis connections through a server crash', () => {
  it('discards dead connections, fails fast with the cause during the outage, refills after restart and closes everything', async () => {
    const { pool, opened, reasons } = redisPool(redis.url);

    // Warm-up to `min`.
    await vi.waitFor(() => expect(pool.stats().idle).toBe(2), POLL);

    // Two connections lent (one to a `use` that is still running), two idle.
    const held = await pool.acquire();
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let usedInside: Redis | undefined;
    const running = pool.use(async (client, { markBroken }) => {
      usedInside = client;
      await gate;
      try {
        return await client.set('key', 'value');
      } catch (error) {
        markBroken();
        throw error;
      }
    });
    const spare = [await pool.acquire(), await pool.acquire()];
    for (const client of spare) await pool.release(client);
    expect(pool.stats()).toMatchObject({ size: 4, idle: 2, borrowed: 2 });
    expect(await held.ping()).toBe('PONG');

    // The server crashes: every connection sees its socket close.
    await redis.kill();
    await vi.waitFor(() => {
      for (const client of [held, usedInside!, ...spare]) expect(client.status).toBe('end');
    }, POLL);

    // Lent connections fail when used, and their holders destroy them.
    await expect(held.get('key')).rejects.toThrow();
    await pool.destroy(held);
    resume();
    await expect(running).rejects.toThrow();
    expect(reasons.get(held)).toBe('broken');
    expect(reasons.get(usedInside!)).toBe('broken');

    // Borrowing during the outage: validation discards the dead idle connections, new
    // ones are refused, and the caller times out with the refusal as cause.
    const failure = await pool.acquire({ timeoutMs: 500 }).then(
      () => expect.unreachable('the server is down'),
      (error: unknown) => error,
    );
    expect(isPoolTimeoutError(failure)).toBe(true);
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect((failure as Error).cause).toMatchObject({ code: 'ECONNREFUSED', port: redis.port });
    for (const client of spare) expect(reasons.get(client)).toBe('invalid');
    expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0 });
    expect(pool.stats().createErrors).toBeGreaterThan(0);

    // Back up: the pool warms up to `min` again on its own, and lends working connections.
    await redis.restart();
    await vi.waitFor(() => expect(pool.stats().idle).toBeGreaterThanOrEqual(2), POLL);
    expect(await pool.use((client) => client.set('key', 'again'))).toBe('OK');
    expect(await pool.use((client) => client.get('key'))).toBe('again');
    const fresh = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    expect(new Set(fresh).size).toBe(3);
    for (const client of fresh) {
      expect(await client.ping()).toBe('PONG');
      await pool.release(client);
    }

    // Close: nothing left open on either side.
    await pool.close();
    expect(pool.stats()).toMatchObject({ size: 0, creating: 0, waiting: 0 });
    expect(pool.stats().created).toBe(pool.stats().destroyed);
    await vi.waitFor(() => {
      for (const client of opened) expect(client.status).toBe('end');
    }, POLL);
    const observer = redis.client();
    try {
      await vi.waitFor(async () => {
        const list = String(await observer.call('CLIENT', 'LIST'));
        expect(list.trim().split('\n')).toHaveLength(1); // only the observer itself
      }, POLL);
    } finally {
      observer.disconnect();
    }
  });
});
