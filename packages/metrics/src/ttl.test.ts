import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { Registry } from './registry.js';
import { OVERFLOW_VALUE } from './series-store.js';

describe('maxLabelValues', () => {
  it('sends a combination whose label would take one value too many to the overflow series', () => {
    const registry = new Registry();
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['route', 'code'],
      maxLabelValues: { route: 2 },
    });
    counter.inc({ route: '/a', code: 200 });
    counter.inc({ route: '/b', code: 200 });
    counter.inc({ route: '/a', code: 500 });
    counter.inc({ route: '/c', code: 200 });
    expect(counter.seriesCount).toBe(4);
    expect(counter.get({ route: OVERFLOW_VALUE, code: OVERFLOW_VALUE })).toBe(1);
    const both = registry.gauge({
      name: 'g',
      help: 'G.',
      labelNames: ['a', 'b'],
      maxLabelValues: 1,
    });
    both.set({ a: 'x', b: 'y' }, 1);
    both.set({ a: 'x', b: 'z' }, 2);
    expect(both.overflowed).toBe(1);
  });

  it('refuses bad limits', () => {
    const registry = new Registry();
    expect(() =>
      registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], maxLabelValues: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      registry.counter({
        name: 'c',
        help: 'C.',
        labelNames: ['a'],
        maxLabelValues: { b: 1 } as never,
      }),
    ).toThrow(/Unknown option `b` in `maxLabelValues`/);
    expect(() =>
      registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], maxLabelValues: { a: 1.5 } }),
    ).toThrow('Expected `maxLabelValues.a` to be an integer >= 1');
    expect(() =>
      registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], maxLabelValues: 'x' as never }),
    ).toThrow(TypeError);
    expect(() => registry.counter({ name: 'c', help: 'C.', ttlMs: 0 })).toThrow(RangeError);
  });
});

describe('ttlMs', () => {
  it('removes series not measured for ttlMs at scrape time, and frees their place under the limits', () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['user', 'op'],
      ttlMs: 1000,
      maxSeries: 2,
      maxLabelValues: { user: 2 },
    });
    counter.inc({ user: 'a', op: 'x' });
    counter.inc({ user: 'b', op: 'x' });
    clock.advance(600);
    counter.inc({ user: 'a', op: 'x' });
    clock.advance(400);
    expect(registry.text()).not.toContain('user="b"');
    expect(registry.text()).toContain('c_total{user="a",op="x"} 2\n');
    counter.inc({ user: 'c', op: 'y' });
    expect(counter.get({ user: 'c', op: 'y' })).toBe(1);
    expect(counter.overflowed).toBe(0);
    clock.advance(5000);
    registry.text();
    expect(counter.seriesCount).toBe(0);
    counter.inc({ user: 'b', op: 'x' }, 3);
    expect(counter.get({ user: 'b', op: 'x' })).toBe(3);
  });

  it('keeps the overflow series and the unlabelled series whatever their age', () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['a'],
      ttlMs: 10,
      maxSeries: 1,
    });
    const plain = registry.gauge({ name: 'p', help: 'P.', ttlMs: 10 });
    counter.inc({ a: '1' });
    counter.inc({ a: '2' });
    plain.set(4);
    clock.advance(100);
    const text = registry.text();
    expect(text).toContain(`c_total{a="${OVERFLOW_VALUE}"} 1\n`);
    expect(text).not.toContain('a="1"');
    expect(text).toContain('p 4\n');
  });

  it('lets bound children carry on into a fresh series after theirs expired', () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], ttlMs: 10 });
    const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: ['a'], ttlMs: 10 });
    const histogram = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: ['a'],
      ttlMs: 10,
      buckets: [1],
    });
    const c = counter.labels({ a: 'x' });
    const g = gauge.labels({ a: 'x' });
    const h = histogram.labels({ a: 'x' });
    c.inc(5);
    g.set(5);
    h.observe(0.5);
    const timer = histogram.startTimer({ a: 'x' });
    const childTimer = h.startTimer();
    clock.advance(10);
    registry.text();
    expect(c.get()).toBe(0);
    expect(g.get()).toBe(0);
    c.inc();
    g.inc(2);
    g.dec();
    g.set(7);
    h.observe(2);
    timer();
    childTimer();
    expect(counter.get({ a: 'x' })).toBe(1);
    expect(c.get()).toBe(1);
    expect(gauge.get({ a: 'x' })).toBe(7);
    const { count, sum, buckets } = histogram.get({ a: 'x' });
    expect({ count, buckets }).toEqual({ count: 3, buckets: [2] });
    expect(sum).toBeCloseTo(2.02, 10);
  });
});
