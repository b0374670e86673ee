import { describe, expect, it } from 'vitest';
import { isMetricsLabelError, MetricsLabelError } from './errors.js';
import { Registry } from './registry.js';

describe('registry options', () => {
  it('refuses unknown keys and bad values', () => {
    expect(() => new Registry({ maxSeries: 1 } as never)).toThrow(/Unknown option `maxSeries`/);
    expect(() => new Registry({ maxSeriesPerMetric: 0 })).toThrow(
      'Expected `maxSeriesPerMetric` to be an integer >= 1, got `0` (number)',
    );
    expect(() => new Registry({ clock: {} as never })).toThrow(TypeError);
    expect(() => new Registry(5 as never)).toThrow(TypeError);
  });
});

describe('metric options', () => {
  const registry = new Registry();

  it('refuses invalid metric names, naming the value', () => {
    for (const name of ['1abc', 'a-b', '', '__reserved', 'a b', 'é']) {
      expect(() => registry.counter({ name, help: 'x' })).toThrow(
        name === '' ? RangeError : /metric name/,
      );
    }
    expect(() => registry.counter({ name: 5 as never, help: 'x' })).toThrow(TypeError);
    expect(registry.gauge({ name: 'ok:colon_1', help: 'x' }).name).toBe('ok:colon_1');
  });

  it('refuses invalid, reserved and duplicate label names', () => {
    expect(() =>
      registry.counter({ name: 'a', help: 'x', labelNames: ['ok', 'bad-name'] }),
    ).toThrow(/labelNames` of metric `a` to be label names.*got `"bad-name"`/);
    expect(() => registry.counter({ name: 'a', help: 'x', labelNames: ['__name'] })).toThrow(
      RangeError,
    );
    expect(() => registry.counter({ name: 'a', help: 'x', labelNames: ['a:b'] })).toThrow(
      RangeError,
    );
    expect(() => registry.counter({ name: 'a', help: 'x', labelNames: ['x', 'x'] })).toThrow(
      /distinct label names/,
    );
    expect(() => registry.counter({ name: 'a', help: 'x', labelNames: 'x' as never })).toThrow(
      TypeError,
    );
    expect(() => registry.histogram({ name: 'h', help: 'x', labelNames: ['le'] })).toThrow(
      MetricsLabelError,
    );
  });

  it('refuses a missing help, unknown keys, a unit the name lacks and a bad maxSeries', () => {
    expect(() => registry.counter({ name: 'a' } as never)).toThrow(
      'Expected `help` of metric `a` to be a string',
    );
    expect(() => registry.counter({ name: 'a', help: 'x', bucket: [1] } as never)).toThrow(
      /Unknown option `bucket`/,
    );
    expect(() => registry.gauge({ name: 'size', help: 'x', unit: 'bytes' })).toThrow(/unit/);
    expect(() => registry.gauge({ name: 'size_bytes', help: 'x', unit: 'b-s' })).toThrow(/unit/);
    expect(registry.counter({ name: 'sent_bytes_total', help: 'x', unit: 'bytes' }).unit).toBe(
      'bytes',
    );
    expect(() => registry.counter({ name: 'a', help: 'x', maxSeries: 1.5 })).toThrow(RangeError);
    expect(() => registry.counter(null as never)).toThrow(TypeError);
  });

  it('refuses a unit before _total on anything but a counter, and a counter named _total', () => {
    // OpenMetrics parsers refuse `# UNIT x_seconds_total seconds` on a gauge: the family
    // name must end in the unit, and only a counter's family drops `_total`.
    for (const make of [
      () => registry.gauge({ name: 'up_seconds_total', help: 'x', unit: 'seconds' }),
      () => registry.histogram({ name: 'lat_seconds_total', help: 'x', unit: 'seconds' }),
      () => registry.summary({ name: 'sum_seconds_total', help: 'x', unit: 'seconds' }),
    ]) {
      expect(make).toThrow(/unit/);
    }
    expect(registry.gauge({ name: 'g_total_seconds', help: 'x', unit: 'seconds' }).unit).toBe(
      'seconds',
    );
    // `_total` alone would leave a counter without a family name (`# TYPE  counter`).
    expect(() => registry.counter({ name: '_total', help: 'x' })).toThrow(RangeError);
    expect(registry.counter({ name: '_total_total', help: 'x' }).name).toBe('_total');
  });

  it('refuses bad buckets and a non-function collect', () => {
    for (const buckets of [[], [2, 1], [1, 1], [Number.NaN], ['1']]) {
      expect(() =>
        registry.histogram({ name: 'h', help: 'x', buckets: buckets as number[] }),
      ).toThrow(RangeError);
    }
    expect(() => registry.histogram({ name: 'h', help: 'x', buckets: 1 as never })).toThrow(
      TypeError,
    );
    expect(() => registry.gauge({ name: 'g', help: 'x', collect: 1 as never })).toThrow(TypeError);
  });
});

describe('measurements', () => {
  const registry = new Registry();
  const counter = registry.counter({ name: 'req', help: 'x', labelNames: ['method', 'code'] });
  const plain = registry.counter({ name: 'plain', help: 'x' });
  const gauge = registry.gauge({ name: 'g', help: 'x' });
  const histogram = registry.histogram({ name: 'h', help: 'x' });

  it('names the metric and the label of a missing or unknown label', () => {
    expect(() => counter.inc({ method: 'GET' } as never)).toThrow(
      'Metric "req", label "code": missing label value',
    );
    expect(() => counter.inc({ method: 'GET', code: '1', extra: 'x' } as never)).toThrow(
      'Metric "req", label "extra": unknown label; declared: method, code',
    );
    expect(() => counter.inc({ method: 'GET', kode: '1' } as never)).toThrow(
      /label "code": missing/,
    );
    expect(() => (counter.inc as unknown as () => void)()).toThrow(/label "method": missing/);
    expect(() => plain.inc({ a: 'b' } as never)).toThrow(
      'Metric "plain", label "a": unknown label; the metric declares no labels',
    );
    try {
      counter.inc({ method: true, code: '1' } as never);
    } catch (error) {
      expect(isMetricsLabelError(error)).toBe(true);
      expect((error as MetricsLabelError).label).toBe('method');
      expect((error as MetricsLabelError).metric).toBe('req');
    }
    expect(() => counter.inc(null as never)).toThrow(TypeError);
    expect(() => plain.inc('x' as never)).toThrow(TypeError);
  });

  it('accepts an empty label object on a metric without labels', () => {
    plain.inc({} as never);
    expect(plain.get()).toBe(1);
  });

  it('refuses negative and non-finite counter increments, naming the metric', () => {
    expect(() => plain.inc(-1)).toThrow(
      'Metric "plain": a counter increment must be a finite number >= 0, got -1',
    );
    expect(() => plain.inc(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => plain.inc(Number.NaN)).toThrow(RangeError);
    expect(() => counter.labels({ method: 'a', code: 'b' }).inc(-2)).toThrow(RangeError);
    expect(plain.get()).toBe(1);
  });

  it('creates no series for a gauge value it refuses', () => {
    const labelled = new Registry().gauge({ name: 'lg', help: 'x', labelNames: ['k'] });
    expect(() => labelled.set({ k: 'a' }, Number.NaN)).toThrow(RangeError);
    expect(() => labelled.inc({ k: 'b' }, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => labelled.dec({ k: 'c' }, '1' as never)).toThrow(RangeError);
    expect(labelled.seriesCount).toBe(0);
    // A string is no number, negated or not.
    const child = labelled.labels({ k: 'd' });
    expect(() => child.dec('1' as never)).toThrow(RangeError);
    expect(() => child.inc('1' as never)).toThrow(RangeError);
    expect(child.get()).toBe(0);
    expect(labelled.seriesCount).toBe(1);
  });

  it('takes null as no value: refused, never counted as the default 1', () => {
    const r = new Registry();
    const c = r.counter({ name: 'c', help: 'x', labelNames: ['k'] });
    const sampled = r.counter({ name: 's', help: 'x', labelNames: ['k'], sampleRate: 2 });
    const g = r.gauge({ name: 'g', help: 'x', labelNames: ['k'] });
    expect(() => c.inc({ k: 'a' }, null as never)).toThrow(RangeError);
    expect(() => sampled.inc({ k: 'a' }, null as never)).toThrow(RangeError);
    expect(() => g.inc({ k: 'a' }, null as never)).toThrow(RangeError);
    expect(() => g.dec({ k: 'a' }, null as never)).toThrow(RangeError);
    // As a bound child already does: a default parameter stands in for undefined only.
    expect(() => c.labels({ k: 'a' }).inc(null as never)).toThrow(RangeError);
    expect(c.get({ k: 'a' })).toBe(0);
    expect(g.get({ k: 'a' })).toBe(0);
  });

  it('takes undefined labels as none, with the value that follows (from JavaScript)', () => {
    const r = new Registry({ random: () => 0 });
    const c = r.counter({ name: 'c', help: 'x' });
    const sampled = r.counter({ name: 's', help: 'x', sampleRate: 2 });
    const g = r.gauge({ name: 'g', help: 'x' });
    const h = r.histogram({ name: 'h', help: 'x', buckets: [1] });
    const summary = r.summary({ name: 'q', help: 'x', percentiles: [0.5] });
    type Loose = (...args: unknown[]) => void;
    (c.inc as Loose)(undefined, 5);
    (sampled.inc as Loose)(undefined, 5);
    (c.incExemplar as Loose)(undefined, 2, { id: 'x' });
    (g.inc as Loose)(undefined, 5);
    (h.observe as Loose)(undefined, 0.5);
    (h.observeExemplar as Loose)(undefined, 2, { id: 'x' });
    (summary.observe as Loose)(undefined, 3);
    expect([c.get(), sampled.get(), g.get()]).toEqual([7, 10, 5]);
    expect(h.get()).toEqual({ count: 2, sum: 2.5, buckets: [1] });
    expect(summary.get().sum).toBe(3);
    // A labelled metric still wants its labels.
    const labelled = r.counter({ name: 'l', help: 'x', labelNames: ['k'] });
    expect(() => (labelled.inc as Loose)(undefined, 5)).toThrow(/missing label value/);
  });

  it('refuses non-finite gauge values and observations', () => {
    expect(() => gauge.set(Number.NaN)).toThrow(
      'Metric "g": a gauge value must be a finite number, got NaN',
    );
    expect(() => gauge.inc(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => gauge.dec(Number.NaN)).toThrow(RangeError);
    expect(() => histogram.observe(Number.NaN)).toThrow(
      'Metric "h": an observation must be a finite number',
    );
    expect(() => histogram.observe('1' as never)).toThrow(RangeError);
    expect(gauge.get()).toBe(0);
    expect(histogram.get().count).toBe(0);
  });
});
