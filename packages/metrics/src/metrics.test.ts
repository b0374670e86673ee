import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { exponentialBuckets, linearBuckets } from './buckets.js';
import { isMetricsRegistrationError } from './errors.js';
import { Registry } from './registry.js';

describe('Counter', () => {
  it('counts without labels, by 1 or by a given amount', () => {
    const counter = new Registry().counter({ name: 'jobs_total', help: 'Jobs.' });
    counter.inc();
    counter.inc(2.5);
    expect(counter.get()).toBe(3.5);
    expect(counter.name).toBe('jobs');
  });

  it('keeps one series per label combination, whatever the key order of the label object', () => {
    const counter = new Registry().counter({
      name: 'http_requests',
      help: 'Requests.',
      labelNames: ['method', 'code'],
    });
    counter.inc({ method: 'GET', code: '200' });
    counter.inc({ code: '200', method: 'GET' }, 2);
    counter.inc({ method: 'GET', code: 200 });
    counter.inc({ method: 'POST', code: '200' });
    expect(counter.get({ method: 'GET', code: '200' })).toBe(4);
    expect(counter.get({ method: 'POST', code: '200' })).toBe(1);
    expect(counter.seriesCount).toBe(2);
  });

  it('gives a bound child that writes into the same series as the labelled calls', () => {
    const counter = new Registry().counter({ name: 'hits', help: 'Hits.', labelNames: ['route'] });
    const child = counter.labels({ route: '/a' });
    child.inc();
    child.inc(4);
    counter.inc({ route: '/a' });
    expect(child.get()).toBe(6);
    expect(counter.get({ route: '/a' })).toBe(6);
  });

  it('does not mix up label values that a joined key would confuse', () => {
    const counter = new Registry().counter({
      name: 'pairs',
      help: 'Pairs.',
      labelNames: ['a', 'b'],
    });
    counter.inc({ a: 'x\u0000', b: 'y' });
    counter.inc({ a: 'x', b: '\u0000y' });
    expect(counter.seriesCount).toBe(2);
  });
});

describe('Gauge', () => {
  it('sets, increments and decrements, with and without labels', () => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: 'queue_length', help: 'Queue.' });
    gauge.set(10);
    gauge.inc();
    gauge.dec(3);
    gauge.inc(0.5);
    gauge.dec();
    expect(gauge.get()).toBe(7.5);
    const labelled = registry.gauge({ name: 'pool_size', help: 'Pool.', labelNames: ['pool'] });
    labelled.set({ pool: 'db' }, 4);
    labelled.inc({ pool: 'db' });
    labelled.dec({ pool: 'db' }, 2);
    labelled.inc({ pool: 'db' }, 3);
    labelled.dec({ pool: 'db' });
    expect(labelled.get({ pool: 'db' })).toBe(5);
    const child = labelled.labels({ pool: 'cache' });
    child.set(2);
    child.inc();
    child.dec(0.5);
    child.inc(2);
    child.dec();
    expect(child.get()).toBe(3.5);
  });

  it('reads its collect callback at scrape time', () => {
    const registry = new Registry();
    let depth = 3;
    registry.gauge({ name: 'depth', help: 'Depth.', collect: (g) => g.set(depth) });
    expect(registry.text()).toContain('depth 3\n');
    depth = 8;
    expect(registry.text()).toContain('depth 8\n');
  });
});

describe('Histogram', () => {
  it('counts observations into cumulative buckets with their sum and count', () => {
    const histogram = new Registry().histogram({
      name: 'size_bytes',
      help: 'Sizes.',
      buckets: [10, 100],
    });
    for (const value of [1, 10, 11, 100, 101, 5000]) histogram.observe(value);
    expect(histogram.get()).toEqual({ count: 6, sum: 5223, buckets: [2, 4] });
  });

  it('accepts a trailing Infinity bucket and drops it', () => {
    const histogram = new Registry().histogram({
      name: 'h',
      help: 'H.',
      buckets: [1, Number.POSITIVE_INFINITY],
    });
    expect(histogram.buckets).toEqual([1]);
  });

  it('times in seconds from the registry clock, with labels and from a bound child', () => {
    const clock = createManualClock(1000);
    const histogram = new Registry({ clock }).histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labelNames: ['op'],
      buckets: [0.1, 1],
    });
    const end = histogram.startTimer({ op: 'read' });
    clock.advance(250);
    expect(end()).toBe(0.25);
    const child = histogram.labels({ op: 'read' });
    child.observe(0.05);
    const endChild = child.startTimer();
    clock.advance(2000);
    expect(endChild()).toBe(2);
    expect(histogram.get({ op: 'read' })).toEqual({ count: 3, sum: 2.3, buckets: [1, 2] });
    const plain = new Registry({ clock }).histogram({ name: 'p', help: 'P.' });
    const stop = plain.startTimer();
    clock.advance(5);
    expect(stop()).toBe(0.005);
  });

  it('builds linear and exponential buckets', () => {
    expect(linearBuckets(1, 2, 3)).toEqual([1, 3, 5]);
    expect(exponentialBuckets(1, 10, 3)).toEqual([1, 10, 100]);
    expect(() => linearBuckets(0, 0, 3)).toThrow(RangeError);
    expect(() => exponentialBuckets(1, 1, 3)).toThrow(RangeError);
    expect(() => exponentialBuckets(1, 2, 0)).toThrow(RangeError);
  });
});

describe('Registry', () => {
  it('returns the registered metric when the same definition is registered again', () => {
    const registry = new Registry();
    const labelNames = ['a'] as const;
    const first = registry.counter({ name: 'c_total', help: 'C.', labelNames });
    expect(registry.counter({ name: 'c_total', help: 'C.', labelNames: ['a'] })).toBe(first);
    expect(registry.get('c_total')).toBe(first);
    expect(registry.get('c')).toBe(first);
    expect(registry.get('missing')).toBeUndefined();
    // `_total` is a counter's spelling only.
    registry.gauge({ name: 'g', help: 'G.' });
    registry.histogram({ name: 'h', help: 'H.' });
    expect(registry.get('g_total')).toBeUndefined();
    expect(registry.get('h_total')).toBeUndefined();
  });

  it('compares object options key by key, and takes either spelling of a counter', () => {
    const registry = new Registry();
    const normalize = (value: string) => value.toLowerCase();
    const options = () => ({
      name: 'requests_total',
      help: 'R.',
      labelNames: ['route'] as const,
      maxLabelValues: { route: 200 },
      normalize: { route: normalize },
    });
    const first = registry.counter(options());
    // A module loaded twice builds its option objects twice.
    expect(registry.counter(options())).toBe(first);
    expect(registry.counter({ ...options(), name: 'requests' })).toBe(first);
    expect(() => registry.counter({ ...options(), maxLabelValues: { route: 201 } })).toThrow(
      /with other options/,
    );
    expect(() =>
      registry.counter({ ...options(), normalize: { route: (v: string) => v } }),
    ).toThrow(/with other options/);
    expect(() => registry.counter({ ...options(), maxLabelValues: 200 })).toThrow(
      /with other options/,
    );
    const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: ['a'], maxLabelValues: {} });
    expect(registry.gauge({ name: 'g', help: 'G.', labelNames: ['a'], maxLabelValues: {} })).toBe(
      gauge,
    );
  });

  it('refuses a name registered with another type or other options', () => {
    const registry = new Registry();
    registry.counter({ name: 'c', help: 'C.', labelNames: ['a'] });
    expect(() => registry.gauge({ name: 'c', help: 'C.' })).toThrow(
      /"c" is already registered as a counter/,
    );
    expect(() => registry.counter({ name: 'c', help: 'C.', labelNames: ['b'] })).toThrow(
      /with other options/,
    );
    expect(() => registry.counter({ name: 'c', help: 'Other.', labelNames: ['a'] })).toThrow(
      /with other options/,
    );
    try {
      registry.counter({ name: 'c_total', help: 'C.' });
    } catch (error) {
      expect(isMetricsRegistrationError(error)).toBe(true);
    }
  });

  it('refuses two families that would write the same sample name', () => {
    const registry = new Registry();
    registry.counter({ name: 'jobs', help: 'Jobs.' });
    expect(() => registry.gauge({ name: 'jobs_total', help: 'X.' })).toThrow(
      /"jobs" writes "jobs_total"/,
    );
    registry.histogram({ name: 'lat', help: 'L.' });
    expect(() => registry.gauge({ name: 'lat_count', help: 'X.' })).toThrow(
      /"lat" writes "lat_count"/,
    );
    expect(() => registry.counter({ name: 'breakwater_metrics_overflow', help: 'X.' })).toThrow(
      /by the registry itself/,
    );
  });
});
