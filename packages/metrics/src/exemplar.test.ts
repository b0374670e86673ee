import { createManualClock } from '@breakwater/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isMetricsLabelError, MetricsLabelError } from './errors.js';
import { promtoolCheck, promtoolCheckOpenMetrics } from './promtool.fixture.js';
import { Registry } from './registry.js';

const NOW_MS = 1_700_000_000_123;

/** The same measurements, with exemplars or without. */
function sample(withExemplars: boolean): Registry {
  const registry = new Registry();
  const requests = registry.counter({
    name: 'http_requests_total',
    help: 'HTTP requests.',
    labelNames: ['method'],
  });
  const latency = registry.histogram({
    name: 'request_duration_seconds',
    help: 'Request duration.',
    unit: 'seconds',
    labelNames: ['route'],
    buckets: [0.1, 0.5, 1],
  });
  const jobs = registry.counter({ name: 'jobs', help: 'Jobs.' });
  if (withExemplars) {
    requests.incExemplar({ method: 'GET' }, 2, { trace_id: 'abc123' });
    requests.incExemplar({ method: 'GET' }, 1, { trace_id: 'def456', span_id: '7' });
    requests.inc({ method: 'POST' });
    latency.observeExemplar({ route: '/a' }, 0.05, { trace_id: 'fast' });
    latency.observeExemplar({ route: '/a' }, 0.7, { trace_id: 'slow' });
    latency.observeExemplar({ route: '/a' }, 3, { trace_id: 'slowest' });
    latency.observe({ route: '/a' }, 0.2);
    jobs.incExemplar(0.5, {});
  } else {
    requests.inc({ method: 'GET' }, 2);
    requests.inc({ method: 'GET' }, 1);
    requests.inc({ method: 'POST' });
    latency.observe({ route: '/a' }, 0.05);
    latency.observe({ route: '/a' }, 0.7);
    latency.observe({ route: '/a' }, 3);
    latency.observe({ route: '/a' }, 0.2);
    jobs.inc(0.5);
  }
  return registry;
}

describe('exemplars', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW_MS });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the latest exemplar of each counter series and histogram bucket in OpenMetrics', async () => {
    const text = sample(true).text('openmetrics');
    await expect(text).toMatchFileSnapshot('./golden/openmetrics-exemplars.txt');
    expect(text).toContain(
      'http_requests_total{method="GET"} 3 # {trace_id="def456",span_id="7"} 1 1700000000.123\n',
    );
    expect(text).toContain('request_duration_seconds_bucket{route="/a",le="0.5"} 2\n');
    expect(text).toContain(
      'request_duration_seconds_bucket{route="/a",le="+Inf"} 4 # {trace_id="slowest"} 3 1700000000.123\n',
    );
  });

  it('leaves exemplars out of the Prometheus text format', () => {
    expect(sample(true).text('prometheus')).toBe(sample(false).text('prometheus'));
    expect(sample(true).text('prometheus')).not.toContain(' # ');
  });

  it('writes the same OpenMetrics as without exemplars once the exemplar parts are removed', () => {
    const stripped = sample(true)
      .text('openmetrics')
      .replace(/ # \{[^}]*\} \S+ \S+$/gm, '');
    expect(stripped).toBe(sample(false).text('openmetrics'));
  });

  it('passes promtool: the OpenMetrics parser with exemplars, check metrics on the text format', () => {
    const registry = sample(true);
    registry
      .counter({ name: 'escaped', help: 'E.' })
      .incExemplar(1, { note: 'say "hi"\nback\\slash' });
    expect(promtoolCheckOpenMetrics(registry.text('openmetrics'))).toEqual({
      status: 0,
      output: '',
    });
    const text = promtoolCheck(registry.text('prometheus'));
    expect(text.output).toBe('');
    expect(text.status).toBe(0);
  });

  it('fails the OpenMetrics check on a broken exemplar (the check can fail)', () => {
    const broken = sample(true).text('openmetrics').replace('{trace_id="fast"}', '{trace_id=}');
    const also = sample(true)
      .text('openmetrics')
      .replace('# {trace_id="def456",span_id="7"} 1', '# {trace_id="def456",span_id="7"} x');
    expect(promtoolCheckOpenMetrics(broken).status).not.toBe(0);
    expect(promtoolCheckOpenMetrics(also).status).not.toBe(0);
  });

  it('escapes exemplar label values and writes lone surrogates as U+FFFD', () => {
    const registry = new Registry();
    registry
      .counter({ name: 'c', help: 'C.' })
      .incExemplar(1, { note: 'say "hi"\nback\\slash', bad: 'a\uD800' });
    expect(registry.text('openmetrics')).toContain(
      'c_total 1 # {note="say \\"hi\\"\\nback\\\\slash",bad="a\uFFFD"} 1 1700000000.123\n',
    );
  });

  it('writes a NUL in an exemplar label value as U+FFFD, which promtool parses', () => {
    // Prometheus' OpenMetrics parser fails the whole scrape on a NUL inside an exemplar.
    const registry = new Registry();
    registry.counter({ name: 'c', help: 'C.' }).incExemplar(1, { trace_id: 'a\u0000b\u0000' });
    registry.histogram({ name: 'h', help: 'H.', buckets: [1] }).observeExemplar(0, { e: '\u0000' });
    const text = registry.text('openmetrics');
    expect(text).toContain('c_total 1 # {trace_id="a\uFFFDb\uFFFD"} 1 1700000000.123\n');
    expect(text).not.toContain('\u0000');
    expect(promtoolCheckOpenMetrics(text)).toEqual({ status: 0, output: '' });
  });

  it('keeps the latest exemplar, with its value and time', () => {
    const registry = new Registry();
    const counter = registry.counter({ name: 'c', help: 'C.' });
    counter.incExemplar(2, { trace_id: 'a' });
    vi.setSystemTime(1_700_000_005_000);
    counter.incExemplar(3, { trace_id: 'b' });
    counter.inc(4);
    expect(registry.text('openmetrics')).toContain('c_total 9 # {trace_id="b"} 3 1700000005\n');
  });

  it('works through bound children, plain and with a TTL', () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const fast = registry.counter({ name: 'fast', help: 'F.', labelNames: ['k'] });
    const expiring = registry.counter({ name: 'slow', help: 'S.', labelNames: ['k'], ttlMs: 10 });
    const latency = registry.histogram({
      name: 'lat',
      help: 'L.',
      labelNames: ['k'],
      buckets: [1],
    });
    fast.labels({ k: 'a' }).incExemplar(2, { id: '1' });
    const child = expiring.labels({ k: 'a' });
    child.incExemplar(1, { id: '2' });
    clock.advance(20);
    registry.text(); // the series expires
    child.incExemplar(5, { id: '3' });
    latency.labels({ k: 'a' }).observeExemplar(0.5, { id: '4' });
    const text = registry.text('openmetrics');
    expect(text).toContain('fast_total{k="a"} 2 # {id="1"} 2 1700000000.123\n');
    expect(text).toContain('slow_total{k="a"} 5 # {id="3"} 5 1700000000.123\n');
    expect(text).toContain('lat_bucket{k="a",le="1"} 1 # {id="4"} 0.5 1700000000.123\n');
    expect(text).toContain('lat_bucket{k="a",le="+Inf"} 1\n');
    expect(fast.get({ k: 'a' })).toBe(2);
  });

  it('keeps exemplars on the overflow series', () => {
    const registry = new Registry();
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['u'], maxSeries: 1 });
    const histogram = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: ['u'],
      maxSeries: 1,
      buckets: [1],
    });
    counter.inc({ u: 'a' });
    counter.incExemplar({ u: 'b' }, 1, { trace_id: 'over' });
    histogram.observe({ u: 'a' }, 1);
    histogram.observeExemplar({ u: 'b' }, 2, { trace_id: 'over2' });
    const text = registry.text('openmetrics');
    expect(text).toContain('c_total{u="__overflow__"} 1 # {trace_id="over"} 1 1700000000.123\n');
    expect(text).toContain(
      'h_bucket{u="__overflow__",le="+Inf"} 1 # {trace_id="over2"} 2 1700000000.123\n',
    );
    expect(counter.overflowed).toBe(1);
    expect(histogram.overflowed).toBe(1);
  });

  it('records nothing when sampling drops the call, and the value measured when it keeps it', () => {
    let draw = 0.9;
    const registry = new Registry({ random: () => draw });
    const counter = registry.counter({ name: 'c', help: 'C.', sampleRate: 4 });
    const histogram = registry.histogram({ name: 'h', help: 'H.', sampleRate: 4, buckets: [1] });
    const counterChild = registry
      .counter({ name: 'cc', help: 'C.', labelNames: ['k'], sampleRate: 4 })
      .labels({ k: 'x' });
    const histogramChild = registry
      .histogram({ name: 'hh', help: 'H.', labelNames: ['k'], sampleRate: 4, buckets: [1] })
      .labels({ k: 'x' });
    counter.incExemplar(1, { id: 'dropped' });
    histogram.observeExemplar(0.5, { id: 'dropped' });
    counterChild.incExemplar(1, { id: 'dropped' });
    histogramChild.observeExemplar(0.5, { id: 'dropped' });
    expect(registry.text('openmetrics')).not.toContain('dropped');
    expect(counter.get()).toBe(0);
    expect(histogram.get().count).toBe(0);
    draw = 0;
    counter.incExemplar(2, { id: 'kept' });
    histogram.observeExemplar(0.5, { id: 'kept' });
    counterChild.incExemplar(2, { id: 'kept' });
    histogramChild.observeExemplar(0.5, { id: 'kept' });
    const text = registry.text('openmetrics');
    expect(text).toContain('c_total 8 # {id="kept"} 2 1700000000.123\n');
    expect(text).toContain('h_bucket{le="1"} 4 # {id="kept"} 0.5 1700000000.123\n');
    expect(text).toContain('cc_total{k="x"} 8 # {id="kept"} 2 1700000000.123\n');
    expect(text).toContain('hh_bucket{k="x",le="1"} 4 # {id="kept"} 0.5 1700000000.123\n');
  });
});

describe('exemplar validation', () => {
  function metrics() {
    const registry = new Registry();
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['k'] });
    const histogram = registry.histogram({ name: 'h', help: 'H.', buckets: [1] });
    return { registry, counter, histogram };
  }

  it('accepts names and values of 128 code points together, counting a surrogate pair as one', () => {
    const { registry, counter } = metrics();
    counter.incExemplar({ k: 'a' }, 1, { id: 'x'.repeat(126) });
    counter.incExemplar({ k: 'a' }, 1, { id: '😀'.repeat(126) });
    expect(counter.get({ k: 'a' })).toBe(2);
    expect(registry.text('openmetrics')).toContain('😀'.repeat(126));
  });

  it('refuses more than 128 code points before recording anything', () => {
    const { registry, counter, histogram } = metrics();
    const before = registry.text('openmetrics');
    let error: unknown;
    try {
      counter.incExemplar({ k: 'a' }, 1, { trace_id: 'x'.repeat(100), span_id: 'y'.repeat(20) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MetricsLabelError);
    expect(isMetricsLabelError(error)).toBe(true);
    expect(error).toMatchObject({ metric: 'c', label: 'span_id' });
    expect((error as Error).message).toMatch(/exemplar.*128 code points/);
    expect(() => histogram.observeExemplar(0.5, { id: '😀'.repeat(127) })).toThrow(
      MetricsLabelError,
    );
    expect(registry.text('openmetrics')).toBe(before);
  });

  it('refuses invalid names, values that are not strings and labels that are not an object', () => {
    const { registry, counter, histogram } = metrics();
    const bound = registry
      .histogram({ name: 'h2', help: 'H.', labelNames: ['k'] })
      .labels({ k: 'x' });
    const boundCounter = counter.labels({ k: 'b' });
    const before = registry.text('openmetrics');
    expect(() => counter.incExemplar({ k: 'a' }, 1, { 'trace-id': 'x' })).toThrow(
      /Metric "c", label "trace-id": not a valid exemplar label name/,
    );
    expect(() => counter.incExemplar({ k: 'a' }, 1, { __id: 'x' })).toThrow(MetricsLabelError);
    expect(() => histogram.observeExemplar(1, { id: 5 as unknown as string })).toThrow(
      /Metric "h", label "id": an exemplar label value must be a string, got number/,
    );
    expect(() => histogram.observeExemplar(1, null as never)).toThrow(TypeError);
    expect(() => histogram.observeExemplar(1, ['x'] as never)).toThrow(/got an array/);
    expect(() => counter.incExemplar({ k: 'a' }, 1, 'id' as never)).toThrow(/got string/);
    expect(() => boundCounter.incExemplar(1, { 'a b': 'x' })).toThrow(MetricsLabelError);
    expect(() => bound.observeExemplar(1, { 'a b': 'x' })).toThrow(MetricsLabelError);
    expect(registry.text('openmetrics')).toBe(before);
    expect(counter.get({ k: 'a' })).toBe(0);
    expect(counter.get({ k: 'b' })).toBe(0);
    expect(histogram.get().count).toBe(0);
  });

  it('checks the measured value as inc and observe do', () => {
    const { counter, histogram } = metrics();
    expect(() => counter.incExemplar({ k: 'a' }, -1, { id: 'x' })).toThrow(RangeError);
    expect(() => counter.labels({ k: 'a' }).incExemplar(Number.NaN, { id: 'x' })).toThrow(
      RangeError,
    );
    expect(() => histogram.observeExemplar(Number.POSITIVE_INFINITY, { id: 'x' })).toThrow(
      RangeError,
    );
    expect(() => counter.incExemplar({ k: 'a', z: 'b' } as never, 1, { id: 'x' })).toThrow(
      MetricsLabelError,
    );
    expect(counter.get({ k: 'a' })).toBe(0);
  });

  it('types the unlabelled and labelled forms', () => {
    const { counter, histogram } = metrics();
    // @ts-expect-error: a labelled counter needs its labels
    expect(() => counter.incExemplar(1, { id: 'x' })).toThrow();
    // @ts-expect-error: an unlabelled histogram takes no labels
    histogram.observeExemplar({}, 1, { id: 'x' });
    expect(histogram.get().count).toBe(1);
  });
});
