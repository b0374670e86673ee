import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cache, type EvictEvent } from './cache.js';
import { deferredLoads, tick } from './test-support.fixture.js';

/**
 * A plain LRU cache (`policy: 'lru'`, no weights, no TTL) answers `get` and `set` on a
 * short path. `set(key, value, {})` always takes the general path, and so does every call
 * once an entry has had an expiry time: both must behave exactly like the short path.
 */

type Step =
  | { op: 'get'; key: number }
  | { op: 'set'; key: number; value: number }
  | { op: 'delete'; key: number }
  | { op: 'resize'; max: number };

const key = fc.integer({ min: 0, max: 10 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key,
      // Few values, so that a `set` often stores the value already held.
      value: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('resize' as const),
      max: fc.integer({ min: 1, max: 8 }),
    }),
  },
);

function observed(max: number) {
  const cache = new Cache<number, number>({ max });
  const events: EvictEvent<number, number>[] = [];
  cache.onEvict((event) => events.push(event));
  return { cache, events };
}

describe("the short path of a plain 'lru' cache", () => {
  it('returns, evicts, reports and counts exactly as the general path', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(step, { maxLength: 150 }),
        (max, steps) => {
          const short = observed(max);
          const general = observed(max);
          const expiring = observed(max);
          // An entry with an expiry time sends every later call of this cache down the
          // general path; it is deleted at once, so the three caches hold the same.
          expiring.cache.set(-1, 0, { ttlMs: 1e9 });
          expiring.cache.delete(-1);
          expiring.events.length = 0;
          for (const s of steps) {
            switch (s.op) {
              case 'get': {
                const value = short.cache.get(s.key);
                expect(general.cache.get(s.key)).toBe(value);
                expect(expiring.cache.get(s.key)).toBe(value);
                break;
              }
              case 'set':
                short.cache.set(s.key, s.value);
                general.cache.set(s.key, s.value, {});
                expiring.cache.set(s.key, s.value);
                break;
              case 'delete':
                for (const { cache } of [short, general, expiring]) cache.delete(s.key);
                break;
              case 'resize':
                for (const { cache } of [short, general, expiring]) cache.resize(s.max);
                break;
            }
            const entries = [...short.cache.entries()];
            expect([...general.cache.entries()]).toEqual(entries);
            expect([...expiring.cache.entries()]).toEqual(entries);
            expect(general.events).toEqual(short.events);
            expect(expiring.events).toEqual(short.events);
          }
          const stats = short.cache.stats();
          expect(general.cache.stats()).toEqual(stats);
          const expiringStats = expiring.cache.stats();
          expect(expiringStats.evictions.deleted).toBe(stats.evictions.deleted + 1);
          expect({
            ...expiringStats,
            evictions: { ...expiringStats.evictions, deleted: stats.evictions.deleted },
          }).toEqual(stats);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts the least recently used entry into the new one and reports it once', () => {
    const { cache, events } = observed(2);
    cache.set(1, 10).set(2, 20);
    expect(cache.get(1)).toBe(10);
    cache.set(3, 30);
    expect(events).toEqual([{ key: 2, value: 20, reason: 'capacity' }]);
    expect([...cache.entries()]).toEqual([
      [3, 30],
      [1, 10],
    ]);
    cache.set(1, 11);
    cache.set(1, 11);
    expect(events.at(-1)).toEqual({ key: 1, value: 10, reason: 'replaced' });
    expect(cache.stats().evictions).toEqual({ capacity: 1, expired: 0, deleted: 0, replaced: 1 });
    expect([...cache.keys()]).toEqual([1, 3]);
  });

  it('still refuses values after close()', async () => {
    const { cache } = observed(1);
    cache.set(1, 1);
    await cache.close();
    expect(() => cache.set(2, 2)).toThrow('closed');
    expect(() => cache.set(1, 5)).toThrow('closed');
    expect(cache.get(1)).toBe(1);
  });

  it('still supersedes a running load and forgets a remembered failure', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 1, load, freshness: { errorTtlMs: 1000 } });
    const first = cache.fetch('a');
    await tick();
    cache.set('a', 1);
    calls[0]!.resolve(2);
    expect(await first).toBe(2);
    expect(cache.get('a')).toBe(1);

    const failing = cache.fetch('b');
    await tick();
    calls[1]!.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    await expect(cache.fetch('b')).rejects.toThrow('down');
    cache.set('b', 3);
    expect(await cache.fetch('b')).toBe(3);
    expect(cache.get('a')).toBeUndefined();
  });
});
