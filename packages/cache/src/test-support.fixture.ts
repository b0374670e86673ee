import type { LoadOptions } from './options.js';

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
