import { createManualClock } from '@breakwater/testing';
import { Cache } from './cache.js';
import type { CacheOptions, LoadOptions } from './options.js';

/** A loader whose calls the test settles by hand. */
export function deferredLoads<V>() {
  const calls: Array<{
    key: string;
    options: LoadOptions<V, unknown>;
    resolve(value: V | undefined): void;
    reject(error: unknown): void;
  }> = [];
  const load = (key: string, options: LoadOptions<V, unknown>) =>
    new Promise<V | undefined>((resolve, reject) => {
      calls.push({ key, options, resolve, reject });
    });
  return { calls, load };
}

/** Lets pending promise callbacks and I/O callbacks run. */
export const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A cache of numbers on a manual clock, `max: 10` and `ttlMs: 100` unless told otherwise,
 * whose loads the test settles by hand (through `calls`) unless `load` is given.
 */
export function cacheOnManualClock(options: Partial<CacheOptions<string, number>> = {}) {
  const time = createManualClock();
  const { calls, load } = deferredLoads<number>();
  const cache = new Cache<string, number>({ max: 10, ttlMs: 100, clock: time, load, ...options });
  return { time, calls, cache };
}
