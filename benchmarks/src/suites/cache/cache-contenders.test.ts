import { describe, expect, it } from 'vitest';
import { lruCache, lruMin, lruPeers, mnemonist, oursLru, oursTinyLfu } from './cache-contenders.js';

describe('cache contenders', () => {
  it.each([oursLru, lruCache, lruMin, mnemonist])(
    '$name evicts the least recently used entry at `max`',
    (contender) => {
      const cache = contender.create(2);
      cache.set('a', 1);
      cache.set('b', 2);
      expect(cache.get('a')).toBe(1);
      cache.set('c', 3);
      expect(cache.size).toBe(2);
      expect(cache.get('b')).toBeUndefined();
      expect(cache.get('a')).toBe(1);
      expect(cache.get('c')).toBe(3);
    },
  );

  it.each([oursLru, oursTinyLfu, lruCache, lruMin, mnemonist])(
    '$name keeps the integer key 1 and the string key "1" apart',
    (contender) => {
      const cache = contender.create(4);
      cache.set(1, 10);
      cache.set('1', 20);
      expect(cache.get(1)).toBe(10);
      expect(cache.get('1')).toBe(20);
    },
  );

  it('holds at most `max` entries under the W-TinyLFU policy too', () => {
    const cache = oursTinyLfu.create(10);
    for (let key = 0; key < 100; key++) {
      cache.set(key, key);
    }
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it('lists lru-cache first among the peers, then lru.min and mnemonist, each with a note', () => {
    expect(lruPeers.map((peer) => peer.name)).toEqual([
      'lru-cache',
      'lru.min',
      'mnemonist LRUMapWithDelete',
    ]);
    for (const contender of [oursLru, oursTinyLfu, ...lruPeers]) {
      expect(contender.note).toMatch(/`/);
    }
  });
});
