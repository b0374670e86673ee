import { createManualClock } from '@breakwater/testing';
import { describe, expect, it } from 'vitest';
import { isMetricsRegistrationError, MetricsLabelError } from './errors.js';
import { promtoolCheck } from './promtool.fixture.js';
import { RELATIVE_ACCURACY } from './quantile-sketch.js';
import { Registry } from './registry.js';
import { OVERFLOW_VALUE } from './series-store.js';

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

/** The value of rank ⌊q (n − 1)⌋ in sorted order. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

function within(estimate: number, truth: number): boolean {
  return Math.abs(estimate - truth) <= RELATIVE_ACCURACY * Math.abs(truth) * (1 + 1e-9);
}

const PERCENTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];

/** Streams drawn from a seeded generator: latencies, uniform, heavy-tailed, with negatives and zeros. */
const STREAMS: Record<string, (random: () => number) => number> = {
  lognormal: (random) => {
    const u = 1 - random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.exp(-3 + 1.5 * normal);
  },
  uniform: (random) => random() * 1000,
  pareto: (random) => 0.001 / (1 - random()) ** 1.2,
  mixed: (random) => {
    const r = random();
    return r < 0.1 ? 0 : r < 0.4 ? -random() * 50 : random() * 1e6;
  },
};

describe('Summary', () => {
  it('reports each quantile within the documented relative error of the exact one', () => {
    for (const [stream, draw] of Object.entries(STREAMS)) {
      for (const seed of [1, 2, 3]) {
        const random = seeded(seed);
        const summary = new Registry({ clock: createManualClock() }).summary({
          name: 's',
          help: 'S.',
          percentiles: PERCENTILES,
        });
        const values: number[] = [];
        for (let i = 0; i < 20_000; i++) {
          const value = draw(random);
          values.push(value);
          summary.observe(value);
        }
        values.sort((a, b) => a - b);
        const { count, sum, quantiles } = summary.get();
        expect(count).toBe(20_000);
        expect(sum).toBeCloseTo(
          values.reduce((total, v) => total + v, 0),
          0,
        );
        PERCENTILES.forEach((q, i) => {
          const truth = exact(values, q);
          expect(within(quantiles[i] as number, truth), `${stream} seed ${seed} q=${q}`).toBe(true);
        });
      }
    }
  });

  it('drops observations older than maxAgeMs from the quantiles, not from _sum and _count', () => {
    const clock = createManualClock(0);
    const summary = new Registry({ clock }).summary({
      name: 's',
      help: 'S.',
      percentiles: [0.01],
      maxAgeMs: 1000,
      ageBuckets: 4,
    });
    summary.observe(1); // in the sub-window [0, 250)
    clock.set(600);
    summary.observe(100); // in [500, 750)
    clock.set(999);
    // Both still in the window [0, 1000): the lowest quantile reads the old 1.
    expect(summary.get()).toEqual({ count: 2, sum: 101, quantiles: [expect.closeTo(1, 1)] });
    clock.set(1000);
    // The sub-window of 1 went: only 100 is left.
    expect(summary.get().quantiles[0]).toBeCloseTo(100, -1);
    summary.observe(50);
    clock.set(1600);
    expect(summary.get().quantiles[0]).toBeCloseTo(50, -1);
    // 100 leaves at 1750, 50 at 2000.
    clock.set(1750);
    expect(summary.get().quantiles[0]).toBeCloseTo(50, -1);
    clock.set(2000);
    expect(summary.get()).toEqual({ count: 3, sum: 151, quantiles: [Number.NaN] });
    summary.observe(7);
    expect(summary.get().quantiles[0]).toBeCloseTo(7, 1);
    // Far ahead at once: every sub-window is cleared.
    clock.advance(1e9);
    expect(summary.get().quantiles).toEqual([Number.NaN]);
  });

  it('keeps an observation for at least maxAgeMs minus one sub-window', () => {
    const clock = createManualClock(0);
    const summary = new Registry({ clock }).summary({
      name: 's',
      help: 'S.',
      percentiles: [0.5],
      maxAgeMs: 1000,
      ageBuckets: 4,
    });
    clock.set(249);
    summary.observe(5);
    clock.set(999);
    expect(summary.get().quantiles[0]).toBeCloseTo(5, 1);
    clock.set(1000);
    expect(summary.get().quantiles[0]).toBeNaN();
    // A clock that goes back leaves the window where it is.
    summary.observe(3);
    clock.set(500);
    summary.observe(3);
    clock.set(1100);
    expect(summary.get()).toEqual({ count: 3, sum: 11, quantiles: [expect.closeTo(3, 1)] });
  });

  it('slides, and returns, when the clock counts sub-windows past 2^53', () => {
    // Sub-windows of 1 ms at clock reading 2^55: the step number is 2^55, where adding 1
    // leaves a double unchanged. Moving 8 steps on (one unit of the clock there) must end.
    const clock = createManualClock(2 ** 55);
    const summary = new Registry({ clock }).summary({
      name: 's',
      help: 'S.',
      percentiles: [0.5],
      maxAgeMs: 60,
      ageBuckets: 60,
    });
    summary.observe(1);
    clock.set(2 ** 55 + 8);
    summary.observe(2);
    expect(summary.get().count).toBe(2);
    expect(summary.get().quantiles[0]).toBeCloseTo(1, 1);
  });

  it('slides by one sub-window when ageBuckets is 1', () => {
    const clock = createManualClock(0);
    const summary = new Registry({ clock }).summary({
      name: 's',
      help: 'S.',
      maxAgeMs: 100,
      ageBuckets: 1,
    });
    summary.observe(2);
    clock.set(99);
    expect(summary.get().quantiles).toEqual([2, 2, 2].map((v) => expect.closeTo(v, 1)));
    clock.set(100);
    expect(summary.get().quantiles).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  it('keeps a series per label set, with bound children and timers on the registry clock', () => {
    const clock = createManualClock(1000);
    const summary = new Registry({ clock }).summary({
      name: 'latency_seconds',
      help: 'Latency.',
      labelNames: ['op'],
      percentiles: [0.5, 0.99],
    });
    const end = summary.startTimer({ op: 'read' });
    clock.advance(250);
    expect(end()).toBe(0.25);
    const child = summary.labels({ op: 'read' });
    child.observe(0.05);
    const endChild = child.startTimer();
    clock.advance(2000);
    expect(endChild()).toBe(2);
    summary.observe({ op: 'write' }, 1);
    const read = summary.get({ op: 'read' });
    expect(read.count).toBe(3);
    expect(read.sum).toBeCloseTo(2.3, 10);
    expect(within(read.quantiles[0] as number, 0.25)).toBe(true);
    // Of three values, the 0.99-quantile is the one of rank ⌊0.99 × 2⌋ = 1: the middle one.
    expect(within(read.quantiles[1] as number, 0.25)).toBe(true);
    expect(summary.get({ op: 'missing' })).toEqual({
      count: 0,
      sum: 0,
      quantiles: [Number.NaN, Number.NaN],
    });
    expect(summary.seriesCount).toBe(2);
    const plain = new Registry({ clock }).summary({ name: 'p', help: 'P.' });
    const stop = plain.startTimer();
    clock.advance(5);
    expect(stop()).toBe(0.005);
    expect(plain.get().count).toBe(1);
  });

  it('sorts its percentiles, and with none reports only _sum and _count', () => {
    const registry = new Registry();
    const summary = registry.summary({ name: 's', help: 'S.', percentiles: [0.99, 0.5] });
    expect(summary.percentiles).toEqual([0.5, 0.99]);
    expect(summary.maxAgeMs).toBe(600_000);
    expect(summary.ageBuckets).toBe(5);
    const bare = registry.summary({ name: 'bare', help: 'B.', percentiles: [] });
    bare.observe(3);
    expect(bare.get()).toEqual({ count: 1, sum: 3, quantiles: [] });
    expect(registry.text()).toContain(
      '# HELP bare B.\n# TYPE bare summary\nbare_sum 3\nbare_count 1\n',
    );
  });

  it('removes expired series at scrape time; a bound child carries on in a fresh one', () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const summary = registry.summary({
      name: 's',
      help: 'S.',
      labelNames: ['a'],
      ttlMs: 10,
      percentiles: [0.5],
    });
    const child = summary.labels({ a: 'x' });
    child.observe(4);
    summary.observe({ a: 'y' }, 1);
    const timer = summary.startTimer({ a: 'x' });
    const childTimer = child.startTimer();
    clock.advance(10);
    expect(registry.text()).not.toContain('a="x"');
    expect(summary.seriesCount).toBe(0);
    child.observe(2);
    timer();
    childTimer();
    const { count, sum, quantiles } = summary.get({ a: 'x' });
    expect({ count, quantiles }).toEqual({ count: 3, quantiles: [expect.closeTo(0.01, 3)] });
    expect(sum).toBeCloseTo(2.02, 10);
    expect(summary.get({ a: 'y' }).count).toBe(0);
  });

  it('records label sets past maxSeries into the overflow series, and counts them', () => {
    const registry = new Registry();
    const summary = registry.summary({
      name: 's',
      help: 'S.',
      labelNames: ['a'],
      maxSeries: 1,
      percentiles: [0.5],
    });
    summary.observe({ a: 'x' }, 1);
    summary.observe({ a: 'y' }, 2);
    summary.labels({ a: 'z' }).observe(2);
    expect(summary.get({ a: OVERFLOW_VALUE })).toEqual({
      count: 2,
      sum: 4,
      quantiles: [expect.closeTo(2, 1)],
    });
    expect(summary.overflowed).toBe(2);
    const text = registry.text();
    expect(text).toContain(`s_count{a="${OVERFLOW_VALUE}"} 2\n`);
    expect(text).toContain('breakwater_metrics_overflow_total{metric="s"} 2\n');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });

  it('counts each kept observation sampleRate times, in _count, _sum and the quantiles', () => {
    const all = new Registry({ random: () => 0 }).summary({
      name: 's',
      help: 'S.',
      sampleRate: 4,
      percentiles: [0.5],
    });
    for (let i = 1; i <= 100; i++) all.observe(i);
    const kept = all.get();
    expect({ count: kept.count, sum: kept.sum }).toEqual({ count: 400, sum: 4 * 5050 });
    expect(within(kept.quantiles[0] as number, 50)).toBe(true);
    // Weighted, 1 and 100 stand for four copies each: the 0.9-quantile of eight values is 100.
    const pair = new Registry({ random: () => 0 }).summary({
      name: 's',
      help: 'S.',
      sampleRate: 4,
      percentiles: [0.9],
    });
    pair.observe(1);
    pair.observe(100);
    expect(pair.get().quantiles[0]).toBeCloseTo(100, -1);
    const none = new Registry({ random: () => 0.5 }).summary({
      name: 's',
      help: 'S.',
      sampleRate: 4,
    });
    none.observe(1);
    expect(none.get().count).toBe(0);

    const registry = new Registry({ random: seeded(9) });
    const sampled = registry.summary({
      name: 'h_seconds',
      help: 'H.',
      sampleRate: 5,
      percentiles: [0.1, 0.5, 0.9],
    });
    const draw = seeded(10);
    for (let i = 0; i < 50_000; i++) sampled.observe(draw());
    const { count, quantiles } = sampled.get();
    expect(count % 5).toBe(0);
    expect(Math.abs(count - 50_000)).toBeLessThan(5 * 5 * Math.sqrt(50_000 * 0.2 * 0.8));
    [0.1, 0.5, 0.9].forEach((q, i) => {
      expect(Math.abs((quantiles[i] as number) - q)).toBeLessThan(0.02);
    });
    expect(registry.text()).toContain('# HELP h_seconds H. (sampled 1 in 5)\n');
  });

  it('is found by name, registered once, and its samples are its own', () => {
    const registry = new Registry();
    const summary = registry.summary({ name: 'lat', help: 'L.', percentiles: [0.5] });
    expect(registry.summary({ name: 'lat', help: 'L.', percentiles: [0.5] })).toBe(summary);
    expect(registry.get('lat')).toBe(summary);
    expect(() => registry.summary({ name: 'lat', help: 'L.', percentiles: [0.9] })).toThrow(
      /as a summary with other options/,
    );
    expect(() => registry.histogram({ name: 'lat', help: 'L.' })).toThrow(/as a summary/);
    expect(() => registry.gauge({ name: 'lat_sum', help: 'X.' })).toThrow(/"lat" writes "lat_sum"/);
    try {
      registry.gauge({ name: 'lat_count', help: 'X.' });
      expect.unreachable();
    } catch (error) {
      expect(isMetricsRegistrationError(error)).toBe(true);
    }
  });
});

describe('Summary options', () => {
  const registry = new Registry();

  it('refuses bad percentiles, naming the metric and the value', () => {
    expect(() => registry.summary({ name: 's', help: 'x', percentiles: 0.5 as never })).toThrow(
      TypeError,
    );
    for (const bad of [[0], [1], [-0.1], [Number.NaN], [0.5, 1.5], ['0.5']]) {
      expect(() =>
        registry.summary({ name: 's', help: 'x', percentiles: bad as number[] }),
      ).toThrow(
        /^Expected `percentiles` of metric `s` to be an array of distinct numbers strictly between 0 and 1, got/,
      );
    }
    expect(() => registry.summary({ name: 's', help: 'x', percentiles: [0.9, 0.5, 0.9] })).toThrow(
      new RangeError(
        'Expected `percentiles` of metric `s` to be an array of distinct numbers strictly between 0 and 1, got `0.9` (number)',
      ),
    );
  });

  it('refuses bad maxAgeMs and ageBuckets, and unknown keys', () => {
    for (const maxAgeMs of [0, -1, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => registry.summary({ name: 's', help: 'x', maxAgeMs })).toThrow(
        /^Expected `maxAgeMs` to be/,
      );
    }
    expect(() => registry.summary({ name: 's', help: 'x', maxAgeMs: '1' as never })).toThrow(
      TypeError,
    );
    // At least 1 ms per sub-window.
    expect(() => registry.summary({ name: 's', help: 'x', maxAgeMs: 4, ageBuckets: 5 })).toThrow(
      /maxAgeMs must be at least 1 ms per sub-window \(ageBuckets 5\), got 4/,
    );
    expect(() =>
      registry.summary({ name: 's2', help: 'x', maxAgeMs: 5, ageBuckets: 5 }),
    ).not.toThrow();
    for (const ageBuckets of [0, 1.5, 61]) {
      expect(() => registry.summary({ name: 's', help: 'x', ageBuckets })).toThrow(
        /^Expected `ageBuckets` to be an integer >= 1 and <= 60/,
      );
    }
    expect(() => registry.summary({ name: 's', help: 'x', buckets: [1] } as never)).toThrow(
      /Unknown option `buckets` in `summary options`/,
    );
    expect(() => registry.summary({ name: 's', help: 'x', sampleRate: 0 })).toThrow(RangeError);
  });

  it('reserves the label name quantile', () => {
    expect(() => registry.summary({ name: 's', help: 'x', labelNames: ['quantile'] })).toThrow(
      new MetricsLabelError('s', 'quantile', 'reserved for the quantile of a summary'),
    );
  });

  it('refuses non-finite observations, naming the metric', () => {
    const summary = registry.summary({ name: 'obs', help: 'x', labelNames: ['a'] });
    expect(() => summary.observe({ a: '1' }, Number.NaN)).toThrow(
      'Metric "obs": an observation must be a finite number, got NaN (number)',
    );
    expect(() => summary.labels({ a: '1' }).observe(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => summary.observe({ a: '1' }, '1' as never)).toThrow(RangeError);
    expect(summary.get({ a: '1' }).count).toBe(0);
  });
});

/** A registry with summaries: labels that need escaping, a unit, an empty window, negatives. */
function sample(): Registry {
  const clock = createManualClock(0);
  const registry = new Registry({ clock });
  const rpc = registry.summary({
    name: 'rpc_duration_seconds',
    help: 'RPC "latency".\nSecond line.',
    unit: 'seconds',
    labelNames: ['method'],
    percentiles: [0.5, 0.9, 0.99],
    maxAgeMs: 60_000,
  });
  for (let i = 1; i <= 100; i++) rpc.observe({ method: 'get "x"\\' }, i / 100);
  rpc.observe({ method: 'put' }, 0.25);
  const old = registry.summary({ name: 'drift', help: 'Drift.', maxAgeMs: 1000 });
  old.observe(-2);
  old.observe(0);
  old.observe(3);
  clock.set(1000); // drift's window is empty now; _sum and _count stay
  registry.summary({ name: 'idle_seconds', help: 'Never observed.', percentiles: [0.5] });
  return registry;
}

describe('Summary exposition', () => {
  it('writes the Prometheus text format 0.0.4', async () => {
    await expect(sample().text('prometheus')).toMatchFileSnapshot(
      './golden/summary-prometheus.txt',
    );
  });

  it('writes OpenMetrics 1.0', async () => {
    await expect(sample().text('openmetrics')).toMatchFileSnapshot(
      './golden/summary-openmetrics.txt',
    );
  });

  it('writes the same text in parts when an asynchronous scrape yields after each part', async () => {
    const registry = new Registry();
    const summary = registry.summary({ name: 'sizes', help: 'Sizes.', labelNames: ['id'] });
    for (let i = 0; i < 700; i++) summary.observe({ id: i }, i);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = await registry.textAsync(format, { yieldEveryMs: 0 });
      expect(text).toBe(registry.text(format));
      // 700 series of 5 lines each, in parts of 204 series: every series exactly once.
      expect(text.match(/^sizes_count/gm)).toHaveLength(700);
    }
  });

  it('passes promtool check metrics, NaN quantiles included', () => {
    const text = sample().text('prometheus');
    expect(text).toContain('idle_seconds{quantile="0.5"} NaN\n');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });
});
