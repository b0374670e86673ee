import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cache } from './cache.js';

const step = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({
    op: fc.constant('set' as const),
    key: fc.integer({ min: 0, max: 40 }),
    weight: fc.integer({ min: 1, max: 9 }),
  }),
  fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('resize' as const), max: fc.integer({ min: 1, max: 12 }) }),
);

describe("policy 'tinylfu' bounds", () => {
  it('never holds more than max entries or maxSize weight, and iterates exactly what it holds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.array(step, { maxLength: 200 }),
        (max, weighted, steps) => {
          const cache = new Cache<number, number>(
            weighted
              ? { max, policy: 'tinylfu', maxSize: 25, sizeOf: (v) => v }
              : { max, policy: 'tinylfu' },
          );
          for (const s of steps) {
            if (s.op === 'get') cache.get(s.key);
            else if (s.op === 'set') cache.set(s.key, s.weight);
            else if (s.op === 'delete') cache.delete(s.key);
            else cache.resize(s.max);
            const entries = [...cache];
            expect(entries).toHaveLength(cache.size);
            expect(new Set(entries.map(([k]) => k)).size).toBe(cache.size);
            expect(cache.size).toBeLessThanOrEqual(cache.max);
            const weight = entries.reduce((sum, [, v]) => sum + (weighted ? v : 1), 0);
            expect(weight).toBe(cache.stats().weightedSize);
            if (weighted) expect(weight).toBeLessThanOrEqual(25);
            for (const [k, v] of entries) expect(cache.peek(k)).toBe(v);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
