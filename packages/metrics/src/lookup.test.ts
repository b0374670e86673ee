import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { MetricsLabelError } from './errors.js';
import { Registry } from './registry.js';
import { OVERFLOW_VALUE } from './series-store.js';

/** Label names and values of 1 to 4 labels: the unrolled lookups and the general one. */
const ARITIES = [1, 2, 3, 4].map((n) => {
  const names = ['method', 'code', 'route', 'zone'].slice(0, n);
  const strings = Object.fromEntries(names.map((name, i) => [name, String(200 + i)]));
  const numbers = Object.fromEntries(names.map((name, i) => [name, 200 + i]));
  return { n, names, strings, numbers };
});

/** Expects `fn` to throw a MetricsLabelError whose message contains `text`. */
function refused(fn: () => unknown, text: string): void {
  expect(fn).toThrow(MetricsLabelError);
  expect(fn).toThrow(text);
}

describe('label lookup', () => {
  it.each(ARITIES)(
    'finds one series for $n label(s), a number equal to its string',
    ({ names, strings, numbers }) => {
      const registry = new Registry();
      const counter = registry.counter({ name: 'c', help: 'C.', labelNames: names });
      const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: names });
      const histogram = registry.histogram({
        name: 'h',
        help: 'H.',
        labelNames: names,
        buckets: [1],
      });
      for (const labels of [strings, numbers, strings]) {
        counter.inc(labels);
        counter.inc(labels, 2);
        gauge.inc(labels, 2);
        gauge.dec(labels);
        histogram.observe(labels, 0.5);
      }
      expect(counter.get(numbers)).toBe(9);
      expect(counter.get(strings)).toBe(9);
      expect(counter.seriesCount).toBe(1);
      expect(gauge.get(numbers)).toBe(3);
      expect(gauge.seriesCount).toBe(1);
      expect(histogram.get(strings)).toEqual({ count: 3, sum: 1.5, buckets: [3] });
      expect(histogram.seriesCount).toBe(1);
      const other = { ...strings, [names.at(-1) as string]: 'other' };
      expect(counter.get(other)).toBe(0);
      counter.inc(other);
      expect(counter.get(other)).toBe(1);
      expect(counter.get(strings)).toBe(9);
    },
  );

  it.each(ARITIES)(
    'refuses an unknown, a missing or a mistyped label on every call, once the series exists ($n label(s))',
    ({ names, strings }) => {
      const registry = new Registry();
      const counter = registry.counter({ name: 'c', help: 'C.', labelNames: names });
      const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: names });
      const histogram = registry.histogram({ name: 'h', help: 'H.', labelNames: names });
      counter.inc(strings);
      gauge.set(strings, 1);
      histogram.observe(strings, 1);
      const last = names.at(-1) as string;
      const { [last]: _, ...missing } = strings;
      const extra = { ...strings, extra: 'x' };
      const swapped = { ...missing, extra: 'x' };
      const mistyped = { ...strings, [last]: true };
      const inherited = Object.create({ extra: 'x' }) as Record<string, string>;
      Object.assign(inherited, strings);
      for (let round = 0; round < 3; round++) {
        for (const measure of [
          (labels: object) => counter.inc(labels as never),
          (labels: object) => counter.get(labels as never),
          (labels: object) => counter.labels(labels as never),
          (labels: object) => gauge.set(labels as never, 1),
          (labels: object) => gauge.get(labels as never),
          (labels: object) => histogram.observe(labels as never, 1),
        ]) {
          refused(
            () => measure(extra),
            `label "extra": unknown label; declared: ${names.join(', ')}`,
          );
          refused(() => measure(missing), `label "${last}": missing label value`);
          refused(() => measure(swapped), `label "${last}": missing label value`);
          refused(
            () => measure(mistyped),
            `label "${last}": expected a string or a number, got boolean`,
          );
          expect(() => measure(inherited)).toThrow(MetricsLabelError);
          expect(() => measure(null as never)).toThrow(TypeError);
          expect(() => measure('ab' as never)).toThrow(TypeError);
        }
      }
      expect(counter.get(strings)).toBe(1);
      expect(counter.seriesCount).toBe(1);
      expect(gauge.get(strings)).toBe(1);
      expect(histogram.get(strings).count).toBe(1);
    },
  );

  it.each(ARITIES)('never returns an expired series ($n label(s))', ({ names, strings }) => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: names, ttlMs: 10 });
    const histogram = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: names,
      ttlMs: 10,
      buckets: [1],
    });
    counter.inc(strings, 5);
    histogram.observe(strings, 0.5);
    clock.advance(10);
    registry.text();
    expect(counter.seriesCount).toBe(0);
    expect(counter.get(strings)).toBe(0);
    counter.inc(strings);
    histogram.observe(strings, 2);
    expect(counter.get(strings)).toBe(1);
    expect(histogram.get(strings)).toEqual({ count: 1, sum: 2, buckets: [0] });
    expect(registry.text()).toContain(`c_total{${names.map((k) => `${k}="${strings[k]}"`)}} 1\n`);
  });

  it.each(ARITIES)(
    'keeps stored combinations and the overflow series apart ($n label(s))',
    ({ names, strings }) => {
      const clock = createManualClock();
      const registry = new Registry({ clock });
      const counter = registry.counter({
        name: 'c',
        help: 'C.',
        labelNames: names,
        maxSeries: 1,
        ttlMs: 10,
      });
      const overflow = Object.fromEntries(names.map((name) => [name, OVERFLOW_VALUE]));
      const late = { ...strings, [names[0] as string]: 'late' };
      counter.inc(strings);
      for (let round = 0; round < 3; round++) {
        counter.inc(late);
        counter.inc(strings);
      }
      counter.inc(overflow);
      expect(counter.get(strings)).toBe(4);
      expect(counter.get(late)).toBe(0);
      expect(counter.get(overflow)).toBe(4);
      expect(counter.overflowed).toBe(4);
      // Once the stored series expired, the combination that overflowed gets a series of its own.
      clock.advance(10);
      registry.text();
      counter.inc(late, 2);
      counter.inc(strings);
      expect(counter.get(late)).toBe(2);
      expect(counter.get(strings)).toBe(0);
      expect(counter.get(overflow)).toBe(5);
    },
  );

  it('checks a labelled counter increment before the labels, and keeps the series as it was', () => {
    const registry = new Registry();
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['a', 'b'] });
    const labels = { a: '1', b: '2' };
    counter.inc(labels, 2);
    counter.inc(labels, 0);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      expect(() => counter.inc(labels, bad as never)).toThrow(
        'Metric "c": a counter increment must be a finite number >= 0',
      );
    }
    expect(() => counter.inc({ a: '1' } as never, -1)).toThrow(RangeError);
    expect(() => counter.inc(null as never, -1)).toThrow(RangeError);
    expect(counter.get(labels)).toBe(2);
  });

  it('keeps normalizing label values on every lookup', () => {
    const registry = new Registry();
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['route', 'code'],
      normalize: { route: (route) => route.replace(/\d+/g, ':id') },
    });
    counter.inc({ route: '/users/1', code: 200 });
    counter.inc({ route: '/users/2', code: '200' });
    counter.inc({ route: '/users/:id', code: 200 });
    expect(counter.get({ route: '/users/3', code: 200 })).toBe(3);
    expect(counter.seriesCount).toBe(1);
  });
});
