import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promtoolCheck } from './promtool.fixture.js';
import { Registry } from './registry.js';
import { OVERFLOW_VALUE } from './series-store.js';

describe('cardinality limits', () => {
  it('keeps the series count bounded and the overflow count exact under a 1M-distinct-label attack', () => {
    const registry = new Registry({ maxSeriesPerMetric: 100 });
    const counter = registry.counter({ name: 'hits', help: 'Hits.', labelNames: ['user'] });
    const attack = 1_000_000;
    for (let i = 0; i < attack; i++) counter.inc({ user: `u${i}` });
    expect(counter.seriesCount).toBe(101);
    expect(counter.overflowed).toBe(attack - 100);
    expect(counter.get({ user: OVERFLOW_VALUE })).toBe(attack - 100);
    const text = registry.text();
    expect(text).toContain(`hits_total{user="${OVERFLOW_VALUE}"} ${attack - 100}\n`);
    expect(text).toContain(`breakwater_metrics_overflow_total{metric="hits"} ${attack - 100}\n`);
    expect(text.split('\n').filter((line) => line.startsWith('hits_total')).length).toBe(101);
  });

  it('lets a metric override the registry default, and keeps existing series writable', () => {
    const registry = new Registry({ maxSeriesPerMetric: 100 });
    const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: ['a', 'b'], maxSeries: 2 });
    gauge.set({ a: '1', b: '1' }, 1);
    gauge.set({ a: '1', b: '2' }, 2);
    gauge.set({ a: '1', b: '3' }, 3);
    gauge.labels({ a: '2', b: '2' }).inc(4);
    gauge.set({ a: '1', b: '1' }, 10);
    expect(gauge.get({ a: '1', b: '1' })).toBe(10);
    expect(gauge.get({ a: OVERFLOW_VALUE, b: OVERFLOW_VALUE })).toBe(7);
    expect(gauge.overflowed).toBe(2);
    const histogram = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: ['a'],
      maxSeries: 1,
      buckets: [1],
    });
    histogram.observe({ a: 'x' }, 0.5);
    histogram.observe({ a: 'y' }, 2);
    histogram.labels({ a: 'z' }).observe(0.1);
    expect(histogram.get({ a: OVERFLOW_VALUE })).toEqual({ count: 2, sum: 2.1, buckets: [1] });
    expect(histogram.overflowed).toBe(2);
    const text = registry.text();
    expect(text).toContain('breakwater_metrics_overflow_total{metric="g"} 2\n');
    expect(text).toContain('breakwater_metrics_overflow_total{metric="h"} 2\n');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    expect(registry.text('openmetrics')).toContain('# TYPE breakwater_metrics_overflow counter\n');
  });

  it('never writes the overflow self-metric while nothing overflowed', () => {
    const registry = new Registry();
    registry.counter({ name: 'c', help: 'C.', labelNames: ['a'] }).inc({ a: 'x' });
    expect(registry.text()).not.toContain('breakwater_metrics_overflow');
  });

  it('counts every measurement exactly once, in its series or in the overflow series', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5 })), {
          maxLength: 300,
        }),
        (maxSeries, events) => {
          const counter = new Registry().counter({
            name: 'c',
            help: 'C.',
            labelNames: ['k'],
            maxSeries,
          });
          const firstSeen: number[] = [];
          for (const [key, amount] of events) {
            if (!firstSeen.includes(key)) firstSeen.push(key);
            counter.inc({ k: key }, amount);
          }
          const kept = new Set(firstSeen.slice(0, maxSeries));
          let overflowCount = 0;
          let overflowSum = 0;
          for (const [key, amount] of events) {
            if (!kept.has(key)) {
              overflowCount++;
              overflowSum += amount;
            }
          }
          expect(counter.overflowed).toBe(overflowCount);
          expect(counter.seriesCount).toBe(kept.size + (overflowCount > 0 ? 1 : 0));
          if (overflowCount > 0) expect(counter.get({ k: OVERFLOW_VALUE })).toBe(overflowSum);
          for (const key of kept) {
            const sum = events.filter(([k]) => k === key).reduce((total, [, a]) => total + a, 0);
            expect(counter.get({ k: key })).toBe(sum);
          }
        },
      ),
    );
  });
});

describe('reading series', () => {
  it('reads 0 for a label combination never measured, without creating its series', () => {
    const registry = new Registry();
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['a'] });
    const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: ['a'] });
    const histogram = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: ['a'],
      buckets: [1, 2],
    });
    expect(counter.get({ a: 'x' })).toBe(0);
    expect(gauge.get({ a: 'x' })).toBe(0);
    expect(histogram.get({ a: 'x' })).toEqual({ count: 0, sum: 0, buckets: [0, 0] });
    expect(counter.get({ a: OVERFLOW_VALUE })).toBe(0);
    expect(counter.seriesCount + gauge.seriesCount + histogram.seriesCount).toBe(0);
  });

  it('sends measurements whose labels all spell the overflow marker to the overflow series', () => {
    const counter = new Registry().counter({ name: 'c', help: 'C.', labelNames: ['a', 'b'] });
    counter.inc({ a: OVERFLOW_VALUE, b: OVERFLOW_VALUE });
    counter.inc({ a: OVERFLOW_VALUE, b: 'x' });
    expect(counter.overflowed).toBe(1);
    expect(counter.seriesCount).toBe(2);
    expect(counter.get({ a: OVERFLOW_VALUE, b: 'y' })).toBe(0);
  });
});
