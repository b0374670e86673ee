import { getEventListeners } from 'node:events';
import { Cache } from '@breakwater/cache';
import { stableKey } from '@breakwater/core';
import { createManualClock } from '@breakwater/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatcherClosedError, BatchResultError, isBatcherFullError } from './errors.js';
import { createLoader, type LoaderCache } from './loader.js';

const endOfTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function users() {
  const calls: string[][] = [];
  const batch = async (ids: string[]) => {
    calls.push([...ids]);
    return ids.map((id) => (id.startsWith('x') ? new Error(`no ${id}`) : { id }));
  };
  return { calls, batch };
}

describe('createLoader', () => {
  it('gives a number key the identity stableKey gives it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
        async (key) => {
          const cache = new Map<string, number>();
          const loader = createLoader<number, number>({
            batch: (keys) => keys.map(() => 1),
            cache,
          });
          await loader.load(key);
          expect([...cache.keys()]).toEqual([stableKey(key)]);
        },
      ),
    );
  });

  it('batches the loads of one tick and loads duplicate keys once', async () => {
    const { calls, batch } = users();
    const loader = createLoader({ batch });
    const [a, b, c] = await Promise.all([loader.load('1'), loader.load('2'), loader.load('1')]);
    expect(calls).toEqual([['1', '2']]);
    expect(a).toEqual({ id: '1' });
    expect(b).toEqual({ id: '2' });
    expect(c).toBe(a);
    expect(loader.stats()).toMatchObject({ loads: 3, shared: 1, items: 2, fulfilled: 2 });
  });

  it('rejects only the load whose slot holds an Error, and the batch with a wrong count', async () => {
    const { batch } = users();
    const loader = createLoader({ batch });
    const results = await Promise.allSettled([loader.load('1'), loader.load('x2')]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { id: '1' } });
    expect(results[1]).toEqual({ status: 'rejected', reason: new Error('no x2') });

    const short = createLoader<string, string>({ batch: () => [] });
    const error = await short.load('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchResultError);
    expect((error as Error).message).toBe(
      'batch() returned 0 results for a batch of 1 items; it must return one per item',
    );
  });

  it('loadMany resolves with a value or an Error per key, in order', async () => {
    const { calls, batch } = users();
    const loader = createLoader({ batch, maxBatchSize: 2 });
    const results = await loader.loadMany(['1', 'x', '3', '1']);
    expect(results).toEqual([{ id: '1' }, new Error('no x'), { id: '3' }, { id: '1' }]);
    expect(calls).toEqual([['1', 'x'], ['3']]);
    await expect(loader.loadMany('1' as never)).rejects.toThrow(TypeError);
  });

  it('loadMany rejects with signal.reason when its signal aborts', async () => {
    const loader = createLoader<string, string>({
      batch: (keys) => new Promise<string[]>(() => void keys),
    });
    const controller = new AbortController();
    const many = loader.loadMany(['a', 'b'], { signal: controller.signal });
    await endOfTick();
    controller.abort('enough');
    await expect(many).rejects.toBe('enough');
  });

  it('loadMany puts a constant number of listeners on its signal, whatever the keys', async () => {
    const loader = createLoader<string, string>({
      batch: (keys) => new Promise<string[]>(() => void keys),
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
      const many = loader.loadMany(keys, { signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      await endOfTick();
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      const reason = new Error('enough');
      controller.abort(reason);
      await expect(many).rejects.toBe(reason);
      await endOfTick();
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
      expect(loader.stats()).toMatchObject({ loads: 50, aborted: 50, pending: 0 });
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('loadMany lets each key of an aborted call reject with the reason and then detaches', async () => {
    const loader = createLoader<string, string>({ batch: (keys) => keys });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const original = loader.load.bind(loader);
    loader.load = (key, options) => {
      const promise = original(key, options);
      promise.catch((error: unknown) => seen.push(error));
      return promise;
    };
    const many = loader.loadMany(['a', 'b', 'c'], { signal: controller.signal });
    controller.abort('stop');
    await expect(many).rejects.toBe('stop');
    await endOfTick();
    expect(seen).toEqual(['stop', 'stop', 'stop']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const done = new AbortController();
    expect(await loader.loadMany(['a', 'x'], { signal: done.signal })).toEqual(['a', 'x']);
    expect(getEventListeners(done.signal, 'abort')).toHaveLength(0);
  });

  it('rejects a load whose signal has aborted, even when its key is cached', async () => {
    const loader = createLoader<string, string>({ batch: (keys) => keys, cache: new Map() });
    expect(await loader.load('a')).toBe('a');
    const reason = new Error('gone');
    await expect(loader.load('a', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await loader.load('a', { signal: new AbortController().signal })).toBe('a');
    expect(loader.stats()).toMatchObject({ loads: 3, cacheHits: 1, aborted: 1 });
  });

  it('counts in stats().aborted every load rejected with its own signal.reason', async () => {
    let release: () => void = () => {};
    const loader = createLoader<string, string>({
      batch: (keys) =>
        new Promise<string[]>((resolve) => {
          release = () => resolve(keys);
        }),
    });
    // One of two callers of a shared load leaves.
    const c1 = new AbortController();
    const x1 = loader.load('x', { signal: c1.signal });
    const x2 = loader.load('x', { signal: new AbortController().signal });
    // A caller joins a load without a signal, then leaves.
    const y1 = loader.load('y');
    const c2 = new AbortController();
    const y2 = loader.load('y', { signal: c2.signal });
    // A caller whose signal has already aborted.
    const z = loader.load('z', { signal: AbortSignal.abort('early') });
    const zDone = expect(z).rejects.toBe('early');
    await endOfTick();
    c1.abort('one');
    c2.abort('two');
    await expect(x1).rejects.toBe('one');
    await expect(y2).rejects.toBe('two');
    await zDone;
    release();
    expect(await x2).toBe('x');
    expect(await y1).toBe('y');
    expect(loader.stats()).toMatchObject({ loads: 5, aborted: 3, fulfilled: 2 });
  });

  it('keys non-string keys by stableKey, or by cacheKey', async () => {
    const seen: unknown[][] = [];
    const loader = createLoader<{ id: number }, number>({
      batch: (keys) => {
        seen.push(keys);
        return keys.map((k) => k.id);
      },
    });
    expect(await Promise.all([loader.load({ id: 1 }), loader.load({ id: 1 })])).toEqual([1, 1]);
    expect(seen).toEqual([[{ id: 1 }]]);

    const byId = createLoader<{ id: number; extra?: string }, number>({
      batch: (keys) => keys.map((k) => k.id),
      cacheKey: (key) => String(key.id),
    });
    await Promise.all([byId.load({ id: 1 }), byId.load({ id: 1, extra: 'x' })]);
    expect(byId.stats().shared).toBe(1);
    const bad = createLoader<number, number>({
      batch: (keys) => keys,
      cacheKey: () => 1 as unknown as string,
    });
    await expect(bad.load(1)).rejects.toThrow('Expected `cacheKey(key)` to be a string');
  });

  it('answers from the cache, stores loaded values, and clear/prime work on it', async () => {
    const { calls, batch } = users();
    const cache = new Map<string, { id: string }>();
    const loader = createLoader({ batch, cache });
    await loader.load('1');
    expect(cache.get('1')).toEqual({ id: '1' });
    await loader.load('1');
    expect(calls).toEqual([['1']]);
    expect(loader.stats().cacheHits).toBe(1);
    loader.clear('1');
    expect(cache.has('1')).toBe(false);
    loader.prime('2', { id: 'primed' });
    expect(await loader.load('2')).toEqual({ id: 'primed' });
    await expect(loader.load('x9')).rejects.toThrow('no x9');
    expect(cache.has('x9')).toBe(false);
    expect(() => createLoader({ batch }).prime('1', { id: '1' })).toThrow(TypeError);
  });

  it('takes any cache with get and set, such as a TTL cache', async () => {
    const store = new Map<string, number>();
    const cache: LoaderCache<number> = {
      get: (key) => store.get(key),
      set: (key, value) => store.set(key, value),
    };
    const loader = createLoader<string, number>({ batch: (keys) => keys.map(Number), cache });
    expect(await loader.load('7')).toBe(7);
    loader.clear('7'); // no delete: nothing to drop from the cache
    expect(store.get('7')).toBe(7);
    expect(() => createLoader({ batch: (k: string[]) => k, cache: {} as never })).toThrow(
      'Expected `cache` to be an object with get(key) and set(key, value) methods',
    );
  });

  it('takes a @breakwater/cache Cache, whose TTL makes the next load go to batch again', async () => {
    const clock = createManualClock(0);
    const { calls, batch } = users();
    const cache = new Cache<string, { id: string }>({ max: 100, ttlMs: 1_000, clock });
    const loader = createLoader({ batch, cache });
    expect(await loader.load('1')).toEqual({ id: '1' });
    expect(await loader.load('1')).toEqual({ id: '1' });
    expect(calls).toEqual([['1']]);
    clock.advance(1_001);
    expect(await loader.load('1')).toEqual({ id: '1' });
    expect(calls).toEqual([['1'], ['1']]);
    loader.clear('1');
    expect(cache.has('1')).toBe(false);
    await loader.close();
  });

  it('takes a key out of its batch once every load waiting for it has aborted', async () => {
    const calls: string[][] = [];
    const loader = createLoader<string, string>({
      batch: (keys) => {
        calls.push(keys);
        return keys;
      },
    });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const a1 = loader.load('a', { signal: c1.signal });
    const a2 = loader.load('a', { signal: c2.signal });
    const b = loader.load('b', { signal: new AbortController().signal });
    c1.abort('one');
    await expect(a1).rejects.toBe('one');
    c2.abort('two');
    await expect(a2).rejects.toBe('two');
    expect(await b).toBe('b');
    expect(calls).toEqual([['b']]);
    await expect(loader.load('a', { signal: AbortSignal.abort('early') })).rejects.toBe('early');
  });

  it('shares a load between callers with and without a signal, in either order', async () => {
    const calls: string[][] = [];
    const loader = createLoader<string, string>({
      batch: (keys) => {
        calls.push(keys);
        return keys.map((k) => k.toUpperCase());
      },
    });
    // Without a signal first: a caller with one joins and may leave alone.
    const plain = loader.load('a');
    const leaving = new AbortController();
    const joined = loader.load('a', { signal: leaving.signal });
    leaving.abort('left');
    await expect(joined).rejects.toBe('left');
    // With a signal first: a caller without one joins the shared load, which then runs on.
    const first = new AbortController();
    const shared = loader.load('b', { signal: first.signal });
    const stays = loader.load('b');
    first.abort('gone');
    await expect(shared).rejects.toBe('gone');
    expect(await Promise.all([plain, stays])).toEqual(['A', 'B']);
    expect(calls).toEqual([['a', 'b']]);
    expect(loader.stats()).toMatchObject({ loads: 4, shared: 2, items: 2 });
  });

  it('close() loads what is queued, then refuses loads', async () => {
    const { batch } = users();
    const loader = createLoader({ batch, maxDelayMs: 1_000 });
    const a = loader.load('1');
    await loader[Symbol.asyncDispose]();
    expect(await a).toEqual({ id: '1' });
    expect(loader.closed).toBe(true);
    await expect(loader.load('2')).rejects.toBeInstanceOf(BatcherClosedError);
    expect(loader.close()).toBe(loader.close());
  });

  it('flush() loads what is queued now; events and backpressure come from the batcher', async () => {
    const loader = createLoader<string, string>({
      batch: (keys) => keys,
      maxDelayMs: 1_000,
      maxPending: 1,
      onFull: 'reject',
    });
    const flushes: string[] = [];
    const fulls: string[] = [];
    loader.onFlush((event) => flushes.push(event.reason));
    loader.onFull((event) => fulls.push(event.action));
    const a = loader.load('a');
    const full = await loader.load('b').catch((e: unknown) => e);
    expect(isBatcherFullError(full)).toBe(true);
    await loader.flush();
    expect(await a).toBe('a');
    expect(flushes).toEqual(['flush']);
    expect(fulls).toEqual(['reject']);
  });

  it('validates its options and per-call options', async () => {
    expect(() => createLoader({} as never)).toThrow('Expected `batch` to be a function');
    expect(() => createLoader({ batch: (k: string[]) => k, cach: new Map() } as never)).toThrow(
      /Unknown option `cach`/,
    );
    expect(() => createLoader({ batch: (k: string[]) => k, cacheKey: 1 as never })).toThrow(
      '`cacheKey`',
    );
    expect(() => createLoader({ batch: (k: string[]) => k, maxBatchSize: 0 })).toThrow(RangeError);
    const loader = createLoader({ batch: (k: string[]) => k });
    await expect(loader.load('a', { signl: 1 } as never)).rejects.toThrow(/Unknown option `signl`/);
    await expect(loader.loadMany(['a'], { signal: 1 as never })).rejects.toThrow(TypeError);
  });

  it("gives every load its own key's value, whatever the duplicates, aborts and batch sizes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 9 }),
            signal: fc.boolean(),
            abort: fc.boolean(),
          }),
          {
            maxLength: 40,
          },
        ),
        fc.integer({ min: 1, max: 5 }),
        async (loads, maxBatchSize) => {
          const batches: number[][] = [];
          const loader = createLoader<number, string>({
            maxBatchSize,
            batch: async (keys) => {
              batches.push(keys);
              return keys.map((k) => `v${k}`);
            },
          });
          const settled = loads.map(({ key, signal: withSignal, abort }) => {
            const controller = withSignal || abort ? new AbortController() : undefined;
            const signal = controller?.signal;
            const promise = loader.load(key, signal === undefined ? undefined : { signal });
            if (abort) controller?.abort('gone');
            return promise.then(
              (value) => ({ ok: true, value }),
              (reason: unknown) => ({ ok: false, value: reason }),
            );
          });
          const results = await Promise.all(settled);
          results.forEach((result, i) => {
            expect(result).toEqual(
              loads[i]!.abort
                ? { ok: false, value: 'gone' }
                : { ok: true, value: `v${loads[i]!.key}` },
            );
          });
          for (const keys of batches) {
            expect(new Set(keys).size).toBe(keys.length);
            expect(keys.length).toBeLessThanOrEqual(maxBatchSize);
          }
          await loader.close();
          expect(loader.stats()).toMatchObject({
            pending: 0,
            inFlight: 0,
            aborted: loads.filter((load) => load.abort).length,
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
