import { describe, expect, it } from 'vitest';
import { compileLoop, type LoopState } from './batch-loops.js';
import type { BenchCache, BenchKey } from './cache-contenders.js';

/** A Map that records every call, standing in for a cache. */
function recordingCache(entries: [BenchKey, number][] = []) {
  const map = new Map(entries);
  const calls: string[] = [];
  const cache: BenchCache = {
    get: (key) => {
      calls.push(`get ${key}`);
      return map.get(key);
    },
    set: (key, value) => {
      calls.push(`set ${key}=${value}`);
      map.set(key, value);
    },
    get size() {
      return map.size;
    },
  };
  return { cache, calls, map };
}

function state(cache: BenchCache, keys: BenchKey[], batch: number, extra: Partial<LoopState> = {}) {
  return { cache, keys, writes: new Uint8Array(0), batch, cursor: 0, ...extra };
}

describe('compileLoop', () => {
  it('get: looks up `batch` keys from the cursor, wrapping, and sums the values found', () => {
    const { cache, calls } = recordingCache([
      ['a', 1],
      ['c', 30],
    ]);
    const s = state(cache, ['a', 'b', 'c'], 4, { cursor: 1 });
    expect(compileLoop('get')(s)).toBe(30 + 1 + 0);
    expect(calls).toEqual(['get b', 'get c', 'get a', 'get b']);
    expect(s.cursor).toBe(2);
  });

  it('set: stores each key with its position as value and returns the size', () => {
    const { cache, map } = recordingCache();
    const s = state(cache, [7, 8, 9], 2, { cursor: 2 });
    expect(compileLoop('set')(s)).toBe(2);
    expect([...map]).toEqual([
      [9, 2],
      [7, 0],
    ]);
    expect(s.cursor).toBe(1);
  });

  it('mix: sets where `writes` says so, gets elsewhere, and counts the hits', () => {
    const { cache, calls } = recordingCache([['x', 1]]);
    const s = state(cache, ['x', 'y', 'y', 'z'], 4, { writes: Uint8Array.of(0, 1, 0, 0) });
    expect(compileLoop('mix')(s)).toBe(2);
    expect(calls).toEqual(['get x', 'set y=1', 'get y', 'get z']);
    expect(s.cursor).toBe(0);
  });

  it('replay: gets each key, sets it to itself on a miss, and counts the hits', () => {
    const { cache, calls } = recordingCache();
    expect(compileLoop('replay')(state(cache, [4, 5, 4], 3))).toBe(1);
    expect(calls).toEqual(['get 4', 'set 4=4', 'get 5', 'set 5=5', 'get 4']);
  });

  it('compiles a separate copy on every call, so no call site is shared', () => {
    expect(compileLoop('get')).not.toBe(compileLoop('get'));
  });
});
