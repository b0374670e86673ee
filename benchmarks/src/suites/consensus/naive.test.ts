import { describe, expect, it } from 'vitest';
import { jaccard, naiveConsensus, tokenSet } from './naive.js';

const r = (id: string, text: string, confidence: number) => ({ id, text, confidence });

describe('naive consensus baseline', () => {
  it('tokenises as the package does: NFKC, lower case, letters, digits and marks', () => {
    expect([...tokenSet('Ａbc ﬁle, ABC! e\u0301 42')]).toEqual(['abc', 'file', '\u00e9', '42']);
    expect(tokenSet('…!').size).toBe(0);
  });

  it('computes exact Jaccard similarity, 1 for two empty sets', () => {
    expect(jaccard(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toBe(0.5);
    expect(jaccard(new Set(['b', 'c', 'd', 'e']), new Set(['a', 'b']))).toBe(0.2);
    expect(jaccard(new Set(), new Set())).toBe(1);
    expect(jaccard(new Set(['a']), new Set())).toBe(0);
  });

  it('joins pairs at the threshold and picks the cluster with the largest confidence', () => {
    const result = naiveConsensus([
      r('a', 'one two three four', 0.3),
      r('b', 'five six seven eight', 0.9),
      r('c', 'one two three four five', 0.4),
      r('d', 'one two three four', 0.3),
    ]);
    // a, c and d: 1.0 and 0.8 similar; b alone with 0.9 < 1.0.
    expect(result.ids).toEqual(['a', 'c', 'd']);
    expect(result.share).toBeCloseTo(1 / 1.9);
    expect(result.reached).toBe(true);
    expect(naiveConsensus([r('a', 'x y', 0.5), r('b', 'x z', 0.5)], 0.3).ids).toEqual(['a', 'b']);
    expect(naiveConsensus([r('a', 'x y', 0.5), r('b', 'x z', 0.5)], 0.4).ids).toEqual(['a']);
  });

  it('breaks ties by the first member, shares by size when confidence is 0, and handles no input', () => {
    const tie = naiveConsensus([r('a', 'p q', 0), r('b', 'r s', 0), r('c', 'r s', 0)]);
    expect(tie.ids).toEqual(['a']);
    expect(naiveConsensus([r('a', 'p q', 0.5), r('b', 'r s', 0.5)]).ids).toEqual(['a']);
    const sized = naiveConsensus([r('a', 'p q', 0), r('b', 'p q', 0), r('c', 'x', 0)]);
    expect(sized.share).toBeCloseTo(2 / 3);
    expect(naiveConsensus([])).toEqual({ ids: [], share: 0, reached: false });
  });
});
