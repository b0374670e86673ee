import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cache } from './cache.js';

/**
 * The plainest LRU with TTL: a Map whose insertion order is the recency order (oldest
 * first). Expired entries are invisible; eviction removes the oldest entry, expired or not.
 */
class ReferenceLru {
  readonly entries = new Map<number, { value: number; expires: number }>();
  constructor(
    public max: number,
    readonly ttl: number,
    readonly now: () => number,
  ) {}

  #fresh(key: number) {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: number) {
    const entry = this.#fresh(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  peek(key: number) {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expires > this.now() ? entry.value : undefined;
  }

  set(key: number, value: number, ttl = this.ttl) {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: ttl > 0 ? this.now() + ttl : Infinity });
    this.#evict();
  }

  delete(key: number) {
    return this.entries.delete(key);
  }

  resize(max: number) {
    this.max = max;
    this.#evict();
  }

  #evict() {
    while (this.entries.size > this.max) {
      this.entries.delete(this.entries.keys().next().value as number);
    }
  }

  /** Fresh keys, most recent first. */
  keys() {
    return [...this.entries]
      .filter(([, e]) => e.expires > this.now())
      .map(([k]) => k)
      .reverse();
  }
}

const key = fc.integer({ min: 0, max: 12 });
const operation = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('peek' as const), key }),
  fc.record({ op: fc.constant('has' as const), key }),
  fc.record({
    op: fc.constant('set' as const),
    key,
    value: fc.integer(),
    ttl: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('resize' as const), max: fc.integer({ min: 1, max: 8 }) }),
);

describe("policy 'lru' against a reference model", () => {
  it('agrees on every result, the contents and their order, and never exceeds max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 25 }),
        fc.array(operation, { maxLength: 120 }),
        (max, ttl, operations) => {
          let now = 0;
          const clock = { now: () => now };
          const cache = new Cache<number, number>({ max, ttlMs: ttl, clock });
          const model = new ReferenceLru(max, ttl, clock.now);
          for (const step of operations) {
            switch (step.op) {
              case 'get':
                expect(cache.get(step.key)).toBe(model.get(step.key));
                break;
              case 'peek':
                expect(cache.peek(step.key)).toBe(model.peek(step.key));
                break;
              case 'has':
                expect(cache.has(step.key)).toBe(model.peek(step.key) !== undefined);
                break;
              case 'set':
                if (step.ttl === undefined) {
                  cache.set(step.key, step.value);
                  model.set(step.key, step.value);
                } else {
                  cache.set(step.key, step.value, { ttlMs: step.ttl });
                  model.set(step.key, step.value, step.ttl);
                }
                break;
              case 'delete':
                cache.delete(step.key);
                model.delete(step.key);
                break;
              case 'advance':
                now += step.ms;
                break;
              case 'resize':
                cache.resize(step.max);
                model.resize(step.max);
                break;
            }
            expect([...cache.keys()]).toEqual(model.keys());
            expect(cache.size).toBeLessThanOrEqual(cache.max);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the total weight within maxSize under random writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.integer({ min: 1, max: 12 })), { maxLength: 100 }),
        (writes) => {
          const cache = new Cache<number, number>({ max: 6, maxSize: 20, sizeOf: (v) => v });
          for (const [k, weight] of writes) {
            cache.set(k, weight);
            const total = [...cache.values()].reduce((sum, v) => sum + v, 0);
            expect(total).toBe(cache.stats().weightedSize);
            expect(total).toBeLessThanOrEqual(20);
            expect(cache.size).toBeLessThanOrEqual(6);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
