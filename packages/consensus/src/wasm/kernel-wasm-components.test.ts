import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { componentsFromPairs } from '../kernel.js';
import { jsKernel } from '../kernel-js.js';
import { createWasmKernel } from './kernel-wasm.js';

function wasm() {
  const kernel = createWasmKernel({ pairCapacity: 16 });
  if (kernel === undefined) throw new Error('the WebAssembly kernel did not load');
  return kernel;
}

/** Signatures of responses from a small vocabulary (distinct, sorted hashes per response). */
function signaturesOf(lists: readonly (readonly number[])[], k: number) {
  const sets = lists.map((list) => [...new Set(list)].sort((a, b) => a - b));
  const offsets = new Uint32Array(sets.length + 1);
  sets.forEach((set, i) => {
    offsets[i + 1] = offsets[i]! + set.length;
  });
  const hashes = Uint32Array.from(sets.flat());
  return {
    sigs: jsKernel.signatures(hashes, offsets, k),
    empty: Uint8Array.from(sets, (set) => (set.length === 0 ? 1 : 0)),
    n: sets.length,
  };
}

/**
 * Responses that are copies of a few bases with a few words changed, exact copies among
 * them (large identical groups), and empties; thresholds of every kind, the near-duplicate
 * one sometimes below the cluster one, at or below 0, or above k.
 */
const arbCase = fc
  .record({
    k: fc.integer({ min: 4, max: 64 }).map((x) => x * 4),
    vocabulary: fc.integer({ min: 1, max: 40 }),
    bases: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), {
      minLength: 1,
      maxLength: 5,
    }),
    picks: fc.array(
      fc.oneof(
        fc.constant(undefined),
        fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 })),
      ),
      { maxLength: 120 },
    ),
    minShare: fc.double({ min: 0, max: 1.1, noNaN: true }),
    dupShare: fc.oneof(fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.constant(1)),
    rows: fc.integer({ min: 1, max: 8 }),
    bandShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ k, vocabulary, bases, picks, minShare, dupShare, rows, bandShare }) => {
    const lists = picks.map((pick) => {
      if (pick === undefined) return [];
      const [base, changes] = pick;
      const words = bases[base % bases.length]!.map((w) => w % vocabulary);
      for (const [at, word] of changes) words[at % words.length] = word % vocabulary;
      return words;
    });
    const clampedRows = Math.min(rows, k);
    const bands = Math.max(1, Math.round(bandShare * Math.floor(k / clampedRows)));
    return {
      ...signaturesOf(lists, k),
      k,
      minEqual: Math.ceil(minShare * k),
      minEqualDup: Math.ceil(dupShare * k),
      bands,
      rows: clampedRows,
    };
  });

/**
 * Signatures built slot by slot: copies of a few base rows with some slots changed to values
 * of a tiny alphabet, so that pairs agree on some bands and not on others at every count.
 */
const arbSlots = fc
  .record({
    k: fc.integer({ min: 4, max: 32 }).map((x) => x * 4),
    alphabet: fc.integer({ min: 1, max: 4 }),
    bases: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
    picks: fc.array(
      fc.record({
        base: fc.nat(),
        changes: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
        empty: fc.boolean(),
      }),
      { maxLength: 80, size: 'large' },
    ),
    minShare: fc.double({ min: 0, max: 1, noNaN: true }),
    dupShare: fc.double({ min: 0, max: 1, noNaN: true }),
    rows: fc.integer({ min: 1, max: 6 }),
    bandShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ k, alphabet, bases, seed, picks, minShare, dupShare, rows, bandShare }) => {
    const n = picks.length;
    const sigs = new Uint32Array(n * k);
    const empty = new Uint8Array(n);
    picks.forEach(({ base, changes, empty: isEmpty }, i) => {
      const b = base % bases;
      for (let s = 0; s < k; s++) sigs[i * k + s] = seed[(b * k + s) % seed.length]! % alphabet;
      for (const [at, value] of changes) sigs[i * k + (at % k)] = value % (alphabet + 1);
      // Empty rows only sometimes: most keep their slots, so that the flag is what matters.
      empty[i] = isEmpty && i % 3 === 0 ? 1 : 0;
    });
    const minEqual = Math.ceil(minShare * k);
    const bands = Math.max(1, Math.round(bandShare * Math.floor(k / rows)));
    return {
      sigs,
      empty,
      n,
      k,
      minEqual,
      minEqualDup: minEqual + Math.floor(dupShare * (k - minEqual)),
      bands,
      rows,
    };
  });

describe('WebAssembly components', () => {
  it('gives the labels of the reference kernel on signatures built slot by slot', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(
        arbSlots,
        fc.constantFrom('exact', 'lsh') as fc.Arbitrary<'exact' | 'lsh'>,
        (c, method) => {
          const args = [
            c.sigs,
            c.n,
            c.k,
            c.empty,
            c.minEqual,
            c.minEqualDup,
            method,
            c.bands,
            c.rows,
          ] as const;
          expect(kernel.components(...args)).toEqual(jsKernel.components!(...args));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('gives the labels of the reference kernel, exact and LSH', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(
        arbCase,
        fc.constantFrom('exact', 'lsh') as fc.Arbitrary<'exact' | 'lsh'>,
        (c, method) => {
          const args = [
            c.sigs,
            c.n,
            c.k,
            c.empty,
            c.minEqual,
            c.minEqualDup,
            method,
            c.bands,
            c.rows,
          ] as const;
          expect(kernel.components(...args)).toEqual(jsKernel.components!(...args));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('agrees with the components of its own pair lists', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(
        arbCase,
        fc.constantFrom('exact', 'lsh') as fc.Arbitrary<'exact' | 'lsh'>,
        (c, method) => {
          const minEqualDup = Math.max(c.minEqual, c.minEqualDup);
          const args = [
            c.sigs,
            c.n,
            c.k,
            c.empty,
            c.minEqual,
            minEqualDup,
            method,
            c.bands,
            c.rows,
          ] as const;
          expect(kernel.components(...args)).toEqual(componentsFromPairs(kernel, ...args));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('labels each component by its smallest index, and leaves empties alone', () => {
    const { sigs, empty, n } = signaturesOf([[1, 2, 3], [], [1, 2, 3], [1, 2, 4], [9]], 16);
    const lsh = wasm().components(sigs, n, 16, empty, 16, 16, 'lsh', 4, 4);
    expect([...lsh.cluster]).toEqual([0, 1, 0, 3, 4]);
    expect([...lsh.duplicate]).toEqual([0, 1, 0, 3, 4]);
    const exact = wasm().components(sigs, n, 16, empty, 0, 17, 'exact', 4, 4);
    expect([...exact.cluster]).toEqual([0, 1, 0, 0, 0]);
    expect([...exact.duplicate]).toEqual([0, 1, 2, 3, 4]);
    const none = wasm().components(sigs, n, 16, empty, 17, 17, 'lsh', 4, 4);
    expect([...none.cluster]).toEqual([0, 1, 2, 3, 4]);
  });

  it('joins 20,000 responses in 4 identical groups without listing their pairs', () => {
    const k = 64;
    const groups = [
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9],
      [10, 11, 12],
      [1, 2, 3, 4, 6],
    ];
    const lists = Array.from({ length: 20_000 }, (_, i) => groups[(i * 7) % 4]!);
    const { sigs, empty, n } = signaturesOf(lists, k);
    const kernel = wasm();
    // Group g holds the rows i with (7 * i) % 4 = g; its label is its first row.
    const first = [0, 3, 2, 1];
    const expected = Uint32Array.from({ length: n }, (_, i) => first[(i * 7) % 4]!);
    const lsh = [sigs, n, k, empty, 32, 58, 'lsh', 16, 4] as const;
    const got = kernel.components(...lsh);
    expect(got).toEqual(jsKernel.components!(...lsh));
    // Groups 0 and 3 share 4 of 6 words: one cluster, two groups of near-duplicates.
    expect(got.duplicate).toEqual(expected);
    expect(kernel.components(sigs, n, k, empty, 32, 58, 'exact', 16, 4)).toEqual(got);
    // No pair list was grown on the way.
    expect(kernel.stats().retries).toBe(0);
  });

  it('refuses bands that do not fit the signature', () => {
    const kernel = wasm();
    const sigs = new Uint32Array(32);
    const empty = new Uint8Array(2);
    expect(() => kernel.components(sigs, 2, 16, empty, 8, 8, 'lsh', 5, 4)).toThrow(
      /`bands \* rows`/,
    );
    expect(() => kernel.components(sigs, 2, 16, empty, 8, 8, 'lsh', 0, 4)).toThrow(/`bands`/);
    expect(() => kernel.components(sigs, 3, 16, empty, 8, 8, 'exact', 1, 4)).toThrow(/`n`/);
    expect(() => kernel.components(sigs, 2, 16, empty, Number.NaN, 8, 'exact', 1, 4)).toThrow(
      RangeError,
    );
  });
});
