import { eventually } from '@breakwater/testing';
import { describe, expect, it, vi } from 'vitest';
import { deferredLoads } from '../test-support.fixture.js';
import type { TieredCacheOptions } from './options.js';
import { useRedisServer } from './redis-server.fixture.js';
import type { TieredCache } from './tiered-cache.js';

const redis = useRedisServer('x');
const { newPrefix } = redis;
let instances = 0;

/**
 * A cache on its own client, as another process would have. Each gets its own channel
 * unless one is given: the invalidation then never reaches the other instance, as when a
 * message arrives late, and only Redis itself can keep the writes in order.
 */
function process(
  prefix: string,
  options: Partial<TieredCacheOptions<string>> = {},
): Promise<TieredCache<string>> {
  return redis.tiered({ prefix, channel: `${prefix}channel-${++instances}`, ...options });
}

/** Waits until every background Redis call of `cache` has settled. */
function settled(cache: TieredCache<string>): Promise<void> {
  return eventually('the background writes settle', () => cache.stats().redis.inFlight === 0);
}

describe('TieredCache writes across processes', () => {
  it('lets a delete in one process win over a load already running in another', async () => {
    const prefix = newPrefix();
    const b = deferredLoads<string>();
    const loadA = vi.fn(async () => 'fresh');
    const a = await process(prefix, { load: loadA });
    const other = await process(prefix, { load: b.load });

    const loading = other.fetch('k');
    await eventually('the other process loads', () => b.calls.length === 1);
    await a.delete('k');
    b.calls[0]!.resolve('old');
    expect(await loading).toBe('old'); // its callers get it; Redis must not keep it
    await settled(other);

    expect(await redis.admin.get(`${prefix}k`).catch(() => null)).not.toBe('"old"');
    expect(await a.fetch('k')).toBe('fresh');
    expect(loadA).toHaveBeenCalledTimes(1);
    await settled(a);
    expect(await redis.admin.get(`${prefix}k`)).toBe('"fresh"');
  });

  it('lets a set in one process win over a load already running in another', async () => {
    const prefix = newPrefix();
    const b = deferredLoads<string>();
    const a = await process(prefix);
    const other = await process(prefix, { load: b.load });

    const loading = other.fetch('k');
    await eventually('the other process loads', () => b.calls.length === 1);
    await a.set('k', 'new');
    b.calls[0]!.resolve('old');
    await loading;
    await settled(other);
    expect(await redis.admin.get(`${prefix}k`)).toBe('"new"');
  });

  it('stores the value of a load that started after the delete', async () => {
    const prefix = newPrefix();
    const a = await process(prefix);
    const other = await process(prefix, { load: async () => 'after' });
    await a.set('k', 'before');
    await a.delete('k');
    expect(await other.fetch('k')).toBe('after');
    await settled(other);
    expect(await redis.admin.get(`${prefix}k`)).toBe('"after"');
    expect(other.stats()).toMatchObject({ l2: { misses: 1, writes: 1 }, redis: { errors: 0 } });
  });

  it('keeps the tombstone of a delete no longer than tombstoneTtlMs', async () => {
    const prefix = newPrefix();
    const a = await process(prefix, { tombstoneTtlMs: 5000 });
    await a.delete('k');
    const pttl = await redis.admin.pttl(`${prefix}k`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5000);
  });

  it('never leaves a value in Redis that was loaded before the last delete, over many races', async () => {
    const prefix = newPrefix();
    // The source of truth: a delete follows each update, as an application would do it.
    const versions = new Map<string, number>();
    const ticks = (n: number) =>
      new Array(n)
        .fill(0)
        .reduce<Promise<void>>(
          (p) => p.then(() => new Promise((resolve) => setImmediate(resolve))),
          Promise.resolve(),
        );
    const load = async (key: string) => {
      const version = versions.get(key) ?? 0;
      await ticks(Math.floor(Math.random() * 6));
      return `v${version}`;
    };
    const a = await process(prefix, { load });
    const other = await process(prefix, { load });
    const rounds = 300;
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const key = `k${i}`;
        const fetching = other.fetch(key);
        await ticks(Math.floor(Math.random() * 6));
        versions.set(key, 1);
        await a.delete(key);
        await fetching;
      }),
    );
    await settled(other);
    await settled(a);
    const stale: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const type = await redis.admin.type(`${prefix}k${i}`);
      if (type === 'string' && (await redis.admin.get(`${prefix}k${i}`)) === '"v0"')
        stale.push(`k${i}`);
    }
    expect(stale).toEqual([]);
  });
});
