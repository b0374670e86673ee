import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cache } from './cache.js';
import { CacheClosedError, isCacheClosedError } from './errors.js';
import { deferredLoads, tick } from './test-support.fixture.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Cache close', () => {
  it('after close, set throws CacheClosedError and stores nothing', async () => {
    const cache = new Cache<string, string>({ max: 10 });
    cache.set('k', 'v');
    expect(cache.closed).toBe(false);
    const closing = cache.close();
    expect(cache.closed).toBe(true);
    await closing;
    expect(() => cache.set('other', 'v')).toThrow(CacheClosedError);
    expect(() => cache.set('k', 'w', { ttlMs: 5 })).toThrow(CacheClosedError);
    expect(cache.has('other')).toBe(false);
    expect(cache.get('k')).toBe('v');
  });

  it('after close, reading what is held, deleting, clearing and stats keep working', async () => {
    const cache = new Cache<string, string>({ max: 10 });
    cache.set('a', '1').set('b', '2').set('c', '3');
    await cache.close();
    expect(cache.get('a')).toBe('1');
    expect(cache.peek('b')).toBe('2');
    expect(cache.has('c')).toBe(true);
    expect(cache.remainingTtlMs('a')).toBe(Number.POSITIVE_INFINITY);
    expect([...cache.keys()]).toEqual(['a', 'c', 'b']);
    expect(cache.delete('a')).toBe(true);
    cache.set('b', undefined);
    expect(cache.has('b')).toBe(false);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.stats().evictions.deleted).toBe(3);
  });

  it('close rejects a fetch waiting for a load that a set superseded, and aborts that load', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const pending = cache.fetch('k');
    await tick();
    cache.set('k', 2);
    await cache.close();
    await expect(pending).rejects.toSatisfy(isCacheClosedError);
    expect(calls[0]!.options.signal.aborted).toBe(true);
    expect(calls[0]!.options.signal.reason).toBeInstanceOf(CacheClosedError);
  });

  it('stops its purge timer, and a second close settles like the first', async () => {
    vi.useFakeTimers();
    const cache = new Cache<string, string>({ max: 10, ttlMs: 1000, purgeIntervalMs: 500 });
    expect(vi.getTimerCount()).toBe(1);
    await cache.close();
    expect(vi.getTimerCount()).toBe(0);
    await expect(cache.close()).resolves.toBeUndefined();
    await expect(cache[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });
});
