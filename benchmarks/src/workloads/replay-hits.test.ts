import { describe, expect, it } from 'vitest';
import { replayHits } from './replay-hits.js';

describe('replayHits', () => {
  it('counts the hits, storing each missed key as its own value', () => {
    const map = new Map<number, number>();
    expect(replayHits(map, [1, 2, 1, 3, 2, 2])).toBe(3);
    expect([...map]).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it('counts a stored 0 as a hit: only undefined is a miss', () => {
    expect(replayHits(new Map<number, number>(), [0, 0])).toBe(1);
  });
});
