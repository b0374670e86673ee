import { describe, expect, it } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import type { ConsensusResponse } from './responses.js';

const SKY = 'The sky is blue because air scatters short wavelengths of sunlight';
const GRASS = 'Grass looks green thanks to chlorophyll absorbing red light';
const SEA = 'Oceans taste salty since rivers carry dissolved minerals downstream';

function r(
  id: string,
  text: string,
  confidence: number,
  recommendations?: string[],
): ConsensusResponse {
  return recommendations === undefined
    ? { id, text, confidence }
    : { id, text, confidence, recommendations };
}

describe('analyzeConsensus: clusters', () => {
  it('puts identical texts in one cluster with agreement 1', () => {
    const result = analyzeConsensus([r('a', SKY, 0.9), r('b', SKY, 0.6), r('c', SKY, 0.3)]);
    expect(result.n).toBe(3);
    expect(result.clusters).toEqual([
      { ids: ['a', 'b', 'c'], indices: [0, 1, 2], confidence: 0.9 + 0.6 + 0.3, size: 3 },
    ]);
    expect(result.consensus).toEqual({ ...result.clusters[0], representative: 'a' });
    expect(result.share).toBe(1);
    expect(result.reached).toBe(true);
    expect(result.agreement).toEqual([
      { id: 'a', agreement: 1 },
      { id: 'b', agreement: 1 },
      { id: 'c', agreement: 1 },
    ]);
    expect(result.outliers).toEqual([]);
    expect(result.duplicates).toEqual([['a', 'b', 'c']]);
    expect(result.averageConfidence).toBeCloseTo(0.6, 12);
    expect(result.weightedConfidence).toBeCloseTo(0.6, 12);
  });

  it('treats texts equal after normalisation as identical', () => {
    const result = analyzeConsensus([
      r('a', 'ﬁne ＡＢＣ words, here!', 0.5),
      r('b', 'FINE abc — words here 😀', 0.5),
    ]);
    expect(result.clusters).toHaveLength(1);
    expect(result.agreement[1]!.agreement).toBe(1);
  });

  it('keeps texts without a common shingle apart, ordered by total confidence', () => {
    const result = analyzeConsensus([r('a', SKY, 0.2), r('b', GRASS, 0.7), r('c', SEA, 0.4)]);
    expect(result.clusters.map((c) => c.ids)).toEqual([['b'], ['c'], ['a']]);
    expect(result.consensus?.representative).toBe('b');
    expect(result.share).toBeCloseTo(0.7 / 1.3, 12);
    expect(result.reached).toBe(true);
    expect(result.agreement.map((a) => a.agreement)).toEqual([0, 1, 0]);
    expect(result.outliers).toEqual(['a', 'c']);
    expect(result.duplicates).toEqual([]);
    expect(result.weightedConfidence).toBeCloseTo(0.7, 12);
  });

  it('weighs clusters by confidence, not by size', () => {
    const result = analyzeConsensus([
      r('a', SKY, 0.1),
      r('b', SKY, 0.1),
      r('c', SKY, 0.1),
      r('d', GRASS, 0.9),
    ]);
    expect(result.consensus?.ids).toEqual(['d']);
    expect(result.share).toBeCloseTo(0.75, 12);
    expect(result.reached).toBe(true);
    expect(result.outliers).toEqual([]);
    expect(result.clusters[1]).toEqual({
      ids: ['a', 'b', 'c'],
      indices: [0, 1, 2],
      confidence: 0.1 + 0.1 + 0.1,
      size: 3,
    });
  });

  it('breaks a tie in confidence by the smallest member index', () => {
    const result = analyzeConsensus([r('a', GRASS, 0.25), r('b', SKY, 0.5), r('c', GRASS, 0.25)]);
    expect(result.clusters.map((c) => c.ids)).toEqual([['a', 'c'], ['b']]);
    expect(result.consensus?.representative).toBe('a');
    // A share of exactly minAgreement is reached.
    expect(result.share).toBe(0.5);
    expect(result.reached).toBe(true);
    expect(
      analyzeConsensus([r('a', GRASS, 0.25), r('b', SKY, 0.5), r('c', GRASS, 0.25)], {
        minAgreement: 0.51,
      }).reached,
    ).toBe(false);
  });

  it('picks the most confident member as representative, the first one on a tie', () => {
    const result = analyzeConsensus([r('a', SKY, 0.4), r('b', SKY, 0.8), r('c', SKY, 0.8)]);
    expect(result.consensus?.representative).toBe('b');
  });

  it('counts responses instead of confidence when every confidence is 0', () => {
    const result = analyzeConsensus([r('a', SKY, 0), r('b', SKY, 0), r('c', GRASS, 0)]);
    expect(result.share).toBeCloseTo(2 / 3, 12);
    expect(result.reached).toBe(true);
    expect(result.averageConfidence).toBe(0);
    expect(result.weightedConfidence).toBe(0);
  });

  it('joins a pair exactly when its similarity reaches threshold, and marks duplicates likewise', () => {
    const a = SKY;
    const b = `${SKY} and dust`;
    const probe = analyzeConsensus([r('a', a, 1), r('b', b, 0.5)], {
      threshold: 0.01,
      duplicateThreshold: 0.01,
    });
    const similarity = probe.agreement[1]!.agreement;
    expect(similarity).toBeGreaterThan(0.4);
    expect(similarity).toBeLessThan(1);
    const equal = Math.round(similarity * 128);
    expect(equal / 128).toBe(similarity);

    const at = analyzeConsensus([r('a', a, 1), r('b', b, 0.5)], {
      threshold: similarity,
      duplicateThreshold: similarity,
    });
    expect(at.clusters).toHaveLength(1);
    expect(at.duplicates).toEqual([['a', 'b']]);

    const above = (equal + 1) / 128;
    const agreeOnly = analyzeConsensus([r('a', a, 1), r('b', b, 0.5)], {
      threshold: similarity,
      duplicateThreshold: above,
    });
    expect(agreeOnly.clusters).toHaveLength(1);
    expect(agreeOnly.duplicates).toEqual([]);

    const apart = analyzeConsensus([r('a', a, 1), r('b', b, 0.5)], { threshold: above });
    expect(apart.clusters).toHaveLength(2);
    expect(apart.outliers).toEqual(['b']);
    // The agreement is the similarity to the representative whether or not they cluster.
    expect(apart.agreement[1]!.agreement).toBe(similarity);
    expect(apart.weightedConfidence).toBeCloseTo((1 + 0.5 * similarity) / (1 + similarity), 12);
  });

  it('chains agreement transitively: a cluster is a connected component', () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const shift = (by: number) => words.slice(by, by + 20).join(' ');
    // 18 shingles each: x and y share 16 of 20 (0.8), y and z too, x and z 14 of 22 (0.64).
    const options = { threshold: 0.72, signatureSize: 1024 };
    const responses = [r('x', shift(0), 0.9), r('y', shift(2), 0.5), r('z', shift(4), 0.5)];
    const result = analyzeConsensus(responses, options);
    expect(result.clusters.map((c) => c.ids)).toEqual([['x', 'y', 'z']]);
    expect(result.agreement[1]!.agreement).toBeGreaterThanOrEqual(0.72);
    expect(result.agreement[2]!.agreement).toBeLessThan(0.72);
    const withoutY = analyzeConsensus([responses[0]!, responses[2]!], options);
    expect(withoutY.clusters).toHaveLength(2);
  });
});

describe('analyzeConsensus: empty texts, one response, no response', () => {
  it('groups texts without tokens together, apart from the others', () => {
    const result = analyzeConsensus([r('a', '', 0.3), r('b', SKY, 0.5), r('c', '?!', 0.3)]);
    expect(result.clusters.map((c) => c.ids)).toEqual([['a', 'c'], ['b']]);
    expect(result.consensus?.representative).toBe('a');
    expect(result.agreement.map((a) => a.agreement)).toEqual([1, 0, 1]);
    expect(result.duplicates).toEqual([['a', 'c']]);
    expect(result.outliers).toEqual(['b']);
  });

  it('gives responses without tokens agreement 0 with a representative that has some', () => {
    const result = analyzeConsensus([r('a', '', 0.3), r('b', SKY, 0.9)]);
    expect(result.consensus?.representative).toBe('b');
    expect(result.agreement.map((a) => a.agreement)).toEqual([0, 1]);
    expect(result.outliers).toEqual(['a']);
  });

  it('reaches consensus with a single response', () => {
    const result = analyzeConsensus([r('only', SKY, 0.4)]);
    expect(result).toMatchObject({
      n: 1,
      reached: true,
      share: 1,
      outliers: [],
      duplicates: [],
      averageConfidence: 0.4,
      weightedConfidence: 0.4,
      agreement: [{ id: 'only', agreement: 1 }],
      consensus: { ids: ['only'], indices: [0], size: 1, representative: 'only' },
    });
  });

  it('returns the empty result for no responses', () => {
    expect(analyzeConsensus([], { backend: 'js' })).toEqual({
      n: 0,
      method: 'exact',
      backend: 'js',
      reached: false,
      share: 0,
      threshold: 0.7,
      clusters: [],
      consensus: null,
      agreement: [],
      outliers: [],
      duplicates: [],
      averageConfidence: 0,
      weightedConfidence: 0,
      recommendations: [],
    });
  });
});

describe('analyzeConsensus: recommendations', () => {
  it('normalises, counts once per response, and ranks by support then text', () => {
    const result = analyzeConsensus([
      r('a', SKY, 0.5, ['Restart  the server', 'restart the server', 'z', '   ']),
      r('b', SKY, 0.5, ['RESTART the\tserver\n', 'ä', 'b']),
      r('c', GRASS, 0.5, ['ｚ', 'b', 'ä', '']),
    ]);
    // Plain code-unit order: 'b' < 'restart…' < 'z' < 'ä' (a locale order would put 'ä' after 'b').
    const share = 2 / 3;
    expect(result.recommendations).toEqual([
      { text: 'b', support: 2, share },
      { text: 'restart the server', support: 2, share },
      { text: 'z', support: 2, share },
      { text: 'ä', support: 2, share },
    ]);
  });

  it('returns the top ones only, and none for topRecommendations 0', () => {
    const responses = [
      r('a', SKY, 1, ['one', 'two', 'three']),
      r('b', SKY, 1, ['two', 'three']),
      r('c', SKY, 1, ['three']),
    ];
    expect(analyzeConsensus(responses, { topRecommendations: 2 }).recommendations).toEqual([
      { text: 'three', support: 3, share: 1 },
      { text: 'two', support: 2, share: 2 / 3 },
    ]);
    expect(analyzeConsensus(responses, { topRecommendations: 0 }).recommendations).toEqual([]);
  });

  it('accepts lone surrogates and emoji in recommendations', () => {
    const result = analyzeConsensus([r('a', SKY, 1, ['\ud800 fix', '🚀 ship it'])]);
    expect(result.recommendations.map((x) => x.text)).toEqual(['\ud800 fix', '🚀 ship it']);
  });
});

describe('analyzeConsensus: method and input handling', () => {
  it('compares every pair up to exactLimit responses and uses LSH beyond', () => {
    const two = [r('a', SKY, 1), r('b', SKY, 1)];
    const three = [...two, r('c', GRASS, 1)];
    expect(analyzeConsensus(two, { exactLimit: 2 }).method).toBe('exact');
    expect(analyzeConsensus(three, { exactLimit: 2 }).method).toBe('lsh');
    expect(analyzeConsensus(three, { method: 'lsh' }).method).toBe('lsh');
    expect(analyzeConsensus(three, { method: 'exact', exactLimit: 2 }).method).toBe('exact');
    const lsh = analyzeConsensus(three, { method: 'lsh' });
    expect(lsh.clusters.map((c) => c.ids)).toEqual([['a', 'b'], ['c']]);
  });

  it('leaves the caller objects untouched and returns fresh arrays', () => {
    const responses = Object.freeze([
      Object.freeze(r('a', SKY, 0.5, ['x'])),
      Object.freeze(r('b', GRASS, 0.4)),
    ]);
    const options = Object.freeze({ threshold: 0.8 });
    const result = analyzeConsensus(responses, options);
    expect(result.consensus?.ids).not.toBe(result.clusters[0]!.ids);
    expect(responses[0]).toEqual(r('a', SKY, 0.5, ['x']));
  });

  it('ignores fields of a response other than its own', () => {
    const extra = { id: 'a', text: SKY, confidence: 1, model: 'm1' };
    expect(analyzeConsensus([extra]).n).toBe(1);
  });

  it('analyses texts of a megabyte and more', () => {
    const long = Array.from({ length: 200_000 }, (_, i) => `w${i % 5000} ١٢ שלום`).join(' ');
    expect(long.length).toBeGreaterThan(1_000_000);
    const result = analyzeConsensus(
      [r('a', long, 0.5), r('b', `${long} \ud800 extra`, 0.5), r('c', SKY, 0.2)],
      { signatureSize: 16 },
    );
    expect(result.clusters[0]!.ids).toEqual(['a', 'b']);
  });
});

describe('analyzeConsensus: thresholds against the reported similarity', () => {
  // With 100 slots these two texts have 55 equal slots: similarity 55 / 100, which is 0.55,
  // while 0.55 * 100 is 55.00000000000001 in floating point.
  const BASE = 'w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19';
  const EDITED =
    'w0 w1 v2_30 w3 w4 w5 w6 w7 w8 w9 v10_30 w11 w12 v13_30 w14 w15 v16_30 w17 w18 v19_30';
  const input = [r('a', BASE, 1), r('b', EDITED, 0.5)];

  it.each(['wasm', 'js'] as const)(
    'joins responses whose similarity equals the threshold (%s)',
    (backend) => {
      const options = { signatureSize: 100, shingleSize: 1, backend } as const;
      const result = analyzeConsensus(input, { ...options, threshold: 0.55 });
      expect(result.agreement[1]!.agreement).toBe(0.55);
      expect(result.clusters.map((c) => c.ids)).toEqual([['a', 'b']]);
      expect(result.outliers).toEqual([]);
      const dup = analyzeConsensus(input, {
        ...options,
        threshold: 0.5,
        duplicateThreshold: 0.55,
      });
      expect(dup.duplicates).toEqual([['a', 'b']]);
      // Just above the similarity, they part.
      const apart = analyzeConsensus(input, { ...options, threshold: 0.551 });
      expect(apart.clusters.map((c) => c.ids)).toEqual([['a'], ['b']]);
    },
  );
});
