import { eventually } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import type { LoadOptions } from '../options.js';
import { useRedisServer } from './redis-server.fixture.js';
import { TieredCache } from './tiered-cache.js';

const redis = useRedisServer('rv');
const { tiered, newPrefix } = redis;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('L1 never outlives the Redis TTL', () => {
  it('refuses l1.updateAgeOnGet, which would let L1 renew past the Redis TTL', () => {
    expect(
      () =>
        new TieredCache<string>({
          redis: redis.admin,
          prefix: 'x:',
          ttlMs: 300,
          l1: { max: 100, updateAgeOnGet: true } as never,
        }),
    ).toThrow('Expected `l1.updateAgeOnGet` to be false or undefined');
  });

  it('keeps an L1 entry no longer than its Redis TTL', async () => {
    const prefix = newPrefix();
    const cache = await tiered({ prefix, ttlMs: 300, l1: { max: 100 } });
    await cache.set('k', 'v');
    // The TTL runs on Redis's own clock, which no fake timer moves: this waits in real time.
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      cache.get('k');
    }
    expect(await redis.admin.get(`${prefix}k`)).toBeNull();
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('a set too large for L1 during a load', () => {
  it('does not leave the loaded (older) value in L1', async () => {
    const prefix = newPrefix();
    const calls: Array<(value: string) => void> = [];
    const load = (_key: string, _options: LoadOptions<string, unknown>) =>
      new Promise<string | undefined>((resolve) => calls.push(resolve));
    const cache = await tiered({
      prefix,
      load,
      l1: { max: 100, maxSize: 10, sizeOf: (v: string) => v.length },
    });
    const pending = cache.fetch('k');
    await eventually('the Redis read misses and the loader runs', () => calls.length > 0);
    const big = 'x'.repeat(50);
    await cache.set('k', big); // L1 rejects it as too large; Redis stores it
    calls[0]!('old');
    expect(await pending).toBe('old');
    expect(await redis.admin.get(`${prefix}k`)).toBe(JSON.stringify(big));
    // L1 must not serve the value that the set replaced
    expect(cache.get('k')).toBeUndefined();
  });
});
