import { analyzeConsensus } from '@breakwater/consensus';
import { describe, expect, it } from 'vitest';
import { naiveConsensus, tokenSet } from './naive.js';
import { generateResponses } from './workload.js';

describe('generated consensus workload', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(generateResponses(50, 3)).toEqual(generateResponses(50, 3));
    expect(generateResponses(50, 3).responses).not.toEqual(generateResponses(50, 4).responses);
  });

  it('holds n responses with unique ids, 20 to 80 words, valid confidences and recommendations', () => {
    const { responses, consensusIds, families } = generateResponses(300, 2);
    expect(responses).toHaveLength(300);
    expect(new Set(responses.map((r) => r.id)).size).toBe(300);
    for (const r of responses) {
      const words = tokenSet(r.text).size;
      expect(words).toBeGreaterThan(0);
      expect(r.text.split(/\s+/).length).toBeGreaterThanOrEqual(20);
      expect(r.text.split(/\s+/).length).toBeLessThanOrEqual(80);
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
    }
    expect(responses.some((r) => (r.recommendations?.length ?? 0) > 0)).toBe(true);
    expect(consensusIds).toHaveLength(90);
    expect(families).toBeGreaterThan(10);
  });

  it('caps the consensus family at 200 members', () => {
    expect(generateResponses(1000).consensusIds).toHaveLength(200);
  });

  it('gives ours and the baseline the generated consensus family at n = 100 and 1000', () => {
    for (const n of [100, 1000]) {
      const { responses, consensusIds } = generateResponses(n);
      const ours = analyzeConsensus(responses, { backend: 'js', method: 'exact' });
      expect(ours.consensus?.ids).toEqual(consensusIds);
      expect(naiveConsensus(responses).ids).toEqual(consensusIds);
      expect(ours.outliers.length).toBeGreaterThan(0);
      expect(ours.duplicates.length).toBeGreaterThan(0);
      expect(ours.recommendations[0]!.support).toBeGreaterThan(1);
    }
    // The naive all-pairs baseline at n = 1000 is slow by design: seconds on a busy machine.
  }, 120_000);

  it('gives the LSH path the same consensus family', () => {
    const { responses, consensusIds } = generateResponses(3000);
    const ours = analyzeConsensus(responses, { backend: 'js', method: 'lsh' });
    expect(ours.method).toBe('lsh');
    expect(ours.consensus?.ids).toEqual(consensusIds);
  });
});
