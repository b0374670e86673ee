import { describe, expect, it } from 'vitest';
import { Cache } from './cache.js';

describe('iteration while deleting', () => {
  it('never yields a key the cache does not hold', () => {
    const cache = new Cache<string, number>({ max: 10 });
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, 1);
    const seen: unknown[] = [];
    for (const [key] of cache) {
      seen.push(key);
      cache.delete('a'); // 'a' is least recent: not yielded yet
    }
    expect(seen).toEqual(['d', 'c', 'b']);
  });
});

describe('onEvict listener that stores two entries during an LRU eviction', () => {
  it('keeps every key mapped to its own value', () => {
    const cache = new Cache<string, string>({ max: 3 });
    const evicted: string[] = [];
    let done = false;
    cache.onEvict(({ key, reason }) => {
      evicted.push(`${key}:${reason}`);
      if (!done && key === 'a') {
        done = true;
        cache.set('x', 'X');
        cache.set('y', 'Y');
      }
    });
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    cache.set('d', 'D'); // evicts 'a'; listener stores x and y
    for (const [key, value] of cache) expect(value).toBe(key.toUpperCase());
    for (const key of ['a', 'b', 'c', 'd', 'x', 'y']) {
      const value = cache.peek(key);
      if (value !== undefined) expect(`${key}=${value}`).toBe(`${key}=${key.toUpperCase()}`);
    }
    expect(cache.size).toBeLessThanOrEqual(3);
    expect(cache.size).toBe([...cache].length);
    // 'a' left once
    expect(evicted.filter((e) => e.startsWith('a:'))).toHaveLength(1);
  });
});
