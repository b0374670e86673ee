import { describe, expect, it } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import type { ConsensusOptions } from './options.js';
import { minEqualSlots, resolveConsensusOptions } from './options.js';
import type { ConsensusResponse } from './responses.js';

const ok = { id: 'a', text: 'some text', confidence: 0.5 };
const sparse: unknown[] = [ok];
sparse[2] = { ...ok, id: 'c' };

function run(responses: unknown, options?: unknown) {
  return () =>
    analyzeConsensus(
      responses as readonly ConsensusResponse[],
      options as ConsensusOptions | undefined,
    );
}

describe('responses', () => {
  const cases: [string, unknown, ErrorConstructor, string][] = [
    ['undefined', undefined, TypeError, 'Expected `responses` to be an array of responses'],
    ['an object', { 0: ok, length: 1 }, TypeError, '`responses`'],
    ['a string', 'text', TypeError, '`responses`'],
    ['null entry', [ok, null], TypeError, '`responses[1]`'],
    ['number entry', [7], TypeError, '`responses[0]`'],
    ['array entry', [[]], TypeError, '`responses[0]`'],
    ['a hole', sparse, TypeError, '`responses[1]`'],
    ['missing id', [{ text: 't', confidence: 1 }], TypeError, '`responses[0].id`'],
    ['numeric id', [{ ...ok, id: 3 }], TypeError, '`responses[0].id`'],
    ['empty id', [ok, { ...ok, id: '' }], RangeError, '`responses[1].id`'],
    ['duplicate id', [ok, { ...ok, id: 'b' }, ok], RangeError, '`responses[2].id`'],
    ['missing text', [{ id: 'a', confidence: 1 }], TypeError, '`responses[0].text`'],
    ['null text', [{ ...ok, text: null }], TypeError, '`responses[0].text`'],
    ['text as array', [{ ...ok, text: ['a'] }], TypeError, '`responses[0].text`'],
    ['missing confidence', [{ id: 'a', text: 't' }], TypeError, '`responses[0].confidence`'],
    ['string confidence', [{ ...ok, confidence: '0.5' }], TypeError, '`responses[0].confidence`'],
    ['NaN confidence', [{ ...ok, confidence: Number.NaN }], TypeError, '`responses[0].confidence`'],
    ['negative confidence', [{ ...ok, confidence: -0.1 }], RangeError, '`responses[0].confidence`'],
    ['confidence above 1', [{ ...ok, confidence: 1.01 }], RangeError, '`responses[0].confidence`'],
    [
      'infinite confidence',
      [{ ...ok, confidence: Infinity }],
      RangeError,
      '`responses[0].confidence`',
    ],
    ['bigint confidence', [{ ...ok, confidence: 1n }], TypeError, '`responses[0].confidence`'],
    [
      'recommendations string',
      [{ ...ok, recommendations: 'x' }],
      TypeError,
      '`responses[0].recommendations`',
    ],
    [
      'recommendations null',
      [{ ...ok, recommendations: null }],
      TypeError,
      '`responses[0].recommendations`',
    ],
    [
      'recommendation number',
      [ok, { ...ok, id: 'b', recommendations: ['x', 2] }],
      TypeError,
      '`responses[1].recommendations[1]`',
    ],
    [
      'recommendation undefined',
      [{ ...ok, recommendations: [undefined] }],
      TypeError,
      '`responses[0].recommendations[0]`',
    ],
  ];

  it.each(cases)('refuses %s, naming the field', (_, responses, type, name) => {
    expect(run(responses)).toThrow(type);
    expect(run(responses)).toThrow(name);
  });

  it('reports the value received and, for a duplicate, where the id was first seen', () => {
    expect(run([{ ...ok, confidence: 2 }])).toThrow(
      'Expected `responses[0].confidence` to be a finite number >= 0 and <= 1, got `2` (number)',
    );
    expect(run([ok, { ...ok, id: 'b' }, ok])).toThrow('responses[0] has it');
  });

  it('accepts confidence 0 and 1, an empty text, and absent or undefined recommendations', () => {
    const result = analyzeConsensus([
      { id: 'a', text: '', confidence: 0 },
      { id: 'b', text: 'x', confidence: 1, recommendations: undefined },
      { id: 'c', text: 'x', confidence: 1, recommendations: [] },
    ]);
    expect(result.n).toBe(3);
  });

  it('reads each recommendation once: an accessor that changes its answer cannot break the analysis', () => {
    let reads = 0;
    const recommendations = new Proxy(['Retry'], {
      get(target, key, receiver) {
        if (key === '0') return ++reads === 1 ? 'Retry' : 42;
        return Reflect.get(target, key, receiver);
      },
    });
    const result = analyzeConsensus([{ ...ok, recommendations }]);
    expect(result.recommendations).toEqual([{ text: 'retry', support: 1, share: 1 }]);
    expect(reads).toBe(1);
  });

  it('checks the options before the responses', () => {
    expect(run(undefined, { threshold: 2 })).toThrow('`threshold`');
  });
});

describe('options', () => {
  const cases: [string, unknown, ErrorConstructor, string][] = [
    ['a non-object', 'fast', TypeError, '`options`'],
    ['an array', [], TypeError, '`options`'],
    ['null', null, TypeError, '`options`'],
    ['an unknown key', { treshold: 0.5 }, TypeError, 'Unknown option `treshold`'],
    ['threshold 0', { threshold: 0 }, RangeError, '`threshold`'],
    ['threshold above 1', { threshold: 1.5 }, RangeError, '`threshold`'],
    ['threshold NaN', { threshold: Number.NaN }, TypeError, '`threshold`'],
    ['threshold string', { threshold: '0.5' }, TypeError, '`threshold`'],
    [
      'duplicateThreshold below threshold',
      { threshold: 0.8, duplicateThreshold: 0.75 },
      RangeError,
      '`duplicateThreshold`',
    ],
    ['duplicateThreshold above 1', { duplicateThreshold: 1.1 }, RangeError, '`duplicateThreshold`'],
    ['minAgreement 0', { minAgreement: 0 }, RangeError, '`minAgreement`'],
    ['minAgreement above 1', { minAgreement: 2 }, RangeError, '`minAgreement`'],
    ['signatureSize not a multiple of 4', { signatureSize: 130 }, RangeError, '`signatureSize`'],
    ['signatureSize below 16', { signatureSize: 12 }, RangeError, '`signatureSize`'],
    ['signatureSize above 1024', { signatureSize: 1028 }, RangeError, '`signatureSize`'],
    ['signatureSize fractional', { signatureSize: 16.5 }, RangeError, '`signatureSize`'],
    ['shingleSize 0', { shingleSize: 0 }, RangeError, '`shingleSize`'],
    ['shingleSize 17', { shingleSize: 17 }, RangeError, '`shingleSize`'],
    ['topRecommendations negative', { topRecommendations: -1 }, RangeError, '`topRecommendations`'],
    ['topRecommendations 1001', { topRecommendations: 1001 }, RangeError, '`topRecommendations`'],
    ['an unknown method', { method: 'minhash' }, RangeError, '`method`'],
    ['a method that is not a string', { method: 1 }, TypeError, '`method`'],
    ['exactLimit 1', { exactLimit: 1 }, RangeError, '`exactLimit`'],
    ['exactLimit Infinity', { exactLimit: Infinity }, RangeError, '`exactLimit`'],
    ['lshRows 0', { lshRows: 0 }, RangeError, '`lshRows`'],
    ['lshRows above signatureSize', { signatureSize: 16, lshRows: 17 }, RangeError, '`lshRows`'],
    ['lshBands 0', { lshBands: 0 }, RangeError, '`lshBands`'],
    [
      'lshBands * lshRows above signatureSize',
      { lshBands: 33, lshRows: 4 },
      RangeError,
      '`lshBands`',
    ],
    ['an unknown backend', { backend: 'gpu' }, RangeError, '`backend`'],
  ];

  it.each(cases)('refuses %s, naming the option', (_, options, type, name) => {
    expect(run([ok], options)).toThrow(type);
    expect(run([ok], options)).toThrow(name);
  });

  it('resolves the documented defaults into a frozen object', () => {
    const resolved = resolveConsensusOptions(undefined);
    expect(resolved).toEqual({
      threshold: 0.7,
      duplicateThreshold: 0.9,
      minAgreement: 0.5,
      signatureSize: 128,
      shingleSize: 3,
      topRecommendations: 5,
      method: 'auto',
      exactLimit: 2000,
      lshBands: 32,
      lshRows: 4,
      backend: 'auto',
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolveConsensusOptions({ threshold: undefined }).threshold).toBe(0.7);
  });

  it('derives the defaults that depend on other options', () => {
    expect(resolveConsensusOptions({ threshold: 0.95 }).duplicateThreshold).toBe(0.95);
    expect(resolveConsensusOptions({ signatureSize: 64 }).lshBands).toBe(16);
    expect(resolveConsensusOptions({ signatureSize: 64, lshRows: 5 }).lshBands).toBe(12);
    expect(resolveConsensusOptions({ signatureSize: 1024 }).lshBands).toBe(32);
  });

  it('accepts the bounds of every range', () => {
    expect(() =>
      resolveConsensusOptions({
        threshold: 1,
        duplicateThreshold: 1,
        minAgreement: 1,
        signatureSize: 1024,
        shingleSize: 16,
        topRecommendations: 1000,
        method: 'lsh',
        exactLimit: 2,
        lshBands: 1,
        lshRows: 1024,
        backend: 'js',
      }),
    ).not.toThrow();
    expect(() =>
      resolveConsensusOptions({ signatureSize: 16, shingleSize: 1, topRecommendations: 0 }),
    ).not.toThrow();
  });
});

describe('minEqualSlots', () => {
  it('is the smallest count of equal slots whose similarity reaches the threshold', () => {
    for (let k = 16; k <= 1024; k += 4) {
      for (let hundredths = 1; hundredths <= 100; hundredths++) {
        const threshold = hundredths / 100;
        const slots = minEqualSlots(threshold, k);
        expect(slots / k >= threshold && (slots - 1) / k < threshold).toBe(true);
      }
    }
    expect(minEqualSlots(0.55, 100)).toBe(55);
    expect(minEqualSlots(1, 128)).toBe(128);
    expect(minEqualSlots(1e-9, 16)).toBe(1);
  });
});
