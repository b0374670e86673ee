import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsensusBackendError } from './errors.js';
import { componentsFromPairs } from './kernel.js';
import { componentsPasses, jsKernel, passLength } from './kernel-js.js';
import {
  backendErrorFrom,
  evenRanges,
  mergeLabels,
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

/** The signatures and empty flags in shared buffers, as the tasks read them. */
function shared(sigs: Uint32Array, empty: Uint8Array) {
  const s = new SharedArrayBuffer(sigs.length * 4);
  new Uint32Array(s).set(sigs);
  const e = new SharedArrayBuffer(empty.length);
  new Uint8Array(e).set(empty);
  return { sigs: s, empty: e };
}

describe('parallel tasks', () => {
  for (const method of ['exact', 'lsh'] as const) {
    it(`connects, over ranges of each pass, exactly what the ${method} pairs connect`, () => {
      fc.assert(
        fc.property(
          matrix,
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 0, max: 4 }),
          ({ n, sigs, empty, minEqual }, rows, parts, extra) => {
            const s = Uint32Array.from(sigs);
            const e = Uint8Array.from(empty);
            const dup = Math.min(16, minEqual + extra);
            const bands = Math.floor(16 / rows);
            const sab = shared(s, e);
            const [cluster, duplicate] = componentsPasses(minEqual, dup, method, bands, rows).map(
              (pass) => {
                const length = passLength(n, 16, pass);
                const ranges =
                  length === n && method === 'exact'
                    ? rowRanges(n, parts)
                    : evenRanges(length, parts);
                if (length > 0) {
                  expect(ranges[0]![0]).toBe(0);
                  expect(ranges.at(-1)![1]).toBe(length);
                }
                return mergeLabels(
                  n,
                  ranges.map(
                    ([from, to]) =>
                      runConsensusTask({ type: 'components', pass, n, k: 16, from, to, ...sab })
                        .labels!,
                  ),
                );
              },
            );
            const expected = componentsFromPairs(
              jsKernel,
              s,
              n,
              16,
              e,
              minEqual,
              dup,
              method,
              bands,
              rows,
            );
            expect({ cluster, duplicate }).toEqual(expected);
          },
        ),
      );
    });
  }

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
      labels: undefined,
    });
    runConsensusTask({ type: 'signatures', texts: texts.slice(2), row: 2, ...common });
    const shingled = shingleTexts(texts, 2);
    const expected = jsKernel.signatures(shingled.hashes, shingled.offsets, k);
    expect(new Uint32Array(sigs)).toEqual(expected);
    expect(new Uint8Array(empty)).toEqual(shingled.empty);

    for (const method of ['exact', 'lsh'] as const) {
      const [cluster, duplicate] = componentsPasses(8, 20, method, 16, 2).map((pass) => {
        const result = runConsensusTask({
          type: 'components',
          pass,
          n,
          k,
          from: 0,
          to: passLength(n, k, pass),
          sigs,
          empty,
        });
        expect(result.kernel).toBeUndefined();
        return result.labels;
      });
      const want = jsKernel.components!(expected, n, k, shingled.empty, 8, 20, method, 16, 2);
      expect({ cluster, duplicate }).toEqual(want);
      expect(want.cluster).toEqual(Uint32Array.of(0, 1, 0, 3));
    }
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
