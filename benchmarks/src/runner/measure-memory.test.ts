import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { MissingGcError, measureMemory } from './measure-memory.js';

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('measureMemory', () => {
  it('returns the heap bytes per item of the structure built, with gc available', async () => {
    const items = 50_000;
    const result = await measureMemory(
      { items, build: () => new Map(Array.from({ length: items }, (_, i) => [i, `v${i}`])) },
      { gc: exposedGc() },
    );
    expect(result.items).toBe(items);
    expect(Number.isFinite(result.bytesPerItem)).toBe(true);
    expect(result.bytesPerItem).toBeGreaterThan(0);
    expect(result.samples).toHaveLength(5);
  });

  it('counts the contents of typed arrays, which live outside the V8 heap', async () => {
    const items = 100_000;
    const result = await measureMemory(
      { items, build: () => new Float64Array(items) },
      { gc: exposedGc(), builds: 3 },
    );
    // 8 bytes per number; the heap alone holds only the array's small header.
    expect(result.bytesPerItem).toBeGreaterThan(7.5);
    expect(result.bytesPerItem).toBeLessThan(9);
  });

  it('awaits a build that returns a promise', async () => {
    const result = await measureMemory(
      { items: 1000, build: async () => Array.from({ length: 1000 }, (_, i) => ({ i })) },
      { gc: exposedGc(), builds: 1 },
    );
    expect(result.samples).toHaveLength(1);
    expect(result.bytesPerItem).toBeGreaterThan(0);
  });

  it('throws a MissingGcError telling to run node with --expose-gc when gc is absent', async () => {
    const build = vi.fn();
    const run = measureMemory({ items: 1, build }, { gc: undefined, what: 'the LRU' });
    await expect(run).rejects.toThrow(MissingGcError);
    await expect(run).rejects.toThrow(
      'Measuring memory of the LRU needs global.gc(): run node with --expose-gc',
    );
    expect(build).not.toHaveBeenCalled();
  });

  it('uses the global gc by default', async () => {
    const run = measureMemory({ items: 1, build: () => [] });
    if (typeof globalThis.gc === 'function') {
      await expect(run).resolves.toMatchObject({ items: 1 });
    } else {
      await expect(run).rejects.toMatchObject({ code: 'ERR_BENCH_MISSING_GC' });
    }
  });

  it('refuses an item count that is not a positive integer', async () => {
    await expect(measureMemory({ items: 0, build: () => [] }, { gc: () => {} })).rejects.toThrow(
      /`memory.items` to be an integer > 0, got `0` \(number\)/,
    );
  });
});
