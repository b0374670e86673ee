import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import { buildPackage } from './build.fixture.js';
import type { ConsensusOptions } from './options.js';
import { analyzeConsensusParallel } from './parallel.js';
import type { ConsensusResponse } from './responses.js';
import { closeConsensusWorkers } from './worker-pool.js';

beforeAll(() => buildPackage(), 60_000);
afterAll(() => closeConsensusWorkers());

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'ÉPSILON', 'ζήτα', 'эта', '😀', '٤٢', 'ﬁ'];

/** Texts over a small vocabulary: many overlaps, near-duplicates and some empty texts. */
const responses = fc
  .array(
    fc.record({
      words: fc.array(fc.constantFrom(...WORDS, '', '!!'), { maxLength: 10 }),
      confidence: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      recommendations: fc.array(fc.constantFrom('Retry', 'retry ', 'ROLL back', ''), {
        maxLength: 2,
      }),
    }),
    { maxLength: 40 },
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

const options = fc.record(
  {
    threshold: fc.constantFrom(0.3, 0.5, 0.7, 1),
    shingleSize: fc.integer({ min: 1, max: 3 }),
    signatureSize: fc.constantFrom(16, 32, 64),
    lshRows: fc.constantFrom(1, 2, 4),
    minAgreement: fc.constantFrom(0.1, 0.5),
  } satisfies Record<string, fc.Arbitrary<unknown>>,
  { requiredKeys: [] },
) as fc.Arbitrary<ConsensusOptions>;

function large(n: number): ConsensusResponse[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    text: `${WORDS[i % 7]} ${WORDS[(i * 3) % 10]} ${WORDS[(i * 5) % 9]} ${WORDS[i % 4]} ${i % 11}`,
    confidence: (i % 10) / 10,
  }));
}

describe('analyzeConsensusParallel', () => {
  for (const method of ['exact', 'lsh'] as const) {
    it(`equals analyzeConsensus with method ${method}, through the workers`, async () => {
      await fc.assert(
        fc.asyncProperty(responses, options, async (input, opts) => {
          const single = analyzeConsensus(input, { ...opts, method });
          const parallel = await analyzeConsensusParallel(input, {
            ...opts,
            method,
            workers: 2,
            parallelThreshold: 0,
          });
          expect(parallel).toEqual(single);
        }),
        { numRuns: 25 },
      );
    }, 60_000);
  }

  it('equals analyzeConsensus on a larger input, with the method chosen by exactLimit', async () => {
    const input = large(300);
    for (const exactLimit of [2, 2000]) {
      const parallel = await analyzeConsensusParallel(input, {
        exactLimit,
        workers: 3,
        parallelThreshold: 100,
      });
      expect(parallel.method).toBe(exactLimit === 2 ? 'lsh' : 'exact');
      expect(parallel).toEqual(analyzeConsensus(input, { exactLimit }));
    }
  }, 30_000);

  it('equals analyzeConsensus on large groups of identical texts and near-duplicates', async () => {
    const texts = [
      'the cache must be invalidated on every write to the table',
      'retry the request with exponential backoff and a jitter',
      'the cache must be invalidated on each write to the table',
      '',
    ];
    const input = Array.from({ length: 1200 }, (_, i) => ({
      id: `r${i}`,
      text: i % 7 === 0 ? `${texts[i % 4]} ${i}` : texts[i % 4]!,
      confidence: (i % 10) / 10,
    }));
    for (const method of ['exact', 'lsh'] as const) {
      const options = { method, duplicateThreshold: 0.95, signatureSize: 64, lshBands: 16 };
      const parallel = await analyzeConsensusParallel(input, {
        ...options,
        workers: 2,
        parallelThreshold: 100,
      });
      expect(parallel).toEqual(analyzeConsensus(input, options));
      expect(parallel.duplicates.length).toBeGreaterThan(2);
    }
  }, 30_000);

  it('runs small inputs in the calling thread, and reports the same result', async () => {
    const input = large(20);
    await expect(analyzeConsensusParallel(input)).resolves.toEqual(analyzeConsensus(input));
    await expect(analyzeConsensusParallel([], { parallelThreshold: 0 })).resolves.toEqual(
      analyzeConsensus([]),
    );
  });

  it('analyses the recommendations as they were at the call, even if the caller changes them while workers run', async () => {
    const input = [
      { id: 'a', text: 'restart the ingest workers', confidence: 1, recommendations: ['Restart'] },
      { id: 'b', text: 'restart the ingest workers', confidence: 1, recommendations: ['Restart'] },
    ];
    const expected = analyzeConsensus(input);
    const pending = analyzeConsensusParallel(input, { parallelThreshold: 0, workers: 1 });
    input[0]!.recommendations.splice(0, 1, 'Scale up');
    (input[1]!.recommendations as unknown[]).push(7);
    await expect(pending).resolves.toEqual(expected);
  });

  it('joins responses whose similarity equals the threshold, as analyzeConsensus does', async () => {
    // 55 of 100 slots equal: similarity 0.55, while 0.55 * 100 rounds up past 55.
    const input = [
      {
        id: 'a',
        text: 'w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19',
        confidence: 1,
      },
      {
        id: 'b',
        text: 'w0 w1 v2_30 w3 w4 w5 w6 w7 w8 w9 v10_30 w11 w12 v13_30 w14 w15 v16_30 w17 w18 v19_30',
        confidence: 0.5,
      },
    ];
    const options = {
      signatureSize: 100,
      shingleSize: 1,
      threshold: 0.5,
      duplicateThreshold: 0.55,
    };
    for (const o of [options, { ...options, threshold: 0.55 }]) {
      const result = await analyzeConsensusParallel(input, {
        ...o,
        parallelThreshold: 0,
        workers: 1,
      });
      expect(result).toEqual(analyzeConsensus(input, o));
      expect(result.clusters).toHaveLength(1);
      expect(result.duplicates).toEqual([['a', 'b']]);
    }
  });

  it('rejects with the reason of a signal aborted before the call', async () => {
    const reason = new Error('stop');
    await expect(
      analyzeConsensusParallel(large(10), { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('rejects with the reason when aborted while workers run, and stays usable', async () => {
    const input = large(400);
    const controller = new AbortController();
    const reason = new Error('enough');
    const running = analyzeConsensusParallel(input, {
      workers: 2,
      parallelThreshold: 0,
      signal: controller.signal,
    });
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    // Aborted in the second step: after the signatures came back.
    const late = new AbortController();
    const second = analyzeConsensusParallel(input, {
      workers: 2,
      parallelThreshold: 0,
      signal: late.signal,
    });
    setImmediate(() => late.abort(reason));
    await expect(second).rejects.toBe(reason);
    await expect(
      analyzeConsensusParallel(input, { workers: 2, parallelThreshold: 0 }),
    ).resolves.toEqual(analyzeConsensus(input));
  }, 30_000);

  it('starts new workers after closeConsensusWorkers', async () => {
    const input = large(50);
    const expected = analyzeConsensus(input);
    await expect(
      analyzeConsensusParallel(input, { workers: 2, parallelThreshold: 0 }),
    ).resolves.toEqual(expected);
    await closeConsensusWorkers();
    await closeConsensusWorkers();
    await expect(
      analyzeConsensusParallel(input, { workers: 2, parallelThreshold: 0 }),
    ).resolves.toEqual(expected);
  }, 30_000);

  it('lets a process that used it exit on its own, without closing the workers', () => {
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { analyzeConsensusParallel } = await import(${JSON.stringify(entry)});
      const responses = Array.from({ length: 300 }, (_, i) => ({ id: 'r' + i, text: 'word ' + (i % 17) + ' and ' + (i % 5), confidence: 0.5 }));
      const result = await analyzeConsensusParallel(responses, { workers: 2, parallelThreshold: 0 });
      console.log(result.n, result.backend);
    `;
    // A worker kept referenced would hang the child: the timeout turns that into a failure.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.trim()).toBe('300 wasm');
  }, 30_000);
});
