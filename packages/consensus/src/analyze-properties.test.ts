import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeConsensus, type ConsensusResult } from './analyze.js';
import type { ConsensusOptions } from './options.js';
import type { ConsensusResponse } from './responses.js';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'ÉPSILON', 'ζήτα', 'эта', 'תטא', '😀', '٤٢', 'ﬁ'];

/** Short texts over a small vocabulary: many partial overlaps, some empty texts. */
const looseResponses = fc
  .array(
    fc.record({
      words: fc.array(fc.constantFrom(...WORDS, '', '!!', '\ud800'), { maxLength: 8 }),
      confidence: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      recommendations: fc.array(fc.constantFrom('Retry', 'retry ', 'ROLL back', 'b', 'ä', ''), {
        maxLength: 3,
      }),
    }),
    { maxLength: 12 },
  )
  .map((rows) =>
    rows.map(
      (row, i): ConsensusResponse => ({
        id: `r${i}`,
        text: row.words.join(' '),
        confidence: row.confidence,
        recommendations: row.recommendations,
      }),
    ),
  );

const looseOptions = fc.record(
  {
    threshold: fc.constantFrom(0.3, 0.5, 0.7, 1),
    shingleSize: fc.integer({ min: 1, max: 4 }),
    signatureSize: fc.constantFrom(16, 32, 64),
    method: fc.constantFrom('exact', 'lsh', 'auto'),
    minAgreement: fc.constantFrom(0.1, 0.5, 1),
    topRecommendations: fc.integer({ min: 0, max: 4 }),
  } satisfies Record<string, fc.Arbitrary<unknown>>,
  { requiredKeys: [] },
) as fc.Arbitrary<ConsensusOptions>;

/**
 * Families of near-duplicates: each family rewrites one long base text over a vocabulary of
 * its own, changing at most one word per member, so members of a family are very similar
 * and members of different families share nothing.
 */
const families = fc
  .array(
    fc.record({
      base: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 60, maxLength: 60 }),
      members: fc.array(
        fc.record({
          at: fc.integer({ min: 0, max: 59 }),
          word: fc.option(fc.integer({ min: 0, max: 500 })),
          confidence: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .chain((fams) => {
    const responses: ConsensusResponse[] = [];
    fams.forEach((family, f) => {
      for (const member of family.members) {
        const words = family.base.map((w) => `f${f}x${w}`);
        if (member.word !== null) words[member.at] = `f${f}x${member.word}`;
        responses.push({ id: '', text: words.join(' '), confidence: member.confidence });
      }
    });
    return fc
      .shuffledSubarray(responses, { minLength: responses.length, maxLength: responses.length })
      .map((shuffled) => shuffled.map((r, i) => ({ ...r, id: `id${i}` })));
  });

function partition(groups: readonly (readonly string[])[]): string[] {
  return groups.map((g) => [...g].sort().join(',')).sort();
}

function checkInvariants(result: ConsensusResult, responses: readonly ConsensusResponse[]) {
  const n = responses.length;
  expect(result.n).toBe(n);
  expect(result.agreement.map((a) => a.id)).toEqual(responses.map((r) => r.id));
  if (n === 0) {
    expect(result.consensus).toBeNull();
    expect(result.reached).toBe(false);
    return;
  }
  // Clusters partition the responses; indices ascending and consistent with ids.
  const seen = result.clusters.flatMap((c) => c.indices).sort((a, b) => a - b);
  expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
  for (const c of result.clusters) {
    expect(c.size).toBe(c.indices.length);
    expect(c.ids).toEqual(c.indices.map((i) => responses[i]!.id));
    expect([...c.indices].sort((a, b) => a - b)).toEqual(c.indices);
  }
  for (let c = 1; c < result.clusters.length; c++) {
    const [prev, cur] = [result.clusters[c - 1]!, result.clusters[c]!];
    expect(
      prev.confidence > cur.confidence ||
        (prev.confidence === cur.confidence && prev.indices[0]! < cur.indices[0]!),
    ).toBe(true);
  }
  const first = result.clusters[0]!;
  expect(result.consensus).toMatchObject({ ids: first.ids, indices: first.indices });
  expect(first.ids).toContain(result.consensus!.representative);
  expect(result.share).toBeGreaterThan(0);
  expect(result.share).toBeLessThanOrEqual(1 + 1e-12);
  for (const a of result.agreement) {
    expect(a.agreement).toBeGreaterThanOrEqual(0);
    expect(a.agreement).toBeLessThanOrEqual(1);
  }
  const repIndex = responses.findIndex((r) => r.id === result.consensus!.representative);
  expect(result.agreement[repIndex]!.agreement).toBe(1);
  // Outliers are the singletons outside the consensus cluster.
  const singletons = result.clusters.slice(1).filter((c) => c.size === 1);
  expect(new Set(result.outliers)).toEqual(new Set(singletons.map((c) => c.ids[0])));
  // Near-duplicates agree, so each group lies inside one cluster.
  const clusterOf = new Map<string, number>();
  result.clusters.forEach((c, ci) => {
    for (const id of c.ids) clusterOf.set(id, ci);
  });
  for (const group of result.duplicates) {
    expect(group.length).toBeGreaterThanOrEqual(2);
    expect(new Set(group.map((id) => clusterOf.get(id))).size).toBe(1);
  }
  expect(result.averageConfidence).toBeGreaterThanOrEqual(0);
  expect(result.averageConfidence).toBeLessThanOrEqual(1 + 1e-12);
  for (let i = 1; i < result.recommendations.length; i++) {
    const [prev, cur] = [result.recommendations[i - 1]!, result.recommendations[i]!];
    expect(
      prev.support > cur.support || (prev.support === cur.support && prev.text < cur.text),
    ).toBe(true);
  }
  for (const rec of result.recommendations) {
    expect(rec.support).toBeLessThanOrEqual(n);
    expect(rec.share).toBe(rec.support / n);
  }
}

describe('analyzeConsensus properties', () => {
  it('is deterministic and keeps the result invariants', () => {
    fc.assert(
      fc.property(looseResponses, looseOptions, (responses, options) => {
        const result = analyzeConsensus(responses, options);
        expect(analyzeConsensus(responses, options)).toEqual(result);
        checkInvariants(result, responses);
      }),
    );
  });

  it('finds the same clusters, duplicates and recommendations whatever the input order', () => {
    fc.assert(
      fc.property(
        looseResponses.chain((responses) =>
          fc.tuple(
            fc.constant(responses),
            fc.shuffledSubarray(responses, {
              minLength: responses.length,
              maxLength: responses.length,
            }),
          ),
        ),
        looseOptions,
        ([responses, shuffled], options) => {
          const a = analyzeConsensus(responses, options);
          const b = analyzeConsensus(shuffled, options);
          expect(partition(b.clusters.map((c) => c.ids))).toEqual(
            partition(a.clusters.map((c) => c.ids)),
          );
          expect(partition(b.duplicates)).toEqual(partition(a.duplicates));
          expect(b.recommendations.map((r) => [r.text, r.support])).toEqual(
            a.recommendations.map((r) => [r.text, r.support]),
          );
          const agreementOf = (result: ConsensusResult) =>
            Object.fromEntries(result.agreement.map((x) => [x.id, x.agreement]));
          if (a.consensus?.representative === b.consensus?.representative) {
            expect(agreementOf(b)).toEqual(agreementOf(a));
          }
        },
      ),
    );
  });

  it('gives the same result with LSH as with every pair on families of near-duplicates', () => {
    fc.assert(
      fc.property(families, (responses) => {
        const exact = analyzeConsensus(responses, { method: 'exact' });
        const lsh = analyzeConsensus(responses, { method: 'lsh' });
        expect({ ...lsh, method: 'exact' }).toEqual(exact);
        checkInvariants(exact, responses);
      }),
      { numRuns: 60 },
    );
  });

  it('puts each family in a cluster of its own, with either method', () => {
    fc.assert(
      fc.property(families, (responses) => {
        const family = (id: string) =>
          /^f(\d+)x/.exec(responses.find((r) => r.id === id)!.text)![1];
        for (const method of ['exact', 'lsh'] as const) {
          const result = analyzeConsensus(responses, { method, threshold: 0.5 });
          const byFamily = new Map<string | undefined, string[]>();
          for (const r of responses)
            byFamily.set(family(r.id), [...(byFamily.get(family(r.id)) ?? []), r.id]);
          expect(partition(result.clusters.map((c) => c.ids))).toEqual(
            partition([...byFamily.values()]),
          );
        }
      }),
      { numRuns: 40 },
    );
  });
});
