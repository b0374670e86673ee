import { describe, expect, it, vi } from 'vitest';
import { Cache } from './cache.js';
import { cacheOnManualClock, deferredLoads, tick } from './test-support.fixture.js';

describe('background refresh failures with staleIfErrorMs', () => {
  it('reports a failed stale-while-revalidate refresh to onRefreshError', async () => {
    const { time, calls, cache } = cacheOnManualClock({
      freshness: { staleWhileRevalidateMs: 1000, staleIfErrorMs: 10_000 },
    });
    const refreshErrors: unknown[] = [];
    cache.onRefreshError((event) => refreshErrors.push(event.error));
    cache.set('k', 1);
    time.advance(150); // expired, inside the SWR window
    expect(await cache.fetch('k')).toBe(1); // stale served, background refresh started
    await tick();
    expect(calls).toHaveLength(1);
    const boom = new Error('db down');
    calls[0]!.reject(boom);
    await tick();
    // README: "its failures go to onRefreshError"
    expect(refreshErrors).toEqual([boom]);
  });

  it('counts staleServed once per fetch answered with a stale value', async () => {
    const { time, calls, cache } = cacheOnManualClock({
      freshness: { staleWhileRevalidateMs: 1000, staleIfErrorMs: 10_000 },
    });
    cache.set('k', 1);
    time.advance(150);
    expect(await cache.fetch('k')).toBe(1);
    await tick();
    calls[0]!.reject(new Error('db down'));
    await tick();
    // one fetch call was answered with a stale value
    expect(cache.stats().staleServed).toBe(1);
  });
});

describe('a too-large set during a load', () => {
  it('wins over the running load', async () => {
    const { calls, load } = deferredLoads<string>();
    const cache = new Cache<string, string>({
      max: 10,
      maxSize: 10,
      sizeOf: (v) => v.length,
      load,
    });
    const pending = cache.fetch('k');
    await tick();
    cache.set('k', 'x'.repeat(100)); // rejected as too large; the key must not keep an older value
    calls[0]!.resolve('old');
    expect(await pending).toBe('old'); // returned to the waiting caller…
    expect(cache.get('k')).toBeUndefined(); // …but not stored
  });

  it('forgets a remembered failure like any other set', async () => {
    let fail = true;
    const load = vi.fn(async () => {
      if (fail) throw new Error('boom');
      return 'fresh';
    });
    const cache = new Cache<string, string>({
      max: 10,
      maxSize: 10,
      sizeOf: (v) => v.length,
      load,
      freshness: { errorTtlMs: 60_000 },
    });
    await expect(cache.fetch('k')).rejects.toThrow('boom');
    fail = false;
    cache.set('k', 'ok'); // normal set forgets the failure
    cache.delete('k');
    expect(await cache.fetch('k')).toBe('fresh');
    fail = true;
    cache.delete('k');
    await expect(cache.fetch('k')).rejects.toThrow('boom');
    fail = false;
    cache.set('k', 'x'.repeat(100)); // too large: not stored, but it is a set
    // actual: rejects with the remembered 'boom' without calling load
    await expect(cache.fetch('k')).resolves.toBe('fresh');
  });
});

describe('close with a background refresh running', () => {
  it('does not report CacheClosedError as a failed refresh', async () => {
    const { time, cache } = cacheOnManualClock({
      freshness: { staleWhileRevalidateMs: 1000 },
    });
    const refreshErrors: unknown[] = [];
    cache.onRefreshError((event) => refreshErrors.push(event.error));
    cache.set('k', 1);
    time.advance(150);
    await cache.fetch('k');
    await cache.close();
    await tick();
    expect(refreshErrors).toEqual([]);
  });
});
