import { createManualClock } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cache, type EvictEvent } from './cache.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Cache basics', () => {
  it('stores, reads, overwrites and deletes', () => {
    const cache = new Cache<string, number>({ max: 3 });
    expect(cache.set('a', 1)).toBe(cache);
    expect(cache.get('a')).toBe(1);
    expect(cache.has('a')).toBe(true);
    cache.set('a', 2);
    expect(cache.get('a')).toBe(2);
    expect(cache.size).toBe(1);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.has('a')).toBe(false);
  });

  it('evicts the least recently used entry beyond max', () => {
    const cache = new Cache<string, number>({ max: 3 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    cache.set('d', 4);
    expect([...cache.keys()]).toEqual(['d', 'a', 'c']);
    expect(cache.has('b')).toBe(false);
  });

  it('peek neither promotes nor counts', () => {
    const cache = new Cache<string, number>({ max: 2 });
    cache.set('a', 1).set('b', 2);
    expect(cache.peek('a')).toBe(1);
    expect(cache.peek('zz')).toBeUndefined();
    cache.set('c', 3);
    expect(cache.has('a')).toBe(false);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0 });
  });

  it('iterates most to least recently used, with keys, values and entries', () => {
    const cache = new Cache<string, number>({ max: 5 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    expect([...cache]).toEqual([
      ['a', 1],
      ['c', 3],
      ['b', 2],
    ]);
    expect([...cache.values()]).toEqual([1, 3, 2]);
    expect([...cache.entries()].map(([k]) => k)).toEqual(['a', 'c', 'b']);
  });

  it('treats set(key, undefined) as delete, so get never returns a stored undefined', () => {
    const cache = new Cache<string, number | undefined>({ max: 2 });
    cache.set('a', 1);
    cache.set('a', undefined);
    expect(cache.has('a')).toBe(false);
    expect(cache.size).toBe(0);
    cache.set('b', undefined);
    expect(cache.has('b')).toBe(false);
  });

  it('accepts keys of any type, compared like Map keys', () => {
    const cache = new Cache<unknown, string>({ max: 10 });
    const object = {};
    cache.set(object, 'object').set(1, 'one').set('1', 'string one').set(Number.NaN, 'nan');
    expect(cache.get(object)).toBe('object');
    expect(cache.get({})).toBeUndefined();
    expect(cache.get(1)).toBe('one');
    expect(cache.get('1')).toBe('string one');
    expect(cache.get(Number.NaN)).toBe('nan');
  });

  it('clear removes everything, reporting each entry as deleted', () => {
    const cache = new Cache<string, number>({ max: 3 });
    const events: EvictEvent<string, number>[] = [];
    cache.set('a', 1).set('b', 2);
    cache.onEvict((e) => events.push(e));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(events).toEqual([
      { key: 'b', value: 2, reason: 'deleted' },
      { key: 'a', value: 1, reason: 'deleted' },
    ]);
    expect(cache.stats().evictions.deleted).toBe(2);
    cache.set('c', 3);
    expect([...cache.keys()]).toEqual(['c']);
  });

  it('grows storage with the entries rather than allocating max up front', () => {
    const cache = new Cache<number, number>({ max: 10_000_000 });
    for (let i = 0; i < 100; i++) cache.set(i, i);
    expect(cache.size).toBe(100);
    expect(cache.get(42)).toBe(42);
    // Reuses freed slots instead of growing.
    for (let i = 0; i < 100; i++) cache.delete(i);
    for (let i = 100; i < 200; i++) cache.set(i, i);
    expect(cache.get(150)).toBe(150);
    expect(cache.max).toBe(10_000_000);
  });

  it('resize shrinks at once, evicting least recently used entries, and can grow again', () => {
    const cache = new Cache<number, number>({ max: 5 });
    for (let i = 0; i < 5; i++) cache.set(i, i);
    cache.resize(2);
    expect([...cache.keys()]).toEqual([4, 3]);
    expect(cache.stats().evictions.capacity).toBe(3);
    cache.resize(4);
    for (let i = 10; i < 14; i++) cache.set(i, i);
    expect(cache.size).toBe(4);
  });
});

describe('TTL', () => {
  it('expires entries lazily on access using the injected clock', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({ max: 10, ttlMs: 100, clock: time });
    cache.set('a', 1);
    time.advance(99);
    expect(cache.get('a')).toBe(1);
    expect(cache.remainingTtlMs('a')).toBe(1);
    time.advance(1);
    expect(cache.has('a')).toBe(false);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.stats().evictions.expired).toBe(1);
    expect(cache.remainingTtlMs('a')).toBeUndefined();
  });

  it('supports per-entry ttl, including no expiry in a cache with a default ttl', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({ max: 10, ttlMs: 100, clock: time });
    cache.set('short', 1, { ttlMs: 10 });
    cache.set('forever', 2, { ttlMs: 0 });
    cache.set('default', 3);
    time.advance(50);
    expect(cache.get('short')).toBeUndefined();
    expect(cache.remainingTtlMs('forever')).toBe(Number.POSITIVE_INFINITY);
    expect(cache.remainingTtlMs('default')).toBe(50);
    time.advance(1000);
    expect(cache.get('forever')).toBe(2);
    expect(cache.get('default')).toBeUndefined();
  });

  it('adds a ttl to a cache without a default one, and overwriting resets the ttl', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({ max: 10, clock: time });
    cache.set('plain', 1);
    cache.set('timed', 2, { ttlMs: 10 });
    time.advance(5);
    cache.set('timed', 3, { ttlMs: 10 });
    time.advance(6);
    expect(cache.get('timed')).toBe(3);
    cache.set('timed', 4);
    time.advance(1000);
    expect(cache.get('timed')).toBe(4);
    expect(cache.get('plain')).toBe(1);
  });

  it('updateAgeOnGet renews the ttl on every get', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({
      max: 10,
      ttlMs: 100,
      updateAgeOnGet: true,
      clock: time,
    });
    cache.set('a', 1);
    for (let i = 0; i < 5; i++) {
      time.advance(60);
      expect(cache.get('a')).toBe(1);
    }
    expect(cache.remainingTtlMs('a')).toBe(100);
    time.advance(100);
    expect(cache.get('a')).toBeUndefined();
  });

  it('skips expired entries when iterating and reports remainingTtlMs 0 for kept stale ones', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({
      max: 10,
      ttlMs: 10,
      clock: time,
      load: () => 1,
      freshness: { staleIfErrorMs: 100 },
    });
    cache.set('old', 1);
    time.advance(20);
    cache.set('new', 2);
    expect([...cache.keys()]).toEqual(['new']);
    expect(cache.remainingTtlMs('old')).toBe(0);
  });

  it('purgeStale removes expired entries, and the purge timer runs it unref-ed', async () => {
    vi.useFakeTimers();
    const cache = new Cache<string, number>({ max: 10, ttlMs: 100, purgeIntervalMs: 50 });
    const events: string[] = [];
    cache.onEvict((e) => events.push(`${e.key}:${e.reason}`));
    cache.set('a', 1);
    cache.set('b', 2, { ttlMs: 0 });
    await vi.advanceTimersByTimeAsync(150);
    expect(cache.size).toBe(1);
    expect(events).toEqual(['a:expired']);
    await cache.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(new Cache({ max: 1 }).purgeStale()).toBe(0);
  });

  it('evicts expired entries first reason-wise when they are the victim', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({ max: 2, ttlMs: 10, clock: time });
    cache.set('a', 1);
    time.advance(20);
    cache.set('b', 2).set('c', 3);
    expect(cache.stats().evictions).toMatchObject({ expired: 1, capacity: 0 });
  });
});

describe('maxSize', () => {
  it('bounds the total weight, evicting as many entries as needed', () => {
    const cache = new Cache<string, string>({ max: 100, maxSize: 10, sizeOf: (v) => v.length });
    cache.set('a', 'xxxx').set('b', 'xxxx');
    cache.set('c', 'xxxxxx');
    expect([...cache.keys()]).toEqual(['c', 'b']);
    expect(cache.stats().weightedSize).toBe(10);
    cache.set('b', 'x');
    expect(cache.stats().weightedSize).toBe(7);
    cache.delete('c');
    expect(cache.stats().weightedSize).toBe(1);
  });

  it('does not store an entry larger than maxSize, evicts nothing and reports it', () => {
    const cache = new Cache<string, string>({ max: 100, maxSize: 10, sizeOf: (v) => v.length });
    const rejected: unknown[] = [];
    cache.onReject((e) => rejected.push(e));
    cache.set('a', 'xxxxx').set('b', 'xxxxx');
    cache.set('huge', 'x'.repeat(11));
    expect(cache.has('huge')).toBe(false);
    expect([...cache.keys()]).toEqual(['b', 'a']);
    expect(rejected).toEqual([
      { key: 'huge', value: 'x'.repeat(11), size: 11, reason: 'too-large' },
    ]);
    // A too-large overwrite removes the old value rather than leaving it behind.
    cache.set('a', 'y'.repeat(20));
    expect(cache.has('a')).toBe(false);
  });

  it('accepts an explicit size per set', () => {
    const cache = new Cache<string, object>({ max: 100, maxSize: 10, sizeOf: () => 1 });
    cache.set('a', {}, { size: 9 });
    cache.set('b', {}, { size: 2 });
    expect([...cache.keys()]).toEqual(['b']);
    expect(cache.stats().weightedSize).toBe(2);
    cache.clear();
    expect(cache.stats().weightedSize).toBe(0);
  });
});

describe('events and stats', () => {
  it('reports evictions with their reason and counts them', () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({ max: 2, clock: time });
    const events: EvictEvent<string, number>[] = [];
    const off = cache.onEvict((e) => events.push(e));
    cache.set('a', 1).set('a', 2).set('a', 2);
    cache.set('b', 1).set('c', 1);
    cache.delete('b');
    cache.set('d', 1, { ttlMs: 5 });
    time.advance(5);
    cache.get('d');
    off();
    cache.delete('c');
    expect(events.map((e) => `${e.key}=${e.value}:${e.reason}`)).toEqual([
      'a=1:replaced',
      'a=2:capacity',
      'b=1:deleted',
      'd=1:expired',
    ]);
    expect(cache.stats()).toEqual({
      hits: 0,
      misses: 1,
      evictions: { capacity: 1, expired: 1, deleted: 2, replaced: 1 },
      loads: 0,
      loadFailures: 0,
      staleServed: 0,
      size: 0,
      weightedSize: 0,
    });
  });

  it('counts hits and misses', () => {
    const cache = new Cache<string, number>({ max: 2 });
    cache.set('a', 1);
    cache.get('a');
    cache.get('a');
    cache.get('b');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, size: 1, weightedSize: 1 });
  });

  it('a throwing listener disturbs neither the cache, its caller nor the other listeners; its error is rethrown later', () => {
    const rethrown: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      rethrown.push(task);
    });
    try {
      const cache = new Cache<string, number>({ max: 1 });
      const evicted: string[] = [];
      cache.onEvict(() => {
        throw new Error('listener bug');
      });
      cache.onEvict(({ key }) => evicted.push(key));
      expect(() => cache.set('a', 1).set('b', 2).set('c', 3)).not.toThrow();
      expect([...cache.keys()]).toEqual(['c']);
      expect(evicted).toEqual(['a', 'b']);
      expect(cache.stats()).toMatchObject({ size: 1, evictions: { capacity: 2 } });
      // Each error is thrown again on a fresh stack, as an uncaught exception would be.
      expect(rethrown).toHaveLength(2);
      expect(() => rethrown[0]!()).toThrow('listener bug');
    } finally {
      spy.mockRestore();
    }
  });
});
