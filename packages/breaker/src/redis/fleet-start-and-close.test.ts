import { type RedisServerHandle, startRedis } from '@breakwater/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRedisErrorEvent } from './errors.js';
import { FleetCircuitBreaker } from './fleet-circuit-breaker.js';
import type { ModeChangeEvent } from './fleet-events.js';
import { ok, uniqueName } from './fleet-test-support.fixture.js';

let server: RedisServerHandle;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(() => server?.stop());

/** Sums the calls counted in the fleet's buckets in Redis. */
async function callsInRedis(name: string): Promise<number> {
  const reader = server.client();
  try {
    const keys = await reader.keys(`bw:breaker:{${name}}:b:*`);
    let calls = 0;
    for (const key of keys) calls += Number((await reader.hget(key, 'c')) ?? 0);
    return calls;
  } finally {
    reader.disconnect();
  }
}

describe('FleetCircuitBreaker on a client still connecting', () => {
  it('reports no outage at start, and pushes a call made just before close', async () => {
    const name = uniqueName('start');
    const redis = server.client();
    expect(redis.status).toBe('connecting');
    const breaker = new FleetCircuitBreaker({ redis, name, syncIntervalMs: 60_000 });
    const modes: ModeChangeEvent[] = [];
    const errors: FleetRedisErrorEvent[] = [];
    breaker.onModeChange((event) => modes.push(event));
    breaker.onError((event) => errors.push(event));

    expect(breaker.mode).toBe('fleet');
    expect(await breaker.execute(ok)).toBe('ok');
    await breaker.close();

    expect(modes).toEqual([]);
    expect(errors).toEqual([]);
    expect(breaker.stats().pending.calls).toBe(0);
    expect(await callsInRedis(name)).toBe(1);
    redis.disconnect();
  });

  it('pushes a call whose function had already returned when close was called', async () => {
    const name = uniqueName('close');
    const redis = server.client();
    await redis.ping();
    const breaker = new FleetCircuitBreaker({ redis, name, syncIntervalMs: 60_000 });
    await breaker.sync();
    const call = breaker.execute(ok);
    expect(breaker.closed).toBe(false);
    const closing = breaker.close();
    expect(breaker.closed).toBe(true);
    await closing;
    await call;
    expect(await callsInRedis(name)).toBe(1);
    redis.disconnect();
  });

  it('still reports an outage when the first connection fails', async () => {
    const name = uniqueName('down');
    const { Redis } = await import('ioredis');
    // A port nothing listens on: the client moves from connecting to reconnecting.
    const redis = new Redis(server.port, '127.0.0.2', {
      retryStrategy: () => 50,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', () => {});
    const breaker = new FleetCircuitBreaker({ redis, name, syncIntervalMs: 20 });
    const modes: ModeChangeEvent[] = [];
    breaker.onModeChange((event) => modes.push(event));
    await new Promise<void>((resolve) => {
      const off = breaker.onModeChange(() => {
        off();
        resolve();
      });
    });
    expect(breaker.mode).toBe('local');
    expect(modes[0]).toMatchObject({ mode: 'local', reason: 'unavailable' });
    await breaker.close();
    redis.disconnect();
  });
});
