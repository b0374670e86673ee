import { isBreakwaterError } from '@breakwater/core';
import { createManualClock } from '@breakwater/testing';
import { describe, expect, it, vi } from 'vitest';
import { Cache } from './cache.js';
import { CacheClosedError, isCacheClosedError, isNoLoaderError, NoLoaderError } from './errors.js';
import { cacheOnManualClock, deferredLoads, tick } from './test-support.fixture.js';

describe('fetch', () => {
  it('loads a missing key once, stores it, then serves it from the cache', async () => {
    const load = vi.fn(async (key: string) => key.toUpperCase());
    const cache = new Cache<string, string>({ max: 10, load });
    expect(await cache.fetch('a')).toBe('A');
    expect(await cache.fetch('a')).toBe('A');
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.get('a')).toBe('A');
    expect(cache.stats()).toMatchObject({ loads: 1, hits: 2, misses: 1 });
  });

  it('shares one load between concurrent callers', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const first = cache.fetch('k');
    const second = cache.fetch('k');
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
  });

  it('passes context and the stale value to load, with a live signal', async () => {
    const time = createManualClock();
    const seen: unknown[] = [];
    const cache = new Cache<string, number, { user: string }>({
      max: 10,
      ttlMs: 10,
      clock: time,
      freshness: { staleIfErrorMs: 100 },
      load: (_key, { context, stale, signal }) => {
        seen.push({ context, stale, aborted: signal.aborted });
        return 2;
      },
    });
    cache.set('k', 1);
    time.advance(20);
    expect(await cache.fetch('k', { context: { user: 'ann' } })).toBe(2);
    expect(seen).toEqual([{ context: { user: 'ann' }, stale: 1, aborted: false }]);
  });

  it('stores nothing when load resolves undefined', async () => {
    const cache = new Cache<string, number>({ max: 10, load: () => undefined });
    expect(await cache.fetch('k')).toBeUndefined();
    expect(cache.has('k')).toBe(false);
  });

  it('uses the ttl given to fetch for the loaded value', async () => {
    const time = createManualClock();
    const cache = new Cache<string, number>({ max: 10, ttlMs: 1000, clock: time, load: () => 1 });
    await cache.fetch('k', { ttlMs: 10 });
    expect(cache.remainingTtlMs('k')).toBe(10);
  });

  it('forceRefresh loads even when a fresh value is cached', async () => {
    let n = 0;
    const cache = new Cache<string, number>({ max: 10, load: () => ++n });
    await cache.fetch('k');
    expect(await cache.fetch('k', { forceRefresh: true })).toBe(2);
    expect(cache.get('k')).toBe(2);
  });

  it('rejects without a loader, after close, and for an aborted signal', async () => {
    await expect(new Cache({ max: 1 }).fetch('k')).rejects.toBeInstanceOf(NoLoaderError);
    await expect(new Cache({ max: 1 }).fetch('k')).rejects.toSatisfy(isNoLoaderError);
    const cache = new Cache<string, number>({ max: 1, load: () => 1 });
    await expect(cache.fetch('k', { signal: AbortSignal.abort('nope') })).rejects.toBe('nope');
    await cache.close();
    await expect(cache.fetch('k')).rejects.toSatisfy(isCacheClosedError);
    await expect(cache.fetch('k', { ttlMs: -1 } as never)).rejects.toThrow(CacheClosedError);
  });

  it('rejects bad fetch options with a named error', async () => {
    const cache = new Cache<string, number>({ max: 1, load: () => 1 });
    await expect(cache.fetch('k', { ttlMs: -1 })).rejects.toThrow(
      'Expected `ttlMs` to be a finite number >= 0, got `-1` (number)',
    );
  });

  it('rejects every caller with the load error and does not cache it by default', async () => {
    let fail = true;
    const cache = new Cache<string, number>({
      max: 10,
      load: async () => {
        if (fail) throw new Error('backend down');
        return 5;
      },
    });
    await expect(Promise.all([cache.fetch('k'), cache.fetch('k')])).rejects.toThrow('backend down');
    fail = false;
    expect(await cache.fetch('k')).toBe(5);
    expect(cache.stats()).toMatchObject({ loads: 2, loadFailures: 1 });
  });

  it('treats a synchronous throw in load as a failed load', async () => {
    const cache = new Cache<string, number>({
      max: 10,
      load: () => {
        throw new Error('sync');
      },
    });
    await expect(cache.fetch('k')).rejects.toThrow('sync');
  });
});

describe('fetch cancellation', () => {
  it('rejects an aborting caller at once with its own reason while others keep waiting', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const a = new AbortController();
    const first = cache.fetch('k', { signal: a.signal });
    const second = cache.fetch('k', { signal: new AbortController().signal });
    await tick();
    a.abort(new Error('caller A gave up'));
    await expect(first).rejects.toThrow('caller A gave up');
    expect(calls[0]!.options.signal.aborted).toBe(false);
    calls[0]!.resolve(3);
    expect(await second).toBe(3);
    expect(cache.get('k')).toBe(3);
  });

  it('aborts the load only when every waiting caller has aborted', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const a = new AbortController();
    const b = new AbortController();
    const first = cache.fetch('k', { signal: a.signal });
    const second = cache.fetch('k', { signal: b.signal });
    await tick();
    a.abort('a');
    expect(calls[0]!.options.signal.aborted).toBe(false);
    b.abort('b');
    await expect(first).rejects.toBe('a');
    await expect(second).rejects.toBe('b');
    expect(calls[0]!.options.signal.aborted).toBe(true);
    expect(calls[0]!.options.signal.reason).toBe('b');
    // The aborted load's late result is not stored.
    calls[0]!.resolve(9);
    await tick();
    expect(cache.has('k')).toBe(false);
  });

  it('a caller without a signal keeps the load alive', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const a = new AbortController();
    const withSignal = cache.fetch('k', { signal: a.signal });
    const withoutSignal = cache.fetch('k');
    await tick();
    a.abort('a');
    await expect(withSignal).rejects.toBe('a');
    expect(calls[0]!.options.signal.aborted).toBe(false);
    calls[0]!.resolve(1);
    expect(await withoutSignal).toBe(1);
  });

  it('never joins a load that was already aborted', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const a = new AbortController();
    const first = cache.fetch('k', { signal: a.signal });
    await tick();
    a.abort('gone');
    await expect(first).rejects.toBe('gone');
    const second = cache.fetch('k');
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.options.signal.aborted).toBe(false);
    calls[0]!.reject(new Error('aborted load fails late'));
    calls[1]!.resolve(2);
    expect(await second).toBe(2);
  });

  it('a set during a load wins over the load result', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const pending = cache.fetch('k');
    await tick();
    cache.set('k', 100);
    calls[0]!.resolve(1);
    expect(await pending).toBe(1);
    expect(cache.get('k')).toBe(100);
  });

  it('a delete or clear during a load keeps the load result out of the cache', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const first = cache.fetch('a');
    const second = cache.fetch('b');
    await tick();
    cache.delete('a');
    cache.clear();
    calls[0]!.resolve(1);
    calls[1]!.resolve(2);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('close rejects pending fetches and aborts their loads', async () => {
    const { calls, load } = deferredLoads<number>();
    const cache = new Cache<string, number>({ max: 10, load });
    const pending = cache.fetch('k');
    await tick();
    await cache[Symbol.asyncDispose]();
    await expect(pending).rejects.toSatisfy((e) => isBreakwaterError(e, 'BREAKWATER_CACHE_CLOSED'));
    expect(calls[0]!.options.signal.aborted).toBe(true);
    calls[0]!.resolve(1);
    await tick();
    expect(cache.has('k')).toBe(false);
  });
});

describe('freshness', () => {
  it('serves stale while one background load revalidates', async () => {
    const { time, calls, cache } = cacheOnManualClock({
      freshness: { staleWhileRevalidateMs: 50 },
    });
    cache.set('k', 1);
    time.advance(120);
    expect(await cache.fetch('k')).toBe(1);
    expect(await cache.fetch('k')).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options.stale).toBe(1);
    calls[0]!.resolve(2);
    await tick();
    expect(await cache.fetch('k')).toBe(2);
    expect(cache.stats()).toMatchObject({ staleServed: 2, loads: 1 });
  });

  it('past the revalidation window the caller waits for a fresh load', async () => {
    const { time, cache } = cacheOnManualClock({
      load: () => 2,
      freshness: { staleWhileRevalidateMs: 50 },
    });
    cache.set('k', 1);
    time.advance(151);
    expect(cache.size).toBe(1);
    expect(await cache.fetch('k')).toBe(2);
  });

  it('reports background refresh failures through onRefreshError', async () => {
    const { time, cache } = cacheOnManualClock({
      load: async () => {
        throw new Error('refresh failed');
      },
      freshness: { staleWhileRevalidateMs: 50 },
    });
    const errors: unknown[] = [];
    cache.onRefreshError(({ key, error }) => errors.push([key, (error as Error).message]));
    cache.set('k', 1);
    time.advance(110);
    expect(await cache.fetch('k')).toBe(1);
    await tick();
    expect(errors).toEqual([['k', 'refresh failed']]);
    expect(cache.stats().loadFailures).toBe(1);
  });

  it('serves stale when the load fails within the staleIfErrorMs window', async () => {
    const time = createManualClock();
    let fail = true;
    const cache = new Cache<string, number>({
      max: 10,
      ttlMs: 100,
      clock: time,
      load: async () => {
        if (fail) throw new Error('down');
        return 2;
      },
      freshness: { staleIfErrorMs: 50 },
    });
    cache.set('k', 1);
    time.advance(120);
    expect(cache.get('k')).toBeUndefined();
    expect(await cache.fetch('k')).toBe(1);
    time.advance(40);
    await expect(cache.fetch('k')).rejects.toThrow('down');
    fail = false;
    expect(await cache.fetch('k')).toBe(2);
    expect(cache.stats()).toMatchObject({ staleServed: 1, loadFailures: 2 });
  });

  it('caches a failure for errorTtlMs when set, and only then', async () => {
    const time = createManualClock();
    const load = vi.fn(async () => {
      throw new Error('boom');
    });
    const cache = new Cache<string, number>({
      max: 10,
      clock: time,
      load,
      freshness: { errorTtlMs: 30 },
    });
    await expect(cache.fetch('k')).rejects.toThrow('boom');
    await expect(cache.fetch('k')).rejects.toThrow('boom');
    expect(load).toHaveBeenCalledTimes(1);
    time.advance(30);
    await expect(cache.fetch('k')).rejects.toThrow('boom');
    expect(load).toHaveBeenCalledTimes(2);
    cache.set('k', 5);
    expect(await cache.fetch('k')).toBe(5);
  });

  it('a cached failure suppresses background refreshes until it expires', async () => {
    const time = createManualClock();
    const load = vi.fn(async () => {
      throw new Error('boom');
    });
    const cache = new Cache<string, number>({
      max: 10,
      ttlMs: 10,
      clock: time,
      load,
      freshness: { errorTtlMs: 30, staleWhileRevalidateMs: 1000 },
    });
    cache.onRefreshError(() => {});
    cache.set('k', 1);
    time.advance(20);
    expect(await cache.fetch('k')).toBe(1);
    await tick();
    expect(await cache.fetch('k')).toBe(1);
    await tick();
    expect(load).toHaveBeenCalledTimes(1);
    time.advance(31);
    expect(await cache.fetch('k')).toBe(1);
    await tick();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('remembers failures for at most max keys', async () => {
    const load = vi.fn(async () => {
      throw new Error('boom');
    });
    const cache = new Cache<string, number>({ max: 2, load, freshness: { errorTtlMs: 1000 } });
    for (const key of ['a', 'b', 'c']) await expect(cache.fetch(key)).rejects.toThrow();
    await expect(cache.fetch('a')).rejects.toThrow();
    expect(load).toHaveBeenCalledTimes(4);
    await expect(cache.fetch('c')).rejects.toThrow();
    expect(load).toHaveBeenCalledTimes(4);
  });
});
