import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';

function draws(seed: number, count: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => random());
}

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draws(42, 100)).toEqual(draws(42, 100));
  });

  it('gives a different sequence for another seed', () => {
    expect(draws(42, 10)).not.toEqual(draws(43, 10));
  });

  it('draws floats in [0, 1) spread evenly over the interval', () => {
    const values = draws(7, 20_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const tenths = new Array<number>(10).fill(0);
    for (const value of values) {
      tenths[Math.floor(value * 10)]!++;
    }
    for (const count of tenths) {
      expect(count).toBeGreaterThan(1_800);
      expect(count).toBeLessThan(2_200);
    }
  });
});
