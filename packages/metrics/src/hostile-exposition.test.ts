import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMetricsLabelError } from './errors.js';
import type { ExemplarLabels } from './exemplar.js';
import { promtoolCheck, promtoolCheckOpenMetrics } from './promtool.fixture.js';
import { Registry } from './registry.js';

/**
 * Text that tries to break a line or the encoding: every code point, the characters the
 * formats escape or use as syntax, control characters and lone UTF-16 surrogates.
 */
const hostileChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\\', '\n', '"', '\r', '\t', '\u0000', '#', '{', '}', '=', ',', ' ', '\u2028'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.constant('😀'),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 40 });

/** Finite numbers, the extremes included. */
const finite = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21, 2 ** 53 + 2),
);
const increment = finite.map(Math.abs);

interface Hostile {
  readonly help: string;
  readonly values: readonly string[];
  readonly increments: readonly number[];
  readonly observations: readonly number[];
  readonly exemplar: string;
  readonly sampleRate: number;
}

const hostile: fc.Arbitrary<Hostile> = fc.record({
  help: hostileText,
  values: fc.array(hostileText, { minLength: 1, maxLength: 12 }),
  increments: fc.array(increment, { minLength: 1, maxLength: 12 }),
  observations: fc.array(finite, { minLength: 1, maxLength: 12 }),
  exemplar: hostileText,
  sampleRate: fc.constantFrom(1, 3, 2 ** 40),
});

/** Runs `f`; an exemplar refused for its length is part of the game. */
function tolerant(f: () => void): void {
  try {
    f();
  } catch (error) {
    if (!isMetricsLabelError(error)) throw error;
  }
}

/** One registry with a metric of every type per case, fed the hostile text and numbers. */
function build(cases: readonly Hostile[]): Registry {
  const registry = new Registry({ random: () => 0 });
  cases.forEach((c, n) => {
    // A HELP text of its own per family; never empty, which promtool would lint.
    const help = `H ${c.help}`;
    const labelNames = ['v', 'w'] as const;
    const counter = registry.counter({ name: `c${n}_total`, help, labelNames, maxSeries: 8 });
    const sampled = registry.counter({
      name: `cs${n}`,
      help,
      labelNames,
      sampleRate: c.sampleRate,
    });
    const gauge = registry.gauge({ name: `g${n}`, help, labelNames, maxLabelValues: 4 });
    const histogram = registry.histogram({
      name: `h${n}_seconds`,
      help,
      unit: 'seconds',
      labelNames,
      buckets: [-1e300, -1, 0, 1e-300, 1, 1e300],
      sampleRate: c.sampleRate,
    });
    const summary = registry.summary({ name: `s${n}`, help, labelNames, percentiles: [0.5, 1e-9] });
    const exemplar: ExemplarLabels = { e: c.exemplar };
    c.values.forEach((v, i) => {
      const labels = { v, w: i % 2 === 0 ? v : i };
      const amount = c.increments[i % c.increments.length] as number;
      const observation = c.observations[i % c.observations.length] as number;
      counter.inc(labels, amount);
      tolerant(() => counter.incExemplar(labels, amount, exemplar));
      sampled.inc(labels, amount);
      gauge.set(labels, observation);
      gauge.inc(labels, observation);
      histogram.observe(labels, observation);
      tolerant(() => histogram.observeExemplar(labels, observation, exemplar));
      summary.observe(labels, observation);
    });
  });
  return registry;
}

describe('a registry fed hostile text and numbers', () => {
  it('writes expositions that promtool parses, in both formats', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 6 }), (cases) => {
        const registry = build(cases);
        const text = registry.text('prometheus');
        const checked = promtoolCheck(text);
        expect(checked.output).toBe('');
        expect(checked.status).toBe(0);
        const openMetrics = promtoolCheckOpenMetrics(registry.text('openmetrics'));
        expect(openMetrics.output).toBe('');
        expect(openMetrics.status).toBe(0);
      }),
      // Each run spawns promtool twice: few runs, many metrics in each.
      { numRuns: 6 },
    );
  });
});
