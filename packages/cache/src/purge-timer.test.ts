import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Cache } from './cache.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collect(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('purgeIntervalMs timer and garbage collection', () => {
  it('does not keep an unreachable cache (and its entries) alive', async () => {
    let ref: WeakRef<object>;
    (() => {
      const cache = new Cache<number, Uint8Array>({
        max: 10,
        ttlMs: 60_000,
        purgeIntervalMs: 60_000,
      });
      cache.set(1, new Uint8Array(10_000_000));
      ref = new WeakRef(cache);
    })();
    // control: the same cache without purgeIntervalMs is collected
    let control: WeakRef<object>;
    (() => {
      const cache = new Cache<number, Uint8Array>({ max: 10, ttlMs: 60_000 });
      control = new WeakRef(cache);
    })();
    await collect();
    expect(control!.deref()).toBeUndefined();
    // the unref'd interval still references the cache: it (and its 10 MB) is never freed
    expect(ref!.deref()).toBeUndefined();
  });
});
