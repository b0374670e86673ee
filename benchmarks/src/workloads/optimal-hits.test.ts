import { describe, expect, it } from 'vitest';
import { optimalHits } from './optimal-hits.js';
import { replayHits } from './replay-hits.js';
import { seededRandom } from './seeded-random.js';

/**
 * The most hits any eviction choices give, found by trying them all: on each miss in a full
 * cache, evict any resident (or, with bypass, keep the newcomer out instead).
 */
function bruteForceHits(trace: readonly number[], capacity: number, bypass: boolean): number {
  const memo = new Map<string, number>();
  const best = (position: number, resident: readonly number[]): number => {
    if (position === trace.length) {
      return 0;
    }
    const memoKey = `${position}:${[...resident].sort((a, b) => a - b).join(',')}`;
    const known = memo.get(memoKey);
    if (known !== undefined) {
      return known;
    }
    const key = trace[position]!;
    let result: number;
    if (resident.includes(key)) {
      result = 1 + best(position + 1, resident);
    } else if (resident.length < capacity) {
      result = best(position + 1, [...resident, key]);
    } else {
      const choices = resident.map((victim) =>
        best(position + 1, [...resident.filter((k) => k !== victim), key]),
      );
      if (bypass) {
        choices.push(best(position + 1, resident));
      }
      result = Math.max(...choices);
    }
    memo.set(memoKey, result);
    return result;
  };
  return best(0, []);
}

/** A tiny exact LRU for comparison. */
function lruHits(trace: readonly number[], capacity: number): number {
  const map = new Map<number, number>();
  return replayHits(
    {
      get: (key) => {
        const value = map.get(key);
        if (value !== undefined) {
          map.delete(key);
          map.set(key, value);
        }
        return value;
      },
      set: (key, value) => {
        if (map.size >= capacity) {
          map.delete(map.keys().next().value!);
        }
        map.set(key, value);
      },
    },
    trace,
  );
}

describe('optimalHits', () => {
  it('keeps the two keys used again soonest of 1 2 3 1 2 3 in a cache of 2', () => {
    // 1, 2 miss; 3 misses and is the farthest; 1, 2 hit; 3 misses again.
    expect(optimalHits([1, 2, 3, 1, 2, 3], 2)).toBe(2);
    expect(optimalHits([1, 2, 3, 1, 2, 3], 2, { bypass: false })).toBe(2);
  });

  it('leaves a key never used again out of a cache of 1 only when bypass is allowed', () => {
    // With bypass, 2 is not kept and 1 hits again; on demand fetch, 2 evicts 1.
    expect(optimalHits([1, 1, 2, 1], 1)).toBe(2);
    expect(optimalHits([1, 1, 2, 1], 1, { bypass: false })).toBe(1);
  });

  it('finds the textbook 9 faults of MIN on the 20-reference string with 3 frames', () => {
    const references = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
    expect(optimalHits(references, 3, { bypass: false })).toBe(20 - 9);
    expect(optimalHits(references, 3)).toBeGreaterThanOrEqual(11);
  });

  it('misses only the first access of each key when every key fits', () => {
    expect(optimalHits([5, 6, 5, 7, 6, 5, 7], 3)).toBe(4);
    expect(optimalHits([], 3)).toBe(0);
  });

  it('matches an exhaustive search of every eviction choice on random short traces', () => {
    const random = seededRandom(11);
    for (let round = 0; round < 60; round++) {
      const trace = Array.from({ length: 14 }, () => Math.floor(random() * 6));
      const capacity = 1 + (round % 3);
      expect(optimalHits(trace, capacity)).toBe(bruteForceHits(trace, capacity, true));
      expect(optimalHits(trace, capacity, { bypass: false })).toBe(
        bruteForceHits(trace, capacity, false),
      );
    }
  });

  it('never hits less than LRU, nor less without bypass than with it', () => {
    const random = seededRandom(5);
    const trace = Array.from({ length: 5_000 }, () => Math.floor(random() ** 2 * 300));
    for (const capacity of [10, 50, 200]) {
      const demand = optimalHits(trace, capacity, { bypass: false });
      expect(demand).toBeGreaterThanOrEqual(lruHits(trace, capacity));
      expect(optimalHits(trace, capacity)).toBeGreaterThanOrEqual(demand);
    }
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => optimalHits([1], 0)).toThrow('Expected `capacity` to be an integer > 0, got `0`');
    expect(() => optimalHits([1], 1.5)).toThrow(RangeError);
  });
});
