import { describe, expect, it, vi } from 'vitest';
import { type CacheContender, lruCache } from './cache-contenders.js';
import { FilledCaches } from './filled-caches.js';

function counting(contender: CacheContender) {
  const create = vi.fn((max: number) => contender.create(max));
  return { contender: { ...contender, create }, create };
}

describe('FilledCaches', () => {
  it('builds one cache per implementation, full with the first `size` keys', () => {
    const caches = new FilledCaches('integer', 4);
    const { contender, create } = counting(lruCache);
    const cache = caches.acquire(contender, 'keys resident');
    expect(caches.acquire(contender, 'keys resident')).toBe(cache);
    expect(create).toHaveBeenCalledTimes(1);
    expect(cache.size).toBe(4);
    expect([0, 1, 2, 3].map((key) => cache.get(key))).toEqual([0, 1, 2, 3]);
    expect(caches.keys()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('refills a cache whose keys a case replaced, restoring the fill order', () => {
    const caches = new FilledCaches('string', 3);
    const cache = caches.acquire(lruCache, 'keys resident', 'changed');
    cache.set('other', 99);
    const again = caches.acquire(lruCache, 'keys resident');
    expect(again.get('other')).toBeUndefined();
    expect(again.size).toBe(3);
    // Filled in order: user:0 is the least recently used and goes first.
    again.set('newcomer', 1);
    expect(again.get('user:0')).toBeUndefined();
  });

  it('refills before a case that needs the fill order when a case reordered the keys', () => {
    const caches = new FilledCaches('integer', 2);
    const set = vi.spyOn(caches.acquire(lruCache, 'keys resident', 'keys resident'), 'set');
    caches.acquire(lruCache, 'keys resident');
    expect(set).not.toHaveBeenCalled();
    caches.acquire(lruCache, 'filled in order', 'changed');
    expect(set.mock.calls).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('builds new caches and keys after a release', () => {
    const caches = new FilledCaches('integer', 2);
    const { contender, create } = counting(lruCache);
    const keys = caches.keys();
    caches.acquire(contender, 'keys resident');
    caches.release();
    caches.acquire(contender, 'keys resident');
    expect(create).toHaveBeenCalledTimes(2);
    expect(caches.keys()).not.toBe(keys);
  });
});
