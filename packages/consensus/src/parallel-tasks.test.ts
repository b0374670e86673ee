import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsensusBackendError } from './errors.js';
import { jsKernel } from './kernel-js.js';
import {
  backendErrorFrom,
  concatPairs,
  evenRanges,
  exactPairsRows,
  lshPairsBands,
  mergePairs,
  rowRanges,
  runConsensusTask,
  serializeError,
} from './parallel-tasks.js';
import { shingleTexts } from './text.js';

/** Signatures of `n` random rows over a small alphabet of slot values, so that rows agree. */
const matrix = fc.integer({ min: 0, max: 30 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    sigs: fc.array(fc.constantFrom(1, 2, 3), { minLength: n * 16, maxLength: n * 16 }),
    empty: fc.array(fc.constantFrom(0, 0, 0, 1), { minLength: n, maxLength: n }),
    minEqual: fc.integer({ min: 1, max: 17 }),
  }),
);

describe('parallel tasks', () => {
  it('finds, over consecutive row ranges, exactly the pairs of exactPairs', () => {
    fc.assert(
      fc.property(matrix, fc.integer({ min: 1, max: 9 }), ({ n, sigs, empty, minEqual }, parts) => {
        const s = Uint32Array.from(sigs);
        const e = Uint8Array.from(empty);
        const ranges = rowRanges(n, parts);
        if (n > 0) {
          expect(ranges[0]![0]).toBe(0);
          expect(ranges.at(-1)![1]).toBe(n);
        }
        const found = concatPairs(
          ranges.map(([from, to]) => exactPairsRows(s, n, 16, e, minEqual, from, to)),
        );
        expect(found).toEqual(jsKernel.exactPairs(s, n, 16, e, minEqual));
      }),
    );
  });

  it('finds, over band ranges, exactly the pairs of lshPairs, each in one range', () => {
    fc.assert(
      fc.property(
        matrix,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        ({ n, sigs, empty, minEqual }, rows, parts) => {
          const s = Uint32Array.from(sigs);
          const e = Uint8Array.from(empty);
          const bands = Math.floor(16 / rows);
          const found = evenRanges(bands, parts).map(([from, to]) =>
            lshPairsBands(s, n, 16, e, minEqual, rows, from, to),
          );
          expect(mergePairs(found)).toEqual(jsKernel.lshPairs(s, n, 16, e, minEqual, bands, rows));
        },
      ),
    );
  });

  it('runs each task on shared buffers as the kernel does', () => {
    const texts = ['alpha beta gamma', '', 'alpha beta gamma delta', 'zeta eta theta'];
    const n = texts.length;
    const k = 32;
    const sigs = new SharedArrayBuffer(n * k * 4);
    const empty = new SharedArrayBuffer(n);
    const common = { backend: 'js', shingleSize: 2, k, sigs, empty } as const;
    expect(
      runConsensusTask({ type: 'signatures', texts: texts.slice(0, 2), row: 0, ...common }),
    ).toEqual({
      kernel: 'js',
      pairs: undefined,
    });
    runConsensusTask({ type: 'signatures', texts: texts.slice(2), row: 2, ...common });
    const shingled = shingleTexts(texts, 2);
    const expected = jsKernel.signatures(shingled.hashes, shingled.offsets, k);
    expect(new Uint32Array(sigs)).toEqual(expected);
    expect(new Uint8Array(empty)).toEqual(shingled.empty);

    const exact = runConsensusTask({
      type: 'exact',
      n,
      k,
      minEqual: 8,
      from: 0,
      to: n,
      sigs,
      empty,
    });
    expect(exact).toEqual({
      kernel: undefined,
      pairs: jsKernel.exactPairs(expected, n, k, shingled.empty, 8),
    });
    const lsh = runConsensusTask({
      type: 'lsh',
      n,
      k,
      minEqual: 8,
      rows: 2,
      fromBand: 0,
      toBand: 16,
      sigs,
      empty,
    });
    expect(lsh.pairs).toEqual(jsKernel.lshPairs(expected, n, k, shingled.empty, 8, 16, 2));
    expect(exactPairsRows(expected, n, k, shingled.empty, k + 1, 0, n)).toEqual(new Uint32Array(0));
    expect(lshPairsBands(expected, n, k, shingled.empty, k + 1, 2, 0, 16)).toEqual(
      new Uint32Array(0),
    );
  });

  it('carries errors across the thread boundary', () => {
    const backend = serializeError(
      new ConsensusBackendError('wasm', 'WebAssembly kernel unavailable'),
    );
    expect(backend).toMatchObject({ code: 'BREAKWATER_CONSENSUS_BACKEND', backend: 'wasm' });
    const rebuilt = backendErrorFrom(backend);
    expect(rebuilt).toBeInstanceOf(ConsensusBackendError);
    expect(rebuilt?.message).toBe('WebAssembly kernel unavailable (backend: "wasm")');
    expect(backendErrorFrom({ ...backend, message: 'odd' })?.message).toBe('odd (backend: "wasm")');
    const plain = serializeError('text');
    expect(plain).toMatchObject({ name: 'Error', message: 'text', code: undefined });
    expect(backendErrorFrom(plain)).toBeUndefined();
  });

  it('splits ranges that cover everything once', () => {
    expect(evenRanges(10, 3)).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(evenRanges(0, 3)).toEqual([]);
    expect(rowRanges(0, 3)).toEqual([]);
    expect(rowRanges(1, 3)).toEqual([[0, 1]]);
  });
});
