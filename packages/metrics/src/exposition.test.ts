import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentFor, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import { promtoolCheck } from './promtool.fixture.js';
import { Registry } from './registry.js';

/** One registry with every type, labels that need escaping and a unit. */
function sample(): Registry {
  const registry = new Registry();
  const requests = registry.counter({
    name: 'http_requests_total',
    help: 'HTTP requests, by "method" and code.\nSecond line with a \\ backslash.',
    labelNames: ['method', 'code'],
  });
  requests.inc({ method: 'GET', code: 200 }, 3);
  requests.inc({ method: 'say "hi"\nback\\slash', code: '500' });
  registry.gauge({ name: 'queue_depth', help: 'Items waiting.' }).set(-2.5);
  const latency = registry.histogram({
    name: 'request_duration_seconds',
    help: 'Request duration.',
    unit: 'seconds',
    labelNames: ['route'],
    buckets: [0.1, 0.5, 1],
  });
  latency.observe({ route: '/users/:id' }, 0.05);
  latency.observe({ route: '/users/:id' }, 0.7);
  latency.observe({ route: '/users/:id' }, 3);
  registry.histogram({ name: 'empty_seconds', help: 'No observations.', buckets: [1] });
  return registry;
}

describe('exposition', () => {
  it('writes the Prometheus text format 0.0.4', async () => {
    await expect(sample().text('prometheus')).toMatchFileSnapshot('./golden/prometheus.txt');
  });

  it('writes OpenMetrics 1.0 with _total counters, units and # EOF', async () => {
    await expect(sample().text('openmetrics')).toMatchFileSnapshot('./golden/openmetrics.txt');
  });

  it('passes promtool check metrics', () => {
    const result = promtoolCheck(sample().text('prometheus'));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('chooses the format from the Accept header', () => {
    const registry = sample();
    const om = registry.expose(
      'application/openmetrics-text; version=1.0.0; charset=utf-8,text/plain;q=0.5',
    );
    expect(om.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    const text = registry.expose('text/plain');
    expect(text.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(text.body).not.toContain('# EOF');
    expect(registry.expose().contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(contentFor('application/openmetrics-text;q=0').format).toBe('prometheus');
    expect(contentFor('application/openmetrics-text; version=0.0.1').format).toBe('prometheus');
    expect(contentFor('Application/OpenMetrics-Text').format).toBe('openmetrics');
    expect(contentFor(null).format).toBe('prometheus');
    // Parameter values may be quoted strings.
    expect(contentFor('application/openmetrics-text; version="1.0.0"').format).toBe('openmetrics');
    expect(contentFor('application/openmetrics-text; q="0"').format).toBe('prometheus');
    expect(contentFor('application/openmetrics-text; version="0.0.1"').format).toBe('prometheus');
  });

  it('refuses an unknown format', () => {
    expect(() => new Registry().text('json' as 'prometheus')).toThrow(RangeError);
  });

  it('writes lone surrogates in label values and help as U+FFFD', () => {
    const registry = new Registry();
    registry
      .counter({ name: 'c', help: 'bad \uD800 help', labelNames: ['v'] })
      .inc({ v: 'a\uDC00b\uD83D' });
    const text = registry.text();
    expect(text).toContain('c_total{v="a\uFFFDb\uFFFD"} 1');
    expect(text).toContain('# HELP c_total bad \uFFFD help');
    expect(text).toBe(Buffer.from(text, 'utf8').toString('utf8'));
  });

  it('keeps values written alike in one series: a lone surrogate is U+FFFD', () => {
    const registry = new Registry();
    const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['v', 'w'] });
    counter.inc({ v: '\uD800', w: 'x' });
    counter.inc({ v: '\uDC00', w: 'x' }, 2);
    counter.inc({ v: '\uFFFD', w: 'x' }, 3);
    const child = counter.labels({ v: 'a\uDBFF', w: 'x' });
    child.inc(4);
    counter.inc({ v: 'a\uDFFF', w: 'x' }, 5);
    expect(counter.seriesCount).toBe(2);
    expect(counter.get({ v: '\uDFFF', w: 'x' })).toBe(6);
    expect(counter.get({ v: 'a\uFFFD', w: 'x' })).toBe(9);
    expect(
      registry
        .text()
        .split('\n')
        .filter((line) => line.startsWith('c_total')),
    ).toEqual(['c_total{v="\uFFFD",w="x"} 6', 'c_total{v="a\uFFFD",w="x"} 9']);
    // With a normalizer too, and under maxLabelValues: one value, not three.
    const limited = registry.gauge({
      name: 'g',
      help: 'G.',
      labelNames: ['v'],
      maxLabelValues: 1,
      normalize: { v: (value) => value },
    });
    limited.set({ v: '\uD800' }, 1);
    limited.set({ v: '\uDC00' }, 2);
    expect(limited.get({ v: '\uFFFD' })).toBe(2);
    expect(limited.overflowed).toBe(0);
  });

  it('keeps every line parseable whatever the label value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 20 }),
        (values) => {
          const registry = new Registry();
          const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['v'] });
          for (const value of values) counter.inc({ v: value });
          const lines = registry.text().split('\n').slice(2, -1);
          const seen = lines.map((line) => {
            const match = /^c_total\{v="((?:[^"\\\n]|\\\\|\\n|\\")*)"\} \d+$/.exec(line);
            expect(match, line).not.toBeNull();
            return (match?.[1] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
          });
          // Values spelt alike once written (lone surrogates as U+FFFD) are one series.
          const expected = [...new Set(values.map((v) => Buffer.from(v, 'utf8').toString('utf8')))];
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
