import { describe, expect, it } from 'vitest';
import { promtoolCheck } from './promtool.fixture.js';
import { Registry } from './registry.js';

/** A small seeded generator (mulberry32), so every run draws the same numbers. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('sampleRate', () => {
  it('keeps counters unbiased: each kept event counts sampleRate', () => {
    const events = 200_000;
    const rate = 10;
    const totals: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const registry = new Registry({ random: seeded(seed) });
      const counter = registry.counter({
        name: 'c',
        help: 'C.',
        labelNames: ['a'],
        sampleRate: rate,
      });
      const child = counter.labels({ a: 'child' });
      for (let i = 0; i < events; i++) {
        counter.inc({ a: 'x' });
        child.inc(2);
      }
      const total = counter.get({ a: 'x' });
      expect(total % rate).toBe(0);
      // Binomial: the standard deviation is rate * sqrt(n p (1 - p)) ≈ 1342; 5 of them.
      expect(Math.abs(total - events)).toBeLessThan(5 * 1342);
      expect(Math.abs(child.get() - 2 * events)).toBeLessThan(10 * 1342);
      totals.push(total);
    }
    const mean = totals.reduce((sum, t) => sum + t, 0) / totals.length;
    // The mean of 20 runs: its standard deviation is about 300.
    expect(Math.abs(mean - events)).toBeLessThan(1500);
  });

  it('keeps the bucket shape of a histogram, and shows the rate in HELP', () => {
    const registry = new Registry({ random: seeded(7) });
    const histogram = registry.histogram({
      name: 'h_seconds',
      help: 'H.',
      buckets: [1, 2, 3],
      sampleRate: 4,
    });
    const child = registry
      .histogram({ name: 'g', help: 'G.', labelNames: ['a'], buckets: [1], sampleRate: 4 })
      .labels({ a: 'x' });
    const per = 40_000;
    for (let i = 0; i < per; i++) {
      histogram.observe(0.5);
      histogram.observe(1.5);
      histogram.observe(2.5);
      histogram.observe(9);
      child.observe(0.5);
    }
    const { count, sum, buckets } = histogram.get();
    expect(count % 4).toBe(0);
    expect(Math.abs(count - 4 * per)).toBeLessThan(5 * 4 * Math.sqrt(4 * per * 0.25 * 0.75));
    const shares = [
      buckets[0],
      (buckets[1] ?? 0) - (buckets[0] ?? 0),
      (buckets[2] ?? 0) - (buckets[1] ?? 0),
    ].map((n) => (n ?? 0) / count);
    for (const share of shares) expect(Math.abs(share - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(sum / count - 13.5 / 4)).toBeLessThan(0.1);
    const text = registry.text();
    expect(text).toContain('# HELP h_seconds H. (sampled 1 in 4)\n');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });

  it('counts overflowed measurements with their weight', () => {
    const registry = new Registry({ random: () => 0 });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['a'],
      maxSeries: 1,
      sampleRate: 3,
    });
    counter.inc({ a: '1' });
    counter.inc({ a: '2' });
    expect(counter.overflowed).toBe(3);
    expect(counter.get({ a: '1' })).toBe(3);
  });

  it('is refused on gauges and must be an integer >= 1', () => {
    const registry = new Registry();
    expect(() => registry.gauge({ name: 'g', help: 'G.', sampleRate: 2 } as never)).toThrow(
      /Unknown option `sampleRate`/,
    );
    expect(() => registry.counter({ name: 'c', help: 'C.', sampleRate: 0.5 })).toThrow(
      'Expected `sampleRate` to be an integer >= 1',
    );
    expect(() => new Registry({ random: 1 as never })).toThrow(TypeError);
  });
});
