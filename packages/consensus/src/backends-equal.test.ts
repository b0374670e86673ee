import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import { loadWasmKernel } from './backend.js';
import { jsKernel } from './kernel-js.js';
import type { ConsensusOptions } from './options.js';
import type { ConsensusResponse } from './responses.js';
import { shingleTexts } from './text.js';

const WORDS = [
  'yes',
  'no',
  'retry',
  'cache',
  'Straße',
  'ﬁle',
  'ＡＢＣ',
  'שלום',
  'مرحبا',
  '😀',
  'é',
  'é',
];

/** Texts from a small vocabulary (so that pairs agree at every threshold) plus hostile pieces. */
const text = fc.oneof(
  fc
    .array(fc.constantFrom(...WORDS, '', '!!', '\ud800', '\udc00x'), { maxLength: 12 })
    .map((w) => w.join(' ')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant(''),
);

const responses: fc.Arbitrary<ConsensusResponse[]> = fc
  .array(
    fc.record({
      text,
      confidence: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      recommendations: fc.array(fc.constantFrom('Retry', ' retry', 'ROLL  back', 'ä', ''), {
        maxLength: 3,
      }),
    }),
    { maxLength: 40 },
  )
  .chain((items) =>
    // Sometimes every response says the same thing.
    fc.boolean().map((same) =>
      items.map((item, i) => ({
        id: `r${i}`,
        ...item,
        text: same && items.length > 0 ? (items[0]?.text ?? '') : item.text,
      })),
    ),
  );

const options = fc.record(
  {
    threshold: fc.constantFrom(0.3, 0.5, 0.7, 0.9, 1),
    shingleSize: fc.integer({ min: 1, max: 4 }),
    signatureSize: fc.constantFrom(16, 20, 64, 128, 256),
    method: fc.constantFrom('exact', 'lsh', 'auto'),
    lshRows: fc.constantFrom(1, 2, 4),
    minAgreement: fc.constantFrom(0.1, 0.5, 1),
    topRecommendations: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<ConsensusOptions>;

describe('the WebAssembly and TypeScript backends', () => {
  it('load here: these tests compare two kernels, not one with itself', () => {
    expect(loadWasmKernel()?.name).toBe('wasm');
  });

  it('give deep-equal results, backend name aside, on generated inputs', () => {
    fc.assert(
      fc.property(responses, options, (input, opts) => {
        const js = analyzeConsensus(input, { ...opts, backend: 'js' });
        const wasm = analyzeConsensus(input, { ...opts, backend: 'wasm' });
        expect(js.backend).toBe('js');
        expect(wasm.backend).toBe('wasm');
        expect({ ...wasm, backend: 'js' }).toEqual(js);
      }),
      { numRuns: 300 },
    );
  });

  it('compute identical kernel outputs on the same shingles', () => {
    const wasm = loadWasmKernel();
    if (wasm === undefined) throw new Error('the WebAssembly kernel did not load');
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 60 }),
        fc.constantFrom(16, 64, 128),
        fc.integer({ min: 1, max: 3 }),
        (texts, k, w) => {
          const { hashes, offsets, empty } = shingleTexts(texts, w);
          const n = texts.length;
          const sigs = jsKernel.signatures(hashes, offsets, k);
          expect(wasm.signatures(hashes, offsets, k)).toEqual(sigs);
          const minEqual = Math.ceil(0.5 * k);
          expect(wasm.exactPairs(sigs, n, k, empty, minEqual)).toEqual(
            jsKernel.exactPairs(sigs, n, k, empty, minEqual),
          );
          expect(wasm.lshPairs(sigs, n, k, empty, minEqual, k / 4, 4)).toEqual(
            jsKernel.lshPairs(sigs, n, k, empty, minEqual, k / 4, 4),
          );
          expect(wasm.equalTo(sigs, n, k, 0)).toEqual(jsKernel.equalTo(sigs, n, k, 0));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('agree on texts of megabytes, emoji and right-to-left scripts', () => {
    const big = 'the quick brown fox jumps over the lazy dog 😀 שלום '.repeat(25_000);
    const input = [
      { id: 'a', text: big, confidence: 1 },
      { id: 'b', text: `${big} and one more`, confidence: 0.5 },
      { id: 'c', text: 'مرحبا بالعالم', confidence: 0.2 },
      { id: 'd', text: '\ud800\udc00\ud800', confidence: 0 },
    ];
    const js = analyzeConsensus(input, { backend: 'js' });
    const wasm = analyzeConsensus(input, { backend: 'wasm' });
    expect({ ...wasm, backend: 'js' }).toEqual(js);
    expect(js.consensus?.ids).toEqual(['a', 'b']);
  });
});
