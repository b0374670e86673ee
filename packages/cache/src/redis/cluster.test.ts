import {
  type RedisClusterHandle,
  startRedisCluster,
  eventually as waitFor,
} from '@breakwater/testing';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TieredCacheOptions } from './options.js';
import { TieredCache } from './tiered-cache.js';

/** A Cluster settles more slowly than a single server. */
const eventually = (what: string, check: () => unknown) =>
  waitFor(what, check, { timeoutMs: 20_000, intervalMs: 20 });

let handle: RedisClusterHandle;
/** A standalone client per master, to see where keys live. */
let nodes: Redis[];
let open: TieredCache<string>[] = [];
let prefixes = 0;

beforeAll(async () => {
  handle = await startRedisCluster();
  nodes = handle.nodes.map((node) => node.client());
  // One of them loses its node on purpose; its reconnection errors are expected.
  for (const node of nodes) node.on('error', () => {});
});

afterEach(async () => {
  await Promise.all(open.map((cache) => cache.close()));
  open = [];
});

afterAll(() => handle?.stop());

async function connectedCluster(): Promise<Cluster> {
  const cluster = handle.cluster();
  await cluster.ping();
  return cluster;
}

async function tiered(
  prefix: string,
  options: Partial<TieredCacheOptions<string>> = {},
): Promise<TieredCache<string>> {
  const cache = new TieredCache<string>({
    redis: await connectedCluster(),
    prefix,
    ttlMs: 60_000,
    l1: { max: 100 },
    ...options,
  });
  open.push(cache);
  await cache.ready();
  return cache;
}

function newPrefix(): string {
  return `c${++prefixes}:`;
}

const KEYS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

describe('TieredCache on a Redis Cluster', () => {
  it('loads once, writes to Redis and lets another instance read keys spread over the masters', async () => {
    const prefix = newPrefix();
    const loadA = vi.fn(async (key: string) => `A:${key}`);
    const loadB = vi.fn(async (key: string) => `B:${key}`);
    const a = await tiered(prefix, { load: loadA });
    const b = await tiered(prefix, { load: loadB });

    const [first, second] = [a.fetch('alpha'), a.fetch('alpha')];
    expect(await Promise.all([first, second])).toEqual(['A:alpha', 'A:alpha']);
    expect(await Promise.all(KEYS.map((key) => a.fetch(key)))).toEqual(
      KEYS.map((key) => `A:${key}`),
    );
    expect(loadA).toHaveBeenCalledTimes(KEYS.length);
    await eventually('Redis acknowledges every write', () => {
      return a.stats().l2.writes === KEYS.length;
    });

    const perNode = await Promise.all(nodes.map((node) => node.keys(`${prefix}*`)));
    expect(perNode.flat().sort()).toEqual(KEYS.map((key) => `${prefix}${key}`).sort());
    expect(perNode.filter((keys) => keys.length > 0).length).toBeGreaterThanOrEqual(2);
    const [someKey] = perNode.find((keys) => keys.length > 0)!;
    const owner = nodes[perNode.findIndex((keys) => keys.includes(someKey!))]!;
    expect(await owner.pttl(someKey!)).toBeGreaterThan(0);
    expect(await owner.pttl(someKey!)).toBeLessThanOrEqual(60_000);

    expect(await Promise.all(KEYS.map((key) => b.fetch(key)))).toEqual(
      KEYS.map((key) => `A:${key}`),
    );
    expect(loadB).not.toHaveBeenCalled();
    expect(b.stats()).toMatchObject({ l2: { hits: KEYS.length, misses: 0 }, redis: { errors: 0 } });
  });

  it('invalidates L1 copies across instances, whichever nodes they subscribe on', async () => {
    const prefix = newPrefix();
    const a = await tiered(prefix);
    const b = await tiered(prefix);
    const c = await tiered(prefix);
    for (const key of KEYS) await a.set(key, `v1:${key}`);
    for (const key of KEYS) {
      expect(await b.fetch(key)).toBe(`v1:${key}`);
      expect(await c.fetch(key)).toBe(`v1:${key}`);
    }
    await a.set('charlie', 'v2');
    await b.delete('echo');
    await eventually('B and C drop charlie, A and C drop echo', () => {
      return (
        b.peek('charlie') === undefined &&
        c.peek('charlie') === undefined &&
        a.peek('echo') === undefined &&
        c.peek('echo') === undefined
      );
    });
    expect(a.peek('charlie')).toBe('v2');
    expect(await b.fetch('charlie')).toBe('v2');
    expect(await c.fetch('echo')).toBeUndefined();
    expect(c.peek('alpha')).toBe('v1:alpha');
  });

  it('lets a delete win over a load running in another instance, on every master', async () => {
    const prefix = newPrefix();
    const pending: Array<(value: string) => void> = [];
    const a = await tiered(prefix, { load: async (key) => `fresh:${key}` });
    const b = await tiered(prefix, {
      channel: `${prefix}elsewhere`, // B never hears A: only Redis keeps the order
      load: () => new Promise<string>((resolve) => pending.push(resolve)),
    });
    const loads = KEYS.map((key) => b.fetch(key));
    await eventually('B loads every key', () => pending.length === KEYS.length);
    for (const key of KEYS) await a.delete(key);
    for (const resolve of pending) resolve('old');
    await Promise.all(loads);
    await eventually('B settles', () => b.stats().redis.inFlight === 0);
    for (const key of KEYS) expect(await a.fetch(key)).toBe(`fresh:${key}`);
    expect(b.stats().redis.errors).toBe(0);
  });

  it('moves its subscription to another node when its node dies, flushing L1, and recovers', async () => {
    const prefix = newPrefix();
    const a = await tiered(prefix, { redisTimeoutMs: 200, load: async (key) => `A:${key}` });
    const b = await tiered(prefix, { redisTimeoutMs: 200, load: async (key) => `B:${key}` });
    const channel = `${prefix}invalidate`;
    const counts = await Promise.all(
      nodes.map(async (node) => {
        const reply = (await node.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
        return reply[1];
      }),
    );
    const victim = handle.nodes[counts.findIndex((count) => count > 0)]!;
    for (const key of KEYS) await a.fetch(key);
    expect(a.size).toBe(KEYS.length);

    await victim.kill();
    await eventually('a subscriber on the dead node resubscribes elsewhere and flushes', () => {
      return a.stats().invalidations.flushes + b.stats().invalidations.flushes > 0;
    });
    // Whatever Redis still serves, every fetch resolves (from the loader if need be).
    const values = await Promise.all(KEYS.map((key) => b.fetch(key)));
    for (const [i, value] of values.entries()) {
      expect([`A:${KEYS[i]}`, `B:${KEYS[i]}`]).toContain(value);
    }
    // Invalidations flow while the node is down: PUBLISH needs no slot.
    await eventually('A hears from B', async () => {
      await b.delete('probe');
      return a.stats().invalidations.received > 0;
    });

    await victim.restart();
    await handle.waitUntilOk();
    await eventually('Redis takes writes again and another instance reads them', async () => {
      await a.set('after', 'restart');
      b.clear();
      return (await b.fetch('after')) === 'restart';
    });
  });
});
