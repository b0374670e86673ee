import { describe, expect, it } from 'vitest';
import { analyzeConsensus } from './analyze.js';
import { analyzeConsensusParallel } from './parallel.js';

const one = [{ id: 'a', text: 'alpha beta', confidence: 1 }];

describe('analyzeConsensusParallel options', () => {
  it.each([
    [{ worker: 2 }, TypeError, /Unknown option `worker`/],
    [{ workers: 0 }, RangeError, /`workers`/],
    [{ workers: 1.5 }, RangeError, /`workers`/],
    [{ workers: 257 }, RangeError, /`workers`/],
    [{ workers: '2' }, TypeError, /`workers`/],
    [{ parallelThreshold: -1 }, RangeError, /`parallelThreshold`/],
    [{ parallelThreshold: Number.NaN }, TypeError, /`parallelThreshold`/],
    [{ signal: {} }, TypeError, /`signal`/],
    [{ threshold: 2 }, RangeError, /`threshold`/],
    [{ method: 'fast' }, RangeError, /`method`/],
  ])('refuses %o', async (options, type, message) => {
    const call = analyzeConsensusParallel(one, options as never);
    await expect(call).rejects.toThrow(type);
    await expect(call).rejects.toThrow(message);
  });

  it('refuses an options argument that is not an object', async () => {
    await expect(analyzeConsensusParallel(one, 3 as never)).rejects.toThrow(TypeError);
  });

  it('refuses invalid responses, naming the field', async () => {
    await expect(analyzeConsensusParallel([{ id: 'a', text: 'x', confidence: 2 }])).rejects.toThrow(
      /responses\[0\]\.confidence/,
    );
  });

  it('checks options before responses', async () => {
    await expect(analyzeConsensusParallel(null as never, { workers: 0 })).rejects.toThrow(
      /`workers`/,
    );
  });

  it('reads the analysis options as analyzeConsensus does: accessors and inherited values included', async () => {
    const two = [
      { id: 'a', text: 'one two three four', confidence: 1 },
      { id: 'b', text: 'one two three five', confidence: 1 },
    ];
    class Loose {
      get threshold() {
        return 0.2;
      }
    }
    for (const options of [new Loose(), Object.create({ threshold: 0.2 }) as object]) {
      const expected = analyzeConsensus(two, options);
      expect(expected.threshold).toBe(0.2);
      await expect(analyzeConsensusParallel(two, options)).resolves.toEqual(expected);
    }
  });
});
