import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';
import { zipfSampler } from './zipf-sampler.js';

function histogram(count: number, exponent: number, draws: number): number[] {
  const draw = zipfSampler(count, exponent, seededRandom(3));
  const seen = new Array<number>(count).fill(0);
  for (let i = 0; i < draws; i++) {
    seen[draw()]!++;
  }
  return seen;
}

describe('zipfSampler', () => {
  it('draws every rank in range, the lowest ranks most often', () => {
    const seen = histogram(100, 1, 50_000);
    expect(seen.reduce((sum, n) => sum + n, 0)).toBe(50_000);
    expect(Math.max(...seen)).toBe(seen[0]);
    expect(seen[0]! + seen[1]! + seen[2]!).toBeGreaterThan(seen.slice(50).reduce((a, b) => a + b));
  });

  it('draws rank r about (r + 1)^s times less often than rank 0', () => {
    const seen = histogram(1_000, 1, 200_000);
    expect(seen[0]! / seen[1]!).toBeCloseTo(2, 0);
    expect(seen[0]! / seen[3]!).toBeCloseTo(4, 0);
  });

  it('draws uniformly with exponent 0', () => {
    const seen = histogram(4, 0, 40_000);
    for (const count of seen) {
      expect(count).toBeGreaterThan(9_500);
      expect(count).toBeLessThan(10_500);
    }
  });

  it('rejects a count that is not a positive integer', () => {
    expect(() => zipfSampler(0, 1, Math.random)).toThrow(
      'Expected `count` to be an integer > 0, got `0`',
    );
  });
});
