import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeWith } from './analyze.js';
import { type ConsensusKernel, componentsFromPairs, kernelComponents } from './kernel.js';
import {
  componentsPasses,
  jsKernel,
  passLabels,
  passLength,
  type VerifyCounter,
} from './kernel-js.js';
import { resolveConsensusOptions } from './options.js';
import { shingleTexts } from './text.js';

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu'.split(' ');

/** Texts from a few families: copies of a base text with a few words substituted, and empties. */
const texts = fc
  .array(fc.array(fc.constantFrom(...WORDS), { minLength: 3, maxLength: 14 }), {
    minLength: 1,
    maxLength: 4,
  })
  .chain((bases) =>
    fc.array(
      fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom('', '...') },
        {
          weight: 8,
          arbitrary: fc
            .tuple(
              fc.nat(bases.length - 1),
              fc.array(fc.tuple(fc.nat(13), fc.constantFrom(...WORDS)), { maxLength: 3 }),
            )
            .map(([family, substitutions]) => {
              const words = [...bases[family]!];
              for (const [at, word] of substitutions) words[at % words.length] = word;
              return words.join(' ');
            }),
        },
      ),
      { maxLength: 40 },
    ),
  );

const setting = fc
  .record({
    k: fc.constantFrom(16, 32, 64, 128),
    shingle: fc.integer({ min: 1, max: 3 }),
    threshold: fc.double({ min: 0.05, max: 1, noNaN: true }),
    extra: fc.double({ min: 0, max: 1, noNaN: true }),
    rows: fc.integer({ min: 1, max: 8 }),
    bandShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ k, shingle, threshold, extra, rows, bandShare }) => {
    const minEqual = Math.max(1, Math.ceil(threshold * k));
    const minEqualDup = minEqual + Math.floor(extra * (k - minEqual));
    const bands = Math.max(1, Math.floor(bandShare * Math.floor(k / rows)));
    return { k, shingle, minEqual, minEqualDup, rows, bands };
  });

function prepare(list: readonly string[], k: number, shingle: number) {
  const { hashes, offsets, empty } = shingleTexts(list, shingle);
  return { sigs: jsKernel.signatures(hashes, offsets, k), empty, n: list.length };
}

describe('jsKernel.components', () => {
  for (const method of ['exact', 'lsh'] as const) {
    it(`labels as the union-find over every verified ${method} pair`, () => {
      fc.assert(
        fc.property(texts, setting, (list, { k, shingle, minEqual, minEqualDup, rows, bands }) => {
          const { sigs, empty, n } = prepare(list, k, shingle);
          const args = [sigs, n, k, empty, minEqual, minEqualDup, method, bands, rows] as const;
          const got = jsKernel.components!(...args);
          expect(got).toEqual(componentsFromPairs(jsKernel, ...args));
          for (let i = 0; i < n; i++) {
            expect(got.cluster[i]).toBeLessThanOrEqual(i);
            expect(got.cluster[got.cluster[i]!]).toBe(got.cluster[i]);
            // Near-duplicates are also in one cluster.
            expect(got.cluster[got.duplicate[i]!]).toBe(got.cluster[i]);
            if (empty[i] === 1) expect([got.cluster[i], got.duplicate[i]]).toEqual([i, i]);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it('tells apart bands whose 32-bit keys collide, and finds nothing when minEqual exceeds k', () => {
    // [1, 2] and [2, y] have the same band key (see the lshPairs test).
    const x = 2;
    const target = Math.imul(Math.imul(0x811c9dc5 ^ 1, 0x01000193) ^ 2, 0x01000193) >>> 0;
    const y = (Math.imul(0x811c9dc5 ^ x, 0x01000193) ^ Math.imul(target, 0x359c449b)) >>> 0;
    const sigs = new Uint32Array([1, 2, x, y, 1, 2]);
    const empty = new Uint8Array(3);
    expect(jsKernel.components!(sigs, 3, 2, empty, 0, 2, 'lsh', 1, 2)).toEqual({
      cluster: Uint32Array.of(0, 1, 0),
      duplicate: Uint32Array.of(0, 1, 0),
    });
    expect(jsKernel.components!(sigs, 3, 2, empty, 0, 2, 'exact', 1, 2).cluster).toEqual(
      Uint32Array.of(0, 0, 0),
    );
    // A bound of 0 makes every pair an edge, even one that agrees on no slot.
    expect(jsKernel.components!(sigs, 3, 2, empty, 0, 0, 'exact', 1, 2).duplicate).toEqual(
      Uint32Array.of(0, 0, 0),
    );
    const none = jsKernel.components!(sigs, 3, 2, empty, 3, 3, 'exact', 1, 2);
    expect(none.cluster).toEqual(Uint32Array.of(0, 1, 2));
    expect(jsKernel.components!(sigs, 3, 2, empty, 3, 3, 'lsh', 1, 2).duplicate).toEqual(
      Uint32Array.of(0, 1, 2),
    );
  });

  it('verifies about one pair per response on large groups of identical texts', () => {
    const groups = ['one two three four five', 'six seven eight nine', 'ten eleven twelve', 'x y'];
    const list = Array.from({ length: 3000 }, (_, i) => groups[i % 4]!);
    const { sigs, empty, n } = prepare(list, 32, 2);
    for (const method of ['exact', 'lsh'] as const) {
      const counter: VerifyCounter = { verified: 0 };
      const [cluster, duplicate] = componentsPasses(23, 29, method, 8, 4).map((pass) =>
        passLabels(sigs, n, 32, empty, pass, 0, passLength(n, 32, pass), counter),
      );
      expect(Array.from(new Set(cluster))).toEqual([0, 1, 2, 3]);
      expect(duplicate).toEqual(cluster);
      // Within the groups, one pair per response and forest (listing the pairs would verify
      // all 4 * C(750, 2) = 1,123,500 of them); exact clusters also verify every pair across
      // groups (they are not candidates of the near-duplicate bands).
      const across = method === 'exact' ? (n * (n - 1)) / 2 - 4 * ((750 * 749) / 2) : 0;
      expect(counter.verified).toBe(across + 2 * (n - 4));
    }
  });

  it('keeps checking near-duplicates between responses already in one cluster', () => {
    // 0~1 and 1~2 agree at threshold; 0 and 2 are near-duplicates only through (0, 2),
    // visited after all three are in one cluster.
    const k = 8;
    const sigs = Uint32Array.from(
      [
        [1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 2, 2, 2, 2],
        [1, 1, 1, 1, 1, 1, 1, 3],
      ].flat(),
    );
    const empty = new Uint8Array(3);
    const exact = jsKernel.components!(sigs, 3, k, empty, 4, 7, 'exact', 1, 1);
    expect(exact).toEqual({ cluster: Uint32Array.of(0, 0, 0), duplicate: Uint32Array.of(0, 1, 0) });
    expect(jsKernel.components!(sigs, 3, k, empty, 4, 7, 'lsh', 2, 4)).toEqual(exact);
  });
});

describe('kernels without components', () => {
  it('analyse from their pair lists, with the same result', () => {
    const { components: _, ...rest } = jsKernel;
    const pairsOnly: ConsensusKernel = rest;
    const responses = ['a b c d', 'a b c e', 'x y z', '', 'a b c d', '!!'].map((text, i) => ({
      id: `r${i}`,
      text,
      confidence: (i + 1) / 10,
    }));
    for (const method of ['exact', 'lsh'] as const) {
      const options = resolveConsensusOptions({ method, shingleSize: 1, signatureSize: 32 });
      expect(analyzeWith(pairsOnly, responses, options)).toEqual(
        analyzeWith(jsKernel, responses, options),
      );
    }
    const { sigs, empty, n } = prepare(['a b', 'a b'], 16, 1);
    expect(kernelComponents(pairsOnly, sigs, n, 16, empty, 8, 16, 'lsh', 4, 4).duplicate).toEqual(
      Uint32Array.of(0, 0),
    );
  });
});
