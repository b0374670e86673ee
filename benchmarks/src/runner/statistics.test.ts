import { describe, expect, it } from 'vitest';
import { median, quantileOfSorted, ratio, spread } from './statistics.js';

describe('median', () => {
  it('is the middle value of an odd count, whatever the input order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('is the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('quantileOfSorted', () => {
  it('interpolates linearly between the nearest ranks', () => {
    expect(quantileOfSorted([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantileOfSorted([10, 20], 0.25)).toBe(12.5);
    expect(quantileOfSorted(Float64Array.from([1, 2, 3]), 1)).toBe(3);
  });

  it('refuses a quantile outside 0..1 and an empty list', () => {
    expect(() => quantileOfSorted([1], 1.5)).toThrow(/`q` to be a number from 0 to 1, got `1.5`/);
    expect(() => quantileOfSorted([1], Number.NaN)).toThrow(RangeError);
    expect(() => quantileOfSorted([], 0.5)).toThrow(RangeError);
  });
});

describe('spread', () => {
  it('reports the extremes and quartiles of every round, not only the best', () => {
    expect(spread([5, 1, 4, 2, 3])).toEqual({ min: 1, q1: 2, median: 3, q3: 4, max: 5 });
  });

  it('collapses to one value for a single round', () => {
    expect(spread([7])).toEqual({ min: 7, q1: 7, median: 7, q3: 7, max: 7 });
  });
});

describe('ratio', () => {
  it('is ours over the peer, above 1 when ours is faster', () => {
    expect(ratio(300, 150)).toBe(2);
    expect(ratio(100, 400)).toBe(0.25);
  });
});
