import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';
import { shuffleInPlace } from './shuffle.js';

describe('shuffleInPlace', () => {
  it('reorders the array itself into a permutation of its items', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const result = shuffleInPlace(items, seededRandom(1));
    expect(result).toBe(items);
    expect(items).not.toEqual([...items].sort((a, b) => a - b));
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('shuffles the same way for the same seed', () => {
    const once = shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], seededRandom(9));
    expect(shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], seededRandom(9))).toEqual(once);
  });

  it('leaves an empty or single-item array as it is', () => {
    expect(shuffleInPlace([], seededRandom(1))).toEqual([]);
    expect(shuffleInPlace(['only'], seededRandom(1))).toEqual(['only']);
  });
});
